"""The index on disk: a folder of plain files, checked on load, replaced atomically on save.

Layout (``FORMAT_VERSION`` 1)::

    manifest.json          format_version, build_time, corpus_hash, counts, encoders, bm25, config
    documents.jsonl        one Document a line
    sections.jsonl         one Section a line
    chunks.jsonl           one Chunk a line; line i is vector id i in every FAISS file and doc i in BM25
    dense.<encoder>.faiss  one FAISS index per dense channel; its ids are chunk rows (several sentence
                           windows of a chunk share the chunk's row)
    bm25/                  bm25s arrays (np.save, allow_pickle=False), vocab and params as JSON
    sources/               the original texts (UTF-8), so citations and quote lookup slice exact offsets
    quote/                 (made on first `planqa cite`) the quote-lookup n-gram index, see search.quote

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

import numpy as np

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
    # file name -> original text, written to sources/ so answers and quotes cite exact file offsets
    # (read back lazily by search.citation.SourceTexts, not at load)
    sources: dict[str, str] = field(default_factory=dict)
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
    if stored.sources:
        (folder / "sources").mkdir()
        for name, text in stored.sources.items():
            (folder / "sources" / name).write_text(text, encoding="utf-8")
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
            {"channel": d.channel, "name": d.encoder, "dim": d.dim, "file": d.file, "vectors": d.index.ntotal}
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


def vector_rows(index) -> np.ndarray:
    """The chunk row of every vector of a FAISS index (its ids; positions for an index without ids)."""
    import faiss

    if isinstance(index, faiss.IndexIDMap):
        return faiss.vector_to_array(index.id_map).astype(np.int64)
    return np.arange(index.ntotal, dtype=np.int64)


def _load_dense(path: Path, entry: dict, n_chunks: int) -> DenseIndex:
    import faiss

    dense = DenseIndex(channel=entry["channel"], encoder=entry["name"], dim=int(entry["dim"]), index=None)
    dense.index = faiss.read_index(str(path / entry["file"]))
    rows = vector_rows(dense.index)
    covered = np.unique(rows)
    in_range = len(covered) == 0 or (covered[0] >= 0 and covered[-1] < n_chunks)
    if dense.index.d != dense.dim or len(covered) != n_chunks or not in_range:
        raise IndexLoadError(
            f"{path / entry['file']}: {dense.index.ntotal} vectors of dimension {dense.index.d} do not cover the "
            f"{n_chunks} chunks with dimension {dense.dim}; {REBUILD}"
        )
    return dense
