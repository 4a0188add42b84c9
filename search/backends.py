"""The search side of the backend seam (``index.backend``): retrievers over any backend, and the local
backend itself (bm25s + FAISS, searched by ``search.lexical`` and ``search.dense``).

``Engine`` builds its ``bm25`` and dense channels from :func:`backend_lexical` / :func:`backend_dense`
when the index's manifest names a backend, else from the index's own files as before; either way the
channel returns ``Hit``s with its own rank, so fusion and "why it ranked" are the same.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.backend import Backend, Filters, Ranked, Units, filter_mask, open_backend
from index.encoders import embedding_text
from index.types import Chunk, Document
from search.dense import DenseRetriever
from search.lexical import top_k
from search.query import channel_text
from search.types import Hit


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
        ids = self.bm25.get_tokens_ids(list(tokens))
        if not ids:
            return []
        scores = self.bm25.get_scores_from_ids(ids)
        rows = top_k(scores, k, self._mask(allowed, filters), positive=True)
        return [(int(r), float(scores[r])) for r in rows]

    def dense(self, channel: str, vector: np.ndarray, k: int, allowed: np.ndarray | None = None,
              filters: Filters | None = None) -> Ranked:
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
        text = channel_text(query, self.name)
        if text is None:
            return []
        return _hits(self.backend.lexical(self.tokenizer.tokenize(text), k, allowed), self.chunks, self.name)


class BackendDense:
    """A dense channel over a backend: the query embedded here, its nearest rows from the backend."""

    def __init__(self, backend: Backend, encoder, chunks: list[Chunk], name: str = "dense"):
        self.backend, self.encoder, self.chunks, self.name = backend, encoder, chunks, name

    def search(self, query, k: int = 10, allowed: np.ndarray | None = None) -> list:
        text = channel_text(query, self.name)
        if text is None or not text.strip() or (allowed is not None and not allowed.any()):
            return []
        vector = np.asarray(self.encoder.encode([embedding_text(text)]), dtype=np.float32)[0]
        return _hits(self.backend.dense(self.name, vector, k, allowed), self.chunks, self.name)


def _hits(ranked: Ranked, chunks: list[Chunk], name: str) -> list:
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
