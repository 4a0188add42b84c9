"""`planqa build`, `add`, `remove`, `docs`, `chunks`, `outline`: making an index and looking at what it holds."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from index.config import Config
from search.cli import (
    add_index_options,
    add_json_option,
    channels_arg,
    command,
    load_engine,
    one_line,
    print_json,
)
from search.types import join_path


# --- build
def _build_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH", help="files and folders of plan texts (default: seeds/)")
    add_index_options(p)
    p.add_argument("--encoder", help=f"dense encoder: a registered name or a model folder (default: "
                                     f"{Config.encoder})")
    p.add_argument("--channels", type=channels_arg, help=f"retrieval channels to build (default: {','.join(Config().channels)})")
    p.add_argument("--backend", choices=("local", "milvus"), help="where lexical and dense search run (default: local)")
    p.add_argument("--milvus-uri", help="milvus-lite file (….db) or http://host:19530 (default: beside the index)")
    p.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                   help="read, chunk and embed on a Ray cluster (no ADDRESS: a local one); see index/ray_build.py")
    p.add_argument("--ray-actors", type=int, default=2, help="encoder actors on the Ray cluster (default: 2)")
    p.add_argument("--ray-batch", type=int, help="texts per encoder batch on Ray (default: the config's embed_batch)")


@command("build", "build the index over plan texts (only what changed since the last build)", _build_arguments)
def build(args: argparse.Namespace) -> int:
    from index.library import build as build_library
    from index.library import recorded_roots
    from search.default_index import default_paths

    config = None
    chosen = (("encoder", args.encoder), ("channels", args.channels), ("backend", args.backend),
              ("milvus_uri", args.milvus_uri))
    if any(v for _, v in chosen):
        config = replace(Config(), **{k: v for k, v in chosen if v})
    paths = args.paths or ([] if recorded_roots(args.index) else list(default_paths()))
    if args.ray:
        from index.ray_build import ray_build

        summary = ray_build(paths or recorded_roots(args.index), index=args.index, config=config, address=args.ray, actors=args.ray_actors,
                            batch_size=args.ray_batch)
        sys.stdout.write(f"Indexed {summary.documents} documents, {summary.chunks} chunks on Ray in "
                         f"{summary.seconds:.1f} s ({sum(summary.embedded.values())} texts embedded) → {summary.path}\n")
        return 0
    report = build_library(paths, index=args.index, config=config, progress=_progress(args))
    return _print_report(report, args)


def _progress(args: argparse.Namespace):
    if args.quiet:
        return None
    return lambda source, stage: sys.stderr.write(f"{stage} {source}\n")


def _print_report(report, args: argparse.Namespace) -> int:
    for problem in report.problems:  # "plan.pdf: skipped: …", "scan.pdf: partly read: …"
        sys.stderr.write(f"{problem}\n")
    if getattr(args, "json", False):
        print_json({**report.__dict__, "path": str(report.path), "files": [f.to_dict() for f in report.files]})
        return 0
    if not getattr(args, "quiet", False):
        for file in report.files:  # every file read now: "plan.txt: taken (txt, 12,345 characters)"
            if file.status == "taken":
                sys.stdout.write(f"{file.message}\n")
    changes = ", ".join(f"{len(names)} {what}" for what, names in (
        ("added", report.added), ("replaced", report.replaced), ("unchanged", report.unchanged),
        ("removed", report.removed)) if names)
    sys.stdout.write(
        f"Indexed {report.documents} documents, {report.chunks} chunks in {report.seconds:.1f} s "
        f"({changes or 'no files'}; {sum(report.embedded.values())} texts embedded) → {report.path}\n"
    )
    return 0


# --- add, remove
def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="files and folders to add")
    add_index_options(p)
    add_json_option(p)


@command("add", "add files or folders to the index (builds it if there is none)", _add_arguments)
def add(args: argparse.Namespace) -> int:
    from index.library import add_files

    return _print_report(add_files(args.paths, index=args.index, progress=_progress(args)), args)


def _remove_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("key", metavar="DOC_ID|PATH", help="a document id, a source name (see `planqa docs`) or a path")
    add_index_options(p)
    add_json_option(p)


@command("remove", "remove a document, a file or a folder's files from the index", _remove_arguments)
def remove(args: argparse.Namespace) -> int:
    from index.library import remove as remove_from_library

    return _print_report(remove_from_library(args.key, index=args.index), args)


# --- check
@command("check", "verify every file of an index against its manifest's checksums",
         lambda p: add_index_options(p))
def check(args: argparse.Namespace) -> int:
    from index.check import verify_index
    from index.config import index_dir

    report = verify_index(index_dir(args.index))
    for note in report.notes:
        sys.stderr.write(f"planqa check: note: {note}\n")
    if report.ok:
        sys.stdout.write(f"ok: {report.files} files match their checksums, counts agree → {report.path} "
                         f"(build {report.build_id[:12]}, {report.build_time})\n")
        return 0
    for problem in report.problems:
        sys.stderr.write(f"planqa check: {problem}\n")
    return 1


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
