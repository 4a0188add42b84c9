"""Serving the app: ``planqa serve`` (the ``planqa`` script is ``app_serve:cli``), its bounds and health.

The UI itself is ``app.build_app``; this module launches it (queue, concurrency, login, upload limit,
``/health``), warms the models and registers ``serve`` beside the commands of ``search.cli``.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from typing import Any

from app import build_app
from search.render_style import CSS, HEAD

logger = logging.getLogger(__name__)


def _env_count(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else default


# Serving bounds, from the environment. Requests run at most CONCURRENCY at a time and at most QUEUE wait
# (0: unbounded); beyond that Gradio answers "queue is full" at once instead of a wait of minutes.
# Measured with benchmarks/bench_serve.py on the shared 2-core machine (load average 6-10 from other work):
# with an unbounded queue, 100 users (think time 1-2 s) left at most 83-98 requests waiting, every user's
# one; 200 holds them with room. At 100 users with every request new, 4 at a time answered 7.9 requests/s
# (p95 17.6 s), 8 at a time 12.4 and 10.0 (p95 9.4, 11.1 s), 16 11.1 (p95 14.4 s); with 2, 3.6 against
# 4.5 for 4. The engine's numpy/torch work releases the GIL, and a remembered answer need not wait
# behind a comparison being computed.
DEFAULT_CONCURRENCY = 8
DEFAULT_QUEUE = 200
# Gradio keeps each browser session's component values in memory, 10,000 sessions unless told: a soak of
# 10,000 requests (each its own session) grew the server from 1.4 to 2.2 GB in its first 25 minutes.
# The oldest sessions beyond this many are forgotten (their page keeps working; its compare tray and
# set-aside chips start afresh).
DEFAULT_SESSIONS = 1000
# Results remembered per loaded index (ask, compare, cite by their exact inputs; 0: none): a repeated
# request is answered without the engine.
DEFAULT_MEMO = 2000
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(engine: Any, host: str = "127.0.0.1", port: int = 7860, block: bool = True, quiet: bool = False):
    """Build the app over ``engine`` and launch it; with ``block=False`` return the running Blocks.

    Environment: ``PLANQA_CONCURRENCY`` (requests at once), ``PLANQA_QUEUE`` (requests waiting, 0 =
    unbounded), ``PLANQA_SESSIONS`` (browser sessions whose state is kept), ``PLANQA_PASSWORD`` (and
    ``PLANQA_USER``, default ``planqa``: a login), ``PLANQA_MAX_UPLOAD_MB``, ``PLANQA_MEMO`` (results
    remembered per index, 0 = none), ``PLANQA_WORKERS`` (engine processes forked per index, 0 = none).
    An engine with a ``path`` is wrapped in ``search.live.LiveEngine``: a rebuilt index is picked up.
    """
    import gradio as gr

    from app_tabs.pages import add_page_route
    from app_upload import max_bytes
    from search.live import LiveEngine
    from search.workers import default_workers

    if not hasattr(engine, "swap") and getattr(engine, "path", None) is not None:
        engine = LiveEngine(engine, memo=_env_count("PLANQA_MEMO", DEFAULT_MEMO), workers=default_workers())
    password = os.environ.get("PLANQA_PASSWORD", "")
    auth = (os.environ.get("PLANQA_USER", "planqa"), password) if password else None
    if host not in LOOPBACK:
        logger.warning("planqa: serving on %s, reachable from other machines%s", host,
                       "" if auth else "; anyone who can reach it can use it: set PLANQA_PASSWORD")
        sys.stderr.write(f"WARNING: planqa is listening on {host}:{port}, beyond this machine"
                         f"{'' if auth else ' WITHOUT A PASSWORD (set PLANQA_PASSWORD)'}.\n")

    theme = gr.themes.Soft(
        font=["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "system-ui", "sans-serif"],
        font_mono=["ui-monospace", "monospace"],
    )
    # Gradio's queue rebuilds a pandas table of its last GRADIO_ANALYTICS_MAX_EVENTS (10,000) events after
    # every event, for its monitoring page (not served here): under bench_serve's 50 users it was a third
    # of the server's samples. A hundred events, summarised every thousand, keep that near nothing.
    os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "100")
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")
    # Gradio tries ``import matplotlib`` twice per event; when it is not installed each try searches the
    # whole sys.path again (a tenth of the samples of remembered requests). None in sys.modules fails fast.
    if "matplotlib" not in sys.modules and importlib.util.find_spec("matplotlib") is None:
        sys.modules["matplotlib"] = None
    demo = build_app(engine)
    queue = _env_count("PLANQA_QUEUE", DEFAULT_QUEUE)
    demo.queue(max_size=queue or None, default_concurrency_limit=_env_count("PLANQA_CONCURRENCY", DEFAULT_CONCURRENCY))
    demo.launch(
        server_name=host,
        server_port=port,
        prevent_thread_lock=True,
        state_session_capacity=_env_count("PLANQA_SESSIONS", DEFAULT_SESSIONS) or DEFAULT_SESSIONS,
        quiet=quiet,
        auth=auth,
        max_file_size=max_bytes(),
        show_error=False,
        theme=theme,
        css=CSS,
        head=HEAD,
        footer_links=["api"],
    )
    add_health_route(demo, engine)
    _close_with(demo, engine)
    add_page_route(demo, engine)  # the viewer's rendered PDF pages
    if block:
        demo.block_thread()
    return demo


def _close_with(demo: Any, engine: Any) -> None:
    """``demo.close()`` also stops the engine's worker processes: a server stopped inside a longer-lived
    process (tests, notebooks) leaves no forked workers behind holding its copies of that process's pipes."""
    if not hasattr(engine, "close"):
        return
    close_app = demo.close

    def close(*args, **kwargs):
        try:
            return close_app(*args, **kwargs)
        finally:
            engine.close()

    demo.close = close


def add_health_route(demo: Any, source: Any) -> None:
    """``GET /health``: which index is served (build id and time, counts) as JSON, for monitors."""

    def health() -> dict:
        engine = source.current if hasattr(source, "current") else source
        return {"status": "ok", "build_id": getattr(engine, "build_id", ""), "build_time": getattr(engine, "build_time", ""),
                "documents": len(engine.documents), "chunks": len(engine.chunks),
                "reload_error": getattr(source, "error", "")}

    demo.app.add_api_route("/health", health, methods=["GET"])
    # Starlette matches routes in order; gradio's own catch-alls come first unless this one is moved up
    demo.app.router.routes.insert(0, demo.app.router.routes.pop())


def main(host: str = "127.0.0.1", port: int = 7860, index: str | None = None) -> None:
    """``planqa serve``: build the index over seeds/ if there is none, load and warm the models, serve."""
    # No network here: gradio's analytics and version check must stay off. Set before gradio is imported.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from search.engine import Engine

    engine = Engine.load(index, build_if_missing=True)
    # Warm-up: load the Chinese and the English encoders (and the quote index) now, so the first real
    # question is fast and the engine's worker processes, forked from this one, share them.
    sys.stderr.write("Loading the models …\n")
    for question in ("深圳2025年目标是什么", "Shenzhen 2025 target"):
        engine.ask(question)
    engine.cite("深圳2025年目标是什么")
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
