"""The Compare, Cite and Documents tabs' handlers, the URL state and the upload intake, on a tiny fake engine."""

from __future__ import annotations

import re

import pytest
from app_fake import (
    CITED,
    DOC,
    DOC2,
    TEXT,
    E,
    FakeEngine,
    S,
    attribute,
    marked,
)

from app_tabs.cite import cite
from app_tabs.compare import compare, compare_passages, tray_add, tray_compare, tray_html
from app_tabs.documents import document_choices, documents_list, outline, read_section, region_choices, view
from app_tabs.url import url_state
from index.types import Chunk
from search import render_cite
from search.types import (
    QuoteMatch,
    Span,
)


@pytest.fixture
def fake() -> FakeEngine:
    return FakeEngine()


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
