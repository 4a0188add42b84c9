"""Read → clean → documents → outline → chunks, for a list of paths. The one entry point of ingestion."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.blocks import Box, Table, box_path, boxes, inline_tables, pipe_tables
from index.chunker import pieces, split_text, table_spans
from index.clean import clean
from index.config import Config
from index.documents import region_of, split_documents, years_of
from index.furniture import page_furniture
from index.normalize import to_simplified
from index.outline import Heading, find_headings, section_paths
from index.page_map import PagesKept, pages_of_file
from index.reader import FileReport, SourceFile, read_paths
from index.toc import find_tocs
from index.types import Chunk, Document, Section


@dataclass
class Corpus:
    """What ingestion produced: documents, their outlines, chunks, and the files it skipped (with why)."""

    documents: list[Document] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reports: list[FileReport] = field(default_factory=list)  # one per file found: taken, partial or skipped
    sources: dict[str, str] = field(default_factory=dict)  # file name -> original text
    pages: dict[str, PagesKept] = field(default_factory=dict)  # PDF file name -> its file and page map


def read_corpus(paths: Iterable[str | Path], config: Config | None = None, progress: bool = False) -> Corpus:
    """Ingest files and folders. Bad files are reported in ``Corpus.errors`` and skipped."""
    config = config or Config()
    files, reports = read_paths(paths)
    corpus = Corpus(errors=[r.message for r in reports if r.status != "taken"], reports=reports)
    if progress:
        from tqdm import tqdm

        files = tqdm(files, desc="reading and chunking", unit="file")
    taken: set[str] = set()
    for src in files:
        corpus.sources[src.name] = src.text
        if kept := pages_of_file(src):
            corpus.pages[src.name] = kept
        docs, sections, chunks = ingest_file(src, config, taken)
        corpus.documents += docs
        corpus.sections += sections
        corpus.chunks += chunks
    return corpus


def _doc_ids(stem: str, count: int) -> list[str]:
    return [stem] if count == 1 else [f"{stem}-{i:02d}" for i in range(1, count + 1)]


def _context(doc_title: str, path: tuple[str, ...], header: str = "") -> str:
    lines = [doc_title]
    if path:
        lines.append(" › ".join(path))
    if header:
        lines.append(header)
    return "\n".join(lines)


def ingest_file(
    src: SourceFile, config: Config, taken: set[str] | None = None
) -> tuple[list[Document], list[Section], list[Chunk]]:
    """One file's documents, outlines and chunks, with offsets into ``src.text``.

    ``taken``: document ids already given to other files (updated); a file whose usual id is taken
    (``plan.md`` beside ``plan.txt``) keeps its suffix in its id (``plan.md``).
    """
    cleaned = clean(src.text)
    text = cleaned.text
    if not text:
        return [], [], []
    simple = to_simplified(text)
    tocs = find_tocs(simple)
    spans = split_documents(text)
    # a file in a subfolder is named by its relative path (2024/plan.txt → 2024/plan), so ids stay distinct
    ids = _doc_ids(Path(src.name).with_suffix("").as_posix(), len(spans))
    if taken is not None:
        if taken.intersection(ids):
            ids = _doc_ids(Path(src.name).as_posix(), len(spans))
        taken.update(ids)
    docs: list[Document] = []
    sections: list[Section] = []
    chunks: list[Chunk] = []
    seen_ids: dict[str, int] = {}
    for doc_id, span in zip(ids, spans):
        body = text[span.start:span.end]
        start, end = cleaned.span_to_original(span.start, span.end)
        doc = Document(doc_id=doc_id, title=span.title, source=src.name, start=start, end=end,
                       region=region_of(span.title, body), years=years_of(span.title, body[:400]),
                       issuer=span.issuer, doc_number=span.doc_number, date=span.date, draft=span.draft)
        docs.append(doc)
        excluded = [(t.start, t.end) for t in tocs if span.start <= t.start < span.end]
        title_start = span.title_start if span.title_start >= 0 else text.find(span.title, span.start,
                                                                                span.title_end)
        excluded += page_furniture(simple, span.start, max(title_start, span.start), span.title_end, span.end)
        tables = [t for t in inline_tables(text, simple, span.title_end, span.end)
                  + pipe_tables(text, span.title_end, span.end)
                  if not any(a <= t.start < b for a, b in excluded)]
        tables.sort(key=lambda t: t.start)
        found_boxes = [x for x in boxes(text, span.title_end, span.end)
                       if not any(t.start < x.end and x.start < t.end for t in tables)]
        blocks = [(t.start, t.end) for t in tables] + [(x.start, x.end) for x in found_boxes]
        headings = find_headings(text, simple, span.title_end, span.end, span.tocs,
                                 excluded + blocks, after={end for _, end in blocks})
        sections += _sections(doc, cleaned, headings, tables, found_boxes, span.end)
        for piece in pieces(text, span.start, span.end, headings, tables, found_boxes, excluded):
            if piece.kind == "table":
                table = next(t for t in tables if t.start <= piece.start < t.end)
                cuts = [c for a, b in table_spans(table, piece.start, piece.end, config.table_rows,
                                                  config.chunk_chars)
                        for c in split_text(text, a, b, config.chunk_chars)]
            else:
                cuts = split_text(text, piece.start, piece.end, config.chunk_chars)
            context = _context(doc.title, piece.path, piece.table_header)
            for a, b in cuts:
                o_start, o_end = cleaned.span_to_original(a, b)
                body_text = text[a:b]
                digest = hashlib.sha1(f"{src.name}\0{body_text}".encode()).hexdigest()[:12]
                seen_ids[digest] = seen_ids.get(digest, 0) + 1
                chunk_id = digest if seen_ids[digest] == 1 else f"{digest}-{seen_ids[digest]}"
                chunks.append(Chunk(chunk_id=chunk_id, doc_id=doc_id, doc_title=doc.title,
                                    section_path=piece.path, text=body_text, source=src.name,
                                    start=o_start, end=o_end, context=context, kind=piece.kind,
                                    pages=src.pages_of(o_start, o_end), ocr=src.ocr_in(o_start, o_end)))
    return docs, sections, chunks


def _sections(doc: Document, cleaned, headings: list[Heading], tables: list[Table], found_boxes: list[Box],
              doc_end: int) -> list[Section]:
    """The outline: every heading (to the next heading of its level or above), box and table."""
    paths = section_paths(headings)
    out: list[Section] = []
    for i, (h, path) in enumerate(zip(headings, paths)):
        end = next((g.start for g in headings[i + 1:] if g.level <= h.level), doc_end)
        a, b = cleaned.span_to_original(h.start, max(end, h.start + 1))
        out.append(Section(doc.doc_id, h.label, h.level, path, a, b, "heading"))
    for block, kind in [(t, "table") for t in tables] + [(x, "box") for x in found_boxes]:
        label = block.title or "表" if kind == "table" else block.label
        parent = ()
        for h, path in zip(headings, paths):
            if h.start <= block.start:
                parent = path
        a, b = cleaned.span_to_original(block.start, block.end)
        path = box_path(cleaned.text, block, headings, paths) if kind == "box" else parent + (label,)
        out.append(Section(doc.doc_id, label, 99, path, a, b, kind))
    out.sort(key=lambda s: s.start)
    return out
