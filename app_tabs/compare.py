"""The 对比 Compare tab: plans side by side for a question, and the compare tray of passages (no ids to copy)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app_tabs.ask import check_question
from search import render, render_compare

TRAY_MAX = 4


def compare(engine: Any, question: str | None, doc_ids: Sequence[str] | None = None, top: int = 2) -> str:
    """The Compare tab: the plan-by-plan table and one column per document (2–4 picked, or the most relevant)."""
    problem = check_question(question)
    if problem:
        return render.note(problem)
    if doc_ids and len(doc_ids) == 1:
        return render.note("请选择 2–4 个文档，或者都不选。 Pick 2–4 documents, or none for the most relevant ones.")
    try:
        comparison = engine.compare(question.strip(), doc_ids=list(doc_ids) if doc_ids else None, top=top)
    except ValueError as exc:
        return render.note(str(exc))
    if not comparison.columns:
        return render.note("没有可对比的文档。 No document to compare.")
    return render_compare.compare_columns(comparison.columns, question.strip(), {d.doc_id: d for d in engine.documents})


def compare_passages(engine: Any, passage_a: str | None, passage_b: str | None) -> str:
    """Two passages side by side: shared terms and the numbers only one of them states are marked."""
    a, b = (passage_a or "").strip(), (passage_b or "").strip()
    if not a or not b:
        return render.note("请先在段落卡片上点「＋对比」加入两个段落。 Add two passages with “＋对比 Add to compare”.")
    try:
        pair = engine.compare_chunks(a, b)
    except ValueError:
        return render.note("找不到这个段落，索引可能已更新；请重新搜索。 That passage is no longer in the index; "
                           "search again and add it anew.")
    return render_compare.passage_pair(pair, {d.doc_id: d for d in engine.documents})


def tray_add(engine: Any, tray: Sequence[str] | None, chunk_id: str | None) -> list[str]:
    """The tray with ``chunk_id`` added (once; at most ``TRAY_MAX``, the oldest dropped)."""
    tray = [c for c in (tray or []) if c != chunk_id]
    if chunk_id:
        try:
            engine.chunk(chunk_id)
        except ValueError:
            return tray
        tray.append(chunk_id)
    return tray[-TRAY_MAX:]


def tray_html(engine: Any, tray: Sequence[str] | None) -> str:
    chunks = []
    for chunk_id in tray or []:
        try:
            chunks.append(engine.chunk(chunk_id))
        except ValueError:
            continue
    return render_compare.tray(chunks)


def tray_compare(engine: Any, tray: Sequence[str] | None) -> str:
    """The tray's passages side by side: two with their differences marked, three or four in columns."""
    tray = list(tray or [])
    if len(tray) < 2:
        return compare_passages(engine, tray[0] if tray else "", "")
    if len(tray) == 2:
        return compare_passages(engine, tray[0], tray[1])
    return render_compare.side_by_side([engine.chunk(c) for c in tray], {d.doc_id: d for d in engine.documents})
