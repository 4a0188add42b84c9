"""Read → clean → documents → outline → chunks, for a list of paths. The one entry point of ingestion."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.clean import clean
from index.config import Config
from index.reader import SourceFile, read_paths
from index.types import Chunk, Document, Section


@dataclass
class Corpus:
    """What ingestion produced: documents, their outlines, chunks, and the files it skipped (with why)."""

    documents: list[Document] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # file name -> original text


def read_corpus(paths: Iterable[str | Path], config: Config | None = None, progress: bool = False) -> Corpus:
    """Ingest files and folders. Bad files are reported in ``Corpus.errors`` and skipped."""
    config = config or Config()
    files, errors = read_paths(paths)
    corpus = Corpus(errors=errors)
    for src in files:
        corpus.sources[src.name] = src.text
        docs, sections, chunks = ingest_file(src, config)
        corpus.documents += docs
        corpus.sections += sections
        corpus.chunks += chunks
    return corpus


# --- provisional: one document per file, sentence-window chunks (replaced by documents/outline/chunker)
def ingest_file(src: SourceFile, config: Config) -> tuple[list[Document], list[Section], list[Chunk]]:
    cleaned = clean(src.text)
    title = cleaned.text.split("\n", 1)[0][:60]
    doc = Document(doc_id=f"{Path(src.name).stem}-01", title=title, source=src.name, start=0, end=len(src.text))
    chunks: list[Chunk] = []
    text = cleaned.text
    start = 0
    for m in re.finditer(r"[。；！？\n]", text):
        if m.end() - start >= 300 or (m.end() - start > 0 and m.end() == len(text)):
            piece = (start, m.end())
            a, b = cleaned.span_to_original(*piece)
            body = clean(src.text[a:b]).text
            cid = hashlib.sha1(f"{src.name}\0{body}".encode()).hexdigest()[:12]
            chunks.append(Chunk(cid, doc.doc_id, doc.title, (doc.title,), body, src.name, a, b, context=doc.title))
            start = m.end()
    return [doc], [], chunks
