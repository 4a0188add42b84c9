"""HTML views of the Compare tab: plan-by-plan table, columns per plan, the compare tray, passages side by side."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from index.types import Chunk, Document
from search.highlight import render_html
from search.render import (
    _answer_spans,
    citation_link,
    copy_buttons,
    esc,
    is_draft,
    note,
    page_of,
    passage_card,
    passage_cards,
    plain_title,
)
from search.types import ChunkComparison, Column, Hit, Span


def _units(columns: Sequence[Column]) -> list[str]:
    """The units the plans state, in order of first appearance (one table row each)."""
    seen: list[str] = []
    for column in columns:
        for q in column.numbers:
            if q.unit not in seen:
                seen.append(q.unit)
    return seen


def plan_table(question: str, columns: Sequence[Column]) -> str:
    """Indicator × plan: one row per unit stated, one column per plan, numbers right-aligned with units."""
    units = _units(columns)
    head = "".join(f"<th>《{esc(plain_title(c.doc_title))}》</th>" for c in columns)
    rows = []
    for unit in units or [""]:
        cells = []
        for c in columns:
            values = [q for q in c.numbers if q.unit == unit]
            text = "<br>".join(esc(f"{q.comparator}{q.number}") + f' <span class="pq-unit">{esc(q.unit)}</span>'
                               for q in values)
            cells.append(f'<td class="pq-num">{text or "—"}</td>')
        label = f"{question}（{unit}）" if unit else question
        rows.append(f"<tr><th>{esc(label)}</th>{''.join(cells)}</tr>")
    sources = "".join(
        f"<td>{citation_link(c.answer.citation, title=False) if c.answer else '—'}</td>" for c in columns
    )
    return (
        f'<div class="pq-scroll"><table class="pq-table pq-plan-table"><thead><tr><th>指标 Indicator</th>{head}</tr>'
        f'</thead><tbody>{"".join(rows)}<tr><th>出处 Source</th>{sources}</tr></tbody></table></div>'
    )


def _column(column: Column, docs: Mapping[str, Document] | None) -> str:
    answer = column.answer
    doc = (docs or {}).get(column.doc_id)
    if answer is None:
        body = note("这个文档里没有答案句。 No answer sentence in this document.")
    else:
        chunk = next((h.chunk for h in column.hits if h.chunk.chunk_id == answer.chunk_id), None)
        page, draft = page_of(chunk), is_draft(column.doc_title, doc)
        sentence = render_html(answer.text, _answer_spans(column.hits, answer, column.numbers))
        body = (
            f'<div class="pq-sentence pq-text">{sentence}</div>'
            f'<div class="pq-cite">{citation_link(answer.citation, page, draft)}</div>'
            f'<div class="pq-actions">{copy_buttons(answer.text, answer.citation, page, draft)}</div>'
        )
    chips = "".join(f'<span class="pq-chip">{esc(q)}</span>' for q in column.numbers)
    numbers = f'<div class="pq-numbers">数字 Numbers: {chips}</div>' if chips else ""
    passages = passage_cards(column.hits, answer, why=False, docs=docs)
    return (
        f'<div class="pq-card pq-col"><div class="pq-title">《{esc(plain_title(column.doc_title))}》</div>{body}'
        f'{numbers}<details class="pq-why"><summary>段落 Passages ({len(column.hits)})</summary>{passages}'
        "</details></div>"
    )


def compare_columns(
    columns: Sequence[Column], question: str = "", docs: Mapping[str, Document] | None = None
) -> str:
    """The plan-by-plan table, then documents side by side: answer sentence, numbers, passages folded."""
    table = plan_table(question, columns) if question else ""
    return f'{table}<div class="pq-cols">{"".join(_column(c, docs) for c in columns)}</div>'


def passage_pair(pair: ChunkComparison, docs: Mapping[str, Document] | None = None) -> str:
    """Two passages side by side: the shared terms above, the numbers only one of them states marked."""
    terms = "、".join(pair.shared_terms) or "—"
    sides = []
    for hit, only in ((pair.left, pair.left_numbers), (pair.right, pair.right_numbers)):
        # In a pair, a "number" highlight is a quantity the other passage does not state: mark it as a diff.
        spans = [Span(s.start, s.end, "diff" if s.kind == "number" else s.kind) for s in hit.highlights]
        hit = dataclasses.replace(hit, highlights=tuple(spans))
        chips = "".join(f'<span class="pq-chip diff">{esc(q)}</span>' for q in only) or "—"
        sides.append(
            f'{passage_card(hit, None, why=False, docs=docs)}<div class="pq-numbers">只在这里 Only here: {chips}</div>'
        )
    return (
        f'<div class="pq-meta">共同词 Shared terms: {esc(terms)}</div>'
        f'<div class="pq-cols pq-side">{"".join(f"<div>{side}</div>" for side in sides)}</div>'
    )


def side_by_side(chunks: Sequence[Chunk], docs: Mapping[str, Document] | None = None) -> str:
    """Three or four passages in columns (two get ``passage_pair``, with their differences marked)."""
    cards = "".join(f"<div>{passage_card(Hit(c, 0.0, i), why=False, docs=docs)}</div>"
                    for i, c in enumerate(chunks, 1))
    return f'<div class="pq-cols pq-side">{cards}</div>'


def tray(chunks: Sequence[Chunk]) -> str:
    """The compare tray: the passages added so far, each removable, and the compare button."""
    if not chunks:
        return (
            '<div class="pq-tray pq-meta">对比栏为空：在段落卡片上点「＋对比」。 '
            "The compare tray is empty: press “＋对比 Add to compare” on a passage card.</div>"
        )
    items = "".join(
        f'<span class="pq-chip pq-tray-item">《{esc(plain_title(c.doc_title))}》{esc(c.text[:18])}…'
        f'<button class="pq-x" data-pq="untray" data-chunk="{esc(c.chunk_id)}" aria-label="移除 remove">×</button></span>'
        for c in chunks
    )
    ready = len(chunks) >= 2
    button = (
        f'<button class="pq-btn pq-primary" data-pq="compare-tray" {"" if ready else "disabled"}>'
        f"并排对比 Compare side by side ({len(chunks)})</button>"
    )
    return f'<div class="pq-tray"><span class="pq-meta">对比栏 Compare tray:</span> {items} {button}</div>'
