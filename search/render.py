"""HTML views of search results: the cards and tables the app's tabs show.

Each function turns result objects (``Hit``, ``Answer``, ``Column``, ``ChunkComparison``, ``QuoteMatch``,
``Document``, ``Section``) into an HTML string; none of them searches or needs the engine. Text is escaped
here and marks come from ``search.highlight.render_html``; the ``pq-*`` classes are styled by ``app.CSS``.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Sequence

from index.types import Chunk, Document, Section
from search.highlight import render_html
from search.numbers import find_numbers
from search.types import (
    Answer,
    ChunkComparison,
    Column,
    Hit,
    Quantity,
    QuoteMatch,
    QuoteResult,
    Span,
    join_path,
)

COPY_LABEL = "复制引用 Copy citation"  # the answer card's button; app.COPY_JS makes it copy


def _esc(text: object) -> str:
    return html.escape(str(text))


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _years(years: tuple[int, int] | None) -> str:
    return f"{years[0]}–{years[1]}" if years else "—"


def note(message: str) -> str:
    """A message in place of a result (no input, nothing found, an error), escaped."""
    return f'<div class="pq-note">{_esc(message)}</div>'


# --- 问答 Ask ---------------------------------------------------------------------------------------
def _answer_spans(
    hits: Sequence[Hit], answer: Answer, numbers: Sequence[Quantity] | None = None
) -> list[Span]:
    """Marks for the answer sentence: its passage's term marks shifted onto it, and its quantities.

    ``numbers`` are quantities with offsets into the chunk text (``Column.numbers``); by default every
    quantity the sentence states is marked.
    """
    shift, length = answer.text_start, len(answer.text)
    spans = [
        Span(s.start - shift, s.end - shift, s.kind)
        for hit in hits
        if hit.chunk.chunk_id == answer.chunk_id
        for s in hit.highlights
        if s.kind != "answer" and s.start >= shift and s.end - shift <= length
    ]
    if numbers is None:
        quantities = [(q.start, q.end) for q in find_numbers(answer.text)]
    else:
        quantities = [(q.start - shift, q.end - shift) for q in numbers]
    return spans + [Span(a, b, "number") for a, b in quantities if 0 <= a < b <= length]


def answer_card(answer: Answer, hits: Sequence[Hit]) -> str:
    """The answer sentence with its marks, its citation and a copy-citation button.

    Args:
        answer: the extractive answer.
        hits: the passages searched; the answer's own passage lends its term marks to the sentence.
    """
    citation = str(answer.citation)
    return (
        f'<div class="pq-card pq-answer"><div class="pq-meta">答案 Answer</div>'
        f'<div class="pq-sentence pq-text">{render_html(answer.text, _answer_spans(hits, answer))}</div>'
        f'<div class="pq-cite"><span class="pq-meta">{_esc(citation)}</span>'
        f'<button class="pq-copy" data-citation="{_esc(citation)}">{COPY_LABEL}</button></div></div>'
    )


def passage_card(hit: Hit, answer: Answer | None = None, why: bool = True) -> str:
    """One passage card: title, section path, location and chunk id, highlighted text, why it ranked.

    Args:
        hit: the passage and its marks.
        answer: when it lies in this passage, its sentence is marked too.
        why: add the folded table of each retriever's rank and score.
    """
    chunk = hit.chunk
    spans = list(hit.highlights)
    if answer is not None and chunk.chunk_id == answer.chunk_id and answer.text_end > answer.text_start:
        spans.append(Span(answer.text_start, answer.text_end, "answer"))
    ranked = ""
    if why:
        rows = "".join(
            f"<tr><td>{_esc(name)}</td><td>{'—' if rank is None else rank}</td>"
            f"<td>{_score(hit.scores.get(name))}</td></tr>"
            for name, rank in hit.ranks.items()
        )
        ranked = (
            f'<details class="pq-why"><summary>为何排在这里 Why it ranked (#{hit.rank}, '
            f'score {_score(hit.score)})</summary><table class="pq-table"><tr><th>检索器 Retriever</th>'
            f"<th>名次 Rank</th><th>分数 Score</th></tr>{rows}</table></details>"
        )
    return (
        f'<div class="pq-card pq-passage"><div class="pq-title">{hit.rank}. 《{_esc(chunk.doc_title)}》</div>'
        f'<div class="pq-meta">{_esc(join_path(chunk.section_path, chunk.doc_title))} · '
        f"{_esc(chunk.source)}:{chunk.start}-{chunk.end} · id {_esc(chunk.chunk_id)}</div>"
        f'<div class="pq-text">{render_html(chunk.text, spans)}</div>{ranked}</div>'
    )


def passage_cards(hits: Sequence[Hit], answer: Answer | None = None, why: bool = True) -> str:
    """``passage_card`` of each hit, in order."""
    return "".join(passage_card(hit, answer, why) for hit in hits)


# --- 对比 Compare -----------------------------------------------------------------------------------
def _column(column: Column) -> str:
    answer = column.answer
    if answer is None:
        body = note("这个文档里没有答案句。 No answer sentence in this document.")
    else:
        sentence = render_html(answer.text, _answer_spans(column.hits, answer, column.numbers))
        body = (
            f'<div class="pq-sentence pq-text">{sentence}</div>'
            f'<div class="pq-meta">{_esc(answer.citation)}</div>'
        )
    chips = "".join(f'<span class="pq-chip">{_esc(q)}</span>' for q in column.numbers)
    numbers = f'<div class="pq-numbers">数字 Numbers: {chips}</div>' if chips else ""
    passages = passage_cards(column.hits, answer, why=False)
    return (
        f'<div class="pq-card pq-col"><div class="pq-title">《{_esc(column.doc_title)}》</div>{body}{numbers}'
        f'<details class="pq-why"><summary>段落 Passages ({len(column.hits)})</summary>{passages}</details>'
        "</div>"
    )


def compare_columns(columns: Sequence[Column]) -> str:
    """Documents side by side: each column's answer sentence, its numbers as chips, its passages folded."""
    return f'<div class="pq-cols">{"".join(_column(c) for c in columns)}</div>'


def passage_pair(pair: ChunkComparison) -> str:
    """Two passages side by side: the shared terms above, the numbers only one of them states marked."""
    terms = "、".join(pair.shared_terms) or "—"
    sides = []
    for hit, only in ((pair.left, pair.left_numbers), (pair.right, pair.right_numbers)):
        # In a pair, a "number" highlight is a quantity the other passage does not state: mark it as a diff.
        spans = [Span(s.start, s.end, "diff" if s.kind == "number" else s.kind) for s in hit.highlights]
        hit = dataclasses.replace(hit, highlights=tuple(spans))
        chips = "".join(f'<span class="pq-chip diff">{_esc(q)}</span>' for q in only) or "—"
        sides.append(
            f'{passage_card(hit, None, why=False)}<div class="pq-numbers">只在这里 Only here: {chips}</div>'
        )
    return (
        f'<div class="pq-meta">共同词 Shared terms: {_esc(terms)}</div>'
        f'<div class="pq-cols">{"".join(f"<div>{side}</div>" for side in sides)}</div>'
    )


# --- 溯源 Cite --------------------------------------------------------------------------------------
def match_spans(chunk: Chunk, match: QuoteMatch) -> list[Span]:
    """Where the matched text lies in this chunk's text: the part of it that this chunk covers."""
    if chunk.source != match.source or chunk.end <= match.start or chunk.start >= match.end:
        return []
    part = match.matched_text[max(0, chunk.start - match.start) : chunk.end - match.start].strip()
    at = chunk.text.find(part) if part else -1
    return [Span(at, at + len(part), "match")] if at >= 0 else []


def quote_match_card(match: QuoteMatch, passages: Sequence[Chunk] | None = None) -> str:
    """Where a quote was found: document, section path, offsets, similarity, the match marked in context.

    Args:
        match: the quote match.
        passages: the passages to show it in (e.g. its passage and its neighbours); by default the
            match's own passage. A match without a passage shows its matched source text.
    """
    path = join_path(match.section_path, match.doc_title)
    head = (
        f'<div class="pq-title">《{_esc(match.doc_title)}》</div><div class="pq-meta">{_esc(path)} · '
        f"{_esc(match.source)}:{match.start}-{match.end} · 相似度 similarity {match.similarity:.2f}</div>"
    )
    if match.passage is None:
        return f'<div class="pq-card">{head}<div class="pq-text">{_esc(match.matched_text)}</div></div>'
    chunks = [match.passage] if passages is None else passages
    body = "".join(
        f'<div class="pq-text pq-context">{render_html(c.text, match_spans(c, match))}</div>' for c in chunks
    )
    return f'<div class="pq-card">{head}{body}</div>'


def quote_not_found(result: QuoteResult) -> str:
    """The "not found" note with its reason, then the nearest candidates (if any), each in its passage."""
    head = note(f"没有找到这段原文。 Not found. {result.reason}")
    if not result.matches:
        return head
    nearest = "".join(quote_match_card(m) for m in result.matches)
    return f'{head}<div class="pq-meta">最接近的 Nearest candidates</div>{nearest}'


# --- 文档 Documents ---------------------------------------------------------------------------------
def documents_table(documents: Sequence[Document], chunks: Sequence[Chunk]) -> str:
    """Every document with its region, years, number of passages (counted in ``chunks``) and file."""
    counts: dict[str, int] = {}
    for chunk in chunks:
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    rows = "".join(
        f"<tr><td>{_esc(d.title)}</td><td>{_esc(d.region or '—')}</td><td>{_years(d.years)}</td>"
        f"<td>{counts.get(d.doc_id, 0)}</td><td>{_esc(d.source)}</td></tr>"
        for d in documents
    )
    return (
        f'<table class="pq-table"><tr><th>标题 Title</th><th>地区 Region</th><th>年份 Years</th>'
        f"<th>段落 Passages</th><th>文件 File</th></tr>{rows}</table>"
    )


def outline_card(doc: Document, sections: Sequence[Section]) -> str:
    """A document's head (title, region, years, location) and its headings indented by level."""
    head = (
        f'<div class="pq-card"><div class="pq-title">《{_esc(doc.title)}》</div><div class="pq-meta">'
        f"{_esc(doc.region or '—')} · {_years(doc.years)} · {_esc(doc.source)}:{doc.start}-{doc.end}</div>"
    )
    if not sections:
        return head + note("这个文档没有识别出章节。 No sections were found in this document.") + "</div>"
    top = min(s.level for s in sections)
    items = "".join(
        f'<div style="padding-left:{1.2 * (s.level - top):.1f}em">{_esc(s.heading)}</div>' for s in sections
    )
    return head + f'<div class="pq-text">{items}</div></div>'


def section_passages(section: Section, chunks: Sequence[Chunk]) -> str:
    """A section's heading, then its passages as plain text with their section path and location."""
    body = "".join(
        f'<div class="pq-card"><div class="pq-meta">{_esc(join_path(c.section_path, c.doc_title))} · '
        f'{_esc(c.source)}:{c.start}-{c.end}</div><div class="pq-text">{_esc(c.text)}</div></div>'
        for c in chunks
    )
    return f'<div class="pq-title">{_esc(section.heading)}</div>' + (body or note("（空）(empty)"))
