"""The Ask tab in a real browser: Debian's headless chromium driven by Playwright (never `playwright install`).

`make test` installs chromium first (the Makefile's `browser` target); without /usr/bin/chromium the
tests are skipped with the reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no network here; before gradio is imported


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

pytestmark = [
    pytest.mark.browser,
    pytest.mark.model,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: `make browser` installs it"),
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh temporary --user-data-dir of its own.
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def is_marked(page, selector: str, needle: str) -> bool:
    """Does ``needle`` occur in the element's text with every character of it inside a <mark>?"""
    text, marked = page.locator(selector).evaluate(MARKED_TEXT_JS)
    at = text.find(needle)
    while at >= 0:
        if all(marked[at : at + len(needle)]):
            return True
        at = text.find(needle, at + 1)
    return False


def test_ask_in_the_browser_marks_the_answer(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(server)
    page.locator("#question textarea").fill("深圳到2025年食品抽检要达到什么水平")
    page.locator("#ask").click()
    page.wait_for_selector("#passages .pq-passage", timeout=60_000)
    page.screenshot(path=str(tmp_path / "ask.png"), full_page=True)
    assert is_marked(page, "#answer", "10批次/千人") or is_marked(page, "#passages", "10批次/千人")
    assert page.locator("#answer").inner_text().count("10批次/千人") >= 1
    assert (tmp_path / "ask.png").stat().st_size > 10_000
    page.close()


def test_empty_question_enter_key_and_copy_citation(server, browser):
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.rstrip("/"))
    page = context.new_page()
    page.goto(server)
    page.locator("#ask").click()  # empty question
    page.wait_for_selector("#answer .pq-note", timeout=30_000)
    assert "请输入问题" in page.locator("#answer").inner_text()
    page.locator("#question textarea").fill("深圳到2025年食品抽检要达到什么水平")
    page.locator("#question textarea").press("Enter")  # Enter asks too
    page.wait_for_selector("#answer .pq-copy", timeout=60_000)
    citation = page.locator("#answer .pq-copy").get_attribute("data-citation")
    page.locator("#answer .pq-copy").click()
    page.wait_for_function("document.querySelector('#answer .pq-copy').textContent.includes('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == citation
    context.close()
