"""The files an index records in its manifest (``library`` in ``manifest.json``), and how files are found.

``library.files``: one ``LibraryFile`` per file, the name its chunks cite (the path relative to the
folder it was found in, or its own name), the sha256 of its bytes, where it was read from and the
documents it produced. ``library.roots``: the folders and files given to ``build`` and ``add``, which a
plain ``planqa build`` rescans; ``library.excluded``: files removed from inside a root.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from index.config import index_dir
from index.reader import FileReport, SourceFile, walk
from index.reuse import StoredParts
from index.store import MANIFEST, StoredIndex


@dataclass(frozen=True)
class LibraryFile:
    """One indexed file as the manifest records it."""

    source: str  # what chunks and citations name: path relative to the folder it came from
    sha256: str  # of the file's bytes
    path: str  # absolute path it was read from
    doc_ids: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"source": self.source, "sha256": self.sha256, "path": self.path, "doc_ids": list(self.doc_ids)}

    @classmethod
    def from_dict(cls, d: Mapping) -> LibraryFile:
        return cls(d["source"], d["sha256"], d["path"], tuple(d["doc_ids"]))


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_files(stored: StoredIndex) -> list[LibraryFile]:
    """The files an index records. An index built without records (``index.build.build_index``) gets
    one per source, hashed over its stored text and with no path, so it can be added to and pruned."""
    if "library" in stored.manifest:
        return [LibraryFile.from_dict(d) for d in stored.manifest["library"]["files"]]
    doc_ids: dict[str, list[str]] = {}
    for doc in stored.documents:
        doc_ids.setdefault(doc.source, []).append(doc.doc_id)
    parts = StoredParts(stored)  # once: it reads every chunk of the index
    return [LibraryFile(source, hashlib.sha256(parts.text(source).encode("utf-8")).hexdigest(), "",
                        tuple(ids)) for source, ids in doc_ids.items()]


def scan(roots: Iterable[str | Path], excluded: Iterable[str] = ()) -> tuple[list[tuple[Path, str]], list[FileReport]]:
    """(absolute path, source name) of every file under ``roots``, names as the reader gives them
    (relative to the folder given; a file given directly by its own name), a name another root took
    with its root's name in front; plus the reader's reports of what it would not follow."""
    skip = set(excluded)
    found: list[tuple[Path, str]] = []
    refused: list[FileReport] = []
    names: set[str] = set()
    paths: set[Path] = set()
    for root in map(Path, roots):
        files, not_followed = walk([root])
        refused += not_followed
        prefix = (root if root.is_dir() else root.parent).resolve().name
        for file, name in files:
            path = file.resolve()
            if str(path) in skip or path in paths:
                continue
            paths.add(path)
            name = unique_name(name, names, prefix=prefix)
            names.add(name)
            found.append((path, name))
    return found, refused


def unique_name(name: str, taken: set[str] | Mapping[str, object], prefix: str = "") -> str:
    """``name``, or ``prefix/name``, or ``stem-2.suffix`` …: the first not in ``taken``."""
    if name not in taken:
        return name
    if prefix and f"{prefix}/{name}" not in taken:
        return f"{prefix}/{name}"
    path = Path(name)
    n = 2
    while (candidate := path.with_name(f"{path.stem}-{n}{path.suffix}").as_posix()) in taken:
        n += 1
    return candidate


def file_report(src: SourceFile) -> FileReport:
    """The reader's report of a file it read: taken, or partial with what it could not read."""
    ocr = tuple(sorted({p.page for p in src.pages if p.ocr}))
    return FileReport(src.name, str(src.path), "partial" if src.partial else "taken", "; ".join(src.notes),
                      src.fmt, len(src.text), src.page_count, ocr, src.pages_empty)


def kept_report(record: LibraryFile, old: dict | None, text: str) -> FileReport:
    """A kept file's report, as the build that read it wrote it into the manifest."""
    known = {f.name for f in fields(FileReport)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in (old or {}).items() if k in known}
    values.setdefault("status", "taken")
    values.setdefault("chars", len(text))
    return FileReport(**{**values, "name": record.source, "path": record.path})


def recorded_roots(index: str | Path | None = None) -> list[str]:
    """The folders and files the index at ``index`` was built from and added to (none if no index)."""
    path = index_dir(index) / MANIFEST
    if not path.is_file():
        return []
    return list(json.loads(path.read_text(encoding="utf-8")).get("library", {}).get("roots", []))
