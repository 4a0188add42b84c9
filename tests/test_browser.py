"""The app as an analyst uses it, in a real browser: Debian's headless chromium driven by Playwright.

Never `playwright install`: `make test` installs chromium first (the Makefile's `browser` target);
without /usr/bin/chromium the tests are skipped with the reason. The tests are few and each walks a
whole path through the app, on the served app the module shares (``server`` in conftest). With
``PLANQA_SCREENSHOTS=DIR`` they also save the README's screenshots into DIR.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no network here; before gradio is imported

from conftest import free_port  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
# Headless chromium in a container as root, with no network: no sandbox, GPU, QUIC or background calls.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# True for each character of the container's text that sits inside a <mark>: marks are cut where the
# highlight kinds change, so a quantity can span two adjacent marks ("10批次" + "/千人").
MARKED_TEXT_JS = """
(root) => {
  let text = "", marked = [];
  const walk = (node, inMark) => {
    if (node.nodeType === Node.TEXT_NODE) {
      text += node.data;
      for (const _ of node.data) marked.push(inMark);
      return;
    }
    const mark = inMark || node.nodeName === "MARK";
    for (const child of node.childNodes) walk(child, mark);
  };
  walk(root, false);
  return [text, marked];
}
"""
# Wider than the window: the page scrolls sideways (what a phone user must never have to do).
OVERFLOW_JS = "() => document.documentElement.scrollWidth - window.innerWidth"
FOOD = "深圳到2025年食品抽检要达到什么水平"
TARGET = "10批次/千人"
HUZHOU_FOOD = "湖州到2025年食品抽检量"  # Huzhou's plans state no food sampling rate; Shenzhen's do (TARGET)
WAIT = 90_000  # ms: a shared two-core machine
# ms: a first look at passages embeds their sentences (search.memo keeps them): the first comparison spent
# 88 s of its 93 s in m3e on a loaded two-core machine (search.compare.rank_passages)
COLD_WAIT = 300_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.model,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: `make browser` installs it"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh temporary --user-data-dir of its own.
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def shot(page, name: str, near: str = "") -> None:
    """Save the window as DIR/name (with ``PLANQA_SCREENSHOTS=DIR``), scrolled to ``near`` if given."""
    folder = os.environ.get("PLANQA_SCREENSHOTS")
    if folder:
        if near:
            page.locator(near).first.scroll_into_view_if_needed()
        page.screenshot(path=str(Path(folder) / name))


def is_marked(page, selector: str, needle: str) -> bool:
    """Does ``needle`` occur in the element's text with every character of it inside a <mark>?"""
    text, marked = page.locator(selector).evaluate(MARKED_TEXT_JS)
    at = text.find(needle)
    while at >= 0:
        if all(marked[at : at + len(needle)]):
            return True
        at = text.find(needle, at + 1)
    return False


def query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_ask_copy_open_the_citation_and_restore_it_from_the_url(server, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.rstrip("/"))
    page = context.new_page()
    page.goto(server)
    page.locator("#ask").click()  # an empty question: a note, no trace
    page.wait_for_selector("#answer .pq-note", timeout=WAIT)
    assert "请输入问题" in page.locator("#answer").inner_text()
    # an example chip runs at once: no old answer under a new question
    page.locator("#examples .pq-run", has_text=FOOD).click()
    page.wait_for_selector("#answer a.citation-link", timeout=WAIT)
    assert TARGET in page.locator("#answer").inner_text() and is_marked(page, "#answer", TARGET)
    assert query(page)["q"] == FOOD and query(page)["tab"] == "ask"
    assert "深圳市" in page.locator("#filters-active").inner_text()  # understood as: place
    assert page.locator("#history .pq-run", has_text=FOOD).count() == 1  # the session's history
    assert "关键词 keywords" in page.locator("#passages .pq-why").first.text_content()
    shot(page, "ask.png")
    page.reload()  # the URL the app wrote restores the question and its answer (a new session: no history)
    page.wait_for_selector("#answer a.citation-link", timeout=WAIT)
    assert page.locator("#question textarea").input_value() == FOOD and TARGET in page.locator("#answer").inner_text()
    # copy: 「quote」 + citation, ready for a memo
    copy = page.locator("#answer .pq-copy").first
    copy.click()
    page.wait_for_function("document.querySelector('#answer .pq-copy').textContent.includes('Copied')")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == copy.get_attribute("data-copy")
    assert copied.startswith("「") and f"{TARGET}" in copied and "」——《深圳市食品药品安全“十四五”规划》" in copied
    card_copy = page.locator("#passages .pq-passage").first.locator(".pq-copy").first  # and on a passage card
    card_copy.click()
    page.wait_for_function("document.querySelector('#passages .pq-copy').textContent.includes('Copied')")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == card_copy.get_attribute("data-copy") and copied.startswith("「") and "」——《" in copied
    # the citation opens the viewer at the passage, marked, with the outline beside it
    page.locator("#answer a.citation-link").click()
    page.wait_for_selector("#viewer mark", timeout=WAIT)
    assert TARGET in page.locator("#viewer mark").inner_text()
    assert page.get_by_role("tab", name="文档 Documents").get_attribute("aria-selected") == "true"
    state = query(page)
    assert state["tab"] == "documents" and state["doc"] and state["at"]
    shot(page, "viewer.png")
    headings = page.locator("#viewer .pq-outline-link")
    assert headings.count() > 5
    first = headings.first.inner_text()
    headings.first.click()  # the outline is clickable
    head = "() => document.querySelector('#viewer .pq-section-head')?.textContent || ''"
    page.wait_for_function(f"(h) => ({head})().endsWith(h)", arg=first)
    before = page.evaluate(head)
    page.locator("#viewer .pq-nav", has_text="下一节 Next").first.click()  # previous/next section
    page.wait_for_function(f"(h) => ({head})() !== h", arg=before)
    # a shared link restores the viewer at the passage; a question's link restores the answer
    page.goto(f"{server}?tab=documents&doc={state['doc']}&at={state['at']}")
    page.wait_for_selector("#viewer mark", timeout=WAIT)
    assert TARGET in page.locator("#viewer mark").inner_text()
    page.goto(f"{server}?q={FOOD}")
    page.wait_for_selector("#answer a.citation-link", timeout=WAIT)
    assert page.locator("#question textarea").input_value() == FOOD
    assert TARGET in page.locator("#answer").inner_text()
    context.close()


def test_filters_not_found_compare_tray_and_cite(server, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    # a Shenzhen question with a Huzhou filter: the chip and one message say why there is no answer
    page.goto(f"{server}?q={FOOD}&region=湖州市")
    page.wait_for_selector("#filters-active .pq-filter", timeout=WAIT)
    assert "地区 Region: 湖州市" in page.locator("#filters-active").inner_text()
    assert page.locator("#filters-active .pq-conflict").count() == 1
    assert page.locator("#not-found").count() == 1
    page.locator("#filters-active .pq-filter .pq-x").click()  # remove the chip: the answer changes
    page.wait_for_selector("#answer a.citation-link", timeout=WAIT)
    assert page.locator("#filters-active .pq-filter").count() == 0 and page.locator("#not-found").count() == 0
    assert TARGET in page.locator("#answer").inner_text()
    assert "region" not in query(page)
    # more passages on demand
    before = page.locator("#passages .pq-passage").count()
    page.locator("#passages .pq-more").click()
    page.wait_for_function(f"document.querySelectorAll('#passages .pq-passage').length > {before}", timeout=WAIT)
    # add two passages to the tray, compare them side by side
    page.locator("#passages .pq-add").nth(0).click()
    page.wait_for_selector("#compare-tray .pq-tray-item", timeout=WAIT)
    page.locator("#passages .pq-add").nth(1).click()
    page.wait_for_selector("#compare-tray button[data-pq=compare-tray]:not([disabled])", timeout=WAIT)
    page.locator("#compare-tray button[data-pq=compare-tray]").click()
    page.wait_for_selector("#passage-pair .pq-side .pq-passage", timeout=WAIT)
    assert page.locator("#passage-pair .pq-passage").count() == 2
    assert "共同词 Shared terms" in page.locator("#passage-pair").inner_text()
    boxes = [page.locator("#passage-pair .pq-passage").nth(i).bounding_box() for i in (0, 1)]
    assert boxes[0]["x"] < boxes[1]["x"] and abs(boxes[0]["y"] - boxes[1]["y"]) < 5  # side by side
    # the plan-by-plan table; Enter submits the compare question
    page.locator("#compare-question textarea").fill("2025年食品抽检目标")
    page.locator("#compare-question textarea").press("Enter")
    page.wait_for_selector("#comparison .pq-plan-table", timeout=COLD_WAIT)
    assert page.locator("#comparison .pq-plan-table th").first.inner_text() == "指标 Indicator"
    shot(page, "compare.png")
    # an unanswerable question: the not-found panel, candidates without marks
    page.get_by_role("tab", name="问答 Ask").click()
    page.locator("#question textarea").fill("杭州市2025年食品抽检要达到什么水平")
    page.locator("#question textarea").press("Enter")
    page.wait_for_selector("#not-found", timeout=WAIT)
    assert "These plans do not say" in page.locator("#not-found").inner_text()
    assert "杭州市" in page.locator("#not-found").inner_text()
    assert page.locator("#passages mark").count() == 0
    shot(page, "not-found.png")
    # Cite: Ctrl+Enter finds the quote's source
    page.get_by_role("tab", name="溯源 Cite").click()
    page.locator("#quote textarea").fill("食用农产品和食品抽检量达到10批次/千人")
    page.locator("#quote textarea").press("Control+Enter")
    page.wait_for_selector("#source mark", timeout=WAIT)
    assert page.locator("#source a.citation-link").count() == 1
    page.close()


def test_removing_an_understood_chip_changes_the_answer_and_the_url_keeps_it(server, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(server)
    page.locator("#question textarea").fill(HUZHOU_FOOD)
    page.locator("#question textarea").press("Enter")
    page.wait_for_selector("#answer a.citation-link", timeout=WAIT)
    place = page.locator("#filters-active .pq-understood", has_text="地点 Place: 湖州市")
    assert place.count() == 1 and "湖州市" in page.locator("#answer .citation-link").inner_text()
    before = page.locator("#answer").inner_text()
    assert TARGET not in before
    place.locator(".pq-x").click()  # set the place aside: the answer comes from the plans of any place
    page.wait_for_selector("#filters-active .pq-ignored", timeout=COLD_WAIT)  # other places' passages, new
    page.wait_for_function(f"document.querySelector('#answer').innerText.includes('{TARGET}')", timeout=WAIT)
    assert "深圳市" in page.locator("#answer .citation-link").inner_text()
    ignored = page.locator("#filters-active .pq-ignored")
    assert "湖州市" in ignored.inner_text() and "已忽略 ignored" in ignored.inner_text()
    assert page.locator("#filters-active .pq-understood", has_text="湖州市").count() == 0
    assert query(page)["ignore"] == "places" and query(page)["q"] == HUZHOU_FOOD
    shot(page, "chips.png", "#filters-active")
    page.reload()  # the URL restores the question with the place still set aside
    page.wait_for_selector("#filters-active .pq-ignored", timeout=WAIT)
    page.wait_for_function(f"document.querySelector('#answer').innerText.includes('{TARGET}')", timeout=WAIT)
    page.locator("#filters-active .pq-restore").click()  # put it back: the first answer again
    page.wait_for_function("!document.querySelector('#filters-active .pq-ignored')", timeout=WAIT)
    page.wait_for_function(f"!document.querySelector('#answer').innerText.includes('{TARGET}')", timeout=WAIT)
    assert page.locator("#answer").inner_text() == before and "ignore" not in query(page)
    page.close()


def test_phone_layout_reaches_every_tab_without_sideways_scrolling(server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(f"{server}?q={FOOD}")
    page.wait_for_selector("#answer a.citation-link", timeout=WAIT)
    shot(page, "phone.png")
    tabs = page.get_by_role("tab")
    assert [t.inner_text() for t in tabs.all()] == ["问答 Ask", "对比 Compare", "溯源 Cite", "文档 Documents"]
    assert all(t.is_visible() for t in tabs.all())  # none behind an overflow menu
    assert page.evaluate(OVERFLOW_JS) <= 0, "Ask"
    for name in ("对比 Compare", "溯源 Cite", "文档 Documents"):
        page.get_by_role("tab", name=name).click()
        page.wait_for_timeout(500)
        assert page.evaluate(OVERFLOW_JS) <= 0, name
    # with results in them too: a comparison's table and a quote's source
    page.get_by_role("tab", name="对比 Compare").click()
    page.locator("#compare-question textarea").fill("2025年食品抽检目标")
    page.locator("#compare-question textarea").press("Enter")
    page.wait_for_selector("#comparison .pq-plan-table", timeout=COLD_WAIT)
    assert page.evaluate(OVERFLOW_JS) <= 0, "Compare, with a comparison"
    page.get_by_role("tab", name="溯源 Cite").click()
    page.locator("#quote textarea").fill("食用农产品和食品抽检量达到10批次/千人")
    page.locator("#cite").click()
    page.wait_for_selector("#source mark", timeout=WAIT)
    assert page.evaluate(OVERFLOW_JS) <= 0, "Cite, with a source"
    page.get_by_role("tab", name="文档 Documents").click()
    page.locator("#documents .pq-doc-link").first.click()
    page.wait_for_selector("#viewer .pq-reader", timeout=WAIT)
    assert page.evaluate(OVERFLOW_JS) <= 0, "viewer"
    page.close()


PLAN = (
    "星河市数字经济发展“十四五”规划\n\n"
    "一、发展目标\n"
    "到2025年，星河市数字经济核心产业增加值达到1234亿元，建成5G基站3万个。\n"
    "二、主要任务\n"
    "推进数据要素市场建设，培育数字经济龙头企业。\n"
)


@pytest.fixture(scope="module")
def upload_server(built_index, tmp_path_factory):
    """The app over a copy of the seeds index (an upload changes the index it serves)."""
    import app_serve
    from search.engine import Engine

    index = tmp_path_factory.mktemp("upload") / "index"
    shutil.copytree(built_index, index)
    port = free_port()
    demo = app_serve.serve(Engine.load(index, build_if_missing=False), host="127.0.0.1", port=port, block=False, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def test_an_uploaded_plan_is_listed_answers_without_a_restart_and_can_be_removed(upload_server, browser, tmp_path):
    plan = tmp_path / "星河市规划.txt"
    plan.write_text(PLAN, encoding="utf-8")
    junk = tmp_path / "photo.txt"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{upload_server}?tab=documents")
    page.wait_for_selector("#documents .pq-doc-row", timeout=WAIT)
    started = time.perf_counter()
    page.locator("#upload input[type=file]").set_input_files([str(plan), str(junk)])
    page.wait_for_selector("#upload-report .pq-ok", timeout=240_000)
    report = page.locator("#upload-report").inner_text()
    assert "✓ 星河市规划.txt" in report and "✗ photo.txt" in report and "not a document planqa reads" in report
    assert "星河市数字经济发展“十四五”规划" in page.locator("#documents").inner_text()
    shot(page, "documents.png", "#upload-report")
    page.get_by_role("tab", name="问答 Ask").click()
    page.locator("#question textarea").fill("星河市到2025年数字经济核心产业增加值目标是多少")
    page.locator("#question textarea").press("Enter")
    page.wait_for_selector("#answer a.citation-link", timeout=WAIT)
    assert "1234亿元" in page.locator("#answer").inner_text()
    print(f"upload to answer: {time.perf_counter() - started:.1f} s")
    # and out again: remove it from the Documents tab (after a confirmation)
    page.get_by_role("tab", name="文档 Documents").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#documents .pq-doc-row", has_text="星河市").locator(".pq-remove").click()
    page.wait_for_selector("#upload-report :text('Removed from the index')", timeout=WAIT)
    assert "星河市" not in page.locator("#documents").inner_text()
    page.close()


@pytest.fixture(scope="module")
def pdf_server(tmp_path_factory):
    """The app over a plan PDF and two text plans (hash encoder: this path needs no model)."""
    from conftest import HashEncoder
    from pdf_fixture import FONT, build_pdf_index

    import app_serve
    from search.engine import Engine

    if not FONT.exists():
        pytest.skip("needs fonts-wqy-microhei (make system)")
    index = build_pdf_index(tmp_path_factory.mktemp("pdf-app"))
    engine = Engine.load(index, build_if_missing=False, encoders={"dense": HashEncoder(), "use": HashEncoder()})
    port = free_port()
    demo = app_serve.serve(engine, host="127.0.0.1", port=port, block=False, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def test_a_pdf_citation_shows_the_printed_page_with_the_passage_marked(pdf_server, browser):
    from pdf_fixture import TARGET_SENTENCE

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{pdf_server}?q=星河市到2025年细颗粒物年均浓度降至多少")
    page.wait_for_selector("#answer a.citation-link", timeout=WAIT)
    page.locator("#answer a.citation-link").click()
    page.wait_for_selector("#viewer mark", timeout=WAIT)
    assert TARGET_SENTENCE in page.locator("#viewer mark").inner_text()  # the text view as before
    # the answering sentence opens page 2 (its passage starts at a heading on the foot of page 1)
    assert page.locator("#viewer .pq-show-page").inner_text() == "显示原页 Show page (p. 2)"
    page.locator("#viewer .pq-show-page").click()  # 显示原页 Show page
    image = page.locator("#viewer .pq-page-image").first
    image.wait_for(state="visible", timeout=WAIT)
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=WAIT)
    sheet = page.locator("#viewer .pq-page-sheet").first
    marks = sheet.locator(".page-mark")
    assert marks.count() >= 1
    box, mark = image.bounding_box(), marks.first.bounding_box()
    assert box["x"] <= mark["x"] < mark["x"] + mark["width"] <= box["x"] + box["width"] + 1
    assert box["y"] <= mark["y"] < mark["y"] + mark["height"] <= box["y"] + box["height"] + 1
    page.locator("#viewer .pq-reader").evaluate("(reader) => reader.scrollIntoView({block: 'start'})")
    shot(page, "page.png")  # the text view with its mark, the toggle and the page's top with the passage
    page.set_viewport_size({"width": 390, "height": 844})  # on a phone the page shrinks to the screen
    page.wait_for_timeout(500)
    assert page.evaluate(OVERFLOW_JS) <= 0 and marks.first.bounding_box()["width"] > 0
    page.close()
