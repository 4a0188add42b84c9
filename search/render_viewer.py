"""HTML views of the Documents tab: the documents list, the upload report and the document viewer.

The viewer shows one section of a document's original text with the cited range in a ``<mark>``,
previous/next section buttons and the clickable outline beside it; for a passage of a PDF, a
显示原页 Show page toggle below holds the printed page(s) with the passage's lines drawn over them
(``.page-mark``, placed in % of the page). Like ``search.render`` it only formats what it is given;
the app finds the section, the text and the page images' addresses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from index.types import Chunk, Document, Section
from search.page_view import PageView
from search.render import badge, esc, is_draft, note, plain_title, years_text
from search.types import join_path

# A section longer than this is shown as a window around the cited range: the longest seed sections
# run to ~9,000 characters, a wall of text on a phone.
WINDOW_CHARS = 2400


@dataclass(frozen=True)
class ViewerText:
    """What the viewer shows: ``text`` is ``source[start:end]``; ``mark`` a range of the source inside it."""

    text: str
    start: int
    end: int
    mark: tuple[int, int] | None = None


def documents_list(documents: Sequence[Document], chunks: Sequence[Chunk]) -> str:
    """Every document (``#documents``): title with its badges, region, years, passages, issuer; each opens the viewer."""
    counts: dict[str, int] = {}
    for chunk in chunks:
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    if not documents:
        return note("还没有文档。请在下面上传。 No documents yet; upload some below.")
    rows = []
    for d in documents:
        facts = [d.region or "—", years_text(d.years), f"{counts.get(d.doc_id, 0)} 段 passages"]
        facts += [x for x in (getattr(d, "issuer", None), getattr(d, "doc_number", None), getattr(d, "date", None)) if x]
        draft = badge("征求意见稿 draft", "draft") if is_draft(d.title, d) else ""
        rows.append(
            f'<li class="pq-doc-row" data-doc="{esc(d.doc_id)}"><a class="pq-doc-link" href="?tab=documents&amp;doc='
            f'{esc(d.doc_id)}" data-pq="view" data-doc="{esc(d.doc_id)}" data-at="">《{esc(plain_title(d.title))}》</a> '
            f'{draft}<div class="pq-meta">{esc(" · ".join(facts))} <button class="pq-btn pq-remove" data-pq="remove" '
            f'data-doc="{esc(d.doc_id)}" data-title="{esc(plain_title(d.title))}">移除 Remove</button></div></li>'
        )
    return f'<ul class="pq-docs">{"".join(rows)}</ul>'


def outline_links(sections: Sequence[Section], current: Section | None = None) -> str:
    """The outline, indented by level (capped), each heading a link that opens its section."""
    if not sections:
        return note("这个文档没有识别出章节。 No sections were found in this document.")
    top = min(s.level for s in sections)
    items = []
    for s in sections:
        depth = min(s.level - top, 4)  # deep 专栏/table entries must not walk off the panel
        here = " pq-here" if current is not None and s == current else ""
        items.append(
            f'<a class="pq-outline-link{here}" style="padding-left:{0.2 + 1.0 * depth:.1f}em" href="?tab=documents'
            f'&amp;doc={esc(s.doc_id)}&amp;at={s.start}-{s.start}" data-pq="view" data-doc="{esc(s.doc_id)}" '
            f'data-at="{s.start}-{s.start}">{esc(s.heading)}</a>'
        )
    return f'<nav class="pq-outline">{"".join(items)}</nav>'


def _nav(doc_id: str, section: Section | None, label: str) -> str:
    if section is None:
        return f'<button class="pq-btn" disabled>{esc(label)}</button>'
    return (
        f'<button class="pq-btn pq-nav" data-pq="view" data-doc="{esc(doc_id)}" data-at="{section.start}-{section.start}" '
        f'title="{esc(section.heading)}">{esc(label)}</button>'
    )


def window(text: ViewerText, chars: int = WINDOW_CHARS) -> ViewerText:
    """At most ``chars`` of ``text`` around its mark (the mark is never cut)."""
    if len(text.text) <= chars:
        return text
    a, b = text.mark or (text.start, text.start)
    room = max(0, chars - (b - a)) // 2
    lo = max(text.start, a - room)
    hi = min(text.end, max(b + room, lo + chars))
    return ViewerText(text.text[lo - text.start : hi - text.start], lo, hi, text.mark)


def viewer(
    doc: Document,
    sections: Sequence[Section],
    current: Section | None,
    shown: ViewerText | None,
    previous: Section | None = None,
    following: Section | None = None,
    pages: Sequence[tuple[str, PageView]] = (),
) -> str:
    """The document viewer (``#viewer`` holds it): head, prev/next, the section text with the mark, outline.

    ``pages``: the image address and marks of each page the passage lies on (PDFs; else empty)."""
    facts = [doc.region or "—", years_text(doc.years)]
    facts += [x for x in (getattr(doc, "issuer", None), getattr(doc, "doc_number", None), getattr(doc, "date", None)) if x]
    draft = badge("征求意见稿 draft", "draft") if is_draft(doc.title, doc) else ""
    head = (
        f'<div class="pq-title">《{esc(plain_title(doc.title))}》 {draft}</div>'
        f'<div class="pq-meta">{esc(" · ".join(facts))}</div>'
    )
    nav = (
        f'<div class="pq-actions">{_nav(doc.doc_id, previous, "‹ 上一节 Previous")}'
        f'{_nav(doc.doc_id, following, "下一节 Next ›")}</div>'
    )
    heading = f'<div class="pq-section-head">{esc(join_path(current.path, doc.title))}</div>' if current else ""
    if shown is None:
        body = note("找不到这个文档的原文文件。 The source file of this document is not available.")
    else:
        body = _marked(window(shown)) + page_view(pages)
    return (
        f'<div class="pq-viewer-grid"><div class="pq-card pq-reader">{head}{nav}{heading}{body}{nav}</div>'
        f'<details class="pq-card pq-outline-box" open><summary>目录 Outline</summary>'
        f"{outline_links(sections, current)}</details></div>"
    )


# The page loads when the toggle opens it (lazy, inside a closed <details>); once it has its height the
# passage's first line is scrolled into view: an A4 page is taller than the window.
_TO_MARK = (' onload="const m=this.parentElement.querySelector(\'.page-mark\');'
            'if(m&&this.closest(\'details\').open)m.scrollIntoView({block:\'center\'})"')


def page_view(pages: Sequence[tuple[str, PageView]]) -> str:
    """The 显示原页 Show page toggle: each page as rendered, the passage's lines marked over it."""
    if not pages:
        return ""
    figures = []
    for number, (url, view) in enumerate(pages):
        marks = "".join(
            f'<div class="page-mark" style="position:absolute;left:{m.left:.2%};top:{m.top:.2%};width:{m.width:.2%};'
            f'height:{m.height:.2%};background:rgba(255,200,0,.35);outline:1px solid rgba(200,140,0,.9)"></div>'
            for m in view.marks
        )
        figures.append(
            f'<figure class="pq-page" data-page="{view.page}" style="margin:.5em 0"><div class="pq-page-sheet" '
            f'style="position:relative;display:inline-block;max-width:100%;border:1px solid #ccc">'
            f'<img class="pq-page-image" src="{esc(url)}" alt="第 {view.page} 页 page {view.page}" loading="lazy" '
            f'style="display:block;max-width:100%;height:auto"{_TO_MARK if number == 0 else ""}>{marks}</div>'
            f'<figcaption class="pq-meta">第 {view.page} 页 p. {view.page}</figcaption></figure>'
        )
    numbers = ", ".join(str(view.page) for _, view in pages)
    return (f'<details class="pq-page-view"><summary class="pq-btn pq-show-page">显示原页 Show page (p. {numbers})'
            f'</summary>{"".join(figures)}</details>')


def _marked(shown: ViewerText) -> str:
    text = shown.text
    before, after = ("…" if shown.start > 0 else ""), "…"
    if shown.mark is None or shown.mark[1] <= shown.mark[0]:
        return f'<div class="pq-text pq-source">{before}{esc(text)}{after}</div>'
    a, b = (max(0, x - shown.start) for x in shown.mark)
    return (
        f'<div class="pq-text pq-source">{before}{esc(text[:a])}<mark class="cited" id="pq-cited">'
        f"{esc(text[a:b])}</mark>{esc(text[b:])}{after}</div>"
    )


def upload_report(lines: Sequence[tuple[str, bool, str]]) -> str:
    """Per file: its name, whether it was added, and what happened in plain words."""
    if not lines:
        return ""
    rows = "".join(
        f'<li class="{"pq-ok" if ok else "pq-bad"}">{"✓" if ok else "✗"} {esc(name)} — {esc(message)}</li>'
        for name, ok, message in lines
    )
    return f'<ul class="pq-upload-report">{rows}</ul>'
