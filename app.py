"""The Gradio UI: 问答 Ask, 对比 Compare, 溯源 Cite, 文档 Documents. UI code only; the work is in ``search/``.

Handlers are plain functions ``(engine, *inputs) -> html`` so they are testable without a server;
``build_app`` wires them to components, ``main`` loads the engine once and serves.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any

from search import render

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500  # a plan sentence is rarely over 200 chars; 5,000 is a paste accident
EXAMPLES = [
    "深圳国际食品谷建设工程",
    "湖州二星级以上绿色建筑占新建民用建筑比例",
    "Shenzhen intellectual property targets",
    "Luohu lung cancer screening",
]
COPY_LABEL = render.COPY_LABEL
# The answer card's copy button; navigator.clipboard exists only on https or localhost, hence the fallback.
COPY_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('.pq-copy');
  if (!button) return;
  const text = button.dataset.citation;
  const done = () => { button.textContent = '已复制 Copied'; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, done);
  } else {
    const area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand('copy');
    area.remove();
    done();
  }
});
"""
CSS = """
.gradio-container {max-width: 1240px !important; width: 100% !important; margin: 0 auto !important}
.pq-card {border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 12px 16px;
  margin: 10px 0; background: var(--background-fill-secondary)}
.pq-answer {border-left: 5px solid #f0a020}
.pq-sentence {font-size: 1.15rem; line-height: 1.75}
.pq-meta {color: var(--body-text-color-subdued); font-size: .88rem; margin: 2px 0 6px}
.pq-title {font-weight: 600}
.pq-text {white-space: pre-wrap; overflow-wrap: anywhere; word-break: break-word; line-height: 1.75}
.pq-note {color: var(--body-text-color-subdued); padding: 8px 0}
.pq-cols {display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 12px}
.pq-table {border-collapse: collapse; width: 100%; margin: 4px 0 !important; border: none !important}
.pq-table tr {border: none !important}
.pq-table td, .pq-table th {padding: 4px 10px !important; border: none !important;
  border-bottom: 1px solid var(--border-color-primary) !important; text-align: left}
.pq-why .pq-table {width: auto; font-size: .88rem}
.pq-cite {display: flex; gap: 12px; align-items: center; flex-wrap: wrap}
.pq-copy {border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 2px 10px;
  background: var(--background-fill-primary); cursor: pointer; font-size: .88rem}
.pq-chip {display: inline-block; border-radius: 10px; padding: 0 8px; margin: 2px; background: #c9f0c0}
.pq-chip.diff {background: #ffc9c9}
.pq-numbers {margin: 6px 0; font-size: .92rem}
.pq-context + .pq-context {border-top: 1px dashed var(--border-color-primary); margin-top: 6px;
  padding-top: 6px}
mark {padding: 0; border-radius: 0; color: inherit}  /* flat: one passage is cut into several marks */
mark.answer, mark.match {background: #ffe7a0; box-shadow: inset 0 -2px #f0a020}
mark.term {background: #cfe3ff}
mark.number {background: #c9f0c0; font-weight: 600} mark.diff {background: #ffc9c9; font-weight: 600}
details.pq-why summary {cursor: pointer; color: var(--body-text-color-subdued); font-size: .88rem}
"""


# --- input checks ------------------------------------------------------------------------------------
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


# --- 问答 Ask -------------------------------------------------------------------------------------
def ask(
    engine: Any,
    question: str | None,
    doc_ids: Sequence[str] | None = None,
    region: str | None = None,
    k: int = 5,
) -> tuple[str, str, str]:
    """The Ask tab: ``(answer_html, citation, passages_html)``; a friendly note instead of an error."""
    problem = check_question(question)
    if problem:
        return render.note(problem), "", ""
    try:
        result = engine.ask(
            question.strip(), k=k, doc_ids=list(doc_ids) if doc_ids else None, region=region or None
        )
    except ValueError as exc:  # the engine's messages say how to fix the input
        return render.note(str(exc)), "", ""
    answer = result.answer
    if answer is None:
        reason = getattr(result, "reason", "") or ""
        card = render.note(
            "没有找到确切的答案句，请看下面的段落。 "
            f"No exact answer sentence; see the passages below. {reason}"
        )
        citation = ""
    else:
        citation = str(answer.citation)
        card = render.answer_card(answer, result.hits)
    if not result.hits:
        return card, citation, render.note("没有相关段落。 No passage matched.")
    return card, citation, render.passage_cards(result.hits, answer)


# --- 文档 Documents ---------------------------------------------------------------------------------
def documents_table(engine: Any) -> str:
    """Every indexed document with its region, years and size."""
    return render.documents_table(engine.documents, engine.chunks)


def document_choices(engine: Any) -> list[tuple[str, str]]:
    """``(label, doc_id)`` pairs for the document pickers."""
    return [(d.title, d.doc_id) for d in engine.documents]


def region_choices(engine: Any) -> list[tuple[str, str]]:
    regions = sorted({d.region for d in engine.documents if d.region})
    return [("全部 All", "")] + [(r, r) for r in regions]


def outline(engine: Any, doc_id: str | None) -> tuple[str, list[tuple[str, str]]]:
    """A document's outline: ``(html, section choices)``; a choice's value is the section's start offset."""
    if not doc_id:
        return render.note("请选择一个文档。 Pick a document."), []
    sections = [s for s in engine.sections if s.doc_id == doc_id]
    top = min((s.level for s in sections), default=0)
    choices = [("\u3000" * (s.level - top) + s.heading, str(s.start)) for s in sections]
    return render.outline_card(engine.document(doc_id), sections), choices


def read_section(engine: Any, doc_id: str | None, section_start: str | None) -> str:
    """The passages of one section (those overlapping its ``[start, end)`` in the source file)."""
    if not doc_id or not section_start:
        return ""
    start = int(section_start)
    section = next((s for s in engine.sections if s.doc_id == doc_id and s.start == start), None)
    if section is None:
        return render.note("找不到这个章节。 Section not found; pick it again from the list.")
    chunks = [
        c for c in engine.chunks if c.doc_id == doc_id and c.start < section.end and c.end > section.start
    ]
    return render.section_passages(section, chunks)


# --- 对比 Compare ----------------------------------------------------------------------------------
def compare(engine: Any, question: str | None, doc_ids: Sequence[str] | None = None, top: int = 2) -> str:
    """The Compare tab: one column per document (2–4 picked, or the most relevant ones)."""
    problem = check_question(question)
    if problem:
        return render.note(problem)
    if doc_ids and len(doc_ids) == 1:
        return render.note(
            "请选择 2–4 个文档，或者都不选。 Pick 2–4 documents, or none for the most relevant ones."
        )
    try:
        comparison = engine.compare(question.strip(), doc_ids=list(doc_ids) if doc_ids else None, top=top)
    except ValueError as exc:
        return render.note(str(exc))
    if not comparison.columns:
        return render.note("没有可对比的文档。 No document to compare.")
    return render.compare_columns(comparison.columns)


def compare_passages(engine: Any, passage_a: str | None, passage_b: str | None) -> str:
    """Two passages side by side: shared terms and the numbers only one of them states are marked."""
    a, b = (passage_a or "").strip(), (passage_b or "").strip()
    if not a or not b:
        return render.note(
            "请填写两个段落编号（问答页上的 id）。 Give two chunk ids (the 'id' shown on the Ask tab)."
        )
    try:
        pair = engine.compare_chunks(a, b)
    except ValueError as exc:
        return render.note(str(exc))
    return render.passage_pair(pair)


# --- 溯源 Cite -------------------------------------------------------------------------------------
def cite(engine: Any, quote: str | None, k: int = 5) -> str:
    """The Cite tab: where a quote comes from, in context; "not found" with the nearest candidates."""
    problem = check_question(quote)
    if problem:
        return render.note(problem.replace("问题", "引文").replace("question", "quote"))
    try:
        result = engine.cite(quote.strip(), k=k)
    except ValueError as exc:
        return render.note(str(exc))
    if not result.found:
        return render.quote_not_found(result)
    best = result.matches[0]
    # In context: the passage of the match with one passage of its section on each side.
    passages = None if best.passage is None else engine.show(best.passage.chunk_id, context=1)
    return render.quote_match_card(best, passages)


_match_spans = render.match_spans  # its old name here, which tests/test_app.py checks


def _guarded(*fill: Any):
    """Wrap a UI callback so an unexpected error shows as a note (and is logged), never as a trace.

    ``fill``: the values of the callback's other outputs, after the note.
    """

    def wrap(callback):
        @functools.wraps(callback)  # gradio reads the signature for the API page
        def guarded(*args):
            try:
                return callback(*args)
            except Exception as exc:  # a UI answers with a message; the log keeps the traceback
                logger.exception("%s failed", callback.__name__)
                note = render.note(f"出错了，请重试。 Something went wrong: {type(exc).__name__}: {exc}")
                return (note, *fill) if fill else note

        return guarded

    return wrap


# --- the app --------------------------------------------------------------------------------------
def build_app(engine: Any):
    """The four tabs over ``engine``.

    API endpoints (for gradio_client): ask, compare, compare_passages, cite, outline, section.
    """
    import gradio as gr

    docs = document_choices(engine)
    engine_events = {"concurrency_id": "engine"}  # one shared limit: the engine's models are the bottleneck
    with gr.Blocks(title="planqa · 规划问答", analytics_enabled=False) as demo:  # no network here
        gr.Markdown(
            "## planqa · 规划文本问答 Plan QA\n在规划文本中找到回答问题的原文段落，并给出准确出处。"
            "  Find the passage of a Chinese government plan that answers your question, with an exact "
            "citation."
        )
        with gr.Tab("问答 Ask", id="tab-ask"):
            with gr.Row(equal_height=True):
                question = gr.Textbox(
                    label="问题 Question",
                    elem_id="question",
                    lines=1,
                    max_lines=4,
                    scale=6,
                    placeholder="例如：吉林省到2025年主导制定国家标准多少项 / e.g. Huzhou green factories",
                )
                ask_btn = gr.Button("提问 Ask", variant="primary", elem_id="ask", scale=1, min_width=120)
            with gr.Accordion("筛选 Filters", open=False):
                with gr.Row():
                    doc_filter = gr.Dropdown(
                        docs, value=[], multiselect=True, label="文档 Documents", scale=3
                    )
                    region = gr.Dropdown(region_choices(engine), value="", label="地区 Region", scale=1)
            gr.Examples(EXAMPLES, inputs=question, label="示例问题 Example questions")
            answer = gr.HTML(elem_id="answer", js_on_load=COPY_JS)
            citation = gr.Textbox(visible=False)  # the plain citation, for API clients
            passages = gr.HTML(elem_id="passages")

            @_guarded("", "")
            def ask_fn(
                question: str, documents: list[str] | None, region: str | None
            ) -> tuple[str, str, str]:
                return ask(engine, question, documents, region)

            ask_io = {"inputs": [question, doc_filter, region], "outputs": [answer, citation, passages]}
            ask_btn.click(ask_fn, **ask_io, api_name="ask", **engine_events)
            question.submit(ask_fn, **ask_io, api_visibility="private", **engine_events)

        with gr.Tab("对比 Compare", id="tab-compare"):
            with gr.Row(equal_height=True):
                c_question = gr.Textbox(label="问题 Question", elem_id="compare-question", scale=3)
                c_docs = gr.Dropdown(
                    docs,
                    value=[],
                    multiselect=True,
                    max_choices=4,
                    scale=3,
                    label="文档 Documents（2–4 个；不选 = 最相关 none = most relevant）",
                )
                c_btn = gr.Button(
                    "对比 Compare", variant="primary", elem_id="compare", scale=1, min_width=120
                )
            comparison = gr.HTML(elem_id="comparison")
            gr.Markdown("#### 两段并排 Two passages side by side")
            with gr.Row(equal_height=True):
                passage_a = gr.Textbox(label="段落 A 编号 Passage A: chunk id", scale=3)
                passage_b = gr.Textbox(label="段落 B 编号 Passage B: chunk id", scale=3)
                p_btn = gr.Button("并排 Compare passages", elem_id="compare-passages", scale=1, min_width=120)
            passage_pair = gr.HTML(elem_id="passage-pair")

            @_guarded()
            def compare_fn(question: str, documents: list[str] | None) -> str:
                return compare(engine, question, documents)

            @_guarded()
            def compare_passages_fn(passage_a: str, passage_b: str) -> str:
                return compare_passages(engine, passage_a, passage_b)

            c_btn.click(compare_fn, [c_question, c_docs], comparison, api_name="compare", **engine_events)
            p_btn.click(
                compare_passages_fn,
                [passage_a, passage_b],
                passage_pair,
                api_name="compare_passages",
                **engine_events,
            )

        with gr.Tab("溯源 Cite", id="tab-cite"):
            quote = gr.Textbox(label="引文 Quote（粘贴一句原文 paste a sentence）", elem_id="quote", lines=3)
            cite_btn = gr.Button("溯源 Find the source", variant="primary", elem_id="cite")
            source = gr.HTML(elem_id="source")

            @_guarded()
            def cite_fn(quote: str) -> str:
                return cite(engine, quote)

            cite_btn.click(cite_fn, quote, source, api_name="cite", **engine_events)

        with gr.Tab("文档 Documents", id="tab-documents"):
            gr.HTML(documents_table(engine), elem_id="documents")
            with gr.Row():
                doc_pick = gr.Dropdown(docs, value=None, label="文档 Document", elem_id="document", scale=1)
                section_pick = gr.Dropdown([], value=None, label="章节 Section", elem_id="section", scale=1)
            with gr.Row():
                outline_html = gr.HTML(elem_id="outline")
                section_html = gr.HTML(elem_id="section-text")

            @_guarded(gr.update(), "")
            def outline_fn(doc_id: str | None):
                body, choices = outline(engine, doc_id)
                return body, gr.Dropdown(choices=choices, value=None), ""

            @_guarded()
            def section_fn(doc_id: str | None, section_start: str | None) -> str:
                return read_section(engine, doc_id, section_start)

            doc_pick.change(
                outline_fn, doc_pick, [outline_html, section_pick, section_html], api_name="outline"
            )
            section_pick.change(section_fn, [doc_pick, section_pick], section_html, api_name="section")
    return demo


def serve(engine: Any, host: str = "127.0.0.1", port: int = 7860, block: bool = True, quiet: bool = False):
    """Build the app over ``engine`` and launch it; with ``block=False`` return the running Blocks."""
    import gradio as gr

    theme = gr.themes.Soft(
        font=[
            "PingFang SC",
            "Microsoft YaHei",
            "Noto Sans CJK SC",
            "WenQuanYi Micro Hei",
            "system-ui",
            "sans-serif",
        ],
        font_mono=["ui-monospace", "monospace"],
    )
    demo = build_app(engine)
    # Two at a time: enough to overlap one request's tokenising with another's encoding on two cores.
    demo.queue(default_concurrency_limit=2)
    demo.launch(
        server_name=host,
        server_port=port,
        prevent_thread_lock=not block,
        quiet=quiet,
        show_error=False,
        theme=theme,
        css=CSS,
        footer_links=["api"],
    )
    return demo


def main(host: str = "127.0.0.1", port: int = 7860, index: str | None = None) -> None:
    """``planqa serve``: build the index over seeds/ if there is none, load and warm the models, serve."""
    # No network here: gradio's analytics and version check must stay off. Set before gradio is imported.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from search.engine import Engine

    engine = Engine.load(index, build_if_missing=True)
    # Warm-up: load the Chinese and the English encoders now, so the first real question is fast.
    sys.stderr.write("Loading the models …\n")
    for question in ("深圳2025年目标是什么", "Shenzhen 2025 target"):
        engine.ask(question)
    sys.stderr.write(
        f"planqa: {len(engine.documents)} documents, {len(engine.chunks)} passages; "
        f"serving at http://{host}:{port}\n"
    )
    serve(engine, host=host, port=port)


def cli(argv: list[str] | None = None) -> int:
    """The ``planqa`` script: the commands of ``search.cli`` plus ``serve`` (which needs this UI)."""
    import argparse

    from search.cli import add_index_options, command
    from search.cli import main as cli_main

    def serve_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=7860)
        add_index_options(p)

    @command("serve", "serve the web app (Gradio)", serve_arguments)
    def serve_command(args: argparse.Namespace) -> int:
        main(host=args.host, port=args.port, index=args.index)
        return 0

    return cli_main(argv)


if __name__ == "__main__":
    main()
