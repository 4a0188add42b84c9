"""The 文档 Documents tab: the documents list, the pickers' choices and the document viewer at a passage."""

from __future__ import annotations

import json
from typing import Any

from app_tabs.pages import page_url
from search import page_view, render, render_viewer


def documents_list(engine: Any) -> str:
    return render_viewer.documents_list(engine.documents, engine.chunks)


def document_choices(engine: Any) -> list[tuple[str, str]]:
    """``(label, doc_id)`` pairs for the document pickers."""
    return [(d.title, d.doc_id) for d in engine.documents]


def region_choices(engine: Any) -> list[tuple[str, str]]:
    regions = sorted({d.region for d in engine.documents if d.region})
    return [("全部 All", "")] + [(r, r) for r in regions]


def _parse_at(at: str | None) -> tuple[int, int] | None:
    try:
        a, b = (int(x) for x in (at or "").split("-", 1))
    except ValueError:
        return None
    return (a, max(a, b))


def view(engine: Any, doc_id: str | None, at: str | None = None) -> str:
    """The document viewer at ``at`` (``start-end`` in the source file; empty: the document's start)."""
    if not doc_id:
        return render.note("在出处链接或文档列表上点一下，原文会显示在这里。 Click a citation or a document to read it here.")
    try:
        doc = engine.document(doc_id)
    except (ValueError, StopIteration):
        return render.note("找不到这个文档，索引可能已更新。 This document is not in the index (any more).")
    span = _parse_at(at) or (doc.start, doc.start)
    sections = sorted((s for s in engine.sections if s.doc_id == doc_id), key=lambda s: (s.start, s.level))
    inside = [s for s in sections if s.start <= span[0] < s.end]
    current = max(inside, key=lambda s: (s.level, s.start)) if inside else None
    index = sections.index(current) if current is not None else -1
    previous = sections[index - 1] if index > 0 else None
    following = sections[index + 1] if index + 1 < len(sections) else (sections[0] if index < 0 and sections else None)
    lo, hi = (current.start, current.end) if current else (doc.start, sections[0].start if sections else doc.end)
    text = engine.source_text(doc.source) if hasattr(engine, "source_text") else None
    shown, pages = None, ()
    if text is not None:
        lo, hi = max(0, min(lo, span[0])), min(len(text), max(hi, span[1]))
        mark = span if span[1] > span[0] else None
        shown = render_viewer.ViewerText(text[lo:hi], lo, hi, mark)
        if mark:  # a PDF's passage: its printed page(s) too
            pages = [(page_url(doc_id, v.page), v) for v in page_view.page_views(engine, doc_id, *mark)]
    return render_viewer.viewer(doc, sections, current, shown, previous, following, pages)


def view_arg(engine: Any, arg: str | None) -> str:
    """``view`` from the page script's ``{"doc": …, "at": …}``."""
    try:
        target = json.loads(arg or "{}")
    except json.JSONDecodeError:
        target = {}
    return view(engine, target.get("doc"), target.get("at"))


def outline(engine: Any, doc_id: str | None) -> str:
    """A document's outline, each heading a link into the viewer."""
    if not doc_id:
        return render.note("请选择一个文档。 Pick a document.")
    return render_viewer.outline_links([s for s in engine.sections if s.doc_id == doc_id])


def read_section(engine: Any, doc_id: str | None, section_start: str | None) -> str:
    """The viewer at the section starting at ``section_start``."""
    if not doc_id or not section_start:
        return ""
    return view(engine, doc_id, f"{section_start}-{section_start}")
