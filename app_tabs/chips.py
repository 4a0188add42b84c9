"""The visible state above the Ask tab's results: active filters, what the question was understood as, conflicts.

Each chip can be removed: a filter chip drops its filter, an understood chip (place, period, indicator)
sets that facet aside (``Engine.ask(ignore=…)``); a set-aside facet stays as a struck chip that puts it back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from search import render
from search.understand import IGNORABLE


def filter_chips(engine: Any, doc_ids: Sequence[str], region: str) -> list[tuple[str, str, str]]:
    """``(label, kind, value)`` of each active filter: the region, then each chosen document by its title."""
    docs = {d.doc_id: d for d in engine.documents}
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
