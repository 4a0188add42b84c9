"""The 溯源 Cite tab: where a quote comes from, in context, or "not found" with the nearest candidates unmarked."""

from __future__ import annotations

from typing import Any

from app_tabs.ask import check_question
from search import render, render_cite


def cite(engine: Any, quote: str | None, k: int = 5) -> str:
    """The Cite tab: where a quote comes from, in context; "not found" with the nearest candidates unmarked."""
    problem = check_question(quote)
    if problem:
        return render.note(problem.replace("问题", "引文").replace("question", "quote"))
    try:
        result = engine.cite(quote.strip(), k=k)
    except ValueError as exc:
        return render.note(str(exc))
    docs = {d.doc_id: d for d in engine.documents}
    if not result.found:
        return render_cite.quote_not_found(result, docs)
    best = result.matches[0]
    # In context: the passage of the match with one passage of its section on each side.
    passages = None if best.passage is None else engine.show(best.passage.chunk_id, context=1)
    return render_cite.quote_match_card(best, passages, docs=docs)
