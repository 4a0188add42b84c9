"""The next index of a library: what is kept comes from the stored index, the rest is read and embedded.

``index.library`` decides which files an index should hold (``Entry``: kept as stored, or read from its
path); ``update`` makes that index. When it only adds files to an index that keeps everything else as
stored, the new files go into a segment of their own (``index.append``: nothing else is written again).
Otherwise it reads and chunks the new files, embeds only texts no stored vector or cached vector covers,
rebuilds BM25 over all chunks and saves the whole folder atomically (``index.build.build_index`` over
the assembled corpus). Either way it reports what happened in plain words.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.bm25_tokens import StoredTokens
from index.build import DENSE_CHANNELS, BuildSummary, build_index, dense_encoders, dense_units
from index.catalog import LibraryFile, file_report, kept_report
from index.config import Config, cache_dir
from index.corpus import Corpus, ingest_file
from index.embed_cache import EmbeddingCache
from index.encoders import Encoder, get_encoder
from index.page_map import PagesKept, kept_pages, pages_of_file
from index.reader import FileReport, SourceError, read_file
from index.reuse import CachedTokenizer, KnownVectors, StoredParts, code_version, stored_vectors
from index.store import StoredIndex
from index.tokenize import get_tokenizer
from index.types import Chunk, Document, Section

Progress = Callable[[str, str], None]  # (source name, stage: reading | chunking | embedding)


@dataclass(frozen=True)
class LibraryReport:
    """What an update did. Names are sources (as cited); ``problems`` are per-file messages in plain words."""

    path: Path
    added: tuple[str, ...] = ()  # newly indexed
    replaced: tuple[str, ...] = ()  # read again: their content (or planqa's reading code) changed
    unchanged: tuple[str, ...] = ()  # kept as stored (or skipped: already in the index)
    removed: tuple[str, ...] = ()  # sources gone (or documents removed, for ``remove``)
    problems: tuple[str, ...] = ()  # one line per file skipped or partly read: "plan.pdf: skipped: …"
    files: tuple[FileReport, ...] = ()  # the reader's report of each file read (or refused) now
    documents: int = 0
    chunks: int = 0
    embedded: dict[str, int] = field(default_factory=dict)  # channel -> texts encoded by a model
    seconds: float = 0.0
    embed_seconds: float = 0.0  # of ``seconds``, spent embedding the new files' texts
    appended: bool = False  # the new files went into a segment of their own; nothing else was written again


class KeptParts:
    """A stored index's parts by document (``index.reuse.StoredParts``), gathered on first use: that reads
    every chunk of the index (~2 s at 100k), which an add that appends a segment never needs."""

    def __init__(self, stored: StoredIndex | None):
        self.stored = stored
        self._parts: StoredParts | None = None

    def _of(self) -> StoredParts:
        if self._parts is None:
            self._parts = StoredParts(self.stored)
        return self._parts

    def of(self, doc_ids) -> tuple[list[Document], list[Section], list[Chunk]]:
        return self._of().of(doc_ids)

    def text(self, source: str) -> str:
        return self._of().text(source)


@dataclass
class Entry:
    """A file of the next index: kept as ``kept`` stores it, or (None) read from ``record.path``."""

    record: LibraryFile
    kept: KeptParts | StoredParts | None = None


def update(target: Path, stored: StoredIndex | None, entries: list[Entry], config: Config, roots: dict,
            encoders: Mapping[str, Encoder] | None, cache: str | Path | None, progress: Progress | None,
            refused: list[FileReport], **names: list[str]) -> LibraryReport:
    """Read the entries not kept, embed their windows, and save the index atomically: as an appended
    segment when that is all that changes (``index.append``), else as a whole new folder."""
    from index.append import append, appendable  # index.append imports this module

    if appendable(stored, entries, config):
        return append(target, stored, entries, config, roots, encoders, cache, progress, refused, **names)
    started = time.perf_counter()
    progress = progress or (lambda source, stage: None)
    corpus = Corpus()
    old_reports = {d.get("file"): d for d in (stored.manifest.get("report", []) if stored else [])}
    reports: list[FileReport] = list(refused)  # of the files read now
    records: list[LibraryFile] = []
    doc_ids = {d for e in entries if e.kept for d in e.record.doc_ids}
    fresh: list[tuple[str, list[Chunk]]] = []
    for entry in entries:
        record = entry.record
        if entry.kept is not None:
            documents, sections, chunks = entry.kept.of(record.doc_ids)
            text = entry.kept.text(record.source)
            pages = kept_pages(stored.path, stored.manifest, record.source) if stored else None
            corpus.reports.append(kept_report(record, old_reports.get(record.source), text))
        else:
            report, read = read_new(record, config, doc_ids, progress)
            reports.append(report)
            if read is None:
                continue
            record, documents, sections, chunks, text, pages = (read.record, read.documents, read.sections,
                                                                read.chunks, read.text, read.pages)
            fresh.append((record.source, chunks))
        corpus.documents += documents
        corpus.sections += sections
        corpus.chunks += chunks
        corpus.sources[record.source] = text
        if pages:
            corpus.pages[record.source] = pages
        records.append(record)

    encoders = {c: (encoders or {}).get(c) or get_encoder(name) for c, name in dense_encoders(config).items()}
    known = {encoders[c].name: stored_vectors(stored, c) for c in encoders} if stored else {}
    embed_cache = EmbeddingCache(cache_dir(cache))
    embedded = dict.fromkeys(encoders, 0)
    embed_started = time.perf_counter()
    for source, chunks in fresh:  # per file, so the app can show which file is being embedded
        progress(source, "embedding")
        for channel, encoder in encoders.items():
            texts = [t for t in dense_units(chunks, DENSE_CHANNELS[channel](config)[1])[0]
                     if t not in known.setdefault(encoder.name, {})]
            if texts:
                vectors, count = embed_cache.embed(encoder, texts, config.embed_batch)
                known[encoder.name].update(zip(texts, vectors))
                embedded[channel] += count
    embed_seconds = time.perf_counter() - embed_started
    corpus.reports += reports
    corpus.errors += [r.message for r in reports if r.status != "taken"]
    indexed = {r.source for r in records}
    names = {k: [n for n in v if n in indexed] if k in ("added", "replaced") else v for k, v in names.items()}
    # the kept chunks' tokens come from the stored index's token ids: only the new chunks are tokenised
    tokenizer = StoredTokens(CachedTokenizer(get_tokenizer(config.bm25_tokens), cache_dir(cache)), stored,
                             config.bm25_tokens)
    library = {**roots, "code_version": _kept_version(stored, fresh, entries),
               "files": [r.to_dict() for r in records]}
    summary: BuildSummary = build_index(
        list(roots["roots"]), index=target, config=config, encoders=encoders, cache=KnownVectors(known, embed_cache),
        tokenizer=tokenizer, corpus=corpus, manifest={"library": library},
    )
    tokenizer.save()
    return LibraryReport(
        path=target, **{k: tuple(v) for k, v in names.items()}, problems=tuple(corpus.errors),
        files=tuple(reports),
        documents=summary.documents, chunks=summary.chunks,
        embedded={c: n + summary.embedded.get(c, 0) for c, n in embedded.items()},
        seconds=time.perf_counter() - started, embed_seconds=embed_seconds,
    )


@dataclass(frozen=True)
class ReadFile:
    """A new file read and chunked: its record (with the documents it produced) and its parts."""

    record: LibraryFile
    documents: list[Document]
    sections: list[Section]
    chunks: list[Chunk]
    text: str
    pages: PagesKept | None


def read_new(record: LibraryFile, config: Config, taken: set[str], progress: Progress
             ) -> tuple[FileReport, ReadFile | None]:
    """Read and chunk the file of ``record`` (doc ids made unique against ``taken``, which grows): the
    reader's report, and what it gave (None when the file is skipped)."""
    progress(record.source, "reading")
    try:
        src = read_file(record.path, record.source)
    except (OSError, SourceError) as exc:
        reason = str(exc).removeprefix(f"{record.source}: ")
        return FileReport(record.source, record.path, "skipped", reason), None
    progress(record.source, "chunking")
    documents, sections, chunks = _unique_ids(*ingest_file(src, config), taken)
    if not documents:
        return FileReport(record.source, record.path, "skipped", "no text to index in it", src.fmt), None
    record = replace(record, doc_ids=tuple(d.doc_id for d in documents))
    return file_report(src), ReadFile(record, documents, sections, chunks, src.text, pages_of_file(src))


def _kept_version(stored: StoredIndex | None, fresh: list, entries: list[Entry]) -> str:
    """The code version the index's files were read with: this code's once nothing old is kept."""
    if stored is None or not any(e.kept for e in entries):
        return code_version()
    return stored.manifest.get("library", {}).get("code_version", "")


def _unique_ids(documents: list[Document], sections: list[Section], chunks: list[Chunk],
                taken: set[str]) -> tuple[list[Document], list[Section], list[Chunk]]:
    """Rename doc ids another file already uses (``plan`` → ``plan-2``), and take the new ones."""
    renamed: dict[str, str] = {}
    for doc in documents:
        new_id, n = doc.doc_id, 2
        while new_id in taken:
            new_id, n = f"{doc.doc_id}-{n}", n + 1
        taken.add(new_id)
        if new_id != doc.doc_id:
            renamed[doc.doc_id] = new_id
    if not renamed:
        return documents, sections, chunks
    return ([replace(d, doc_id=renamed.get(d.doc_id, d.doc_id)) for d in documents],
            [replace(s, doc_id=renamed.get(s.doc_id, s.doc_id)) for s in sections],
            [replace(c, doc_id=renamed.get(c.doc_id, c.doc_id)) for c in chunks])
