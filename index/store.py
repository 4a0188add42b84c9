"""The index on disk: a folder of plain files, checked on load, replaced atomically on save.

Layout (``FORMAT_VERSION`` 2)::

    manifest.json          format_version, build_id, build_time, corpus_hash, counts, encoders, bm25,
                           config, report (every file taken, skipped or partly read), and ``files``:
                           the size and sha256 of every other file of the folder
    documents.jsonl        one Document a line
    sections.jsonl         one Section a line
    chunks.jsonl           one Chunk a line; line i is vector id i in every FAISS file and doc i in BM25
    dense[.<channel>].<encoder>.faiss
                           one FAISS index per dense channel; its ids are chunk rows (several sentence
                           windows of a chunk share the chunk's row)
    bm25/                  bm25s arrays (np.save, allow_pickle=False), vocab and params as JSON
                           and each entry's term frequency and chunk's length (``index.bm25_tokens``)
    bm25_tokens/           every chunk's BM25 token ids (``index.bm25_tokens``): an update re-scores the
                           kept chunks from them instead of tokenising them again
    sources/               the original texts (UTF-8) under their names relative to the corpus root
                           (``sources/2024/plan.txt``), so citations and quote lookup slice exact offsets
    pages/                 PDFs only: the file as read and its text-to-page map (``index.page_map``)
    quote/                 the quote-lookup 3-gram index (``index.quote_index``)
    segments/<id>/         what each add appended (``index.append``): documents, sections and chunks
                           (rows after the ones before), their BM25 token ids; its quote part lies in
                           ``quote/<id>/``, and the BM25 and FAISS files it rewrote carry its id
                           (``bm25.<id>/``, ``dense.<encoder>.<id>.faiss``). ``manifest.json`` names the
                           segments in order (``segments``) and the files of each kind: replacing the
                           manifest is what makes an add visible, so an add that fails or is interrupted
                           leaves the index as it was. A full save writes one compact folder again.

No pickle anywhere; JSON is written with ``ensure_ascii=False`` so the files read as Chinese.

Load checks what it can cheaply (every listed file present with its recorded size, the sha256 of the
files it parses whole, counts across files: chunks = BM25 documents = vector rows of every channel,
FAISS vectors = the manifest's count); ``index.check.verify_index`` (``planqa check``) hashes every file.
The folder is never written at query time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.ann import read_ann
from index.bm25_tokens import TOKENS_DIR, load_frequencies, save_bm25
from index.chunk_table import ChunkTable
from index.config import Config
from index.embed_cache import encoder_slug
from index.folder import file_digest, inventory, remove_stale_staging, source_path
from index.page_map import PagesKept, write_pages
from index.quote_index import QuoteIndex
from index.quote_reuse import quote_index
from index.types import Chunk, Document, Section

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
SOURCES = "sources"
QUOTE = "quote"
REBUILD = "rebuild with `planqa build`"
SEGMENTS = "segments"


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
        # the channel in the name too: two channels may use one encoder (with other windows)
        prefix = "dense" if self.channel == "dense" else f"dense.{self.channel}"
        return f"{prefix}.{encoder_slug(self.encoder)}.faiss"


@dataclass
class StoredIndex:
    """Everything an index folder holds, loaded (``path`` is None before it is saved)."""

    config: Config
    documents: list[Document]
    sections: list[Section]
    chunks: list[Chunk]  # a ChunkTable once loaded: read from chunks.jsonl on demand
    bm25: Any  # bm25s.BM25
    dense: dict[str, DenseIndex] = field(default_factory=dict)  # channel -> index
    corpus_hash: str = ""
    manifest: dict = field(default_factory=dict)
    # file name -> original text, written to sources/ so answers and quotes cite exact file offsets
    # (read back lazily by search.citation.SourceTexts, not at load)
    sources: dict[str, str] = field(default_factory=dict)
    quote: QuoteIndex | None = None  # built from ``sources`` on save when None
    pages: dict[str, PagesKept] = field(default_factory=dict)  # PDF source -> its file and page map
    path: Path | None = None


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(folder: Path, name: str, files: dict[str, dict]) -> list[dict]:
    """The rows of a JSONL file whose sha256 matches the manifest's (a shuffled or edited file does not)."""
    path = folder / name
    raw = path.read_bytes()
    _check_digest(path, name, hashlib.sha256(raw).hexdigest(), files)
    return [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]


def _check_digest(path: Path, name: str, digest: str, files: dict[str, dict]) -> None:
    if digest != files.get(name, {}).get("sha256"):
        raise IndexLoadError(f"{path} does not match its checksum in the manifest (edited or replaced); "
                             f"{REBUILD}")


def _section_dict(section: Section) -> dict:
    d = asdict(section)
    d["path"] = list(section.path)
    return d


def _write_folder(folder: Path, stored: StoredIndex, extra: dict, previous: Path | None = None) -> None:
    import faiss

    _write_jsonl(folder / "documents.jsonl", [d.to_dict() for d in stored.documents])
    _write_jsonl(folder / "sections.jsonl", [_section_dict(s) for s in stored.sections])
    _write_jsonl(folder / "chunks.jsonl", [c.to_dict() for c in stored.chunks])
    for dense in stored.dense.values():
        faiss.write_index(dense.index, str(folder / dense.file))
    save_bm25(stored.bm25, folder / "bm25")
    tokens = getattr(stored.bm25, "token_ids", None)  # set by index.bm25_tokens (not by bm25s itself)
    if tokens is not None:
        from index.reuse import tokens_version  # index.reuse imports this module

        tokens.save(folder / TOKENS_DIR, stored.config.bm25_tokens, tokens_version())
    (folder / SOURCES).mkdir()
    for name, text in stored.sources.items():
        # names are paths relative to the corpus root (``plans/2024/a.txt``)
        file = folder / SOURCES / source_path(name)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(text.encode("utf-8"))  # bytes: no newline translation, so the sha256 is the text's
    write_pages(folder, stored.pages)
    # the documents the replaced index (``previous``) already keyed keep their keys (index/quote_reuse.py)
    quote = stored.quote or quote_index(stored.documents, stored.sources, previous)
    quote.save(folder / QUOTE, stored.corpus_hash)
    manifest = {
        "format_version": FORMAT_VERSION,
        "build_id": uuid.uuid4().hex,
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
        "bm25": {"dir": "bm25", "vocab": len(stored.bm25.vocab_dict), "tokens": stored.config.bm25_tokens,
                 **({"token_ids": TOKENS_DIR} if tokens is not None else {})},
        "config": stored.config.to_dict(),
        "files": inventory(folder, skip=MANIFEST),
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
    remove_stale_staging(target)
    token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staged = target.parent / f".{target.name}.new-{token}"
    old = target.parent / f".{target.name}.old-{token}"
    staged.mkdir()
    try:
        _write_folder(staged, stored, extra, target if (target / MANIFEST).is_file() else None)
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
        files = manifest["files"]
        _check_present(path, files)
        parts = ["", *(f"{segment}/" for segment in segment_folders(manifest))]
        documents = [Document.from_dict(d) for part in parts for d in _read_jsonl(path, f"{part}documents.jsonl", files)]
        sections = [Section(**{**d, "path": tuple(d["path"])})
                    for part in parts for d in _read_jsonl(path, f"{part}sections.jsonl", files)]
        bm25_dir = path / manifest["bm25"]["dir"]
        # the large files checked whole, hashed two at a time (hashlib leaves the GIL): chunks and BM25
        digests = _digests(path, [f"{part}chunks.jsonl" for part in parts]
                           + [f"{bm25_dir.name}/{f.name}" for f in sorted(bm25_dir.iterdir())])
        for part in parts:
            _check_digest(path / f"{part}chunks.jsonl", f"{part}chunks.jsonl", digests[f"{part}chunks.jsonl"], files)
        chunks = ChunkTable([path / f"{part}chunks.jsonl" for part in parts])  # parsed when read
        counts = {"documents": len(documents), "sections": len(sections), "chunks": len(chunks)}
        if counts != manifest["counts"]:
            raise IndexLoadError(
                f"index at {path}: files hold {counts}, manifest says {manifest['counts']}; {REBUILD}"
            )
        bm25 = _load_bm25(bm25_dir, len(chunks), files, digests)
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


def _check_present(path: Path, files: dict[str, dict]) -> None:
    """Every file the manifest lists is there with its size (one stat each: sources, FAISS, quote)."""
    for name, entry in files.items():
        file = path / name
        if not file.is_file():
            raise IndexLoadError(f"index at {path} is incomplete: {name} is missing; {REBUILD}")
        if file.stat().st_size != entry["bytes"]:
            raise IndexLoadError(f"index at {path} is damaged: {name} has {file.stat().st_size} bytes, the manifest "
                                 f"says {entry['bytes']} (edited or replaced); {REBUILD}")
    for required in ("documents.jsonl", "sections.jsonl", "chunks.jsonl", f"{QUOTE}/quote.json"):
        if required not in files:
            raise IndexLoadError(f"index at {path} lists no {required}; {REBUILD}")


def segment_folders(manifest: dict) -> list[str]:
    """The folders of the segments an index was added (``segments/<id>``), in row order."""
    return [f"{SEGMENTS}/{segment}" for segment in manifest.get(SEGMENTS, [])]


def read_source(stored: StoredIndex, name: str) -> str:
    """The original text of source ``name`` from the index's ``sources/``, checked against its sha256.

    Raises:
        IndexLoadError: no such source in the index, or the file was edited since the build.
    """
    rel = f"{SOURCES}/{source_path(name).as_posix()}"
    entry = stored.manifest.get("files", {}).get(rel)
    if entry is None or stored.path is None:
        raise IndexLoadError(f"the index at {stored.path} keeps no source {name!r}; {REBUILD}")
    raw = (stored.path / rel).read_bytes()
    if hashlib.sha256(raw).hexdigest() != entry["sha256"]:
        raise IndexLoadError(f"{stored.path / rel} was edited since the index was built (checksum differs); "
                             f"{REBUILD}")
    return raw.decode("utf-8")


def _digests(path: Path, names: list[str]) -> dict[str, str]:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(names, pool.map(lambda name: file_digest(path / name), names), strict=True))


def _load_bm25(folder: Path, n_chunks: int, files: dict[str, dict], digests: dict[str, str]):
    import bm25s

    for file in sorted(folder.iterdir()):
        name = f"{folder.name}/{file.name}"
        _check_digest(file, name, digests.get(name) or file_digest(file), files)
    bm25 = bm25s.BM25.load(str(folder), show_progress=False, mmap=True)  # arrays stay in the page cache
    load_frequencies(bm25, folder)
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
    dense = DenseIndex(channel=entry["channel"], encoder=entry["name"], dim=int(entry["dim"]), index=None)
    dense.index = read_ann(path / entry["file"])  # memory-mapped where FAISS can (index/ann.py)
    rows = vector_rows(dense.index)
    covered = np.unique(rows)
    in_range = len(covered) == 0 or (covered[0] >= 0 and covered[-1] < n_chunks)
    if dense.index.ntotal != int(entry["vectors"]):
        raise IndexLoadError(f"{path / entry['file']} holds {dense.index.ntotal} vectors, the manifest says "
                             f"{entry['vectors']} (swapped or replaced); {REBUILD}")
    if dense.index.d != dense.dim or len(covered) != n_chunks or not in_range:
        raise IndexLoadError(
            f"{path / entry['file']}: {dense.index.ntotal} vectors of dimension {dense.index.d} do not cover the "
            f"{n_chunks} chunks with dimension {dense.dim}; {REBUILD}"
        )
    return dense
