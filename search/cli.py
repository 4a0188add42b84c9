"""``planqa``: the command line. Subcommands live in a registry, so adding one is one decorated function.

    planqa build [PATHS…] [--index DIR] [--encoder NAME]
    planqa search QUERY [--k 10] [--doc ID]… [--region R] [--year Y] [--channels bm25,dense] [--json]
    planqa search --batch FILE.jsonl [--k 10] --json
    planqa eval FILE.jsonl [--k 10] [--channels bm25] [--json]
    planqa docs [--json] | chunks [--doc ID] [--json] | outline DOC_ID | serve [--host] [--port]

Other modules register commands with ``@command(...)`` and are listed in ``PLUGINS`` (imported by
``main`` when present). Commands that need an index build the default one over ``seeds/`` if there is
none, saying so on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace

from index.config import Config
from search.types import join_path

# Modules whose import registers more commands (ask, show, compare, cite …); missing ones are skipped.
PLUGINS: tuple[str, ...] = ("search.cli_answers",)


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int | None]


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, arguments: Callable[[argparse.ArgumentParser], None] = lambda p: None):
    """Register ``run(args) -> exit code`` as the subcommand ``name``; ``arguments`` adds its options."""

    def register(run: Callable[[argparse.Namespace], int | None]):
        COMMANDS[name] = Command(name, help, arguments, run)
        return run

    return register


# --- shared options and helpers (for plug-in commands too)
def add_index_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", metavar="DIR", help="index folder (default: $PLANQA_INDEX or .planqa/index)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bars or notices on stderr")


def add_json_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def channels_arg(value: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    if not names:
        raise argparse.ArgumentTypeError("give channel names separated by commas, e.g. bm25,dense")
    return names


def load_engine(args: argparse.Namespace):
    """The Engine of ``--index``, built over seeds/ first if missing."""
    from search.engine import Engine

    return Engine.load(args.index, quiet=getattr(args, "quiet", False))


def print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def one_line(text: str, width: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


# --- build
def _build_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH", help="files and folders of plan texts (default: seeds/)")
    add_index_options(p)
    p.add_argument("--encoder", help=f"dense encoder: a registered name or a model folder (default: "
                                     f"{Config.encoder})")
    p.add_argument("--channels", type=channels_arg, help=f"retrieval channels to build (default: {','.join(Config().channels)})")


@command("build", "build the index over plan texts", _build_arguments)
def build(args: argparse.Namespace) -> int:
    from index.build import build_index
    from search.engine import default_paths

    config = Config()
    if args.encoder:
        config = replace(config, encoder=args.encoder)
    if args.channels:
        config = replace(config, channels=args.channels)
    summary = build_index(args.paths or default_paths(), index=args.index, config=config, progress=not args.quiet)
    for error in summary.errors:
        sys.stderr.write(f"skipped: {error}\n")
    embedded = sum(summary.embedded.values())
    sys.stdout.write(
        f"Indexed {summary.documents} documents, {summary.chunks} chunks in {summary.seconds:.1f} s "
        f"({embedded} texts embedded, the rest from the cache) → {summary.path}\n"
    )
    return 0


# --- search
def _search_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", nargs="?", help="the question or keywords")
    p.add_argument("--batch", metavar="FILE.jsonl", help="lines with id and question; one JSON line out per line in")
    p.add_argument("--k", type=int, default=10, help="passages to return (default 10)")
    p.add_argument("--doc", action="append", metavar="ID", help="only this document (repeatable)")
    p.add_argument("--region", help="only documents of this region (e.g. 深圳)")
    p.add_argument("--year", type=int, help="only documents whose plan period covers this year")
    p.add_argument("--channels", type=channels_arg, help="retrieval channels, e.g. bm25 or bm25,dense")
    add_index_options(p)
    add_json_option(p)


def format_hit(hit) -> str:
    """A hit for the terminal: title, section path, scores and location, then the passage (with its
    highlights, when the hit carries any: bold/colour on a terminal, [brackets] otherwise)."""
    from search.highlight import render_terminal

    c = hit.chunk
    path = join_path(c.section_path, c.doc_title)
    ranks = " · ".join(f"{name} #{rank}" if rank else f"{name} –" for name, rank in hit.ranks.items())
    text = " ".join(render_terminal(c.text, hit.highlights).split()) if hit.highlights else one_line(c.text)
    return (
        f"{hit.rank:>2}. 《{c.doc_title}》 {path}\n"
        f"    score {hit.score:.4f}  [{ranks}]  {c.source}:{c.start}-{c.end}  chunk {c.chunk_id}\n"
        f"    {text}"
    )


@command("search", "find the passages that answer a question", _search_arguments)
def search(args: argparse.Namespace) -> int:
    if bool(args.query) == bool(args.batch):
        raise ValueError("give either a QUERY or --batch FILE.jsonl")
    engine = load_engine(args)
    filters = {"doc_ids": args.doc, "region": args.region, "year": args.year, "channels": args.channels}
    if args.batch:
        from search.evaluate import read_questions

        for number, row in enumerate(read_questions(args.batch, need_answers=False), start=1):
            hits = engine.search(row["question"], k=args.k, **filters)
            print_json({"id": row.get("id", number), "hits": [h.to_dict() for h in hits]})
        return 0
    hits = engine.search(args.query, k=args.k, **filters)
    if args.json:
        print_json({"query": args.query, "hits": [h.to_dict() for h in hits]})
    elif not hits:
        sys.stdout.write("No passage matches.\n")
    else:
        from search.answer import highlight_hits
        from search.terms import query_terms

        hits = highlight_hits(hits, query_terms(args.query))  # the query's terms marked in each passage
        sys.stdout.write("\n".join(format_hit(h) for h in hits) + "\n")
    return 0


# --- eval
def _eval_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE.jsonl", help="questions with answers (like tests/data/dev.jsonl)")
    p.add_argument("--k", type=int, default=10, help="depth for MRR (default 10)")
    p.add_argument("--channels", type=channels_arg, help="evaluate these channels only, e.g. bm25 or dense")
    add_index_options(p)
    add_json_option(p)


@command("eval", "Recall@1/5/10 and MRR of retrieval on a question file", _eval_arguments)
def evaluate(args: argparse.Namespace) -> int:
    from search.evaluate import evaluate as run_eval
    from search.evaluate import read_questions

    questions = read_questions(args.file)
    engine = load_engine(args)
    report = run_eval(engine, questions, k=args.k, channels=args.channels)
    if args.json:
        print_json(report.to_dict())
    else:
        sys.stdout.write(f"channels: {', '.join(report.channels)}  (k={report.k}, {args.file})\n")
        sys.stdout.write(report.table() + "\n")
    return 0


# --- docs, chunks, outline
def _listing_arguments(p: argparse.ArgumentParser) -> None:
    add_index_options(p)
    add_json_option(p)


@command("docs", "list the documents of the index", _listing_arguments)
def docs(args: argparse.Namespace) -> int:
    engine = load_engine(args)
    counts: dict[str, int] = {}
    for c in engine.chunks:
        counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
    rows = [{**d.to_dict(), "chars": d.chars, "chunks": counts.get(d.doc_id, 0)} for d in engine.documents]
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        years = "-".join(map(str, r["years"])) if r["years"] else "–"
        sys.stdout.write(
            f"{r['doc_id']}  {r['title']}\n    {r['source']}  region {r['region'] or '–'}  years {years}  "
            f"{r['chars']} chars  {r['chunks']} chunks\n"
        )
    return 0


def _chunks_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--doc", metavar="ID", help="only the chunks of this document")
    _listing_arguments(p)


@command("chunks", "list the chunks (passages) of the index", _chunks_arguments)
def chunks(args: argparse.Namespace) -> int:
    engine = load_engine(args)
    if args.doc:
        engine.document(args.doc)  # a clear error for an unknown id
    selected = [c for c in engine.chunks if not args.doc or c.doc_id == args.doc]
    if args.json:
        print_json([c.to_dict() for c in selected])
        return 0
    for c in selected:
        path = join_path(c.section_path)
        sys.stdout.write(f"{c.chunk_id}  {c.doc_id}  {c.kind}  {path}\n    {one_line(c.text, 120)}\n")
    return 0


def _outline_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("doc_id", metavar="DOC_ID", help="a document id (see `planqa docs`)")
    _listing_arguments(p)


@command("outline", "the section tree of a document", _outline_arguments)
def outline(args: argparse.Namespace) -> int:
    engine = load_engine(args)
    doc = engine.document(args.doc_id)
    sections = sorted((s for s in engine.sections if s.doc_id == doc.doc_id), key=lambda s: (s.start, len(s.path)))
    if args.json:
        print_json([{**s.__dict__, "path": list(s.path)} for s in sections])
        return 0
    sys.stdout.write(f"《{doc.title}》 ({doc.source}:{doc.start}-{doc.end})\n")
    for s in sections:
        sys.stdout.write(f"{'  ' * len(s.path)}{s.heading}  [{s.start}-{s.end}]\n")
    return 0


# --- serve
def _serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    add_index_options(p)


@command("serve", "serve the web app (Gradio)", _serve_arguments)
def serve(args: argparse.Namespace) -> int:
    import app  # heavy (gradio): only here

    app.main(host=args.host, port=args.port, index=args.index)
    return 0


# --- entry point
def parser() -> argparse.ArgumentParser:
    for module in PLUGINS:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:  # the plug-in exists but is broken: say so
                raise
    top = argparse.ArgumentParser(prog="planqa", description="Search and question answering over Chinese plan texts.")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.arguments(p)
        p.set_defaults(run=cmd.run)
    return top


def main(argv: list[str] | None = None) -> int:
    from index.store import IndexLoadError

    args = parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (IndexLoadError, ValueError, FileNotFoundError, ImportError) as exc:
        sys.stderr.write(f"planqa {args.command}: error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130



if __name__ == "__main__":
    sys.exit(main())
