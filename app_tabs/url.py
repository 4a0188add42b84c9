"""The page state in the URL (``?q=…&tab=…&doc=…&at=…&region=…&ignore=…``): what a shared link restores.

The page script (``search.render_style.HEAD``) writes the URL as the user works; ``url_state`` reads
it back into the inputs' values and the results, and ``wire`` runs that when the page loads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app_tabs.ask import ask
from app_tabs.chips import parse_ignore
from app_tabs.cite import cite
from app_tabs.compare import compare
from app_tabs.documents import view
from search.render_style import tab_js

TABS = ("ask", "compare", "cite", "documents")


def url_state(engine: Any, params: dict[str, str]) -> dict[str, Any]:
    """What a URL's query restores: the values of the inputs, the results, the tab."""
    q, region = params.get("q", ""), params.get("region", "")
    known = {d.doc_id for d in engine.documents}
    docs = [d for d in params.get("docs", "").split(",") if d in known]
    ignore = ",".join(parse_ignore(params.get("ignore", "")))
    state: dict[str, Any] = {"question": q, "docs": docs, "region": region, "ignore": ignore, "ask": ("", "", "", ""),
                             "tab": params.get("tab", "ask") if params.get("tab") in TABS else "ask"}
    if q:
        state["ask"] = ask(engine, q, docs, region, ignore=ignore)
    cq = params.get("cq", "")
    cdocs = [d for d in params.get("cdocs", "").split(",") if d in known]
    state.update(cq=cq, cdocs=cdocs, comparison=compare(engine, cq, cdocs) if cq else "")
    quote = params.get("quote", "")
    state.update(quote=quote, source=cite(engine, quote) if quote else "")
    doc = params.get("doc", "")
    state["viewer"] = view(engine, doc, params.get("at", "")) if doc else view(engine, None)
    return state


def wire(demo: Any, ui: Any, engine: Callable[[], Any]) -> None:
    """Selecting a tab writes it to the URL; loading the page restores the state its URL holds."""
    import gradio as gr

    for tab in TABS:
        getattr(ui, f"{tab}_tab").select(None, None, None, js=tab_js(tab))

    def on_load(request):
        """The URL's state; what the URL does not name is left as it is (a question typed while the page
        was still loading must not be wiped by its answer)."""
        params = dict(request.query_params) if request else {}
        state = url_state(engine(), params)
        keep = gr.update()
        ask_part = ((state["question"], state["docs"], state["region"], state["ignore"], *state["ask"])
                    if params.get("q") else (keep,) * 8)
        compare_part = (state["cq"], state["cdocs"], state["comparison"]) if params.get("cq") else (keep,) * 3
        cite_part = (state["quote"], state["source"]) if params.get("quote") else (keep,) * 2
        return (*ask_part, state["viewer"] if params.get("doc") else keep, *compare_part, *cite_part)

    on_load.__annotations__ = {"request": gr.Request}  # a real class: gradio injects the request by it
    demo.load(on_load, None, [ui.question, ui.doc_filter, ui.region, ui.ignore, ui.answer, ui.citation, ui.passages,
                              ui.chips, ui.viewer, ui.c_question, ui.c_docs, ui.comparison, ui.quote, ui.source],
              api_visibility="private")
