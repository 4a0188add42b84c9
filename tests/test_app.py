"""The Ask tab's handlers and the Blocks: exact HTML expectations on a tiny fake engine (``app_fake``)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from app_fake import (
    ANSWER,
    C1,
    C2,
    CITED,
    HITS,
    FakeEngine,
    attribute,
    marked,
)

import app
from app_tabs.ask import MAX_QUESTION_CHARS, PAGE, ask, check_question, more
from app_tabs.chips import filter_conflict, parse_ignore, understood_chips, unfilter
from app_tabs.documents import documents_list
from app_tabs.events import guarded
from app_tabs.exports import export_ask, export_compare
from app_tabs.url import url_state
from search import render


@pytest.fixture
def fake() -> FakeEngine:
    return FakeEngine()


# --- input checks --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "start"),
    [
        ("", "请输入问题"),
        ("   \n ", "请输入问题"),
        ("？？！！……", "问题里没有文字或数字"),
        ("?!.,;", "问题里没有文字或数字"),
        ("深" * 5000, "问题太长（5000 字）"),
    ],
)
def test_bad_questions_get_a_friendly_note_and_never_reach_the_engine(fake, question, start):
    answer, citation, passages, chips = ask(fake, question)
    assert answer.startswith(f'<div class="pq-note">{start}')
    assert (citation, passages, chips) == ("", "", "")
    assert fake.calls == []


def test_good_questions_pass_the_check():
    assert check_question("深圳2025年目标") is None
    assert check_question("  PM2.5 target  ") is None
    assert check_question("深" * MAX_QUESTION_CHARS) is None


# --- 问答 Ask -----------------------------------------------------------------------------------------


def test_ask_renders_a_citation_link_copy_lines_and_the_passages(fake):
    answer, citation, passages, chips = ask(fake, "  深圳食品抽检  ")
    assert fake.calls == [("ask", "深圳食品抽检", 5, None, None)]
    assert citation == "《深圳市食品药品安全“十四五”规划》二、指导思想和主要目标 › （二）主要目标 [a.txt:122-142]"
    assert marked(answer) == ["食品抽检", "10批次/千人"]  # the passage's marks, shifted onto the sentence
    link = '<a class="citation-link" href="?tab=documents&amp;doc=d1&amp;at=122-142" data-pq="view"'
    assert link in answer
    assert attribute(answer, "data-copy") == [
        f"「食用农产品和食品抽检量达到10批次/千人」——{CITED}",
        f"> 「食用农产品和食品抽检量达到10批次/千人」\n>\n> —— [{CITED}](?tab=documents&doc=d1&at=122-142)",
    ]
    # the answer sentence is marked in its passage, terms and numbers inside it keep their own marks
    assert marked(passages)[:4] == ["食用农产品和", "食品抽检", "量达到", "10批次/千人"]
    assert '<mark class="answer number">10批次/千人</mark>' in passages
    assert attribute(passages, "data-chunk") == ["c1", "c1", "c2", "c2"]  # each card can go to the tray
    assert passages.count(render.COMPARE_LABEL) == 2
    assert '<span class="pq-badge years">2021–2025</span>' in passages
    # why it ranked, in plain words; the scores only in the folded detail
    assert "匹配的词 Words matched: 食品抽检</div><div>找到方式 Found by: 关键词 keywords (#1)，语义 meaning (#2)" in passages
    assert "<tr><td>关键词 keywords</td><td>1</td><td>12.5000</td></tr>" in passages
    assert "<tr><td>关键词 keywords</td><td>—</td><td>—</td></tr>" in passages  # not found by keywords
    assert chips == ""  # no filter set, nothing understood by the fake engine


def test_filters_show_as_removable_chips(fake):
    _, _, _, chips = ask(fake, "深圳食品抽检", ["d1"], "深圳")
    assert fake.calls == [("ask", "深圳食品抽检", 5, ["d1"], "深圳")]
    assert re.findall(r'data-kind="(\w+)" data-value="([^"]+)"', chips) == [("region", "深圳"), ("doc", "d1")]
    assert "地区 Region: 深圳" in chips and "文档 Document: 《深圳市食品药品安全“十四五”规划》" in chips


def test_what_the_question_was_understood_as_is_removable_and_can_be_put_back():
    fake = FakeEngine(understands=True)
    _, _, _, chips = ask(fake, "深圳到2025年食品抽检", [], "")
    assert chips == (
        '<div class="pq-chips"><span class="pq-meta">理解为 Understood as:</span> '
        '<span class="pq-chip pq-understood">地点 Place: 深圳市<button class="pq-x" data-pq="unfilter" '
        'data-kind="ignore" data-value="places" aria-label="不按此理解 ignore">×</button></span>'
        '<span class="pq-chip pq-understood">时期 Period: 2025<button class="pq-x" data-pq="unfilter" '
        'data-kind="ignore" data-value="period" aria-label="不按此理解 ignore">×</button></span>'
        '<span class="pq-chip pq-understood">问的是 Asks for: 目标 target</span></div>'
    )
    # removing the period chip: the engine is asked without it, the chip stays, struck, with a put-back button
    documents, region, ignored = unfilter('{"kind": "ignore", "value": "period"}', [], "", "")
    assert (documents, region, ignored) == ([], "", "period")
    _, _, _, chips = ask(fake, "深圳到2025年食品抽检", documents, region, ignore=ignored)
    assert fake.calls[-1] == ("ask", "深圳到2025年食品抽检", 5, None, None, ("period",))
    assert 'data-value="period" aria-label' not in chips and 'data-value="places" aria-label' in chips
    assert chips.endswith(
        '<span class="pq-chip pq-ignored" data-facet="period"><s>时期 Period: 2025</s> 已忽略 ignored'
        '<button class="pq-btn pq-restore" data-pq="unfilter" data-kind="unignore" data-value="period" '
        'title="恢复 put back">恢复 Restore</button></span></div>'
    )
    assert unfilter('{"kind": "ignore", "value": "places"}', [], "", ignored)[2] == "places,period"
    assert unfilter('{"kind": "unignore", "value": "period"}', ["d1"], "深圳", ignored) == (["d1"], "深圳", "")
    assert unfilter('{"kind": "doc", "value": "d1"}', ["d1", "d2"], "深圳", ignored) == (["d2"], "深圳", "period")
    assert parse_ignore("period, nonsense,places") == ("places", "period")
    # the URL keeps what was set aside: a reload asks the same way
    state = url_state(fake, {"q": "深圳到2025年食品抽检", "ignore": "period,bogus"})
    assert state["ignore"] == "period" and fake.calls[-1][-1] == ("period",) and "pq-ignored" in state["ask"][3]


def test_conflicting_filters_give_one_message_and_no_search(fake):
    answer, _, passages, chips = ask(fake, "深圳食品抽检", ["d1"], "湖州")
    assert fake.calls == []
    assert 'id="not-found"' in answer and passages == ""
    assert chips.count('class="pq-conflict"') == 1 and "none of the chosen documents is of 湖州" in chips


def test_what_the_question_was_understood_as_is_shown(fake):
    from types import SimpleNamespace

    place = SimpleNamespace(name="深圳市", covered=True, doc_ids=("d1",))
    understood = SimpleNamespace(places=(place,), years=(2021, 2025), period="十四五", indicator="", aim="target")
    assert understood_chips(understood) == [
        ("地点 Place: 深圳市", "places"), ("时期 Period: 十四五（2021–2025）", "period"), ("问的是 Asks for: 目标 target", "")
    ]
    # a Shenzhen question with only Huzhou left by the region filter: said once, in plain words
    assert "asks about 深圳市" in filter_conflict(fake, [], "湖州", understood)
    assert filter_conflict(fake, [], "深圳", understood) == ""


def test_ask_without_answer_shows_the_not_found_panel_and_unmarked_candidates(fake):
    answer, citation, passages, _ = ask(fake, "无答案的问题")
    assert answer.startswith('<div id="not-found" class="pq-card pq-not-found"')
    assert "这些规划没有给出答案 These plans do not say" in answer and "no sentence states a number" in answer
    assert citation == ""
    assert "Closest passages (not an answer)" in passages
    assert passages.count('class="pq-card pq-passage"') == 1 and marked(passages) == []


def test_a_table_answer_is_a_table_with_its_header_and_the_cell_marked(fake):
    from search.types import TableAnswer

    table = TableAnswer(("指标名称", "单位", "2020年", "2025年"), ("食品抽检量", "批次/千人", "8", "10"), 3)
    card = render.answer_card(dataclasses.replace(ANSWER, table=table), HITS)
    assert "<thead><tr><th>指标名称</th><th>单位</th><th>2020年</th>" in card
    assert '<th class="pq-cell-answer">2025年</th>' in card
    assert '<td class="pq-cell-answer"><mark class="answer">10</mark></td>' in card


def test_more_passages_on_demand(fake):
    fake.chunks = [C1, C2]
    _, _, passages, _ = ask(fake, "深圳食品抽检", k=2)
    assert '<button class="pq-btn pq-more" data-pq="more" data-k="2">' in passages
    more(fake, "深圳食品抽检", [], "", "2")
    assert fake.calls[-1] == ("ask", "深圳食品抽检", 2 + PAGE, None, None)


def test_engine_value_errors_become_notes(fake):
    answer, citation, passages, _ = ask(fake, "错的筛选")
    assert answer == '<div class="pq-note">bad filter: use a doc_id from the Documents tab</div>'
    assert (citation, passages) == ("", "")


def test_document_text_cannot_inject_html(fake):
    _, _, passages, _ = ask(fake, "深圳食品抽检")
    assert "<script>" not in passages and "<b>" not in passages
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in passages
    assert "湖州&lt;b&gt;质量&lt;/b&gt;发展规划" in passages
    listing = documents_list(fake)
    assert "<b>" not in listing and "湖州&lt;b&gt;质量&lt;/b&gt;发展规划" in listing


def test_exports_are_csv_and_markdown_with_locations(fake):
    csv_text = Path(export_ask(fake, "深圳食品抽检", [], "", "csv")).read_text(encoding="utf-8")
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert lines[0] == "rank,answer,document,draft,section,page,text,citation,source,start,end"
    assert lines[1].startswith("0,yes,深圳市食品药品安全“十四五”规划,,二、指导思想和主要目标 › （二）主要目标,,")
    assert lines[1].endswith(",a.txt,122,142")
    md = Path(export_ask(fake, "深圳食品抽检", [], "", "md")).read_text(encoding="utf-8")
    assert md.startswith("# 深圳食品抽检\n\n| rank | answer |") and "| a.txt | 122 | 142 |" in md
    compare_csv = Path(export_compare(fake, "食品抽检目标", ["d1", "d2"])).read_text(encoding="utf-8")
    assert "深圳市食品药品安全“十四五”规划,食用农产品和食品抽检量达到10批次/千人,≥10批次/千人," in compare_csv


# --- the Blocks --------------------------------------------------------------------------------------
def test_build_app_names_its_endpoints_and_element_ids(fake):
    demo = app.build_app(fake)
    config = demo.get_config_file()
    names = {d["api_name"] for d in config["dependencies"] if d.get("api_visibility", "public") == "public"}
    assert {"ask", "compare", "compare_passages", "cite", "outline", "section", "upload", "export_ask"} <= names
    ids = {c["props"].get("elem_id") for c in config["components"]}
    assert {"question", "ask", "answer", "passages", "filters-active", "viewer", "upload", "documents", "quote",
            "cite", "comparison", "compare-tray"} <= ids


def test_unexpected_errors_become_a_note_not_a_trace(caplog):
    def broken(question: str) -> tuple[str, str, str]:
        raise RuntimeError("index file vanished")

    answer, citation, passages = guarded("", "")(broken)("深圳")
    assert (
        answer
        == '<div class="pq-note">出错了，请重试。 Something went wrong: RuntimeError: index file vanished</div>'
    )
    assert (citation, passages) == ("", "")
    assert "broken failed" in caplog.text
    assert guarded()(broken)("深圳").startswith('<div class="pq-note">出错了')
