"""The index as a library the user manages: add files, remove documents, rebuild only what changed.

Every file in an index is recorded in its manifest (``library.files``): the name its chunks cite
(``source``: the path relative to the folder it was found in, or its own name), the sha256 of its bytes,
where it was read from and the documents it produced. An update keeps what is unchanged as stored, its
documents, sections, chunks, source text and vectors (read back from the FAISS files, so no model is
loaded for them), and reads, chunks and embeds only new or changed files. BM25 is rebuilt over all
chunks (bm25s: 0.3 s for the seeds' 907, against 5 s to tokenise them, which are cached) and the
new folder replaces the old one atomically (``index.store.save_index``), so a server holding the old
index keeps answering until it loads the new one. An update that only adds files appends them as a
segment instead (``index.append``: the stored files are not written again; the manifest is switched in
one rename).

``library.roots`` are the folders and files given to ``build`` and ``add``: a plain ``planqa build``
rescans them. ``library.excluded`` are files removed from inside a root, so a rescan does not bring
them back.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from index.catalog import (
    LibraryFile,
    library_files,
    recorded_roots,
    scan,
    sha256_of,
    unique_name,
)
from index.config import Config, index_dir
from index.encoders import Encoder
from index.reuse import code_version
from index.store import FORMAT_VERSION, MANIFEST, StoredIndex, load_index
from index.update import Entry, KeptParts, LibraryReport, Progress, update

__all__ = ["LibraryFile", "LibraryReport", "Progress", "add_files", "build", "library_files", "recorded_roots",
           "remove", "scan", "unique_name"]


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
        kept = KeptParts(stored)
        # files read by other planqa code are read again (their vectors are still kept, by text)
        current = library.get("code_version") == code_version()
        entries: list[Entry] = []
        added, replaced, unchanged = [], [], []
        files, refused = scan(roots, excluded)
        for path, name in files:
            record = old.get(name)
            digest = sha256_of(path)
            if record is not None and record.sha256 == digest and current:
                entries.append(Entry(replace(record, path=str(path)), kept))
                unchanged.append(name)
                continue
            (replaced if record else added).append(name)
            entries.append(Entry(LibraryFile(name, digest, str(path), ())))
        seen = {e.record.source for e in entries}
        if not paths:  # files of an index built without records: nowhere to rescan them, so kept
            for record in old.values():
                if not record.path and record.source not in seen:
                    entries.append(Entry(record, kept))
                    unchanged.append(record.source)
                    seen.add(record.source)
        removed = [name for name in old if name not in seen]
        return update(target, stored, entries, config, {"roots": roots, "excluded": excluded}, encoders, cache,
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
        kept = KeptParts(stored)
        entries = [Entry(r, kept) for r in records]
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
            entries.append(Entry(LibraryFile(name, digest, str(path), ())))
            added.append(name)
        roots = list(dict.fromkeys([*library.get("roots", []), *(str(Path(p).resolve()) for p in paths)]))
        excluded = [p for p in library.get("excluded", []) if not any(e.record.path == p for e in entries)]
        return update(target, stored, entries, config, {"roots": roots, "excluded": excluded}, encoders, cache,
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
        kept = KeptParts(stored)
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
                entries.append(Entry(record, kept))
                continue
            removed += [record.source] if whole else [key]
            if doc_ids:
                record = replace(record, doc_ids=doc_ids)
                entries.append(Entry(record, kept))
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
        return update(target, stored, entries, stored.config, {"roots": roots, "excluded": excluded}, encoders,
                       cache, None, [], removed=removed)
