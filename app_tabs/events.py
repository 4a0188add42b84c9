"""What the page's components do when used: each event of ``app.build_app``'s layout wired to its handler.

``wire`` takes the page's components (``ui``, named as in ``app.build_app``) and the engine holder;
every callback reads the engine served now (an upload swaps it). The page script
(``search.render_style.HEAD``) hands clicks on citation links, add-to-compare, chips, paging and remove
to the hidden ``ui.go[action]`` buttons with their argument in ``window.pqArg``. Errors become a note
(``guarded``), never a trace.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import app_upload
from app_tabs import compare as compare_tab
from app_tabs import documents as documents_tab
from app_tabs.ask import ask, check_question, more
from app_tabs.chips import unfilter
from app_tabs.cite import cite
from app_tabs.exports import export_ask, export_compare
from search import render, render_chips, render_viewer
from search.render_style import ASK_JS, CITE_JS, COMPARE_JS

logger = logging.getLogger(__name__)

SEARCHING = "正在检索… Searching…"  # one progress line, shown on the answer only (show_progress_on)
HISTORY = 8  # questions kept in the session's history


def guarded(*fill: Any):
    """Wrap a UI callback so an unexpected error shows as a note (and is logged), never as a trace.

    ``fill``: the values of the callback's other outputs, after the note.
    """

    def wrap(callback):
        @functools.wraps(callback)  # gradio reads the signature for the API page
        def guarded_callback(*args, **kwargs):
            try:
                return callback(*args, **kwargs)
            except Exception as exc:  # a UI answers with a message; the log keeps the traceback
                logger.exception("%s failed", callback.__name__)
                note = render.note(f"出错了，请重试。 Something went wrong: {type(exc).__name__}: {exc}")
                return (note, *fill) if fill else note

        return guarded_callback

    return wrap


def wire(ui: Any, holder: Any) -> None:
    """Wire every tab's events (inside the ``gr.Blocks`` of ``ui``); ``holder.current`` is the engine."""

    def engine() -> Any:
        return holder.current

    wire_ask(ui, engine)
    wire_compare(ui, engine)
    wire_documents(ui, engine, holder)


ENGINE_EVENTS = {"concurrency_id": "engine"}  # one shared limit: the engine's models are the bottleneck
QUIET = {"show_progress": "hidden", "api_visibility": "private"}  # small updates: no spinner over them


def wire_ask(ui: Any, engine) -> None:
    """问答 Ask: ask (button, Enter), the session's history, more passages, removing chips, export, the tray."""
    import gradio as gr

    @guarded("", "", "")
    def ask_fn(question: str, documents: list[str] | None = None, region: str | None = "",
               progress=gr.Progress()) -> tuple:
        progress(0, desc=SEARCHING)
        return ask(engine(), question, documents, region)

    def remember(question: str, past: list[str]) -> tuple[list[str], str, str]:
        """The session's history with ``question`` first; a new question sets nothing aside."""
        q = (question or "").strip()
        past = (([q] if q and not check_question(q) else []) + [p for p in past if p != q])[:HISTORY]
        return past, render_chips.run_chips(past, "本次搜索 This session:"), ""

    ask_io = {"inputs": [ui.question, ui.doc_filter, ui.region], "outputs": [ui.answer, ui.citation, ui.passages,
              ui.chips], "js": ASK_JS, "show_progress_on": [ui.answer], **ENGINE_EVENTS}
    for event, api in ((ui.ask_btn.click, {"api_name": "ask"}), (ui.question.submit, {"api_visibility": "private"})):
        event(ask_fn, **ask_io, **api).then(remember, [ui.question, ui.history], [ui.history, ui.history_html,
                                                                                   ui.ignore], **QUIET)

    @guarded()
    def more_fn(question: str, documents: list[str] | None, region: str | None, shown: str, ignored: str) -> str:
        return more(engine(), question, documents, region, shown, ignored)

    ui.go["more"].click(more_fn, [ui.question, ui.doc_filter, ui.region, ui.arg, ui.ignore], ui.passages,
                        api_visibility="private", js="(q, d, r, a, i) => [q, d, r, window.pqArg, i]", **ENGINE_EVENTS)

    @guarded("", "", "", gr.update(), gr.update(), gr.update())  # an error's note goes on the answer
    def unfilter_fn(target: str, question: str, documents: list[str] | None, region: str | None, ignored: str):
        documents, region, ignored = unfilter(target, documents, region, ignored)
        return (*ask(engine(), question, documents, region, ignore=ignored), documents, region, ignored)

    ui.go["unfilter"].click(
        unfilter_fn, [ui.arg, ui.question, ui.doc_filter, ui.region, ui.ignore],
        [ui.answer, ui.citation, ui.passages, ui.chips, ui.doc_filter, ui.region, ui.ignore],
        js="(a, q, d, r, i) => [window.pqArg, q, d, r, i]", api_visibility="private", **ENGINE_EVENTS,
    ).then(None, [ui.question, ui.doc_filter, ui.region, ui.ignore], None,
           js="(q, d, r, i) => { pqUrl({q: q, docs: d, region: r, ignore: i}); }")

    def export_fn(fmt: str):
        @guarded()
        def export(question: str, documents: list[str] | None, region: str | None, ignored: str = ""):
            return export_ask(engine(), question, documents, region, fmt, ignored)
        return export

    inputs = [ui.question, ui.doc_filter, ui.region, ui.ignore]
    ui.ask_csv.click(export_fn("csv"), inputs, ui.ask_file, api_name="export_ask")
    ui.ask_md.click(export_fn("md"), inputs, ui.ask_file, api_visibility="private")

    # the compare tray: filled from passage cards, shown on the Ask and the Compare tab
    def tray_fn(add: bool):
        def change(current: list[str], chunk_id: str):
            if add:
                current = compare_tab.tray_add(engine(), current, chunk_id)
            else:
                current = [c for c in current if c != chunk_id]
            html = compare_tab.tray_html(engine(), current)
            return current, html, html
        return change

    for name, add in (("add", True), ("untray", False)):
        ui.go[name].click(tray_fn(add), [ui.tray, ui.arg], [ui.tray, ui.ask_tray, ui.compare_tray],
                          js="(t, a) => [t, window.pqArg]", **QUIET)

    @guarded(gr.update())
    def tray_compare_fn(current: list[str]):
        return compare_tab.tray_compare(engine(), current), gr.Tabs(selected="compare")

    ui.go["tray"].click(tray_compare_fn, ui.tray, [ui.passage_pair, ui.tabs], api_visibility="private").then(
        None, None, None, js="() => { pqUrl({tab: 'compare'}); }")


def wire_compare(ui: Any, engine) -> None:
    """对比 Compare (button, Enter, export, two passages by id for the API) and 溯源 Cite (button, Ctrl+Enter)."""
    import gradio as gr

    @guarded()
    def compare_fn(question: str, documents: list[str] | None = None, progress=gr.Progress()) -> str:
        progress(0, desc=SEARCHING)
        return compare_tab.compare(engine(), question, documents)

    compare_io = {"inputs": [ui.c_question, ui.c_docs], "outputs": ui.comparison, "js": COMPARE_JS,
                  "show_progress_on": [ui.comparison], **ENGINE_EVENTS}
    ui.c_btn.click(compare_fn, **compare_io, api_name="compare")
    ui.c_question.submit(compare_fn, **compare_io, api_visibility="private")

    def export_fn(fmt: str):
        @guarded()
        def export(question: str, documents: list[str] | None):
            return export_compare(engine(), question, documents, fmt)
        return export

    ui.c_csv.click(export_fn("csv"), [ui.c_question, ui.c_docs], ui.c_file, api_name="export_compare")
    ui.c_md.click(export_fn("md"), [ui.c_question, ui.c_docs], ui.c_file, api_visibility="private")

    def compare_passages_fn(passage_a: str, passage_b: str) -> str:
        """Two passages (chunk ids) side by side, shared terms and differing numbers marked."""
        return guarded()(compare_tab.compare_passages)(engine(), passage_a, passage_b)

    gr.api(compare_passages_fn, api_name="compare_passages")

    @guarded()
    def cite_fn(quote: str, progress=gr.Progress()) -> str:
        progress(0, desc="正在查找出处… Finding the source…")
        return cite(engine(), quote)

    ui.cite_btn.click(cite_fn, ui.quote, ui.source, api_name="cite", js=CITE_JS, show_progress_on=[ui.source],
                      **ENGINE_EVENTS)


def wire_documents(ui: Any, engine, holder: Any) -> None:
    """文档 Documents: the viewer (from any citation link, the picker, the API), upload and remove."""
    import gradio as gr

    @guarded(gr.update())
    def view_fn(target: str):
        return documents_tab.view_arg(engine(), target), gr.Tabs(selected="documents")

    ui.go["view"].click(view_fn, ui.arg, [ui.viewer, ui.tabs], js="(a) => window.pqArg",
                        api_visibility="private").then(None, None, None, js="() => { setTimeout(pqShowCited, 150); }")

    @guarded()
    def outline_fn(doc_id: str | None) -> str:
        return documents_tab.view(engine(), doc_id)

    ui.doc_pick.input(outline_fn, ui.doc_pick, ui.viewer, api_name="outline").then(
        None, ui.doc_pick, None, js="(d) => { pqUrl({tab: 'documents', doc: d, at: ''}); }")

    def section_fn(doc_id: str, section_start: str) -> str:
        """The viewer at the section of ``doc_id`` that starts at offset ``section_start``."""
        return guarded()(documents_tab.read_section)(engine(), doc_id, section_start)

    gr.api(section_fn, api_name="section")

    def refreshed(lines) -> tuple:
        """The report, the documents list and every document picker, over the engine now served."""
        choices = documents_tab.document_choices(engine())
        return (render_viewer.upload_report(lines), documents_tab.documents_list(engine()),
                gr.Dropdown(choices=choices), gr.Dropdown(choices=choices), gr.Dropdown(choices=choices),
                gr.Dropdown(choices=documents_tab.region_choices(engine())))

    def upload_fn(paths: list[str] | None, progress=gr.Progress()):
        def step(name: str, stage: str) -> None:
            words = {"reading": "读取 reading", "chunking": "切分 chunking", "embedding": "编码 embedding"}
            progress(None, desc=f"{words.get(stage, stage)}: {name}")

        try:
            lines, changed = app_upload.add_uploads(engine(), paths or [], step)
            if changed:
                progress(None, desc="切换到新索引 Switching to the new index")
                holder.reload()
        except Exception as exc:  # reported per upload, the log keeps the traceback
            logger.exception("upload failed")
            lines = [("—", False, f"出错了 Something went wrong: {type(exc).__name__}: {exc}")]
        return (*refreshed(lines), None)

    def remove_fn(doc_id: str):
        try:
            lines, changed = app_upload.remove_document(engine(), doc_id)
            if changed:
                holder.reload()
        except Exception as exc:  # reported in the panel, the log keeps the traceback
            logger.exception("remove failed")
            lines = [("—", False, f"出错了 Something went wrong: {type(exc).__name__}: {exc}")]
        return refreshed(lines)

    library_io = [ui.upload_report, ui.documents, ui.doc_filter, ui.c_docs, ui.doc_pick, ui.region]
    ui.upload.upload(upload_fn, ui.upload, [*library_io, ui.upload], show_progress_on=[ui.upload_report],
                     api_name="upload", **ENGINE_EVENTS)
    ui.go["remove"].click(remove_fn, ui.arg, library_io, js="(a) => window.pqArg", show_progress_on=[ui.upload_report],
                          api_visibility="private", **ENGINE_EVENTS)
