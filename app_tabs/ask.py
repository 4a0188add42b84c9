"""The 问答 Ask tab: the question checked, the answer card, its passages (paged) and the chips above them."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from app_tabs.chips import filter_chips, filter_conflict, ignored_chips, parse_ignore, understood_chips
from search import render, render_chips

MAX_QUESTION_CHARS = 500  # a plan sentence is rarely over 200 chars; 5,000 is a paste accident
PAGE = 5  # passages per page on the Ask tab


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
        return render.not_found_panel(conflict), "", "", render_chips.chips(chips, conflict=conflict)
    try:
        result = engine.ask(question.strip(), k=k, doc_ids=doc_ids or None, region=region or None, ignore=ignore)
    except ValueError as exc:  # the engine's messages say how to fix the input
        return render.note(str(exc)), "", "", render_chips.chips(chips)
    understood = getattr(result, "understood", None)
    conflict = filter_conflict(engine, doc_ids, region, understood)
    state = render_chips.chips(chips, understood_chips(understood), conflict, ignored_chips(engine, question.strip(), ignore))
    return (*ask_views(engine, result, k), state)


def ask_views(engine: Any, result: Any, k: int = PAGE) -> tuple[str, str, str]:
    """``(answer_html, citation, passages_html)`` of an ``AskResult``."""
    docs, answer = {d.doc_id: d for d in engine.documents}, result.answer
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
