"""HTML views of search results: the cards the Ask and Cite tabs show, and the pieces every view shares.

Each function turns result objects (``Hit``, ``Answer``, ``Citation``, ``QuoteMatch``, ``Document``)
into an HTML string; none of them searches or needs the engine. Text is escaped here and marks come
from ``search.highlight.render_html``; the ``pq-*`` classes are styled by ``search.render_style.CSS``
and the ``data-pq`` buttons are wired by its ``HEAD`` script. The Compare views are in
``search.render_compare``, the Cite views in ``search.render_cite``, the document viewer and the
Documents tab in ``search.render_viewer``, the chips above the results in ``search.render_chips`` and
"why it ranked" in ``search.render_why``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from index.types import Chunk, Document
from search.highlight import render_html
from search.numbers import find_numbers
from search.render_why import why_ranked
from search.types import Answer, Citation, Hit, Quantity, Span, join_path

COPY_LABEL = "复制 Copy"
COPY_MD_LABEL = "Markdown"
COMPARE_LABEL = "＋对比 Add to compare"
_DRAFT = re.compile(r"\s*[（(](?:公开)?征求意见稿[)）]\s*$")


def esc(text: object) -> str:
    return html.escape(str(text))


def note(message: str) -> str:
    """A message in place of a result (no input, nothing found, an error), escaped."""
    return f'<div class="pq-note">{esc(message)}</div>'


def years_text(years: tuple[int, int] | None) -> str:
    return f"{years[0]}–{years[1]}" if years else "—"


def badge(text: str, kind: str = "") -> str:
    return f'<span class="pq-badge {kind}">{esc(text)}</span>'


# --- citations -------------------------------------------------------------------------------------
def is_draft(title: str, doc: Document | None = None) -> bool:
    """A draft for comment: the document says so, or its title ends with (公开)征求意见稿."""
    return bool(getattr(doc, "draft", False)) or bool(_DRAFT.search(title or ""))


def plain_title(title: str) -> str:
    """The title without a trailing draft marker (shown as a badge instead)."""
    return _DRAFT.sub("", title or "") or title


def page_of(chunk: Chunk | None) -> int | None:
    """The PDF page a passage starts on, when the format records one."""
    pages = getattr(chunk, "pages", None) or ()
    return pages[0] if pages else None


def viewer_query(doc_id: str, start: int, end: int) -> str:
    """The URL query that opens the document viewer at ``[start, end)`` of the document's source."""
    return "?" + urlencode({"tab": "documents", "doc": doc_id, "at": f"{start}-{end}"})


def citation_text(citation: Citation, page: int | None = None, draft: bool = False) -> str:
    """``《title》（征求意见稿） section › subsection, p. N``: what a memo cites, in plain text."""
    path = join_path(citation.section_path, citation.doc_title)
    text = f"《{plain_title(citation.doc_title)}》" + ("（征求意见稿）" if draft else "")
    text += f" {path}" if path else ""
    return text + (f", p. {page}" if page else "")


def citation_link(citation: Citation, page: int | None = None, draft: bool = False, title: bool = True) -> str:
    """The citation as a link (class ``citation-link``) that opens the viewer at the passage.

    ``title=False`` leaves the document title out (a card that shows it above), unless there is no path.
    """
    path = join_path(citation.section_path, citation.doc_title)
    href = viewer_query(citation.doc_id, citation.start, citation.end)
    parts = f'<span class="pq-doc">《{esc(plain_title(citation.doc_title))}》</span>' if title or not path else ""
    parts += f' <span class="pq-path">{esc(path)}</span>' if path else ""
    parts += f'<span class="pq-page">, p. {page}</span>' if page else ""
    link = (
        f'<a class="citation-link" href="{esc(href)}" data-pq="view" data-doc="{esc(citation.doc_id)}" '
        f'data-at="{citation.start}-{citation.end}" title="在原文中查看 Open in the document">{parts}</a>'
    )
    return link + (" " + badge("征求意见稿 draft", "draft") if draft else "")


def memo_lines(quote: str, citation: Citation, page: int | None = None, draft: bool = False) -> tuple[str, str]:
    """A ready memo line: ``「quote」——citation`` as plain text, and as Markdown with a viewer link."""
    cited = citation_text(citation, page, draft)
    quote = " ".join(quote.split())
    href = viewer_query(citation.doc_id, citation.start, citation.end)
    return f"「{quote}」——{cited}", f"> 「{quote}」\n>\n> —— [{cited}]({href})"


def copy_buttons(quote: str, citation: Citation, page: int | None = None, draft: bool = False) -> str:
    """Copy the memo line as plain text or as Markdown (the script makes the link absolute)."""
    plain, markdown = memo_lines(quote, citation, page, draft)
    return (
        f'<button class="pq-btn pq-copy" data-pq="copy" data-copy="{esc(plain)}" '
        f'title="「原文」+ 出处 quote + citation">{COPY_LABEL}</button>'
        f'<button class="pq-btn pq-copy" data-pq="copy" data-copy="{esc(markdown)}">{COPY_MD_LABEL}</button>'
    )


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


def table_answer(table) -> str:
    """An indicator-table row under its header, the answering cell marked (``TableAnswer``)."""
    width = max(len(table.header), len(table.cells))
    header = "".join(
        f'<th class="pq-cell-answer">{esc(h)}</th>' if i == table.column else f"<th>{esc(h)}</th>"
        for i, h in enumerate(list(table.header) + [""] * (width - len(table.header)))
    )
    cells = "".join(
        f'<td class="pq-cell-answer"><mark class="answer">{esc(c)}</mark></td>' if i == table.column
        else f"<td>{esc(c)}</td>"
        for i, c in enumerate(list(table.cells) + [""] * (width - len(table.cells)))
    )
    return (
        f'<div class="pq-scroll"><table class="pq-table pq-answer-table"><thead><tr>{header}</tr></thead>'
        f"<tbody><tr>{cells}</tr></tbody></table></div>"
    )


def english_notes(answer: Answer) -> str:
    """For an English question: the Chinese each of its words was searched as, and the answer's indicator
    and unit in English (``Answer.read_as``, ``Answer.gloss``); "" for a Chinese question."""
    out = ""
    if getattr(answer, "gloss", ()):
        out += ('<div class="pq-gloss">In English: '
                + "; ".join(f"{esc(field)}: <b>{esc(english)}</b>" for field, english in answer.gloss) + "</div>")
    if getattr(answer, "read_as", ()):
        out += ('<div class="pq-read-as">Read as: '
                + "; ".join(f"{esc(en)} → {esc('/'.join(zh))}" for en, zh in answer.read_as) + "</div>")
    return out


def answer_card(answer: Answer, hits: Sequence[Hit], docs: Mapping[str, Document] | None = None) -> str:
    """The answer sentence (or table row) with its marks, its citation link and the copy buttons."""
    chunk = next((h.chunk for h in hits if h.chunk.chunk_id == answer.chunk_id), None)
    doc = (docs or {}).get(answer.citation.doc_id)
    # the answer's own page (a passage across a page break: search.page_view.narrow_pages), else its passage's
    page = min(answer.citation.pages) if answer.citation.pages else page_of(chunk)
    draft = is_draft(answer.citation.doc_title, doc)
    table = getattr(answer, "table", None)
    if table is not None and table.cells:
        body = table_answer(table)
    else:
        body = f'<div class="pq-sentence pq-text">{render_html(answer.text, _answer_spans(hits, answer))}</div>'
    return (
        f'<div class="pq-card pq-answer"><div class="pq-meta">答案 Answer</div>{body}{english_notes(answer)}'
        f'<div class="pq-cite">{citation_link(answer.citation, page, draft)}</div>'
        f'<div class="pq-actions">{copy_buttons(answer.text, answer.citation, page, draft)}</div></div>'
    )


def not_found_panel(reason: str = "") -> str:
    """The prominent "these plans do not say" panel (``#not-found``), with the reason in plain words."""
    why = f'<div class="pq-reason">原因 Why: {esc(reason)}</div>' if reason else ""
    return (
        '<div id="not-found" class="pq-card pq-not-found" role="status">'
        '<div class="pq-nf-title">这些规划没有给出答案 These plans do not say</div>'
        '<div>在已收录的文档中没有找到回答这个问题的原文。下面是最接近的段落，它们不是答案。 '
        "No sentence in the indexed plans answers this question; the passages below are the closest, "
        f"not an answer.</div>{why}</div>"
    )


def doc_badges(doc: Document | None, title: str = "") -> str:
    """Years/period and draft badges of a passage's document."""
    out = badge(years_text(doc.years), "years") if doc is not None and doc.years else ""
    return out + (badge("征求意见稿 draft", "draft") if is_draft(title, doc) else "")


def passage_card(
    hit: Hit,
    answer: Answer | None = None,
    why: bool = True,
    docs: Mapping[str, Document] | None = None,
    marks: bool = True,
    mapped: Sequence[tuple[str, tuple[str, ...]]] = (),
) -> str:
    """One passage card: title and badges, citation link, text, copy / add-to-compare, why it ranked.

    Args:
        hit: the passage and its marks.
        answer: when it lies in this passage, its sentence is marked too.
        why: add "why it ranked".
        docs: documents by id, for the year and draft badges.
        marks: False for candidates that are not an answer (no highlighting that suggests a hit).
        mapped: English question words and the Chinese terms they were matched by.
    """
    chunk = hit.chunk
    spans = list(hit.highlights) if marks else []
    if marks and answer is not None and chunk.chunk_id == answer.chunk_id and answer.text_end > answer.text_start:
        spans.append(Span(answer.text_start, answer.text_end, "answer"))
    doc = (docs or {}).get(chunk.doc_id)
    citation, page, draft = Citation.of(chunk), page_of(chunk), is_draft(chunk.doc_title, doc)
    return (
        f'<div class="pq-card pq-passage" data-chunk="{esc(chunk.chunk_id)}">'
        f'<div class="pq-title">{hit.rank}. 《{esc(plain_title(chunk.doc_title))}》 {doc_badges(doc, chunk.doc_title)}</div>'
        f'<div class="pq-meta">{citation_link(citation, page, title=False)}</div>'
        f'<div class="pq-text">{render_html(chunk.text, spans)}</div>'
        f'<div class="pq-actions">{copy_buttons(chunk.text, citation, page, draft)}'
        f'<button class="pq-btn pq-add" data-pq="add" data-chunk="{esc(chunk.chunk_id)}">{COMPARE_LABEL}</button>'
        f"</div>{why_ranked(hit, mapped) if why else ''}</div>"
    )


def passage_cards(
    hits: Sequence[Hit],
    answer: Answer | None = None,
    why: bool = True,
    docs: Mapping[str, Document] | None = None,
    marks: bool = True,
    mapped: Sequence[tuple[str, tuple[str, ...]]] = (),
) -> str:
    """``passage_card`` of each hit, in order."""
    return "".join(passage_card(hit, answer, why, docs, marks, mapped) for hit in hits)


def more_button(shown: int) -> str:
    """Ask for the next page of passages."""
    return f'<button class="pq-btn pq-more" data-pq="more" data-k="{shown}">更多段落 More passages</button>'
