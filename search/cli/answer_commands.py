"""``planqa ask | show | compare | cite``: the answer commands, registered into ``search.cli``.

    planqa ask QUESTION [--doc ID]… [--region R] [--ignore places|period|indicator]… [--k 10] [--json]
    planqa ask --batch FILE.jsonl [--k 10] [--json]
    planqa show CHUNK_ID [--context N] [--json]
    planqa compare QUESTION [--doc ID]… [--top 2] [--json]
    planqa compare --chunk ID --chunk ID [--json]
    planqa cite QUOTE|- [--k 5] [--json]

Highlights print in colour on a terminal and as [term] «answer» <number> brackets otherwise.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
import unicodedata

from search.cli import add_index_options, add_json_option, command, k_arg, load_engine, print_json
from search.config import SearchConfig
from search.types import Citation


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _indent(text: str, prefix: str = "    ") -> str:
    return textwrap.indent(text, prefix, lambda line: True)


def _citation(chunk, start: int | None = None, end: int | None = None) -> str:
    from search.citation import format_citation

    return format_citation(Citation.of(chunk, start, end))


def _passage(hit) -> str:
    from search.highlight import render_terminal

    return render_terminal(hit.chunk.text, hit.highlights)


# --- ask
def _ask_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("question", nargs="?", help="the question, in Chinese or English")
    p.add_argument("--batch", metavar="FILE.jsonl", help="lines with id and question; one JSON line out per line in")
    p.add_argument("--doc", action="append", metavar="ID", help="only this document (repeatable)")
    p.add_argument("--region", help="only documents of this region (e.g. 深圳)")
    p.add_argument("--ignore", action="append", default=[], choices=("places", "period", "indicator"),
                   help="leave out what the question was understood to ask about (repeatable)")
    p.add_argument("--k", type=k_arg, default=SearchConfig.k, help=f"passages searched and shown (default {SearchConfig.k})")
    add_index_options(p)
    add_json_option(p)


@command("ask", "answer a question with a sentence quoted from the plans", _ask_arguments)
def ask(args: argparse.Namespace) -> int:
    from search.ask_output import answer_lines, batch_records

    if bool(args.question) == bool(args.batch):
        raise ValueError("give either a QUESTION or --batch FILE.jsonl")
    engine = load_engine(args)
    if args.batch:
        for record in batch_records(engine, args.batch, k=args.k):
            print_json(record) if args.json else _out(f"{record['id']}\t{(record['answer'] or {}).get('text')}")
        return 0
    result = engine.ask(args.question, k=args.k, doc_ids=args.doc, region=args.region, ignore=args.ignore)
    if args.json:
        print_json(result.to_dict())
        return 0
    for line in answer_lines(result):
        _out(line)
    if result.hits:
        _out("\nPassages:" if result.answer else "\nNearest passages (not answers):")
    for hit in result.hits:
        _out(f"{hit.rank:>2}. {_citation(hit.chunk)}  chunk {hit.chunk.chunk_id}")
        _out(_indent(_passage(hit)))
    return 0


# --- show
def _show_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("chunk_id", metavar="CHUNK_ID", help="a passage id (from search, ask or chunks)")
    p.add_argument("--context", type=int, default=1, metavar="N",
                   help="passages of the same section to show before and after (default 1)")
    add_index_options(p)
    add_json_option(p)


@command("show", "a passage with its neighbours in the same section", _show_arguments)
def show(args: argparse.Namespace) -> int:
    engine = load_engine(args)
    chunks = engine.show(args.chunk_id, context=args.context)
    if args.json:
        print_json({
            "chunk_id": args.chunk_id,
            "chunks": [{**c.to_dict(), "citation": _citation(c), "target": c.chunk_id == args.chunk_id}
                       for c in chunks],
        })
        return 0
    for chunk in chunks:
        mark = "▶" if chunk.chunk_id == args.chunk_id else " "
        _out(f"{mark} {_citation(chunk)}  chunk {chunk.chunk_id}")
        _out(_indent(chunk.text))
    return 0


# --- compare
def _compare_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("question", nargs="?", help="what to compare across plans, e.g. PM2.5浓度目标")
    p.add_argument("--doc", action="append", metavar="ID", help="a document to compare (repeatable)")
    p.add_argument("--top", type=int, default=2, help="passages per document (default 2)")
    p.add_argument("--chunk", action="append", metavar="ID", help="compare two passages: give --chunk twice")
    add_index_options(p)
    add_json_option(p)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` terminal cells (Chinese characters take two)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for ch in paragraph:
            w = _width(ch)
            if used + w > width:
                lines.append(line)
                line, used = "", 0
            line += ch
            used += w
        lines.append(line)
    return lines


def side_by_side(blocks: list[str], total: int | None = None) -> str:
    """Plain-text blocks laid out in columns of equal width, separated by │."""
    total = total or shutil.get_terminal_size((160, 24)).columns
    width = max(20, (total - 3 * (len(blocks) - 1)) // max(1, len(blocks)))
    wrapped = [_wrap(b, width) for b in blocks]
    rows = max(len(w) for w in wrapped)
    out = []
    for i in range(rows):
        cells = [w[i] if i < len(w) else "" for w in wrapped]
        out.append(" │ ".join(c + " " * (width - _width(c)) for c in cells).rstrip())
    return "\n".join(out)


@command("compare", "one plan per column for a question, or two passages side by side", _compare_arguments)
def compare(args: argparse.Namespace) -> int:
    if args.chunk:
        if len(args.chunk) != 2 or args.question:
            raise ValueError("give exactly two passages: planqa compare --chunk ID --chunk ID")
        return _compare_chunks(args)
    if not args.question:
        raise ValueError("give a QUESTION (e.g. planqa compare PM2.5浓度目标) or --chunk ID --chunk ID")
    engine = load_engine(args)
    comparison = engine.compare(args.question, doc_ids=args.doc, top=args.top)
    if args.json:
        print_json(comparison.to_dict())
        return 0
    across = " · ".join(
        f"{col.doc_title} {' '.join(str(q) for q in col.numbers) or '–'}" for col in comparison.columns
    )
    _out(f"{args.question}: {across}\n")
    blocks = []
    for col in comparison.columns:
        answer = f"«{col.answer.text}»\n{col.answer.citation}" if col.answer else "(no answer in this plan)"
        passages = "\n".join(f"· {h.chunk.text}" for h in col.hits)
        blocks.append(f"《{col.doc_title}》\n{answer}\n\n{passages}")
    if blocks:
        _out(side_by_side(blocks))
    return 0


def _compare_chunks(args: argparse.Namespace) -> int:
    from search.highlight import render_terminal

    engine = load_engine(args)
    result = engine.compare_chunks(args.chunk[0], args.chunk[1])
    if args.json:
        print_json(result.to_dict())
        return 0
    _out("Shared terms: " + ("、".join(result.shared_terms) or "none"))
    for side, hit, only in (("A", result.left, result.left_numbers), ("B", result.right, result.right_numbers)):
        _out(f"\n{side}. {_citation(hit.chunk)}  chunk {hit.chunk.chunk_id}")
        _out("   only here: " + (" ".join(str(q) for q in only) or "–"))
        _out(_indent(render_terminal(hit.chunk.text, hit.highlights)))
    return 0


# --- cite
def _cite_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("quote", help="the quoted text; - reads it from standard input")
    p.add_argument("--k", type=k_arg, default=5, help="matches or nearest candidates to list (default 5)")
    add_index_options(p)
    add_json_option(p)


@command("cite", "where does this quote come from? (document, section, offsets)", _cite_arguments)
def cite(args: argparse.Namespace) -> int:
    from search.citation import format_citation

    quote = sys.stdin.read() if args.quote == "-" else args.quote
    engine = load_engine(args)
    result = engine.cite(quote, k=args.k)
    if args.json:
        print_json(result.to_dict())
        return 0
    if result.found:
        _out(f"Found ({len(result.matches)}):")
    else:
        _out(f"Not found: {result.reason}.")
    for i, m in enumerate(result.matches, 1):
        where = format_citation(m.citation)
        _out(f"{i:>2}. {where}  similarity {m.similarity:.2f}")
        _out(_indent(m.matched_text))
    return 0
