"""The handlers behind each tab: exact HTML expectations on a tiny fake engine, then on the seeds."""

from __future__ import annotations

import dataclasses
import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import app
from app_tabs.ask import MAX_QUESTION_CHARS, PAGE, ask, check_question, more
from app_tabs.chips import filter_conflict, parse_ignore, understood_chips, unfilter
from app_tabs.cite import cite
from app_tabs.compare import compare, compare_passages, tray_add, tray_compare, tray_html
from app_tabs.documents import document_choices, documents_list, outline, read_section, region_choices, view
from app_tabs.events import guarded
from app_tabs.exports import export_ask, export_compare
from app_tabs.url import url_state
from index.types import Chunk, Document, Section
from search import render, render_cite
from search.types import (
    Answer,
    ChunkComparison,
    Citation,
    Column,
    Comparison,
    Hit,
    Quantity,
    QuoteMatch,
    QuoteResult,
    Span,
)
from search.types import AskResult as _AskResult
from search.understand import analyse

ROOT = Path(__file__).resolve().parent.parent

# --- a fake engine: same method names and result types as search.engine.Engine ---------------------------
TEXT = (
    "到2025年，食品药品安全治理体系更加完善，食用农产品和食品抽检量达到10批次/千人，"
    "主要农产品质量安全监测总体合格率稳定在98%以上。<script>alert(1)</script>"
)
S, E = TEXT.index("食用农产品"), TEXT.index("，主要")
DOC = Document("d1", "深圳市食品药品安全“十四五”规划", "a.txt", 0, 5000, "深圳", (2021, 2025))
DOC2 = Document("d2", "湖州<b>质量</b>发展规划", "b.txt", 0, 3000, "湖州", (2021, 2025))
PATH = (DOC.title, "二、指导思想和主要目标", "（二）主要目标")
C1 = Chunk("c1", "d1", DOC.title, PATH, TEXT, "a.txt", 100, 100 + len(TEXT))
TEXT2 = "湖州到2025年绿色建筑占比100%。<b>粗</b>"
C2 = Chunk("c2", "d2", DOC2.title, (DOC2.title, "第一章"), TEXT2, "b.txt", 10, 40)
SECTIONS = [
    Section("d1", "二、指导思想和主要目标", 1, PATH[:2], 90, 400),
    Section("d1", "（二）主要目标", 2, PATH, 95, 300),
]
CITATION = Citation("d1", DOC.title, PATH, "a.txt", 100 + S, 100 + E)
ANSWER = Answer(TEXT[S:E], "c1", 100 + S, 100 + E, CITATION, 0.9, S, E)
NUMBER = Span(TEXT.index("10批次"), TEXT.index("10批次") + 7, "number")
TERM = Span(TEXT.index("食品抽检"), TEXT.index("食品抽检") + 4, "term")
HITS = (
    Hit(C1, 0.9, 1, {"bm25": 1, "dense": 2}, {"bm25": 12.5, "dense": 0.81}, (TERM, NUMBER)),
    Hit(C2, 0.5, 2, {"bm25": None, "dense": 1}, {"bm25": None, "dense": 0.7}, ()),
)


class FakeEngine:
    documents = [DOC, DOC2]
    sections = SECTIONS
    chunks = [C1, C2]

    def __init__(self, understands: bool = False) -> None:
        self.calls: list[tuple] = []
        self.understands = understands  # answers carry the question as understood (search.understand)

    def document(self, doc_id):
        found = [d for d in self.documents if d.doc_id == doc_id]
        if not found:
            raise ValueError(f"no document {doc_id!r} in the index; `planqa docs` lists them")
        return found[0]

    def chunk(self, chunk_id):
        found = [c for c in self.chunks if c.chunk_id == chunk_id]
        if not found:
            raise ValueError(f"no chunk {chunk_id!r} in the index; `planqa chunks` lists them")
        return found[0]

    def ask(self, question, k=10, doc_ids=None, region=None, ignore=()):
        self.calls.append(("ask", question, k, doc_ids, region, *([tuple(ignore)] if ignore else [])))
        if "无" in question:
            return _AskResult(question, None, HITS[1:], "no sentence states a number")
        if "错" in question:
            raise ValueError("bad filter: use a doc_id from the Documents tab")
        understood = analyse(question, self.documents).ignoring(ignore) if self.understands else None
        return _AskResult(question, ANSWER, HITS, understood=understood)

    def compare(self, question, doc_ids=None, top=2):
        self.calls.append(("compare", question, doc_ids, top))
        quantity = Quantity("10", "批次/千人", "≥", NUMBER.start, NUMBER.end)
        return Comparison(
            question,
            (
                Column("d1", DOC.title, ANSWER, (quantity,), HITS[:1]),
                Column("d2", DOC2.title, None, (), HITS[1:]),
            ),
        )

    def compare_chunks(self, chunk_a, chunk_b):
        self.calls.append(("compare_chunks", chunk_a, chunk_b))
        shared = Span(TEXT.index("2025年"), TEXT.index("2025年") + 5, "term")
        left = Hit(C1, 1.0, 1, highlights=(shared, NUMBER))
        at = C2.text.index("100%")
        right = Hit(C2, 1.0, 2, highlights=(Span(3, 8, "term"), Span(at, at + 4, "number")))
        only_left, only_right = (Quantity("10", "批次/千人"),), (Quantity("100", "%"),)
        return ChunkComparison(left, right, ("2025年",), only_left, only_right)

    def cite(self, quote, k=5):
        self.calls.append(("cite", quote, k))
        if "抽检" in quote:
            match = QuoteMatch("d1", DOC.title, PATH, "a.txt", 100 + S, 100 + E, TEXT[S:E], 1.0, C1)
            return QuoteResult(quote, True, (match,))
        near = QuoteMatch("d2", DOC2.title, C2.section_path, "b.txt", 10, 20, C2.text[:10], 0.41, C2)
        return QuoteResult(quote, False, (near,), "best similarity 0.41 < 0.80")

    def show(self, chunk_id, context=1):
        return [self.chunk(chunk_id), C2][: 1 + context]

    def source_text(self, name):
        return SOURCES.get(name)

    def allowed(self, doc_ids=None, region=None, year=None):
        docs = [d for d in self.documents if (not doc_ids or d.doc_id in doc_ids)
                and (not region or region in (d.region or ""))]
        return [c.doc_id in {d.doc_id for d in docs} for c in self.chunks]


# The source files as the fake engine's offsets see them: TEXT at 100 of a.txt, TEXT2 at 10 of b.txt.
SOURCES = {
    "a.txt": "前" * 90 + "（二）主要目标" + "中" * 3 + TEXT + "后" * (5000 - 200 - len(TEXT)),
    "b.txt": "前" * 10 + TEXT2 + "后" * 100,
}


@pytest.fixture
def fake() -> FakeEngine:
    return FakeEngine()


def marked(html_text: str) -> list[str]:
    """The text inside each <mark> (marks are flat: never nested)."""
    return re.findall(r"<mark[^>]*>(.*?)</mark>", html_text)


def attribute(html_text: str, name: str) -> list[str]:
    return [html.unescape(v) for v in re.findall(rf'{name}="([^"]*)"', html_text)]


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
CITED = "《深圳市食品药品安全“十四五”规划》 二、指导思想和主要目标 › （二）主要目标"


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


# --- 对比 Compare --------------------------------------------------------------------------------------
def test_compare_shows_the_plan_table_and_one_column_per_document(fake):
    html_text = compare(fake, "食品抽检目标", ["d1", "d2"])
    assert fake.calls == [("compare", "食品抽检目标", ["d1", "d2"], 2)]
    row = ('<tr><th>食品抽检目标（批次/千人）</th><td class="pq-num">≥10 <span class="pq-unit">批次/千人</span></td>'
           '<td class="pq-num">—</td></tr>')
    assert row in html_text
    assert html_text.count('class="pq-card pq-col"') == 2
    assert '<span class="pq-chip">≥10批次/千人</span>' in html_text
    assert "No answer sentence in this document." in html_text


def test_compare_needs_two_documents_or_none(fake):
    assert "Pick 2–4 documents" in compare(fake, "食品抽检目标", ["d1"])
    assert fake.calls == []
    compare(fake, "食品抽检目标", [])
    assert fake.calls == [("compare", "食品抽检目标", None, 2)]


def test_the_compare_tray_adds_removes_and_compares_without_ids(fake):
    tray = tray_add(fake, [], "c1")
    tray = tray_add(fake, tray, "c2")
    assert tray_add(fake, tray, "c1") == ["c2", "c1"]  # once each, the latest last
    assert tray_add(fake, tray, "gone") == tray  # an id no longer in the index is not added
    shown = tray_html(fake, tray)
    assert attribute(shown, "data-chunk") == ["c1", "c2"] and "并排对比 Compare side by side (2)" in shown
    pair = tray_compare(fake, tray)
    assert fake.calls == [("compare_chunks", "c1", "c2")]
    assert "共同词 Shared terms: 2025年" in pair
    assert '<mark class="diff">10批次/千人</mark>' in pair and '<mark class="diff">100%</mark>' in pair
    assert '<span class="pq-chip diff">100%</span>' in pair
    assert "disabled" in tray_html(fake, ["c1"])
    assert "Add two passages" in compare_passages(fake, "c1", "  ")


# --- 溯源 Cite -----------------------------------------------------------------------------------------
def test_cite_shows_the_source_in_context_with_the_quote_marked(fake):
    html_text = cite(fake, "食用农产品和食品抽检量达到10批次/千人")
    assert 'data-at="122-142"' in html_text and "相似度 similarity 1.00" in html_text
    assert marked(html_text) == ["食用农产品和食品抽检量达到10批次/千人"]
    assert html_text.count('class="pq-text pq-context"') == 2  # the passage and the next one
    assert attribute(html_text, "data-copy")[0] == f"「食用农产品和食品抽检量达到10批次/千人」——{CITED}"


def test_a_quote_across_two_passages_is_marked_in_both():
    left = Chunk("l", "d1", "T", ("T",), "甲乙丙丁。", "a.txt", 0, 5)
    right = Chunk("r", "d1", "T", ("T",), "戊己庚。", "a.txt", 5, 9)
    match = QuoteMatch("d1", "T", ("T",), "a.txt", 2, 7, "丙丁。戊己", 1.0, left)
    assert render_cite.match_spans(left, match) == [Span(2, 5, "match")]
    assert render_cite.match_spans(right, match) == [Span(0, 2, "match")]
    assert render_cite.match_spans(Chunk("o", "d2", "U", (), "丙丁", "b.txt", 2, 4), match) == []


def test_cite_not_found_is_a_panel_and_the_candidates_are_unmarked(fake):
    html_text = cite(fake, "完全不存在的句子")
    assert html_text.startswith('<div id="not-found"')
    assert "原因 Why: best similarity 0.41 &lt; 0.80" in html_text
    assert "Closest passages (not the source)" in html_text and 'data-at="10-20"' in html_text
    assert marked(html_text) == []
    assert "引文" in cite(fake, "")


# --- 文档 Documents and the viewer ---------------------------------------------------------------------
def test_the_viewer_marks_the_cited_range_with_its_section_outline_and_neighbours(fake):
    body = view(fake, "d1", "122-142")
    assert marked(body) == [TEXT[S:E]]
    assert '<div class="pq-section-head">（二）主要目标</div>' not in body  # the path, not the bare heading
    assert '<div class="pq-section-head">二、指导思想和主要目标 › （二）主要目标</div>' in body
    assert 'data-at="90-90" title="二、指导思想和主要目标">‹ 上一节 Previous' in body
    assert '<button class="pq-btn" disabled>下一节 Next ›</button>' in body
    assert re.findall(r'class="pq-outline-link[^"]*"[^>]*data-at="(\d+)-', body) == ["90", "95"]
    assert 'class="pq-outline-link pq-here"' in body
    assert "Click a citation" in view(fake, None)
    assert "not in the index" in view(fake, "nope", "1-2")


def test_documents_list_outline_and_section(fake):
    listing = documents_list(fake)
    assert listing.count('class="pq-doc-row"') == 2
    assert "深圳 · 2021–2025 · 1 段 passages" in listing
    assert re.findall(r'class="pq-outline-link"[^>]*>([^<]+)<', outline(fake, "d1")) == [
        "二、指导思想和主要目标", "（二）主要目标"]
    assert marked(read_section(fake, "d1", "95")) == []
    assert "（二）主要目标" in read_section(fake, "d1", "95")
    assert read_section(fake, "d1", None) == ""
    assert "Pick a document" in outline(fake, None)
    assert document_choices(fake) == [(DOC.title, "d1"), (DOC2.title, "d2")]
    assert region_choices(fake) == [("全部 All", ""), ("深圳", "深圳"), ("湖州", "湖州")]


def test_the_url_restores_question_filters_tab_and_viewer(fake):
    state = url_state(fake, {"q": "深圳食品抽检", "region": "深圳", "docs": "d1,unknown", "tab": "documents",
                                 "doc": "d1", "at": "122-142"})
    assert (state["question"], state["docs"], state["region"], state["tab"]) == ("深圳食品抽检", ["d1"], "深圳",
                                                                                 "documents")
    assert fake.calls[0] == ("ask", "深圳食品抽检", 5, ["d1"], "深圳")
    assert "citation-link" in state["ask"][0] and marked(state["viewer"]) == [TEXT[S:E]]
    assert url_state(fake, {"tab": "nonsense"})["tab"] == "ask"


def test_uploads_are_checked_by_size_and_content_and_stored_under_generated_names(tmp_path):
    import app_upload

    plan = tmp_path / "../../etc/规划.txt".replace("../../etc/", "")
    plan.write_text("某市“十四五”规划\n一、目标\n到2025年达到10项。\n", encoding="utf-8")
    fake_pdf = tmp_path / "scan.pdf"
    fake_pdf.write_bytes(b"\x7fELF\x00\x00binary")
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 2048)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    taken = app_upload.intake([plan, fake_pdf, big, empty], tmp_path / "uploads", limit=1024)
    assert [(t.name, t.stored is not None) for t in taken] == [
        ("规划.txt", True), ("scan.pdf", False), ("big.txt", False), ("empty.txt", False)]
    assert re.fullmatch(r"upload-\d{8}-\d{6}-[0-9a-f]{8}\.txt", taken[0].stored.name)
    assert taken[0].stored.parent == tmp_path / "uploads"
    assert "scan.pdf is a program, not a document planqa reads" in taken[1].message and "Too large (0.0 MB" in taken[2].message
    assert app_upload.kind_of(b"%PDF-1.7") == ("pdf", "")
    assert app_upload.kind_of(bytes.fromhex("D0CF11E0A1B11AE1") + "WordDocument".encode("utf-16-le")) == ("doc", "")
    assert app_upload.kind_of(b"<!DOCTYPE html><html><body><p>x</p>") == ("html", "")
    assert app_upload.kind_of("# 规划".encode(), "plan.md") == ("md", "")
    assert app_upload.kind_of("\ufeff文".encode("utf-16")) == ("txt", "")
    assert app_upload.kind_of(b"\x89PNG\r\n\x1a\n") == (None, "is a PNG image, not a document planqa reads; OCR it or export its text first")
    lines, changed = app_upload.remove_document(FakeEngine(), "nope")
    assert (lines, changed) == ([("nope", False, "索引里没有这个文档。 This document is not in the index (any more).")],
                                False)


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


# --- the handlers on the seeds (real index and models) ------------------------------------------------
FOOD_QUESTION = "深圳到2025年食品抽检要达到什么水平"
FOOD_TARGET = "食用农产品和食品抽检量达到10批次/千人"
FOOD_SOURCE = "000_67948c9818ef1510.txt"


class _MarkedText(HTMLParser):
    """The text of an HTML fragment and, per character, whether it sits inside a <mark>."""

    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text, self.marked, self._depth = "", [], 0
        self.feed(fragment)

    def handle_starttag(self, tag, attrs):
        self._depth += tag == "mark"

    def handle_endtag(self, tag):
        self._depth -= tag == "mark"

    def handle_data(self, data):
        self.text += data
        self.marked += [self._depth > 0] * len(data)

    def is_marked(self, needle: str) -> bool:
        at = self.text.find(needle)
        while at >= 0:
            if all(self.marked[at : at + len(needle)]):
                return True
            at = self.text.find(needle, at + 1)
        return False


def _location(fragment: str) -> tuple[str, int, int]:
    source, start, end = re.search(r"([\w.]+\.txt):(\d+)-(\d+)", fragment).groups()
    return source, int(start), int(end)


def _seed(source: str) -> str:
    return (ROOT / "seeds" / source).read_text(encoding="utf-8")


def _food_doc(engine):
    return next(d for d in engine.documents if d.title.startswith("深圳市食品药品安全“十四五”规划"))


@pytest.mark.model
def test_seeds_ask_answers_the_food_sampling_target(engine):
    answer, citation, passages, chips = ask(engine, FOOD_QUESTION)
    assert citation.startswith("《深圳市食品药品安全“十四五”规划")
    assert f"（二）主要目标 [{FOOD_SOURCE}:" in citation
    source, start, end = _location(citation)
    assert FOOD_TARGET in _seed(source)[start:end]  # the citation can be checked by slicing the file
    assert _MarkedText(answer).is_marked("10批次/千人")
    assert _MarkedText(passages).is_marked(FOOD_TARGET)  # inside the answer mark of its passage
    assert passages.count('class="pq-card pq-passage"') == 5
    assert f'data-at="{start}-{end}"' in answer  # the link opens the viewer at what is cited
    assert "征求意见稿 draft" in answer  # a draft never reads as the adopted plan
    assert "地点 Place: 深圳市" in chips
    doc_id = re.search(r'data-doc="([^"]+)"', answer).group(1)
    viewer = view(engine, doc_id, f"{start}-{end}")
    assert marked(viewer) == [_seed(source)[start:end]]
    assert "二、指导思想和主要目标 › （二）主要目标" in viewer


@pytest.mark.model
def test_seeds_not_found_and_filters(engine):
    answer, _, passages, _ = ask(engine, "杭州市2025年食品抽检要达到什么水平")
    assert 'id="not-found"' in answer and "杭州市" in answer and marked(passages) == []
    answer, _, _, chips = ask(engine, FOOD_QUESTION, [], "湖州市")
    assert 'id="not-found"' in answer and chips.count('class="pq-conflict"') == 1


@pytest.mark.model
def test_seeds_documents_outline_and_section(engine):
    listing = documents_list(engine)
    assert listing.count('class="pq-doc-row"') == len(engine.documents) == 14
    food = _food_doc(engine)
    assert "深圳市 · 2021–2025 · " in listing
    body = outline(engine, food.doc_id)
    labels = re.findall(r'class="pq-outline-link"[^>]*>([^<]+)<', body)
    assert labels[:2] == ["一、发展基础和发展环境", "（一）发展成就"]
    goals = next(s for s in engine.sections if s.doc_id == food.doc_id and s.heading == "（二）主要目标")
    assert FOOD_TARGET in html.unescape(read_section(engine, food.doc_id, str(goals.start)))


@pytest.mark.model
def test_seeds_cite_finds_the_quote_with_checkable_offsets(engine):
    found = cite(engine, FOOD_TARGET)
    assert "not-found" not in found
    assert marked(found) == [FOOD_TARGET]
    start, end = (int(x) for x in re.search(r'data-at="(\d+)-(\d+)"', found).groups())
    assert _seed(FOOD_SOURCE)[start:end] == FOOD_TARGET
    missing = cite(engine, "火星殖民计划将在明年全面启动并完成")
    assert 'id="not-found"' in missing and "Closest passages (not the source)" in missing


@pytest.mark.model
def test_seeds_compare_puts_two_plans_side_by_side(engine):
    food = _food_doc(engine)
    huzhou = next(d for d in engine.documents if d.title.startswith("湖州市质量发展"))
    html_text = compare(engine, "2025年食品抽检目标", [food.doc_id, huzhou.doc_id])
    assert html_text.count('class="pq-card pq-col"') == 2 and 'class="pq-table pq-plan-table"' in html_text
    assert html_text.index("深圳市食品药品安全") < html_text.index("湖州市质量发展")
    assert '<span class="pq-chip">≥10批次/千人</span>' in html_text
    hits = engine.search(FOOD_QUESTION, k=2)
    pair = compare_passages(engine, hits[0].chunk.chunk_id, hits[1].chunk.chunk_id)
    assert pair.count('class="pq-card pq-passage"') == 2 and "共同词 Shared terms: " in pair
    assert "no longer in the index" in compare_passages(engine, "nope", hits[0].chunk.chunk_id)
