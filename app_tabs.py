"""What each tab does when asked: plain functions ``(engine, *inputs) -> html``, testable without a server.

``app.py`` wires them to Gradio components; the HTML comes from ``search.render*``. Inputs are checked
here (a friendly bilingual note, never a trace); the engine's ``ValueError`` messages say how to fix
the input and are shown as they are.
"""

from __future__ import annotations

import json
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from search import render, render_cite, render_compare, render_export, render_viewer
from search.types import Hit
from search.understand import IGNORABLE

MAX_QUESTION_CHARS = 500  # a plan sentence is rarely over 200 chars; 5,000 is a paste accident
PAGE = 5  # passages per page on the Ask tab
TRAY_MAX = 4


def check_question(question: str | None) -> str | None:
    """The friendly message for a question we cannot use, or None when it is fine."""
    q = (question or "").strip()
    if not q:
        return "请输入问题。 Please type a question."
    if len(q) > MAX_QUESTION_CHARS:
        return (
            f"问题太长（{len(q)} 字），请缩短到 {MAX_QUESTION_CHARS} 字以内。 "
            f"The question is too long ({len(q)} characters); keep it under {MAX_QUESTION_CHARS}."
        )
    if not any(unicodedata.category(ch)[0] in "LN" for ch in q):
        return "问题里没有文字或数字。 The question has no words or numbers in it."
    return None


def _docs(engine: Any) -> dict:
    return {d.doc_id: d for d in engine.documents}


# --- visible state: filters, what the question was understood as, conflicts -----------------------
def filter_chips(engine: Any, doc_ids: Sequence[str], region: str) -> list[tuple[str, str, str]]:
    docs = _docs(engine)
    chips = [(f"地区 Region: {region}", "region", region)] if region else []
    for doc_id in doc_ids:
        title = render.plain_title(docs[doc_id].title) if doc_id in docs else doc_id
        chips.append((f"文档 Document: 《{title}》", "doc", doc_id))
    return chips


def understood_chips(understood: Any) -> list[tuple[str, str]]:
    """Place, period, indicator and aim as the answer stage read them (``search.understand.Understood``).

    ``(label, facet)`` pairs; the facet (``search.understand.IGNORABLE``) is what removing the chip sets
    aside, "" for the aim (it only says what kind of sentence is looked for).
    """
    if understood is None:
        return []
    out = []
    for place in getattr(understood, "places", ()):
        out.append((f"地点 Place: {place.name}" + ("" if place.covered else "（未收录 not in the index）"), "places"))
    years = getattr(understood, "years", ())
    if getattr(understood, "period", "") or years:
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "")
        out.append((f"时期 Period: {understood.period or span}" + (f"（{span}）" if understood.period and span
                                                                   and span != understood.period else ""), "period"))
    if getattr(understood, "indicator", ""):
        out.append((f"指标 Indicator: {understood.indicator}", "indicator"))
    aim = {"target": "目标 target", "status": "现状 status"}.get(getattr(understood, "aim", ""))
    if aim:
        out.append((f"问的是 Asks for: {aim}", ""))
    return out


FACET_NAMES = {"places": "地点 Place", "period": "时期 Period", "indicator": "指标 Indicator"}


def parse_ignore(ignore: str | Sequence[str] | None) -> tuple[str, ...]:
    """The facets set aside, from the URL's / hidden box's ``period,places`` (unknown names dropped)."""
    names = ignore.split(",") if isinstance(ignore, str) else list(ignore or ())
    return tuple(f for f in IGNORABLE if f in {n.strip() for n in names})


def ignored_chips(engine: Any, question: str, ignore: Sequence[str]) -> list[tuple[str, str]]:
    """The set-aside facets as ``(label, facet)``, labelled with what the question names when it says."""
    if not ignore:
        return []
    from search.understand import analyse

    said: dict[str, list[str]] = {}
    for label, facet in understood_chips(analyse(question, engine.documents)):
        said.setdefault(facet, []).append(label)
    return [("、".join(said.get(f) or [FACET_NAMES[f]]), f) for f in ignore]


def filter_conflict(engine: Any, doc_ids: Sequence[str], region: str, understood: Any = None) -> str:
    """One message when the filters exclude each other or the place the question names, else ""."""
    docs = [d for d in engine.documents if not doc_ids or d.doc_id in doc_ids]
    if region and doc_ids:
        from index.normalize import normalize

        key = normalize(region)
        if not any(key in normalize(d.region or "") or key in normalize(d.title) for d in docs):
            return (f"筛选条件互相排斥：所选文档都不属于「{region}」。请去掉其中一个。 The filters exclude each other: "
                    f"none of the chosen documents is of {region}; remove one of them.")
    places = [p for p in getattr(understood, "places", ()) if p.covered] if understood is not None else []
    if places and (region or doc_ids):
        allowed = engine.allowed(list(doc_ids) or None, region or None)
        kept = {c.doc_id for c, ok in zip(engine.chunks, allowed, strict=False) if ok} if allowed is not None else set()
        if not any(set(p.doc_ids) & kept for p in places):
            names = "、".join(p.name for p in places)
            return (f"问题问的是「{names}」，但筛选只留下了其他地方的文档；请去掉筛选。 The question asks about {names} "
                    "but the filters keep only other places' documents; remove the filter to search them.")
    return ""


def unfilter(target: str | None, doc_ids: Sequence[str] | None, region: str | None,
             ignore: str | None) -> tuple[list[str], str, str]:
    """The filters and set-aside facets after a chip's button (the page script's ``{"kind", "value"}``).

    ``doc`` / ``region`` remove a filter, ``ignore`` sets an understood facet aside, ``unignore`` puts it back.
    """
    try:
        chip = json.loads(target or "{}")
    except json.JSONDecodeError:
        chip = {}
    kind, value = chip.get("kind"), chip.get("value")
    doc_ids = [d for d in doc_ids or [] if not (kind == "doc" and d == value)]
    region = "" if kind == "region" else (region or "")
    facets = set(parse_ignore(ignore))
    if kind == "ignore":
        facets.add(value)
    elif kind == "unignore":
        facets.discard(value)
    return doc_ids, region, ",".join(parse_ignore(sorted(facets)))


# --- 问答 Ask -------------------------------------------------------------------------------------
def ask(
    engine: Any,
    question: str | None,
    doc_ids: Sequence[str] | None = None,
    region: str | None = None,
    k: int = PAGE,
    ignore: str | Sequence[str] | None = (),
) -> tuple[str, str, str, str]:
    """The Ask tab: ``(answer_html, citation, passages_html, chips_html)``.

    ``ignore``: the understood facets the user removed (``parse_ignore``), left out of the answer.
    """
    doc_ids, region, ignore = list(doc_ids or []), (region or "").strip(), parse_ignore(ignore)
    problem = check_question(question)
    if problem:
        return render.note(problem), "", "", ""
    chips = filter_chips(engine, doc_ids, region)
    conflict = filter_conflict(engine, doc_ids, region)
    if conflict:
        return render.not_found_panel(conflict), "", "", render.chips(chips, conflict=conflict)
    try:
        result = engine.ask(question.strip(), k=k, doc_ids=doc_ids or None, region=region or None, ignore=ignore)
    except ValueError as exc:  # the engine's messages say how to fix the input
        return render.note(str(exc)), "", "", render.chips(chips)
    understood = getattr(result, "understood", None)
    conflict = filter_conflict(engine, doc_ids, region, understood)
    state = render.chips(chips, understood_chips(understood), conflict, ignored_chips(engine, question.strip(), ignore))
    return (*ask_views(engine, result, k), state)


def ask_views(engine: Any, result: Any, k: int = PAGE) -> tuple[str, str, str]:
    """``(answer_html, citation, passages_html)`` of an ``AskResult``."""
    docs, answer = _docs(engine), result.answer
    mapped = getattr(answer, "mapped", ()) if answer is not None else ()
    more = render.more_button(k) if len(result.hits) >= k else ""
    if answer is None:
        card = render.not_found_panel(result.reason or "")
        if not result.hits:
            return card, "", render.note("没有相关段落。 No passage matched.")
        head = '<div class="pq-meta pq-closest">最接近的段落（不是答案） Closest passages (not an answer)</div>'
        return card, "", head + render.passage_cards(result.hits, None, docs=docs, marks=False) + more
    card = render.answer_card(answer, result.hits, docs)
    return card, str(answer.citation), render.passage_cards(result.hits, answer, docs=docs, mapped=mapped) + more


def more(engine: Any, question: str | None, doc_ids: Sequence[str] | None, region: str | None, shown: Any,
         ignore: str | Sequence[str] | None = ()) -> str:
    """The passages again with one more page (``shown`` + ``PAGE``)."""
    try:
        k = int(shown) + PAGE
    except (TypeError, ValueError):
        k = PAGE
    return ask(engine, question, doc_ids, region, k=k, ignore=ignore)[2]


def _export_file(name: str, text: str) -> str:
    folder = Path(tempfile.mkdtemp(prefix="planqa-export-"))
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def export_ask(engine: Any, question: str | None, doc_ids: Sequence[str] | None, region: str | None,
               fmt: str = "csv", ignore: str | Sequence[str] | None = ()) -> str | None:
    """The answer and passages of ``question`` as a CSV or Markdown file (its path), None for a bad question."""
    if check_question(question):
        return None
    result = engine.ask(question.strip(), k=10, doc_ids=list(doc_ids or []) or None, region=region or None,
                        ignore=parse_ignore(ignore))
    rows = render_export.ask_rows(result)
    if fmt == "md":
        return _export_file("planqa-answer.md", render_export.to_markdown(question, rows, render_export.ASK_FIELDS))
    return _export_file("planqa-answer.csv", render_export.to_csv(rows, render_export.ASK_FIELDS))


# --- 对比 Compare ----------------------------------------------------------------------------------
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
    return render_compare.compare_columns(comparison.columns, question.strip(), _docs(engine))


def export_compare(engine: Any, question: str | None, doc_ids: Sequence[str] | None, fmt: str = "csv") -> str | None:
    if check_question(question) or (doc_ids and len(doc_ids) == 1):
        return None
    comparison = engine.compare(question.strip(), doc_ids=list(doc_ids) if doc_ids else None)
    rows = render_export.comparison_rows(comparison)
    if fmt == "md":
        return _export_file("planqa-compare.md",
                            render_export.to_markdown(question, rows, render_export.COMPARE_FIELDS))
    return _export_file("planqa-compare.csv", render_export.to_csv(rows, render_export.COMPARE_FIELDS))


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
    return render_compare.passage_pair(pair, _docs(engine))


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
    return render_compare.side_by_side([engine.chunk(c) for c in tray], _docs(engine))


# --- 溯源 Cite -------------------------------------------------------------------------------------
def cite(engine: Any, quote: str | None, k: int = 5) -> str:
    """The Cite tab: where a quote comes from, in context; "not found" with the nearest candidates unmarked."""
    problem = check_question(quote)
    if problem:
        return render.note(problem.replace("问题", "引文").replace("question", "quote"))
    try:
        result = engine.cite(quote.strip(), k=k)
    except ValueError as exc:
        return render.note(str(exc))
    if not result.found:
        return render_cite.quote_not_found(result, _docs(engine))
    best = result.matches[0]
    # In context: the passage of the match with one passage of its section on each side.
    passages = None if best.passage is None else engine.show(best.passage.chunk_id, context=1)
    return render_cite.quote_match_card(best, passages, docs=_docs(engine))


# --- 文档 Documents ---------------------------------------------------------------------------------
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
    shown = None
    if text is not None:
        lo, hi = max(0, min(lo, span[0])), min(len(text), max(hi, span[1]))
        mark = span if span[1] > span[0] else None
        shown = render_viewer.ViewerText(text[lo:hi], lo, hi, mark)
    return render_viewer.viewer(doc, sections, current, shown, previous, following)


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


def hits_of(engine: Any, chunk_ids: Sequence[str]) -> list[Hit]:
    return [Hit(engine.chunk(c), 0.0, i) for i, c in enumerate(chunk_ids, 1)]
