"""`planqa search` and `planqa eval`: retrieval, and its measurement on a question file."""

from __future__ import annotations

import argparse
import sys

from search.cli import (
    add_index_options,
    add_json_option,
    channels_arg,
    command,
    k_arg,
    load_engine,
    one_line,
    print_json,
)
from search.config import SearchConfig
from search.types import join_path


# --- search
def _search_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", nargs="?", help="the question or keywords")
    p.add_argument("--batch", metavar="FILE.jsonl", help="lines with id and question; one JSON line out per line in")
    p.add_argument("--k", type=k_arg, default=SearchConfig.k, help=f"passages to return (default {SearchConfig.k})")
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


def _search_batch(engine, path: str, k: int, filters: dict) -> int:
    """One JSON line out per question line in; a bad line gets ``{"line", "error"}`` and the rest go on.
    Exit code 1 when any line failed."""
    import json

    failed = 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            row_id = number
            try:
                row = json.loads(line)
                row_id = row.get("id", number) if isinstance(row, dict) else number
                if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not row["question"]:
                    raise ValueError('each line needs a "question" string (and an "id")')
                hits = engine.search(row["question"], k=k, **filters)
            except ValueError as exc:  # json.JSONDecodeError is one; so are the engine's input errors
                failed += 1
                print_json({"id": row_id, "line": number, "error": f"{path}:{number}: {exc}"})
                continue
            print_json({"id": row_id, "hits": [h.to_dict() for h in hits]})
    if failed:
        sys.stderr.write(f"planqa search: {failed} line(s) of {path} failed; the others were answered\n")
    return 1 if failed else 0


@command("search", "find the passages that answer a question", _search_arguments)
def search(args: argparse.Namespace) -> int:
    if bool(args.query) == bool(args.batch):
        raise ValueError("give either a QUERY or --batch FILE.jsonl")
    engine = load_engine(args)
    filters = {"doc_ids": args.doc, "region": args.region, "year": args.year, "channels": args.channels}
    if args.batch:
        return _search_batch(engine, args.batch, args.k, filters)
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
    p.add_argument("--k", type=k_arg, default=10, help="depth for MRR (default 10)")
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
