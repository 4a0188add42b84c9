"""A PDF page as printed: the rectangles a passage covers, and the page rendered to PNG (pypdfium2).

Both read only what the index keeps under ``pages/`` (``index.page_map``), by names its manifest
lists, checked against their sha256: a document id that is unknown, not from a PDF, or a page outside
the file is a ``PageNotFound`` with a plain message. Rendered pages are kept in a small LRU (an A4
plan page at scale 1.5 is ~140 KB of PNG), keyed by the build, so a rebuilt index never serves an old
page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from typing import Any

from index.page_map import PageMap, PageMark, read_map, read_original
from search.memo import ResultMemo
from search.types import AskResult

DEFAULT_SCALE = 1.5  # 72 dpi x 1.5: an A4 page 893 px wide, legible beside the text on a laptop screen
MIN_SCALE, MAX_SCALE = 0.5, 3.0
MAX_PIXELS = 2400  # the longer side of a rendered page, whatever the page size and scale
CACHED_PAGES = 32


class PageNotFound(LookupError):
    """No page to show: the document is unknown or not a PDF, or the page is outside the file."""


@dataclass(frozen=True)
class PageView:
    """Page ``page`` of document ``doc_id``, with the rectangles of the passage shown on it."""

    doc_id: str
    page: int
    marks: tuple[PageMark, ...]


def _stored(engine: Any):
    return getattr(getattr(engine, "current", engine), "stored", None)


# least recently used out; one computation per key at a time (a page asked by two viewers renders once)
_MAPS = ResultMemo(64)
_PAGES = ResultMemo(CACHED_PAGES)


def page_map(engine: Any, source: str) -> PageMap | None:
    """The page map of source file ``source`` of the engine's index, or None (not a PDF, older index)."""
    stored = _stored(engine)
    if stored is None or stored.path is None:
        return None
    key = (str(stored.path), stored.manifest.get("build_id", ""), source)
    try:
        return _MAPS.get(key, lambda: read_map(stored.path, stored.manifest, source))
    except (OSError, ValueError):
        return None


def narrow_pages(engine: Any, result: AskResult) -> AskResult:
    """``result`` with its answer cited by the pages the answer itself lies on, not all its passage's.

    A passage may run across a page break while its answer sentence sits on one page; the page map
    (PDFs only) says which. Anything else is returned as it is."""
    answer = result.answer
    if answer is None or len(set(answer.citation.pages)) < 2:
        return result
    found = page_map(engine, answer.citation.source)
    pages = found.pages_of(answer.citation.start, answer.citation.end) if found is not None else ()
    if not pages or pages == answer.citation.pages:
        return result
    return replace(result, answer=replace(answer, citation=replace(answer.citation, pages=pages)))


def page_views(engine: Any, doc_id: str, start: int, end: int) -> tuple[PageView, ...]:
    """The pages ``[start, end)`` of document ``doc_id``'s source lies on, with its rectangles on each;
    empty when the index keeps no page map for it."""
    try:
        doc = getattr(engine, "current", engine).document(doc_id)
    except (ValueError, StopIteration, KeyError):
        return ()
    found = page_map(engine, doc.source)
    if found is None or end <= start:
        return ()
    marks = found.marks(start, end)
    return tuple(PageView(doc_id, page, tuple(m for m in marks if m.page == page))
                 for page in found.pages_of(start, end))


def render_page(engine: Any, doc_id: str, page: int, scale: float = DEFAULT_SCALE) -> bytes:
    """Page ``page`` (1-based) of document ``doc_id``'s PDF as PNG bytes; ``scale`` is clamped to 0.5-3.

    Raises:
        PageNotFound: unknown document, not a PDF, or no such page (the message says which).
    """
    stored = _stored(engine)
    try:
        doc = getattr(engine, "current", engine).document(doc_id)
    except (ValueError, StopIteration, KeyError):
        raise PageNotFound(f"no document {doc_id!r} in this index") from None
    found = page_map(engine, doc.source)
    if stored is None or found is None:
        raise PageNotFound(f"document {doc_id!r} is not a PDF kept with its pages; no page to show")
    if not 1 <= page <= found.page_count:
        raise PageNotFound(f"document {doc_id!r} has pages 1-{found.page_count}, not {page}")
    scale = round(min(MAX_SCALE, max(MIN_SCALE, float(scale))), 2)
    key = (str(stored.path), stored.manifest.get("build_id", ""), doc.source, page, scale)
    return _PAGES.get(key, lambda: _render(stored, doc.source, page, scale))


def _render(stored, source: str, page: int, scale: float) -> bytes:
    import pypdfium2 as pdfium

    from index.formats.pdf import PDFIUM_LOCK

    try:
        raw = read_original(stored.path, stored.manifest, source)
    except (OSError, ValueError) as exc:  # edited or removed since the build
        raise PageNotFound(str(exc)) from None
    if raw is None:
        raise PageNotFound(f"the index keeps no PDF for {source!r}")
    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(raw)
        try:
            sheet = pdf[page - 1]
            longest = max(sheet.get_width(), sheet.get_height(), 1.0)
            image = sheet.render(scale=min(scale, MAX_PIXELS / longest)).to_pil()
            sheet.close()
        finally:
            pdf.close()
    out = io.BytesIO()
    # 64 colours keep red headers and antialiased type legible: an A4 gov.cn plan page at scale 1.5 is
    # 141 KB instead of 457 KB in full colour (0.3 s instead of 0.16 s to encode, once per cached page)
    image.quantize(64).save(out, format="PNG")
    return out.getvalue()
