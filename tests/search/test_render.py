"""HTML views of results (search.render*): exact markup on tiny results, no engine and no model."""

from __future__ import annotations

import re

from index.types import Chunk, Document, Section
from search import render, render_chips, render_cite, render_compare, render_viewer
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

TITLE = "深圳市规划(征求意见稿)"
PATH = (TITLE, "一、目标", "", "（一）指标")
TEXT = "到2025年达到10批次。<script>alert(1)</script>"
CHUNK = Chunk("c1", "d1", TITLE, PATH, TEXT, "a.txt", 100, 100 + len(TEXT))
SENTENCE = TEXT[: TEXT.index("<")]
CITATION = Citation("d1", TITLE, PATH, "a.txt", 100, 100 + len(SENTENCE))
ANSWER = Answer(SENTENCE, "c1", 100, 100 + len(SENTENCE), CITATION, 1.0, 0, len(SENTENCE))
LINK = ('<a class="citation-link" href="?tab=documents&amp;doc=d1&amp;at=100-113" data-pq="view" data-doc="d1" '
        'data-at="100-113" title="在原文中查看 Open in the document">')


def test_section_path_drops_the_title_and_empty_parts():
    assert join_path(PATH, TITLE) == "一、目标 › （一）指标"


def test_a_note_is_escaped():
    assert render.note("1 < 2 & <b>") == '<div class="pq-note">1 &lt; 2 &amp; &lt;b&gt;</div>'


def test_a_citation_is_a_link_with_the_draft_badge_and_the_page():
    assert render.citation_link(CITATION, page=3, draft=True) == (
        f'{LINK}<span class="pq-doc">《深圳市规划》</span> <span class="pq-path">一、目标 › （一）指标</span>'
        '<span class="pq-page">, p. 3</span></a> <span class="pq-badge draft">征求意见稿 draft</span>'
    )
    assert render.citation_text(CITATION, 3, True) == "《深圳市规划》（征求意见稿） 一、目标 › （一）指标, p. 3"
    plain, markdown = render.memo_lines("到2025年\n达到10批次。", CITATION, None, True)
    assert plain == "「到2025年 达到10批次。」——《深圳市规划》（征求意见稿） 一、目标 › （一）指标"
    assert markdown.endswith("> —— [《深圳市规划》（征求意见稿） 一、目标 › （一）指标](?tab=documents&doc=d1&at=100-113)")
    assert render.is_draft(TITLE) and not render.is_draft("深圳市规划")
    assert render.is_draft("深圳市规划", Document("d1", "深圳市规划", "a.txt", 0, 9, draft=True))


def test_passage_card_escapes_the_text_marks_the_answer_and_explains_the_rank_in_words():
    hit = Hit(CHUNK, 0.5, 1, {"bm25": 1, "use": 4}, {"bm25": 2.0, "use": 0.3}, (Span(1, 6, "term"),))
    card = render.passage_card(hit, ANSWER, mapped=(("target", ("2025年",)),))
    assert '<div class="pq-text"><mark class="answer">到</mark><mark class="answer term">2025年</mark>' in card
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</div>" in card
    assert "匹配的词 Words matched: 2025年 ← target</div>" in card
    assert "找到方式 Found by: 关键词 keywords (#1)，跨语言 cross-language (#4)" in card
    assert "<tr><td>关键词 keywords</td><td>1</td><td>2.0000</td></tr>" in card
    assert '<button class="pq-btn pq-add" data-pq="add" data-chunk="c1">' in card
    unmarked = render.passage_card(hit, ANSWER, why=False, marks=False)
    assert "<mark" not in unmarked and "pq-why" not in unmarked


def test_answer_card_marks_the_terms_and_quantities_of_its_sentence():
    hit = Hit(CHUNK, 0.5, 1, highlights=(Span(1, 6, "term"),))
    card = render.answer_card(ANSWER, [hit])
    assert '<mark class="term">2025年</mark>' in card and '<mark class="number">10批次</mark>' in card
    assert LINK in card and card.count('data-pq="copy"') == 2


def test_chips_show_filters_understood_and_one_conflict():
    html_text = render_chips.chips([("地区 Region: 湖州", "region", "湖州")], [("地点 Place: 深圳市", "places")], "冲突 conflict",
                             [("时期 Period: 2025", "period")])
    assert re.findall(r'class="pq-chip ([\w-]+)"', html_text) == ["pq-filter", "pq-understood", "pq-ignored"]
    assert re.findall(r'data-kind="(\w+)" data-value="(\w+)"', html_text) == [
        ("region", "湖州"), ("ignore", "places"), ("unignore", "period")]
    assert '<div class="pq-conflict" role="alert">冲突 conflict</div>' in html_text
    assert render_chips.chips([]) == ""


def test_passage_pair_marks_numbers_only_one_side_states_as_diffs():
    left = Hit(CHUNK, 1.0, 1, highlights=(Span(1, 6, "term"), Span(8, 12, "number")))
    right = Hit(Chunk("c2", "d2", "湖州", ("湖州",), "2025年8批次", "b.txt", 0, 9), 1.0, 2)
    pair = ChunkComparison(left, right, ("2025年",), (Quantity("10", "批次"),), ())
    html_text = render_compare.passage_pair(pair)
    assert '<mark class="diff">10批次</mark>' in html_text
    assert '<span class="pq-chip diff">10批次</span>' in html_text and "只在这里 Only here: —" in html_text


def test_quote_match_is_marked_in_each_passage_it_spans():
    left = Chunk("l", "d1", "T", ("T",), "甲乙丙丁。", "a.txt", 0, 5)
    right = Chunk("r", "d1", "T", ("T",), "戊己庚。", "a.txt", 5, 9)
    match = QuoteMatch("d1", "T", ("T",), "a.txt", 2, 7, "丙丁。戊己", 1.0, left)
    assert render_cite.match_spans(right, match) == [Span(0, 2, "match")]
    card = render_cite.quote_match_card(match, [left, right])
    assert re.findall(r"<mark[^>]*>(.*?)</mark>", card) == ["丙丁。", "戊己"]
    bare = QuoteMatch("d1", "T", ("T",), "a.txt", 2, 7, "丙丁<b>", 0.9)
    assert '<div class="pq-text">丙丁&lt;b&gt;</div>' in render_cite.quote_match_card(bare)


def test_quote_not_found_is_a_panel_then_unmarked_candidates():
    assert render_cite.quote_not_found(QuoteResult("q", False, (), "too short")) == (
        '<div id="not-found" class="pq-card pq-not-found" role="status">'
        '<div class="pq-nf-title">没有找到这段原文 Not found in the indexed plans</div>'
        '<div class="pq-reason">原因 Why: too short</div></div>'
    )
    near = QuoteMatch("d2", "U", ("U",), "b.txt", 0, 2, "丙丁", 0.41, Chunk("o", "d2", "U", (), "丙丁", "b.txt", 0, 2))
    html_text = render_cite.quote_not_found(QuoteResult("q", False, (near,), "0.41 < 0.80"))
    assert "原因 Why: 0.41 &lt; 0.80" in html_text and "<mark" not in html_text


def test_documents_list_and_viewer():
    docs = [Document("d1", TITLE, "a.txt", 0, 500, "深圳市", (2021, 2025), issuer="深圳市人民政府")]
    listing = render_viewer.documents_list(docs, [CHUNK, CHUNK])
    assert "《深圳市规划》</a> <span class=\"pq-badge draft\">征求意见稿 draft</span>" in listing
    assert "深圳市 · 2021–2025 · 2 段 passages · 深圳市人民政府" in listing
    sections = [Section("d1", "一、目标", 1, PATH[:2], 90, 300), Section("d1", "（一）指标", 3, PATH, 95, 200)]
    shown = render_viewer.ViewerText("一、目标 （一）指标" + TEXT, 90, 100 + len(TEXT), (100, 113))
    body = render_viewer.viewer(docs[0], sections, sections[1], shown, sections[0], None)
    assert '<mark class="cited" id="pq-cited">到2025年达到10批次。</mark>' in body
    assert re.findall(r'padding-left:([\d.]+)em', body) == ["0.2", "2.2"]  # indented by level
    long = render_viewer.ViewerText("甲" * 5000, 0, 5000, (3000, 3010))
    window = render_viewer.window(long, 100)
    assert (window.start, window.end, len(window.text)) == (2955, 3055, 100)


def test_an_english_answer_card_shows_the_gloss_and_what_the_words_were_read_as():
    from dataclasses import replace

    answer = replace(ANSWER, read_as=(("food sampling", ("食品抽检", "抽检")), ("<b>", ("x",))),
                     gloss=(("unit", "batches per 1,000 people"),))
    assert render.english_notes(answer) == (
        '<div class="pq-gloss">In English: unit: <b>batches per 1,000 people</b></div>'
        '<div class="pq-read-as">Read as: food sampling → 食品抽检/抽检; &lt;b&gt; → x</div>')
    assert render.english_notes(answer) in render.answer_card(answer, [Hit(CHUNK, 1.0, 1)])
    assert render.english_notes(ANSWER) == ""

