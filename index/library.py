"""The index as a library the user manages: add files, remove documents, rebuild only what changed.

Every file in an index is recorded in its manifest (``library.files``): the name its chunks cite
(``source``: the path relative to the folder it was found in, or its own name), the sha256 of its bytes,
where it was read from and the documents it produced. An update keeps what is unchanged as stored, its
documents, sections, chunks, source text and vectors (read back from the FAISS files, so no model is
loaded for them), and reads, chunks and embeds only new or changed files. BM25 is rebuilt over all
chunks (bm25s: 0.3 s for the seeds' 907, against 5 s to tokenise them, which are cached) and the
new folder replaces the old one atomically (``index.store.save_index``), so a server holding the old
index keeps answering until it loads the new one.

``library.roots`` are the folders and files given to ``build`` and ``add``: a plain ``planqa build``
rescans them. ``library.excluded`` are files removed from inside a root, so a rescan does not bring
them back.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.build import DENSE_CHANNELS, BuildSummary, build_index, dense_encoders, dense_units
from index.catalog import (
    LibraryFile,
    file_report,
    kept_report,
    library_files,
    recorded_roots,
    scan,
    sha256_of,
    unique_name,
)
from index.config import Config, cache_dir, index_dir
from index.corpus import Corpus, ingest_file
from index.embed_cache import EmbeddingCache
from index.encoders import Encoder, get_encoder
from index.reader import FileReport, SourceError, read_file
from index.reuse import CachedTokenizer, KnownVectors, StoredParts, code_version, stored_vectors
from index.store import FORMAT_VERSION, MANIFEST, StoredIndex, load_index
from index.tokenize import get_tokenizer
from index.types import Chunk, Document, Section

__all__ = ["LibraryFile", "LibraryReport", "Progress", "add_files", "build", "library_files", "recorded_roots",
           "remove", "scan", "unique_name"]

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


@dataclass
class _Entry:
    """A file of the next index: kept as ``kept`` stores it, or (None) read from ``record.path``."""

    record: LibraryFile
    kept: StoredParts | None = None


@contextmanager
def _locked(target: Path) -> Iterator[None]:
    """One update of ``target`` at a time (two uploads at once would each drop the other's file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _load(target: Path, outdated: bool = False) -> StoredIndex | None:
    """The index at ``target``, None if there is none (or, with ``outdated``, if an older planqa made it:
    a full build reads every file again anyway, so nothing of it is needed)."""
    if not (target / MANIFEST).is_file():
        return None
    version = _format_version(target)
    if outdated and version is not None and version != FORMAT_VERSION:
        return None
    return load_index(target)


def _format_version(target: Path) -> object:
    try:
        return json.loads((target / MANIFEST).read_text(encoding="utf-8")).get("format_version")
    except (OSError, ValueError):
        return None  # unreadable: load_index says what is wrong


def build(
    paths: Sequence[str | Path] = (),
    index: str | Path | None = None,
    config: Config | None = None,
    encoders: Mapping[str, Encoder] | None = None,
    cache: str | Path | None = None,
    progress: Progress | None = None,
) -> LibraryReport:
    """Make the index hold exactly the files under ``paths`` (default: the roots it recorded).

    Unchanged files are kept as stored, changed ones read again, files no longer there dropped. A
    different ``config`` than the index was built with (or an index that records no files) reads
    everything again; vectors still come from the embedding cache.

    Raises:
        ValueError: no paths and no recorded roots, or nothing to index.
    """
    target = index_dir(index)
    with _locked(target):
        stored = _load(target, outdated=True)
        library = stored.manifest.get("library", {}) if stored else {}
        roots = [str(Path(p).resolve()) for p in paths] or list(library.get("roots", []))
        if not roots:
            raise ValueError("no files to build from: give folders or files, e.g. `planqa build seeds/`")
        excluded = [] if paths else list(library.get("excluded", []))
        config = config or (stored.config if stored else Config())
        if stored is not None and stored.config != config:
            stored = None  # a different chunking or encoder: nothing stored can be kept
        old = {r.source: r for r in library_files(stored)} if stored else {}
        kept = StoredParts(stored)
        # files read by other planqa code are read again (their vectors are still kept, by text)
        current = library.get("code_version") == code_version()
        entries: list[_Entry] = []
        added, replaced, unchanged = [], [], []
        files, refused = scan(roots, excluded)
        for path, name in files:
            record = old.get(name)
            digest = sha256_of(path)
            if record is not None and record.sha256 == digest and current:
                entries.append(_Entry(replace(record, path=str(path)), kept))
                unchanged.append(name)
                continue
            (replaced if record else added).append(name)
            entries.append(_Entry(LibraryFile(name, digest, str(path), ())))
        seen = {e.record.source for e in entries}
        if not paths:  # files of an index built without records: nowhere to rescan them, so kept
            for record in old.values():
                if not record.path and record.source not in seen:
                    entries.append(_Entry(record, kept))
                    unchanged.append(record.source)
                    seen.add(record.source)
        removed = [name for name in old if name not in seen]
        return _update(target, stored, entries, config, {"roots": roots, "excluded": excluded}, encoders, cache,
                       progress, refused, added=added, replaced=replaced, unchanged=unchanged, removed=removed)


def add_files(
    paths: Sequence[str | Path],
    index: str | Path | None = None,
    config: Config | None = None,
    encoders: Mapping[str, Encoder] | None = None,
    cache: str | Path | None = None,
    progress: Progress | None = None,
) -> LibraryReport:
    """Add files (and the files under folders) to the index, building it if there is none.

    A file already indexed with the same content is skipped (reported unchanged); a file read from
    the same place before but changed since replaces its old documents; any other file is added under
    its name relative to the folder given (or its own name), made unique if another file has it.
    ``paths`` join the index's roots, so a later plain ``build`` keeps them.

    Raises:
        FileNotFoundError: a path does not exist.
        ValueError: nothing could be read and the index would be empty.
    """
    target = index_dir(index)
    with _locked(target):
        stored = _load(target)
        records = library_files(stored) if stored else []
        config = stored.config if stored else (config or Config())
        library = stored.manifest.get("library", {}) if stored else {}
        kept = StoredParts(stored)
        entries = [_Entry(r, kept) for r in records]
        by_path = {e.record.path: e for e in entries}
        by_hash = {e.record.sha256: e.record.source for e in entries}
        taken = {e.record.source for e in entries}
        added, replaced, unchanged = [], [], []
        files, refused = scan(paths)
        for path, name in files:
            digest = sha256_of(path)
            if digest in by_hash:
                unchanged.append(by_hash[digest])
                continue
            previous = by_path.get(str(path))
            if previous is not None:
                previous.record, previous.kept = replace(previous.record, sha256=digest, doc_ids=()), None
                replaced.append(previous.record.source)
                continue
            name = unique_name(name, taken, prefix=path.parent.name)
            taken.add(name)
            by_hash[digest] = name
            entries.append(_Entry(LibraryFile(name, digest, str(path), ())))
            added.append(name)
        roots = list(dict.fromkeys([*library.get("roots", []), *(str(Path(p).resolve()) for p in paths)]))
        excluded = [p for p in library.get("excluded", []) if not any(e.record.path == p for e in entries)]
        return _update(target, stored, entries, config, {"roots": roots, "excluded": excluded}, encoders, cache,
                       progress, refused, added=added, replaced=replaced, unchanged=unchanged)


def remove(
    key: str | Path,
    index: str | Path | None = None,
    encoders: Mapping[str, Encoder] | None = None,
    cache: str | Path | None = None,
) -> LibraryReport:
    """Remove a document (by doc id), a file (by source name or path) or every file under a folder.

    A file whose last document goes is dropped and, if it lies in a recorded folder, excluded from
    later rescans. Nothing is read or embedded: the rest is kept as stored.

    Raises:
        ValueError: nothing matches ``key``, or removing it would leave the index empty.
    """
    target = index_dir(index)
    with _locked(target):
        stored = _load(target)
        if stored is None:
            raise ValueError(f"no planqa index at {target}; build one first with `planqa build`")
        records = library_files(stored)
        kept = StoredParts(stored)
        key = str(key)
        resolved = str(Path(key).resolve())
        entries, removed = [], []
        library = stored.manifest.get("library", {})
        excluded = list(library.get("excluded", []))
        roots = list(library.get("roots", []))
        for record in records:
            whole = record.source == key or record.path == resolved or record.path.startswith(resolved + os.sep)
            doc_ids = () if whole else tuple(d for d in record.doc_ids if d != key)
            if doc_ids == record.doc_ids:
                entries.append(_Entry(record, kept))
                continue
            removed += [record.source] if whole else [key]
            if doc_ids:
                record = replace(record, doc_ids=doc_ids)
                entries.append(_Entry(record, kept))
            elif not (resolved in roots and record.path.startswith(resolved + os.sep)):
                excluded.append(record.path)  # so that a folder given to build or add does not bring it back
            if not doc_ids and record.path in roots:
                roots.remove(record.path)
        if removed and resolved in roots:  # a folder given to build or add: forgotten as a whole
            roots.remove(resolved)
        if not removed:
            known = ", ".join(d.doc_id for d in stored.documents[:8])
            raise ValueError(f"nothing in the index matches {key!r}: give a doc id (e.g. {known}) or a file's "
                             "source name or path (see `planqa docs`)")
        if not entries:
            raise ValueError(f"removing {key!r} would leave the index empty; build a new one instead")
        return _update(target, stored, entries, stored.config, {"roots": roots, "excluded": excluded}, encoders,
                       cache, None, [], removed=removed)


def _update(target: Path, stored: StoredIndex | None, entries: list[_Entry], config: Config, roots: dict,
            encoders: Mapping[str, Encoder] | None, cache: str | Path | None, progress: Progress | None,
            refused: list[FileReport], **names: list[str]) -> LibraryReport:
    """Read the entries not kept, embed their windows, and save the whole index atomically."""
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
            corpus.reports.append(kept_report(record, old_reports.get(record.source), text))
        else:
            progress(record.source, "reading")
            try:
                src = read_file(record.path, record.source)
            except (OSError, SourceError) as exc:
                reason = str(exc).removeprefix(f"{record.source}: ")
                reports.append(FileReport(record.source, record.path, "skipped", reason))
                continue
            progress(record.source, "chunking")
            documents, sections, chunks = _unique_ids(*ingest_file(src, config), doc_ids)
            if not documents:
                reports.append(FileReport(record.source, record.path, "skipped", "no text to index in it", src.fmt))
                continue
            reports.append(file_report(src))
            text = src.text
            record = replace(record, doc_ids=tuple(d.doc_id for d in documents))
            fresh.append((record.source, chunks))
        corpus.documents += documents
        corpus.sections += sections
        corpus.chunks += chunks
        corpus.sources[record.source] = text
        records.append(record)

    encoders = {c: (encoders or {}).get(c) or get_encoder(name) for c, name in dense_encoders(config).items()}
    known = {encoders[c].name: stored_vectors(stored, c) for c in encoders} if stored else {}
    embed_cache = EmbeddingCache(cache_dir(cache))
    embedded = dict.fromkeys(encoders, 0)
    for source, chunks in fresh:  # per file, so the app can show which file is being embedded
        progress(source, "embedding")
        for channel, encoder in encoders.items():
            texts = [t for t in dense_units(chunks, DENSE_CHANNELS[channel](config)[1])[0]
                     if t not in known.setdefault(encoder.name, {})]
            if texts:
                vectors, count = embed_cache.embed(encoder, texts, config.embed_batch)
                known[encoder.name].update(zip(texts, vectors))
                embedded[channel] += count
    corpus.reports += reports
    corpus.errors += [r.message for r in reports if r.status != "taken"]
    indexed = {r.source for r in records}
    names = {k: [n for n in v if n in indexed] if k in ("added", "replaced") else v for k, v in names.items()}
    tokenizer = CachedTokenizer(get_tokenizer(config.bm25_tokens), cache_dir(cache))
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
        seconds=time.perf_counter() - started,
    )


def _kept_version(stored: StoredIndex | None, fresh: list, entries: list[_Entry]) -> str:
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
