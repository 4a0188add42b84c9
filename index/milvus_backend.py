"""The ``milvus`` backend: lexical and dense search in Milvus collections (``index.milvus_client``
connects and lays them out).

A dense channel has its own collection because a chunk has several windows, and how many differs by
channel (80 characters for m3e, 120 for USE): whole-chunk vectors measured dense Recall@5 0.65 against
0.92 for windows (``index.build``). A chunk scores as its best window (``group_by_field="row"``). The
tokens are ours: a jieba analyzer with the product's dictionary is rejected by the 2.5 core (and the
client then retries forever), and our tokens are what BM25 saw locally.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from index.backend import Filters, Ranked, Units, filter_mask
from index.milvus_client import (
    BATCH,
    MAX_TOKENS_BYTES,
    TIMEOUT,
    client,
    collections,
    create_collections,
    default_uri,
    drop_stale,
    folder_prefix,
    is_lite,
    quoted,
    release,
)
from index.types import Chunk, Document

__all__ = ["MilvusBackend", "client", "default_uri", "is_lite", "release"]


class MilvusBackend:
    """Lexical and dense search in Milvus collections; see the module docstring for the layout."""

    name = "milvus"

    def __init__(self, uri: str, prefix: str, dims: Mapping[str, int], k1: float, b: float,
                 index_type: str, chunks: Sequence[Chunk] = (), documents: Sequence[Document] = (),
                 deleted: Sequence[int] = (), encoders: Mapping[str, str] | None = None,
                 units: Mapping[str, int] | None = None):
        self.uri, self.prefix, self.dims = uri, prefix, dict(dims)
        self.encoders = dict(encoders or {})  # channel -> encoder name (what embeds its queries)
        self.units = {c: int((units or {}).get(c, 0)) for c in self.dims}  # channel -> windows stored
        self.k1, self.b, self.index_type = k1, b, index_type
        self.chunks = list(chunks)
        self.documents = {d.doc_id: d for d in documents}
        self.deleted = np.zeros(len(self.chunks), dtype=bool)
        self.deleted[list(deleted)] = True
        self.client = client(uri)

    # --- creating and opening
    @classmethod
    def create(cls, target: str | Path, config, dims: Mapping[str, int],
               encoders: Mapping[str, str] | None = None) -> MilvusBackend:
        """New, empty collections for the index at ``target`` (``config.milvus_uri``, default
        :func:`default_uri`). Collections of earlier builds of the same folder that its current
        manifest no longer names are dropped; the current one stays until the new manifest replaces it."""
        uri = getattr(config, "milvus_uri", "") or default_uri(target)
        if is_lite(uri):
            uri = str(Path(uri).absolute())
        index_type = "FLAT" if is_lite(uri) else "HNSW"
        backend = cls(uri, f"{folder_prefix(target)}_{uuid.uuid4().hex[:8]}", dims, config.bm25_k1, config.bm25_b,
                      index_type, encoders=encoders)
        drop_stale(backend.client, Path(target))
        create_collections(backend.client, backend.prefix, dims, backend.k1, backend.b, index_type)
        return backend

    @classmethod
    def open(cls, entry: Mapping, chunks: Sequence[Chunk], documents: Sequence[Document] = ()) -> MilvusBackend:
        """The backend a manifest entry (:meth:`manifest`) describes, over the index's chunks.

        Raises:
            ValueError: a collection is missing (dropped, or another server); rebuild.
        """
        backend = cls(entry["uri"], entry["prefix"], entry["channels"], entry["bm25"]["k1"], entry["bm25"]["b"],
                      entry["index_type"], chunks, documents, entry.get("deleted", ()), entry.get("encoders"),
                      entry.get("units"))
        missing = [c for c in backend._collections() if not backend.client.has_collection(c, timeout=TIMEOUT)]
        if missing:
            raise ValueError(f"Milvus at {backend.uri} has no collection {', '.join(missing)}; "
                             "rebuild with `planqa build --backend milvus`")
        return backend

    def manifest(self) -> dict:
        return {"name": "milvus", "uri": self.uri, "prefix": self.prefix, "channels": self.dims,
                "encoders": self.encoders, "units": self.units, "index_type": self.index_type,
                "bm25": {"k1": self.k1, "b": self.b}, "deleted": np.flatnonzero(self.deleted).tolist()}

    def _collections(self) -> list[str]:
        return collections(self.prefix, list(self.dims))

    # --- writing
    def _scalars(self, chunk: Chunk) -> dict:
        doc = self.documents.get(chunk.doc_id)
        years = (doc.years if doc else None) or (0, 0)
        return {"doc_id": chunk.doc_id, "region": (doc.region if doc else None) or "",
                "year_from": int(years[0]), "year_to": int(years[1]), "draft": bool(doc.draft if doc else False)}

    def add(self, chunks: Sequence[Chunk], tokens: Sequence[Sequence[str]], units: Units,
            documents: Sequence[Document] = ()) -> None:
        if len(tokens) != len(chunks):
            raise ValueError(f"{len(tokens)} token lists for {len(chunks)} chunks")
        missing = set(self.dims) - set(units)
        if missing:
            raise ValueError(f"no vectors for channel(s) {', '.join(sorted(missing))}")
        offset = len(self.chunks)
        self.chunks += chunks
        self.documents.update({d.doc_id: d for d in documents})
        self.deleted = np.concatenate([self.deleted, np.zeros(len(chunks), dtype=bool)])
        rows = [{"row": offset + i, **self._scalars(c), "tokens": _joined(t)}
                for i, (c, t) in enumerate(zip(chunks, tokens, strict=True))]
        self._insert(f"{self.prefix}_lexical", rows)
        for channel, (vectors, unit_rows) in units.items():
            vectors = np.asarray(vectors, dtype=np.float32)
            first = self.units[channel]
            self._insert(f"{self.prefix}_{channel}", [
                {"row": offset + int(r), "unit": first + i, **self._scalars(chunks[int(r)]), "vector": v}
                for i, (v, r) in enumerate(zip(vectors, unit_rows, strict=True))])
            self.units[channel] = first + len(vectors)

    def _insert(self, collection: str, rows: list[dict]) -> None:
        for start in range(0, len(rows), BATCH):
            self.client.insert(collection, rows[start:start + BATCH], timeout=TIMEOUT)

    def vectors(self, channel: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(units, rows, vectors) of every window of ``channel`` still stored, by unit: what an update
        reuses instead of embedding again (the vectors live only here)."""
        found: list[dict] = []
        iterator = self.client.query_iterator(f"{self.prefix}_{channel}", batch_size=BATCH, filter="",
                                              output_fields=["unit", "row", "vector"], timeout=TIMEOUT)
        while batch := iterator.next():
            found += batch
        iterator.close()
        found.sort(key=lambda e: e["unit"])
        dim = self.dims[channel]
        return (np.array([e["unit"] for e in found], dtype=np.int64), np.array([e["row"] for e in found], dtype=np.int64),
                np.array([e["vector"] for e in found], dtype=np.float32).reshape(len(found), dim))

    def delete(self, doc_ids: Sequence[str]) -> int:
        gone = np.array([c.doc_id in set(doc_ids) for c in self.chunks], dtype=bool) & ~self.deleted
        if doc_ids:
            for collection in self._collections():
                self.client.delete(collection, filter=f"doc_id in {quoted(list(doc_ids))}", timeout=TIMEOUT)
        self.deleted |= gone
        return int(gone.sum())

    # --- searching
    def _filter(self, allowed: np.ndarray | None, filters: Filters | None) -> str | None:
        """A Milvus boolean expression: scalar filters as such; a row mask as the documents it allows
        when it is whole documents (what ``Engine.allowed`` makes), else as the rows themselves."""
        parts = []
        if filters is not None:
            if filters.doc_ids is not None:
                parts.append(f"doc_id in {quoted(filters.doc_ids)}")
            if filters.region is not None:
                parts.append(f"region == {json.dumps(filters.region, ensure_ascii=False)}")
            if filters.year is not None:
                parts.append(f"(year_from <= {int(filters.year)} and year_to >= {int(filters.year)})")
            if filters.draft is not None:
                parts.append(f"draft == {str(bool(filters.draft)).lower()}")
        if allowed is not None:
            allowed = np.asarray(allowed, dtype=bool)
            doc_of_row = np.array([c.doc_id for c in self.chunks], dtype=object)
            docs = sorted(set(doc_of_row[allowed].tolist()))
            if np.array_equal(np.isin(doc_of_row, docs) & ~self.deleted, allowed & ~self.deleted):
                parts.append(f"doc_id in {quoted(docs)}")
            else:
                parts.append(f"row in {np.flatnonzero(allowed).tolist()}")
        return " and ".join(parts) or None

    def _empty(self, allowed, filters) -> bool:
        mask = filter_mask(self.chunks, self.documents, allowed, filters, self.deleted)
        return mask is not None and not mask.any()

    def lexical(self, tokens: Sequence[str], k: int, allowed: np.ndarray | None = None,
                filters: Filters | None = None) -> Ranked:
        text = _joined(tokens)
        if not text or k <= 0 or self._empty(allowed, filters):
            return []
        found = self.client.search(
            f"{self.prefix}_lexical", data=[text], anns_field="sparse", limit=min(k, 16384),
            filter=self._filter(allowed, filters) or "", output_fields=["row"],
            search_params={"metric_type": "BM25"}, timeout=TIMEOUT)[0]
        return _ranked(found)

    def dense(self, channel: str, vector: np.ndarray, k: int, allowed: np.ndarray | None = None,
              filters: Filters | None = None) -> Ranked:
        if channel not in self.dims:
            raise ValueError(f"the Milvus index has no {channel!r} vectors; its channels: {', '.join(self.dims)}")
        if k <= 0 or self._empty(allowed, filters):
            return []
        params = {"metric_type": "IP", "params": {"ef": max(64, k)} if self.index_type == "HNSW" else {}}
        found = self.client.search(
            f"{self.prefix}_{channel}", data=[np.asarray(vector, dtype=np.float32).tolist()],
            anns_field="vector", limit=min(k, 16384), filter=self._filter(allowed, filters) or "",
            group_by_field="row", output_fields=["row"], search_params=params, timeout=TIMEOUT)[0]
        return _ranked(found)


def _joined(tokens: Sequence[str]) -> str:
    """The tokens as the whitespace analyzer splits them back (a token holding a space is two tokens)."""
    text = " ".join(w for t in tokens for w in t.split())
    data = text.encode("utf-8")
    if len(data) > MAX_TOKENS_BYTES:  # never met by a chunk (≤ 800 characters); cut at a token boundary
        text = data[:MAX_TOKENS_BYTES].decode("utf-8", errors="ignore").rsplit(" ", 1)[0]
    return text


def _ranked(found) -> Ranked:
    # ties broken by the lower row, as the local backend does
    pairs = [(int(h["entity"]["row"]), float(h["distance"])) for h in found]
    return sorted(pairs, key=lambda p: (-p[1], p[0]))

