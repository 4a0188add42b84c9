"""HTML views of the Cite tab: where a quote was found, in context, or the not-found panel and the nearest candidates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from index.types import Chunk, Document
from search.highlight import render_html
from search.render import citation_link, copy_buttons, esc, is_draft, page_of
from search.types import QuoteMatch, QuoteResult, Span


def match_spans(chunk: Chunk, match: QuoteMatch) -> list[Span]:
    """Where the matched text lies in this chunk's text: the part of it that this chunk covers."""
    if chunk.source != match.source or chunk.end <= match.start or chunk.start >= match.end:
        return []
    part = match.matched_text[max(0, chunk.start - match.start) : chunk.end - match.start].strip()
    at = chunk.text.find(part) if part else -1
    return [Span(at, at + len(part), "match")] if at >= 0 else []


def quote_match_card(
    match: QuoteMatch, passages: Sequence[Chunk] | None = None, marks: bool = True,
    docs: Mapping[str, Document] | None = None,
) -> str:
    """Where a quote was found: citation link, similarity, the match marked in context, copy buttons.

    Args:
        match: the quote match.
        passages: the passages to show it in (e.g. its passage and its neighbours); by default the
            match's own passage. A match without a passage shows its matched source text.
        marks: False for a candidate that is not a match.
        docs: documents by id, for the draft badge.
    """
    doc = (docs or {}).get(match.doc_id)
    page, draft = page_of(match.passage), is_draft(match.doc_title, doc)
    head = (
        f'<div class="pq-cite">{citation_link(match.citation, page, draft)}</div>'
        f'<div class="pq-meta">相似度 similarity {match.similarity:.2f}</div>'
    )
    actions = f'<div class="pq-actions">{copy_buttons(match.matched_text, match.citation, page, draft)}</div>'
    if match.passage is None:
        return f'<div class="pq-card">{head}<div class="pq-text">{esc(match.matched_text)}</div>{actions}</div>'
    chunks = [match.passage] if passages is None else passages
    body = "".join(
        f'<div class="pq-text pq-context">{render_html(c.text, match_spans(c, match) if marks else [])}</div>'
        for c in chunks
    )
    return f'<div class="pq-card">{head}{body}{actions if marks else ""}</div>'


def quote_not_found(result: QuoteResult, docs: Mapping[str, Document] | None = None) -> str:
    """The not-found panel with its reason, then the nearest candidates unmarked."""
    head = (
        '<div id="not-found" class="pq-card pq-not-found" role="status">'
        '<div class="pq-nf-title">没有找到这段原文 Not found in the indexed plans</div>'
        f'<div class="pq-reason">原因 Why: {esc(result.reason or "—")}</div></div>'
    )
    if not result.matches:
        return head
    nearest = "".join(quote_match_card(m, marks=False, docs=docs) for m in result.matches)
    return f'{head}<div class="pq-meta">最接近的段落（不是出处） Closest passages (not the source)</div>{nearest}'
