"""The Gradio UI: 问答 Ask, 对比 Compare, 溯源 Cite, 文档 Documents. The page's layout.

``build_app`` lays out the four tabs (the element ids users' scripts rely on are set here) and hands
the components to ``app_tabs.events`` (what each does when used) and ``app_tabs.url`` (the page state in
the URL, restored on load). What each tab computes is in the ``app_tabs`` handlers, the upload intake in
``app_upload``, the HTML in ``search.render*``; serving is ``app_serve``.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import app_upload
from app_tabs import events, url
from app_tabs.documents import document_choices, documents_list, region_choices, view
from search import render_chips, render_compare

EXAMPLES = [
    "深圳到2025年食品抽检要达到什么水平",
    "湖州二星级以上绿色建筑占新建民用建筑比例",
    "Shenzhen intellectual property targets",
    "Luohu lung cancer screening",
]
ACTIONS = ("view", "add", "untray", "tray", "unfilter", "more", "remove")  # the page script's hidden buttons


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


def build_app(source: Any):
    """The four tabs over ``source`` (an Engine, or an ``EngineHolder`` whose engine may be swapped).

    API endpoints (for gradio_client): ask, compare, compare_passages, cite, outline, section, upload,
    export_ask, export_compare.
    """
    import gradio as gr

    holder = source if hasattr(source, "swap") else EngineHolder(source)
    engine = holder.current
    docs = document_choices(engine)
    ui = SimpleNamespace()  # the page's components by name, for app_tabs.events and app_tabs.url
    with gr.Blocks(title="planqa · 规划问答", analytics_enabled=False) as demo:  # no network here
        gr.Markdown(
            "## planqa · 规划文本问答 Plan QA\n在规划文本中找到回答问题的原文段落，并给出可点开的出处。"
            "  Find the passage of a Chinese government plan that answers your question, with a citation "
            "that opens the source."
        )
        index_line = gr.Markdown(elem_id="index-version")  # which index answers: its build time
        demo.load(lambda: index_version_line(holder.current), None, index_line, api_visibility="private")
        ui.arg = gr.Textbox(visible="hidden", elem_id="pq-arg")
        ui.ignore = gr.Textbox(visible="hidden", elem_id="pq-ignore")  # understood facets set aside: "period,places"
        ui.go = {name: gr.Button(name, visible="hidden", elem_id=f"pq-{name}-go") for name in ACTIONS}
        ui.tray = gr.State([])
        ui.history = gr.State([])
        with gr.Tabs(selected="ask", overflow_behavior="wrap", elem_id="tabs") as ui.tabs:
            with gr.Tab("问答 Ask", id="ask", elem_id="tab-ask") as ui.ask_tab:
                with gr.Row(equal_height=True):
                    ui.question = gr.Textbox(
                        label="问题 Question（回车提问 Enter asks）", elem_id="question", lines=1, max_lines=4,
                        scale=6, placeholder="例如：吉林省到2025年主导制定国家标准多少项 / e.g. Huzhou green factories",
                    )
                    ui.ask_btn = gr.Button("提问 Ask", variant="primary", elem_id="ask", scale=1, min_width=100)
                gr.HTML(render_chips.run_chips(EXAMPLES, "示例 Examples:"), elem_id="examples")
                ui.history_html = gr.HTML(elem_id="history")
                with gr.Accordion("筛选 Filters", open=False):
                    with gr.Row():
                        ui.doc_filter = gr.Dropdown(docs, value=[], multiselect=True, label="文档 Documents", scale=3)
                        ui.region = gr.Dropdown(region_choices(engine), value="", label="地区 Region", scale=1)
                ui.chips = gr.HTML(elem_id="filters-active")
                ui.answer = gr.HTML(elem_id="answer")
                ui.citation = gr.Textbox(visible=False)  # the plain citation, for API clients
                ui.passages = gr.HTML(elem_id="passages")
                ui.ask_tray = gr.HTML(render_compare.tray([]), elem_id="compare-tray")
                with gr.Accordion("导出 Export (CSV / Markdown)", open=False):
                    with gr.Row():
                        ui.ask_csv = gr.Button("导出 CSV", elem_id="export-ask-csv", size="sm")
                        ui.ask_md = gr.Button("导出 Markdown", elem_id="export-ask-md", size="sm")
                    ui.ask_file = gr.File(label="文件 File", elem_id="export-ask", interactive=False)

            with gr.Tab("对比 Compare", id="compare", elem_id="tab-compare") as ui.compare_tab:
                with gr.Row(equal_height=True):
                    ui.c_question = gr.Textbox(label="问题 Question", elem_id="compare-question", lines=1, scale=3)
                    ui.c_docs = gr.Dropdown(
                        docs, value=[], multiselect=True, max_choices=4, scale=3,
                        label="文档 Documents（2–4 个；不选 = 最相关 none = most relevant）",
                    )
                    ui.c_btn = gr.Button("对比 Compare", variant="primary", elem_id="compare", scale=1, min_width=100)
                ui.comparison = gr.HTML(elem_id="comparison")
                with gr.Accordion("导出 Export (CSV / Markdown)", open=False):
                    with gr.Row():
                        ui.c_csv = gr.Button("导出 CSV", elem_id="export-compare-csv", size="sm")
                        ui.c_md = gr.Button("导出 Markdown", elem_id="export-compare-md", size="sm")
                    ui.c_file = gr.File(label="文件 File", elem_id="export-compare", interactive=False)
                gr.Markdown("#### 段落并排 Passages side by side")
                ui.compare_tray = gr.HTML(render_compare.tray([]), elem_id="compare-tray-2")
                ui.passage_pair = gr.HTML(elem_id="passage-pair")

            with gr.Tab("溯源 Cite", id="cite", elem_id="tab-cite") as ui.cite_tab:
                ui.quote = gr.Textbox(label="引文 Quote（粘贴一句原文 paste a sentence；Ctrl+Enter 查找 finds it）",
                                      elem_id="quote", lines=3)
                ui.cite_btn = gr.Button("溯源 Find the source", variant="primary", elem_id="cite")
                ui.source = gr.HTML(elem_id="source")

            with gr.Tab("文档 Documents", id="documents", elem_id="tab-documents") as ui.documents_tab:
                ui.doc_pick = gr.Dropdown(docs, value=None, label="打开文档 Open a document", elem_id="document")
                ui.viewer = gr.HTML(view(engine, None), elem_id="viewer")
                gr.Markdown("#### 所有文档 All documents")
                ui.documents = gr.HTML(documents_list(engine), elem_id="documents")
                limit = app_upload.max_bytes() // 2**20
                ui.upload = gr.File(label=f"上传规划 Upload plans（PDF / DOCX / DOC / HTML / MD / TXT，每个 ≤ {limit} MB each）",
                                    elem_id="upload", file_count="multiple", type="filepath")
                ui.upload_report = gr.HTML(elem_id="upload-report")

        events.wire(ui, holder)
        url.wire(demo, ui, lambda: holder.current)
    return demo


def index_version_line(engine: Any) -> str:
    """The UI's line naming the index served: its build time and id (the health endpoint says the same)."""
    built = getattr(engine, "build_time", "") or "?"
    return f"索引 Index: {len(engine.documents)} 文档 documents · 构建于 built {built} · {getattr(engine, 'build_id', '')[:8]}"
