"""HTML views of results (search.render): exact markup on tiny results, no engine and no model."""

from __future__ import annotations

from index.types import Chunk, Document, Section
from search import render
from search.types import (
    Answer,
    ChunkComparison,
    Citation,
    Hit,
    Quantity,
    QuoteMatch,
    QuoteResult,
    Span,
    join_path,
)

TITLE = "深圳市规划"
PATH = (TITLE, "一、目标", "", "（一）指标")
TEXT = "到2025年达到10批次。<script>alert(1)</script>"
CHUNK = Chunk("c1", "d1", TITLE, PATH, TEXT, "a.txt", 100, 100 + len(TEXT))
SENTENCE = TEXT[: TEXT.index("<")]
CITATION = Citation("d1", TITLE, PATH, "a.txt", 100, 100 + len(SENTENCE))
ANSWER = Answer(SENTENCE, "c1", 100, 100 + len(SENTENCE), CITATION, 1.0, 0, len(SENTENCE))


def test_section_path_drops_the_title_and_empty_parts():
    assert join_path(PATH, TITLE) == "一、目标 › （一）指标"
    assert join_path(PATH) == "深圳市规划 › 一、目标 › （一）指标"


def test_a_note_is_escaped():
    assert render.note("1 < 2 & <b>") == '<div class="pq-note">1 &lt; 2 &amp; &lt;b&gt;</div>'


def test_passage_card_escapes_the_text_and_marks_the_answer():
    hit = Hit(CHUNK, 0.5, 1, {"bm25": 1}, {"bm25": 2.0}, (Span(1, 6, "term"),))
    assert render.passage_card(hit, ANSWER, why=False) == (
        '<div class="pq-card pq-passage"><div class="pq-title">1. 《深圳市规划》</div>'
        '<div class="pq-meta">一、目标 › （一）指标 · a.txt:100-138 · id c1</div>'
        '<div class="pq-text"><mark class="answer">到</mark><mark class="answer term">2025年</mark>'
        '<mark class="answer">达到10批次。</mark>&lt;script&gt;alert(1)&lt;/script&gt;</div></div>'
    )
    assert "<tr><td>bm25</td><td>1</td><td>2.0000</td></tr>" in render.passage_card(hit)
    assert "(#1, score 0.5000)" in render.passage_card(hit)


def test_answer_card_marks_the_terms_and_quantities_of_its_sentence():
    hit = Hit(CHUNK, 0.5, 1, highlights=(Span(1, 6, "term"),))
    card = render.answer_card(ANSWER, [hit])
    assert '<mark class="term">2025年</mark>' in card and '<mark class="number">10批次</mark>' in card
    assert f'data-citation="{CITATION}">{render.COPY_LABEL}</button>' in card


def test_passage_pair_marks_numbers_only_one_side_states_as_diffs():
    left = Hit(CHUNK, 1.0, 1, highlights=(Span(1, 6, "term"), Span(8, 12, "number")))
    right = Hit(Chunk("c2", "d2", "湖州", ("湖州",), "2025年8批次", "b.txt", 0, 9), 1.0, 2)
    pair = ChunkComparison(left, right, ("2025年",), (Quantity("10", "批次"),), ())
    html_text = render.passage_pair(pair)
    assert html_text.startswith('<div class="pq-meta">共同词 Shared terms: 2025年</div>')
    assert '<mark class="diff">10批次</mark>' in html_text
    assert '只在这里 Only here: <span class="pq-chip diff">10批次</span>' in html_text
    assert "只在这里 Only here: —" in html_text


def test_quote_match_without_a_passage_shows_the_matched_source_text():
    match = QuoteMatch("d1", TITLE, PATH, "a.txt", 3, 8, "<达到>", 0.9)
    assert render.quote_match_card(match) == (
        '<div class="pq-card"><div class="pq-title">《深圳市规划》</div><div class="pq-meta">'
        "一、目标 › （一）指标 · a.txt:3-8 · 相似度 similarity 0.90</div>"
        '<div class="pq-text">&lt;达到&gt;</div></div>'
    )


def test_quote_match_is_marked_in_each_passage_it_spans():
    left = Chunk("l", "d1", "T", ("T",), "甲乙丙丁。", "a.txt", 0, 5)
    right = Chunk("r", "d1", "T", ("T",), "戊己庚。", "a.txt", 5, 9)
    match = QuoteMatch("d1", "T", ("T",), "a.txt", 2, 7, "丙丁。戊己", 1.0, left)
    assert render.match_spans(right, match) == [Span(0, 2, "match")]
    card = render.quote_match_card(match, [left, right])
    assert '甲乙<mark class="match">丙丁。</mark>' in card and '<mark class="match">戊己</mark>庚。' in card
    assert card.count('class="pq-text pq-context"') == 2
    assert render.quote_match_card(match).count('class="pq-text pq-context"') == 1


def test_quote_not_found_gives_the_reason_then_the_nearest():
    assert render.quote_not_found(QuoteResult("q", False, (), "too short")) == (
        '<div class="pq-note">没有找到这段原文。 Not found. too short</div>'
    )
    near = QuoteMatch("d1", TITLE, PATH, "a.txt", 3, 8, "达到", 0.41, CHUNK)
    html_text = render.quote_not_found(QuoteResult("q", False, (near,), "0.41 < 0.80"))
    assert "Not found. 0.41 &lt; 0.80</div>" in html_text and "最接近的 Nearest candidates" in html_text


def test_documents_table_counts_passages_per_document():
    docs = [
        Document("d1", TITLE, "a.txt", 0, 500, "深圳", (2021, 2025)),
        Document("d2", "<i>湖州</i>", "b.txt", 0, 9),
    ]
    table = render.documents_table(docs, [CHUNK, CHUNK])
    assert "<tr><td>深圳市规划</td><td>深圳</td><td>2021–2025</td><td>2</td><td>a.txt</td></tr>" in table
    assert "<tr><td>&lt;i&gt;湖州&lt;/i&gt;</td><td>—</td><td>—</td><td>0</td><td>b.txt</td></tr>" in table


def test_outline_indents_headings_by_level():
    doc = Document("d1", TITLE, "a.txt", 0, 500, "深圳", (2021, 2025))
    sections = [
        Section("d1", "一、目标", 2, PATH[:2], 90, 400),
        Section("d1", "（一）指标", 3, PATH, 95, 300),
    ]
    assert render.outline_card(doc, sections).endswith(
        '<div class="pq-text"><div style="padding-left:0.0em">一、目标</div>'
        '<div style="padding-left:1.2em">（一）指标</div></div></div>'
    )
    assert "No sections were found" in render.outline_card(doc, [])
    assert render.section_passages(sections[1], []) == (
        '<div class="pq-title">（一）指标</div><div class="pq-note">（空）(empty)</div>'
    )
