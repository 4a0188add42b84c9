"""Where lexical and dense search run: the seam between the product and a search engine.

The product tokenises (``index.tokenize``: jieba, its dictionary, 繁→简), embeds and fuses
(``search.hybrid``); a backend only stores what it is given and answers two questions, "the best rows
for these tokens" and "the nearest rows to this vector", among the rows a filter allows. So every
backend sees the same tokens, and ``Hit.ranks`` keeps each channel's rank whichever engine ran it.

Rows are positions in the index's ``chunks.jsonl`` (what the chunk texts, sections, sources and the
quote index are keyed by; they stay in the index folder whatever the backend). Two backends:

``local``   today's bm25s + FAISS files in the index folder (:class:`LocalBackend` wraps them)
``milvus``  a Milvus collection set through ``pymilvus.MilvusClient(uri)``: a local ``*.db`` file runs
            milvus-lite in-process, ``http://host:19530`` a Milvus cluster (``index.milvus_backend``)

The manifest's ``backend`` entry says which one an index uses; an index without one is local.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.types import Chunk, Document

BACKENDS = ("local", "milvus")

# channel -> (vectors [units, dim], chunk row of each unit, relative to the chunks passed with them)
Units = Mapping[str, tuple[np.ndarray, np.ndarray]]
Ranked = list[tuple[int, float]]  # (row, score), best first


@dataclass(frozen=True)
class Filters:
    """Scalar filters every backend evaluates itself (Milvus as a boolean expression over its scalar
    fields): documents, exact region, a year inside the plan's span, draft or not. None: no condition."""

    doc_ids: tuple[str, ...] | None = None
    region: str | None = None
    year: int | None = None
    draft: bool | None = None

    def admits(self, doc: Document | None) -> bool:
        if doc is None:
            return False
        return ((self.doc_ids is None or doc.doc_id in self.doc_ids)
                and (self.region is None or doc.region == self.region)
                and (self.year is None or bool(doc.years and doc.years[0] <= self.year <= doc.years[1]))
                and (self.draft is None or doc.draft == self.draft))


class Backend(Protocol):
    """What the product asks of a search engine. ``allowed`` is a bool mask over rows (the engine's
    filters, ``Engine.allowed``); ``filters`` are scalar conditions; both may be given."""

    name: str

    def add(self, chunks: Sequence[Chunk], tokens: Sequence[Sequence[str]], units: Units,
            documents: Sequence[Document] = ()) -> None: ...

    def delete(self, doc_ids: Sequence[str]) -> int: ...

    def lexical(self, tokens: Sequence[str], k: int, allowed: np.ndarray | None = None,
                filters: Filters | None = None) -> Ranked: ...

    def dense(self, channel: str, vector: np.ndarray, k: int, allowed: np.ndarray | None = None,
              filters: Filters | None = None) -> Ranked: ...

    def manifest(self) -> dict: ...


def filter_mask(chunks: Sequence[Chunk], documents: Mapping[str, Document], allowed: np.ndarray | None,
                filters: Filters | None, deleted: np.ndarray | None = None) -> np.ndarray | None:
    """One bool mask over rows from a mask, scalar filters and deleted rows (None: every row)."""
    mask = None if allowed is None else np.asarray(allowed, dtype=bool).copy()
    if filters is not None:
        keep = np.array([filters.admits(documents.get(c.doc_id)) for c in chunks], dtype=bool)
        mask = keep if mask is None else mask & keep
    if deleted is not None and deleted.any():
        mask = ~deleted if mask is None else mask & ~deleted
    return mask


class LocalBackend:
    """bm25s + FAISS in memory, as ``index.build`` makes them and ``index.store`` keeps them.

    A deleted document's rows are masked out (their tokens still count in BM25's document
    frequencies until the next build, as in Lucene before a merge).
    """

    name = "local"

    def __init__(self, config, bm25=None, dense: Mapping[str, Any] | None = None, chunks: Sequence[Chunk] = (),
                 documents: Sequence[Document] = ()):
        """Args:
            config: the index config (``index.config.Config``: BM25 k1/b, FAISS factory).
            bm25: a ``bm25s.BM25`` over ``chunks``; None for an empty backend to ``add`` to.
            dense: channel -> FAISS index whose ids are rows.
            chunks, documents: what the rows are.
        """
        self.config = config
        self.bm25 = bm25
        self.faiss = dict(dense or {})
        self.chunks = list(chunks)
        self.documents = {d.doc_id: d for d in documents}
        self.deleted = np.zeros(len(self.chunks), dtype=bool)
        self._tokens: list[list[str]] | None = [] if bm25 is None else None
        self._units: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        self._retrievers: dict[str, Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def of_stored(cls, stored) -> LocalBackend:
        """The backend over a loaded index folder (``index.store.StoredIndex``)."""
        return cls(stored.config, stored.bm25, {c: d.index for c, d in stored.dense.items()}, stored.chunks,
                   stored.documents)

    def add(self, chunks: Sequence[Chunk], tokens: Sequence[Sequence[str]], units: Units,
            documents: Sequence[Document] = ()) -> None:
        if self._tokens is None:
            raise ValueError("a loaded local index is rebuilt, not appended to: run `planqa build` or `planqa add`")
        if len(tokens) != len(chunks):
            raise ValueError(f"{len(tokens)} token lists for {len(chunks)} chunks")
        offset = len(self.chunks)
        self.chunks += chunks
        self.documents.update({d.doc_id: d for d in documents})
        self._tokens += [list(t) for t in tokens]
        for channel, (vectors, rows) in units.items():
            self._units.setdefault(channel, []).append((np.asarray(vectors, np.float32), np.asarray(rows) + offset))
        self.deleted = np.concatenate([self.deleted, np.zeros(len(chunks), dtype=bool)])
        self._rebuild()

    def _rebuild(self) -> None:
        from index.build import build_bm25, build_faiss

        self.bm25 = build_bm25(self._tokens, self.config)
        for channel, parts in self._units.items():
            vectors = np.concatenate([v for v, _ in parts])
            rows = np.concatenate([r for _, r in parts]).astype(np.int64)
            self.faiss[channel] = build_faiss(vectors, self.config.faiss_index, rows)
        self._retrievers = {}

    def delete(self, doc_ids: Sequence[str]) -> int:
        gone = np.array([c.doc_id in set(doc_ids) for c in self.chunks], dtype=bool) & ~self.deleted
        self.deleted |= gone
        return int(gone.sum())

    def _mask(self, allowed, filters) -> np.ndarray | None:
        return filter_mask(self.chunks, self.documents, allowed, filters, self.deleted)

    def lexical(self, tokens: Sequence[str], k: int, allowed: np.ndarray | None = None,
                filters: Filters | None = None) -> Ranked:
        from search.lexical import top_k

        ids = self.bm25.get_tokens_ids(list(tokens))
        if not ids:
            return []
        scores = self.bm25.get_scores_from_ids(ids)
        rows = top_k(scores, k, self._mask(allowed, filters), positive=True)
        return [(int(r), float(scores[r])) for r in rows]

    def dense(self, channel: str, vector: np.ndarray, k: int, allowed: np.ndarray | None = None,
              filters: Filters | None = None) -> Ranked:
        from search.dense import DenseRetriever

        mask = self._mask(allowed, filters)
        if mask is not None and not mask.any():
            return []
        with self._lock:  # one retriever per channel; its encoder is the query vector of this call
            retriever = self._retrievers.get(channel)
            if retriever is None:
                retriever = self._retrievers[channel] = DenseRetriever(self.faiss[channel], None, self.chunks,
                                                                       name=channel)
            retriever.encoder = _GivenVector(vector)
            hits = retriever.search("·", k, allowed=mask)
        return [(self._row(h.chunk), h.score) for h in hits]

    def _row(self, chunk: Chunk) -> int:
        if not hasattr(self, "_rows"):
            self._rows = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        return self._rows[chunk.chunk_id]

    def manifest(self) -> dict:
        return {"name": "local"}

    def save(self, folder: str | Path) -> None:
        """Write the BM25 arrays, the FAISS files and the deleted rows to ``folder``."""
        import faiss

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.bm25.save(str(folder / "bm25"), show_progress=False)
        for channel, index in self.faiss.items():
            faiss.write_index(index, str(folder / f"{channel}.faiss"))
        (folder / "backend.json").write_text(json.dumps(
            {"channels": sorted(self.faiss), "deleted": np.flatnonzero(self.deleted).tolist()}), encoding="utf-8")

    @classmethod
    def load(cls, folder: str | Path, config, chunks: Sequence[Chunk], documents: Sequence[Document] = ()
             ) -> LocalBackend:
        import bm25s
        import faiss

        folder = Path(folder)
        meta = json.loads((folder / "backend.json").read_text(encoding="utf-8"))
        bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
        dense = {c: faiss.read_index(str(folder / f"{c}.faiss")) for c in meta["channels"]}
        backend = cls(config, bm25, dense, chunks, documents)
        backend.deleted[meta["deleted"]] = True
        return backend


class _GivenVector:
    """An encoder that answers with a vector already computed (the local backend's dense search)."""

    def __init__(self, vector: np.ndarray):
        self.vector = np.asarray(vector, dtype=np.float32).reshape(1, -1)

    def encode(self, texts) -> np.ndarray:
        return self.vector


# --- choosing, writing and opening a backend
def write_backend(config, stored, tokens: Sequence[Sequence[str]], units: Units, target: str | Path) -> dict:
    """Put a freshly built index's tokens and vectors into the backend ``config.backend`` names and
    return its manifest entry ({} for the local one, which ``index.store`` writes as files).

    Raises:
        ValueError: an unknown backend name.
        ImportError: the Milvus client is not installed (the message says how to install it).
    """
    name = getattr(config, "backend", "local") or "local"
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    if name == "local":
        return {}
    from index.milvus_backend import MilvusBackend

    backend = MilvusBackend.create(target, config, {c: int(v.shape[1]) for c, (v, _) in units.items()})
    backend.add(stored.chunks, tokens, units, stored.documents)
    return backend.manifest()


_OPEN: dict[tuple[str, str], Any] = {}
_OPEN_LOCK = threading.Lock()


def open_backend(stored) -> Backend | None:
    """The search backend an index's manifest names, opened once per build; None for a local index
    (searched by ``search.lexical`` / ``search.dense`` directly, as before there were backends)."""
    entry = stored.manifest.get("backend") or {}
    if entry.get("name", "local") == "local":
        return None
    key = (str(stored.path), str(stored.manifest.get("build_id", "")))
    with _OPEN_LOCK:
        if key not in _OPEN:
            from index.milvus_backend import MilvusBackend

            _OPEN[key] = MilvusBackend.open(entry, stored.chunks, stored.documents)
        return _OPEN[key]


class BackendLexical:
    """The ``bm25`` channel over a backend: the product's tokens in, ``Hit``s out. ``scores`` (what
    ``search.crosslingual.BridgedLexical`` combines per glossary unit) holds the top ``depth`` rows'
    scores and zeros elsewhere."""

    def __init__(self, backend: Backend, tokenizer, chunks: list[Chunk], name: str = "bm25", depth: int = 1000):
        self.backend, self.tokenizer, self.chunks, self.name, self.depth = backend, tokenizer, chunks, name, depth

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(len(self.chunks), dtype=np.float32)
        for row, score in self.backend.lexical(self.tokenizer.tokenize(query), self.depth):
            out[row] = score
        return out

    def search(self, query, k: int = 10, allowed: np.ndarray | None = None) -> list:
        from search.query import channel_text

        text = channel_text(query, self.name)
        if text is None:
            return []
        return _hits(self.backend.lexical(self.tokenizer.tokenize(text), k, allowed), self.chunks, self.name)


class BackendDense:
    """A dense channel over a backend: the query embedded here, its nearest rows from the backend."""

    def __init__(self, backend: Backend, encoder, chunks: list[Chunk], name: str = "dense"):
        self.backend, self.encoder, self.chunks, self.name = backend, encoder, chunks, name

    def search(self, query, k: int = 10, allowed: np.ndarray | None = None) -> list:
        from index.encoders import embedding_text
        from search.query import channel_text

        text = channel_text(query, self.name)
        if text is None or not text.strip() or (allowed is not None and not allowed.any()):
            return []
        vector = np.asarray(self.encoder.encode([embedding_text(text)]), dtype=np.float32)[0]
        return _hits(self.backend.dense(self.name, vector, k, allowed), self.chunks, self.name)


def _hits(ranked: Ranked, chunks: list[Chunk], name: str) -> list:
    from search.types import Hit

    return [Hit(chunk=chunks[row], score=score, rank=rank, ranks={name: rank}, scores={name: score})
            for rank, (row, score) in enumerate(ranked, start=1)]


def backend_lexical(stored, tokenizer, name: str):
    """The backend's lexical retriever for this index, or None for a local index."""
    backend = open_backend(stored)
    return None if backend is None else BackendLexical(backend, tokenizer, stored.chunks, name)


def backend_dense(stored, encoder, name: str):
    """The backend's dense retriever for channel ``name``, or None for a local index."""
    backend = open_backend(stored)
    return None if backend is None else BackendDense(backend, encoder, stored.chunks, name)
