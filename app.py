"""The Gradio UI: 问答 Ask, 对比 Compare, 溯源 Cite, 文档 Documents. Wiring only.

What each tab does is in ``app_tabs`` (plain functions ``(engine, *inputs) -> html``, testable without
a server) and ``app_upload``; the HTML in ``search.render*``. ``build_app`` wires them to components,
``serve`` launches, ``main`` loads the engine once and serves. The page script
(``search.render_style.HEAD``) hands clicks on citation links, copy, add-to-compare, filter chips and
paging to hidden buttons here, and keeps the page state in the URL; ``on_load`` restores it.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any

import app_tabs
import app_upload
from app_tabs import (  # noqa: F401  (the handlers, importable from here as before)
    MAX_QUESTION_CHARS,
    PAGE,
    ask,
    check_question,
    cite,
    compare,
    compare_passages,
    document_choices,
    documents_list,
    outline,
    read_section,
    region_choices,
    view,
)
from search import render, render_cite, render_compare, render_viewer
from search.render_style import ASK_JS, CITE_JS, COMPARE_JS, tab_js

logger = logging.getLogger(__name__)

EXAMPLES = [
    "深圳到2025年食品抽检要达到什么水平",
    "湖州二星级以上绿色建筑占新建民用建筑比例",
    "Shenzhen intellectual property targets",
    "Luohu lung cancer screening",
]
COPY_LABEL = render.COPY_LABEL
_match_spans = render_cite.match_spans
ACTIONS = ("view", "add", "untray", "tray", "unfilter", "more", "remove")  # the page script's hidden buttons
TABS = ("ask", "compare", "cite", "documents")
SEARCHING = "正在检索… Searching…"  # one progress line, shown on the answer only (show_progress_on)


class EngineHolder:
    """The engine the app serves now; ``swap`` puts a new one in (after an upload) without a restart."""

    def __init__(self, engine: Any):
        self._engine = engine
        self._lock = threading.Lock()

    @property
    def current(self) -> Any:
        return self._engine

    def swap(self, engine: Any) -> None:
        with self._lock:
            self._engine = engine

    def reload(self) -> None:
        """Load the index again from its folder (it was updated in place)."""
        from search.engine import Engine

        old = self._engine
        self.swap(Engine.load(old.path, build_if_missing=False, encoders=getattr(old, "encoders", None)))


def _guarded(*fill: Any):
    """Wrap a UI callback so an unexpected error shows as a note (and is logged), never as a trace.

    ``fill``: the values of the callback's other outputs, after the note.
    """

    def wrap(callback):
        @functools.wraps(callback)  # gradio reads the signature for the API page
        def guarded(*args, **kwargs):
            try:
                return callback(*args, **kwargs)
            except Exception as exc:  # a UI answers with a message; the log keeps the traceback
                logger.exception("%s failed", callback.__name__)
                note = render.note(f"出错了，请重试。 Something went wrong: {type(exc).__name__}: {exc}")
                return (note, *fill) if fill else note

        return guarded

    return wrap


def url_state(engine: Any, params: dict[str, str]) -> dict[str, Any]:
    """What a URL's query restores: the values of the inputs, the results, the tab."""
    q, region = params.get("q", ""), params.get("region", "")
    known = {d.doc_id for d in engine.documents}
    docs = [d for d in params.get("docs", "").split(",") if d in known]
    ignore = ",".join(app_tabs.parse_ignore(params.get("ignore", "")))
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


def build_app(source: Any):
    """The four tabs over ``source`` (an Engine, or an ``EngineHolder`` whose engine may be swapped).

    API endpoints (for gradio_client): ask, compare, compare_passages, cite, outline, section,
    export_ask, export_compare.
    """
    import gradio as gr

    holder = source if hasattr(source, "swap") else EngineHolder(source)

    def engine() -> Any:
        return holder.current

    docs = document_choices(engine())
    engine_events = {"concurrency_id": "engine"}  # one shared limit: the engine's models are the bottleneck
    with gr.Blocks(title="planqa · 规划问答", analytics_enabled=False) as demo:  # no network here
        gr.Markdown(
            "## planqa · 规划文本问答 Plan QA\n在规划文本中找到回答问题的原文段落，并给出可点开的出处。"
            "  Find the passage of a Chinese government plan that answers your question, with a citation "
            "that opens the source."
        )
        index_line = gr.Markdown(elem_id="index-version")  # which index answers: its build time
        demo.load(lambda: index_version_line(engine()), None, index_line, api_visibility="private")
        arg = gr.Textbox(visible="hidden", elem_id="pq-arg")
        ignore = gr.Textbox(visible="hidden", elem_id="pq-ignore")  # the understood facets set aside: "period,places"
        go = {name: gr.Button(name, visible="hidden", elem_id=f"pq-{name}-go") for name in ACTIONS}
        tray = gr.State([])
        history = gr.State([])
        with gr.Tabs(selected="ask", overflow_behavior="wrap", elem_id="tabs") as tabs:
            with gr.Tab("问答 Ask", id="ask", elem_id="tab-ask") as ask_tab:
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        label="问题 Question（回车提问 Enter asks）", elem_id="question", lines=1, max_lines=4,
                        scale=6, placeholder="例如：吉林省到2025年主导制定国家标准多少项 / e.g. Huzhou green factories",
                    )
                    ask_btn = gr.Button("提问 Ask", variant="primary", elem_id="ask", scale=1, min_width=100)
                gr.HTML(render.run_chips(EXAMPLES, "示例 Examples:"), elem_id="examples")
                history_html = gr.HTML(elem_id="history")
                with gr.Accordion("筛选 Filters", open=False):
                    with gr.Row():
                        doc_filter = gr.Dropdown(docs, value=[], multiselect=True, label="文档 Documents", scale=3)
                        region = gr.Dropdown(region_choices(engine()), value="", label="地区 Region", scale=1)
                chips = gr.HTML(elem_id="filters-active")
                answer = gr.HTML(elem_id="answer")
                citation = gr.Textbox(visible=False)  # the plain citation, for API clients
                passages = gr.HTML(elem_id="passages")
                ask_tray = gr.HTML(render_compare.tray([]), elem_id="compare-tray")
                with gr.Accordion("导出 Export (CSV / Markdown)", open=False):
                    with gr.Row():
                        ask_csv = gr.Button("导出 CSV", elem_id="export-ask-csv", size="sm")
                        ask_md = gr.Button("导出 Markdown", elem_id="export-ask-md", size="sm")
                    ask_file = gr.File(label="文件 File", elem_id="export-ask", interactive=False)

            with gr.Tab("对比 Compare", id="compare", elem_id="tab-compare") as compare_tab:
                with gr.Row(equal_height=True):
                    c_question = gr.Textbox(label="问题 Question", elem_id="compare-question", lines=1, scale=3)
                    c_docs = gr.Dropdown(
                        docs, value=[], multiselect=True, max_choices=4, scale=3,
                        label="文档 Documents（2–4 个；不选 = 最相关 none = most relevant）",
                    )
                    c_btn = gr.Button("对比 Compare", variant="primary", elem_id="compare", scale=1, min_width=100)
                comparison = gr.HTML(elem_id="comparison")
                with gr.Accordion("导出 Export (CSV / Markdown)", open=False):
                    with gr.Row():
                        c_csv = gr.Button("导出 CSV", elem_id="export-compare-csv", size="sm")
                        c_md = gr.Button("导出 Markdown", elem_id="export-compare-md", size="sm")
                    c_file = gr.File(label="文件 File", elem_id="export-compare", interactive=False)
                gr.Markdown("#### 段落并排 Passages side by side")
                compare_tray = gr.HTML(render_compare.tray([]), elem_id="compare-tray-2")
                passage_pair = gr.HTML(elem_id="passage-pair")

            with gr.Tab("溯源 Cite", id="cite", elem_id="tab-cite") as cite_tab:
                quote = gr.Textbox(label="引文 Quote（粘贴一句原文 paste a sentence；Ctrl+Enter 查找 finds it）",
                                   elem_id="quote", lines=3)
                cite_btn = gr.Button("溯源 Find the source", variant="primary", elem_id="cite")
                source_html = gr.HTML(elem_id="source")

            with gr.Tab("文档 Documents", id="documents", elem_id="tab-documents") as documents_tab:
                doc_pick = gr.Dropdown(docs, value=None, label="打开文档 Open a document", elem_id="document")
                viewer = gr.HTML(view(engine(), None), elem_id="viewer")
                gr.Markdown("#### 所有文档 All documents")
                documents = gr.HTML(documents_list(engine()), elem_id="documents")
                upload = gr.File(label=f"上传规划 Upload plans（PDF / DOCX / DOC / HTML / MD / TXT，每个 ≤ {app_upload.max_bytes() // 2**20} MB each）", elem_id="upload",
                                 file_count="multiple", type="filepath")
                upload_report = gr.HTML(elem_id="upload-report")

        # --- 问答 Ask
        @_guarded("", "", "")
        def ask_fn(question: str, documents: list[str] | None = None, region: str | None = "",
                   progress=gr.Progress()) -> tuple:
            progress(0, desc=SEARCHING)
            return ask(engine(), question, documents, region)

        ask_io = {"inputs": [question, doc_filter, region], "outputs": [answer, citation, passages, chips],
                  "js": ASK_JS, "show_progress_on": [answer], **engine_events}

        quiet = {"show_progress": "hidden", "api_visibility": "private"}  # small updates: no spinner over them
        def remember(question: str, past: list[str]) -> tuple[list[str], str, str]:
            """The session's history with ``question`` first; a new question sets nothing aside."""
            q = (question or "").strip()
            past = ([q] if q and not check_question(q) else []) + [p for p in past if p != q]
            return past[:8], render.run_chips(past[:8], "本次搜索 This session:"), ""

        for event, api in ((ask_btn.click, {"api_name": "ask"}), (question.submit, {"api_visibility": "private"})):
            event(ask_fn, **ask_io, **api).then(remember, [question, history], [history, history_html, ignore], **quiet)

        @_guarded()
        def more_fn(question: str, documents: list[str] | None, region: str | None, shown: str, ignored: str) -> str:
            return app_tabs.more(engine(), question, documents, region, shown, ignored)

        go["more"].click(more_fn, [question, doc_filter, region, arg, ignore], passages, api_visibility="private",
                         js="(q, d, r, a, i) => [q, d, r, window.pqArg, i]", **engine_events)

        @_guarded(gr.update(), gr.update(), gr.update(), "", "", "")
        def unfilter_fn(target: str, question: str, documents: list[str] | None, region: str | None, ignored: str):
            documents, region, ignored = app_tabs.unfilter(target, documents, region, ignored)
            return (documents, region, ignored, *ask(engine(), question, documents, region, ignore=ignored))

        go["unfilter"].click(
            unfilter_fn, [arg, question, doc_filter, region, ignore],
            [doc_filter, region, ignore, answer, citation, passages, chips],
            js="(a, q, d, r, i) => [window.pqArg, q, d, r, i]", api_visibility="private", **engine_events,
        ).then(None, [question, doc_filter, region, ignore], None,
               js="(q, d, r, i) => { pqUrl({q: q, docs: d, region: r, ignore: i}); }")

        def export_fn(fmt: str):
            @_guarded()
            def export(question: str, documents: list[str] | None, region: str | None, ignored: str = ""):
                return app_tabs.export_ask(engine(), question, documents, region, fmt, ignored)
            return export

        ask_csv.click(export_fn("csv"), [question, doc_filter, region, ignore], ask_file, api_name="export_ask")
        ask_md.click(export_fn("md"), [question, doc_filter, region, ignore], ask_file, api_visibility="private")

        # --- the compare tray
        def tray_fn(add: bool):
            def change(current: list[str], chunk_id: str):
                if add:
                    current = app_tabs.tray_add(engine(), current, chunk_id)
                else:
                    current = [c for c in current if c != chunk_id]
                html = app_tabs.tray_html(engine(), current)
                return current, html, html
            return change

        for name, add in (("add", True), ("untray", False)):
            go[name].click(tray_fn(add), [tray, arg], [tray, ask_tray, compare_tray],
                           js="(t, a) => [t, window.pqArg]", **quiet)

        @_guarded(gr.update())
        def tray_compare_fn(current: list[str]):
            return app_tabs.tray_compare(engine(), current), gr.Tabs(selected="compare")

        go["tray"].click(tray_compare_fn, tray, [passage_pair, tabs], api_visibility="private").then(
            None, None, None, js="() => { pqUrl({tab: 'compare'}); }")

        # --- 对比 Compare
        @_guarded()
        def compare_fn(question: str, documents: list[str] | None = None, progress=gr.Progress()) -> str:
            progress(0, desc=SEARCHING)
            return compare(engine(), question, documents)

        compare_io = {"inputs": [c_question, c_docs], "outputs": comparison, "js": COMPARE_JS,
                      "show_progress_on": [comparison], **engine_events}
        c_btn.click(compare_fn, **compare_io, api_name="compare")
        c_question.submit(compare_fn, **compare_io, api_visibility="private")

        def export_compare_fn(fmt: str):
            @_guarded()
            def export(question: str, documents: list[str] | None):
                return app_tabs.export_compare(engine(), question, documents, fmt)
            return export

        c_csv.click(export_compare_fn("csv"), [c_question, c_docs], c_file, api_name="export_compare")
        c_md.click(export_compare_fn("md"), [c_question, c_docs], c_file, api_visibility="private")

        def compare_passages_fn(passage_a: str, passage_b: str) -> str:
            """Two passages (chunk ids) side by side, shared terms and differing numbers marked."""
            return _guarded()(compare_passages)(engine(), passage_a, passage_b)

        gr.api(compare_passages_fn, api_name="compare_passages")

        # --- 溯源 Cite
        @_guarded()
        def cite_fn(quote: str, progress=gr.Progress()) -> str:
            progress(0, desc="正在查找出处… Finding the source…")
            return cite(engine(), quote)

        cite_btn.click(cite_fn, quote, source_html, api_name="cite", js=CITE_JS, show_progress_on=[source_html],
                       **engine_events)

        # --- 文档 Documents and the viewer
        @_guarded(gr.update())
        def view_fn(target: str):
            return app_tabs.view_arg(engine(), target), gr.Tabs(selected="documents")

        go["view"].click(view_fn, arg, [viewer, tabs], js="(a) => window.pqArg", api_visibility="private").then(
            None, None, None, js="() => { setTimeout(pqShowCited, 150); }")

        @_guarded()
        def outline_fn(doc_id: str | None) -> str:
            return view(engine(), doc_id)

        doc_pick.input(outline_fn, doc_pick, viewer, api_name="outline").then(
            None, doc_pick, None, js="(d) => { pqUrl({tab: 'documents', doc: d, at: ''}); }")

        def section_fn(doc_id: str, section_start: str) -> str:
            """The viewer at the section of ``doc_id`` that starts at offset ``section_start``."""
            return _guarded()(read_section)(engine(), doc_id, section_start)

        gr.api(section_fn, api_name="section")

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
                lines, changed = [("—", False, f"出错了 Something went wrong: {type(exc).__name__}: {exc}")], False
            return (*refreshed(lines), None)

        def refreshed(lines) -> tuple:
            """The report, the documents list and every document picker, over the engine now served."""
            choices = document_choices(engine())
            return (render_viewer.upload_report(lines), documents_list(engine()), gr.Dropdown(choices=choices),
                    gr.Dropdown(choices=choices), gr.Dropdown(choices=choices),
                    gr.Dropdown(choices=region_choices(engine())))

        library_io = [upload_report, documents, doc_filter, c_docs, doc_pick, region]
        upload.upload(upload_fn, upload, [*library_io, upload], show_progress_on=[upload_report], api_name="upload",
                      **engine_events)

        def remove_fn(doc_id: str):
            try:
                lines, changed = app_upload.remove_document(engine(), doc_id)
                if changed:
                    holder.reload()
            except Exception as exc:  # reported in the panel, the log keeps the traceback
                logger.exception("remove failed")
                lines = [("—", False, f"出错了 Something went wrong: {type(exc).__name__}: {exc}")]
            return refreshed(lines)

        go["remove"].click(remove_fn, arg, library_io, js="(a) => window.pqArg", show_progress_on=[upload_report],
                           api_visibility="private", **engine_events)

        # --- the URL: tabs write it, loading reads it
        for tab, component in zip(TABS, (ask_tab, compare_tab, cite_tab, documents_tab), strict=True):
            component.select(None, None, None, js=tab_js(tab))

        def on_load(request):
            state = url_state(engine(), dict(request.query_params) if request else {})
            return (state["question"], state["docs"], state["region"], state["ignore"], *state["ask"], state["viewer"],
                    state["cq"], state["cdocs"], state["comparison"], state["quote"], state["source"])

        on_load.__annotations__ = {"request": gr.Request}  # a real class: gradio injects the request by it
        demo.load(on_load, None, [question, doc_filter, region, ignore, answer, citation, passages, chips, viewer,
                                  c_question, c_docs, comparison, quote, source_html], api_visibility="private")
    return demo


def index_version_line(engine: Any) -> str:
    """The UI's line naming the index served: its build time and id (the health endpoint says the same)."""
    built = getattr(engine, "build_time", "") or "?"
    return f"索引 Index: {len(engine.documents)} 文档 documents · 构建于 built {built} · {getattr(engine, 'build_id', '')[:8]}"
