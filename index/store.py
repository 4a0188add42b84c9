"""The index on disk: a folder of plain files, checked on load, replaced atomically on save.

Layout (``FORMAT_VERSION`` 1)::

    manifest.json          format_version, build_time, corpus_hash, counts, encoders, bm25, config
    documents.jsonl        one Document a line
    sections.jsonl         one Section a line
    chunks.jsonl           one Chunk a line; line i is vector id i in every FAISS file and doc i in BM25
    dense.<encoder>.faiss  one FAISS index per dense channel
    bm25/                  bm25s arrays (np.save, allow_pickle=False), vocab and params as JSON

No pickle anywhere; JSON is written with ``ensure_ascii=False`` so the files read as Chinese.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from index.config import Config
from index.embed_cache import encoder_slug
from index.types import Chunk, Document, Section

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
REBUILD = "rebuild with `planqa build`"


class IndexLoadError(ValueError):
    """An index folder that is missing, incomplete, corrupted or from another format version."""


@dataclass
class DenseIndex:
    """One dense channel on disk: which encoder made the vectors and the FAISS index over them."""

    channel: str
    encoder: str
    dim: int
    index: Any  # faiss.Index

    @property
    def file(self) -> str:
        return f"dense.{encoder_slug(self.encoder)}.faiss"


@dataclass
class StoredIndex:
    """Everything an index folder holds, loaded (``path`` is None before it is saved)."""

    config: Config
    documents: list[Document]
    sections: list[Section]
    chunks: list[Chunk]
    bm25: Any  # bm25s.BM25
    dense: dict[str, DenseIndex] = field(default_factory=dict)  # channel -> index
    corpus_hash: str = ""
    manifest: dict = field(default_factory=dict)
    path: Path | None = None


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _section_dict(section: Section) -> dict:
    d = asdict(section)
    d["path"] = list(section.path)
    return d


def _write_folder(folder: Path, stored: StoredIndex, extra: dict) -> None:
    import faiss

    _write_jsonl(folder / "documents.jsonl", [d.to_dict() for d in stored.documents])
    _write_jsonl(folder / "sections.jsonl", [_section_dict(s) for s in stored.sections])
    _write_jsonl(folder / "chunks.jsonl", [c.to_dict() for c in stored.chunks])
    for dense in stored.dense.values():
        faiss.write_index(dense.index, str(folder / dense.file))
    stored.bm25.save(str(folder / "bm25"), show_progress=False)
    manifest = {
        "format_version": FORMAT_VERSION,
        **extra,
        "corpus_hash": stored.corpus_hash,
        "counts": {
            "documents": len(stored.documents),
            "sections": len(stored.sections),
            "chunks": len(stored.chunks),
        },
        "encoders": [
            {"channel": d.channel, "name": d.encoder, "dim": d.dim, "file": d.file}
            for d in stored.dense.values()
        ],
        "bm25": {"dir": "bm25", "vocab": len(stored.bm25.vocab_dict), "tokens": stored.config.bm25_tokens},
        "config": stored.config.to_dict(),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")


def save_index(stored: StoredIndex, target: str | Path, **extra: Any) -> Path:
    """Write ``stored`` to ``target`` atomically; ``extra`` goes into the manifest (build time, …).

    The new index is written to a hidden folder beside ``target``; only when it is complete is the
    old folder moved aside, the new one renamed in, and the old one deleted. A failure or interruption
    before that leaves the previous index as it was.

    Raises:
        ValueError: ``target`` exists and is not a planqa index (it is never overwritten).
    """
    target = Path(target)
    if target.exists() and not (target / MANIFEST).is_file() and any(target.iterdir()):
        raise ValueError(f"{target} exists and is not a planqa index; choose another --index folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staged = target.parent / f".{target.name}.new-{token}"
    old = target.parent / f".{target.name}.old-{token}"
    staged.mkdir()
    try:
        _write_folder(staged, stored, extra)
        if target.exists():
            target.rename(old)
        staged.rename(target)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        if old.exists() and not target.exists():
            old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)
    stored.path = target
    return target


def load_index(path: str | Path) -> StoredIndex:
    """Read and check an index folder.

    Raises:
        IndexLoadError: the folder is missing, incomplete, corrupted, or of another format version;
            the message names the problem and says to rebuild with ``planqa build``.
    """
    path = Path(path)
    if not (path / MANIFEST).is_file():
        raise IndexLoadError(f"no planqa index at {path} (no {MANIFEST}); {REBUILD}")
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        version = manifest.get("format_version")
        if version != FORMAT_VERSION:
            raise IndexLoadError(
                f"index at {path} has format version {version}, this planqa reads {FORMAT_VERSION}; {REBUILD}"
            )
        config = Config.from_dict(manifest["config"])
        documents = [Document.from_dict(d) for d in _read_jsonl(path / "documents.jsonl")]
        sections = [Section(**{**d, "path": tuple(d["path"])}) for d in _read_jsonl(path / "sections.jsonl")]
        chunks = [Chunk.from_dict(d) for d in _read_jsonl(path / "chunks.jsonl")]
        counts = {"documents": len(documents), "sections": len(sections), "chunks": len(chunks)}
        if counts != manifest["counts"]:
            raise IndexLoadError(
                f"index at {path}: files hold {counts}, manifest says {manifest['counts']}; {REBUILD}"
            )
        bm25 = _load_bm25(path / manifest["bm25"]["dir"], len(chunks))
        dense = {e["channel"]: _load_dense(path, e, len(chunks)) for e in manifest["encoders"]}
    except IndexLoadError:
        raise
    except (OSError, KeyError, TypeError, ValueError, RuntimeError) as exc:
        # RuntimeError: what faiss raises on a truncated or garbled file.
        raise IndexLoadError(f"index at {path} is damaged ({type(exc).__name__}: {exc}); {REBUILD}") from exc
    return StoredIndex(
        config=config, documents=documents, sections=sections, chunks=chunks, bm25=bm25, dense=dense,
        corpus_hash=manifest.get("corpus_hash", ""), manifest=manifest, path=path,
    )


def _load_bm25(folder: Path, n_chunks: int):
    import bm25s

    bm25 = bm25s.BM25.load(str(folder), show_progress=False)
    # bm25s adds the empty token to the vocabulary after building, outside the matrix: vocab = indptr - 1 + 1
    terms = len(bm25.scores["indptr"]) - 1
    if bm25.scores["num_docs"] != n_chunks or not terms <= len(bm25.vocab_dict) <= terms + 1:
        raise IndexLoadError(f"{folder}: BM25 arrays do not match chunks.jsonl ({n_chunks} chunks); "
                             f"{REBUILD}")
    return bm25


def _load_dense(path: Path, entry: dict, n_chunks: int) -> DenseIndex:
    import faiss

    dense = DenseIndex(channel=entry["channel"], encoder=entry["name"], dim=int(entry["dim"]), index=None)
    dense.index = faiss.read_index(str(path / entry["file"]))
    if dense.index.ntotal != n_chunks or dense.index.d != dense.dim:
        raise IndexLoadError(
            f"{path / entry['file']}: {dense.index.ntotal} vectors of dimension {dense.index.d}, expected "
            f"{n_chunks} of dimension {dense.dim}; {REBUILD}"
        )
    return dense
