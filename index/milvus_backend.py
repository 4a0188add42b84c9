"""The ``milvus`` backend: lexical and dense search in Milvus, through ``pymilvus.MilvusClient(uri)``.

``uri`` a local file (``….db``) runs milvus-lite 2.5 in-process (the real Milvus core; pin 2.5.x, 3.x is
a pure-Python rewrite); ``http://host:19530`` is a Milvus Standalone or Distributed cluster.

Each index is a set of collections sharing one name prefix:

``<prefix>_lexical``    one entity per chunk: ``row`` (primary key, the chunk's row), ``tokens`` (the
                        product's tokens joined by spaces, a VARCHAR with the ``whitespace`` analyzer),
                        ``sparse`` (a BM25 function of ``tokens``), and the scalar fields
``<prefix>_<channel>``  one entity per embedded sentence window of a dense channel: ``row``, ``vector``
                        (FLOAT_VECTOR, inner product) and the same scalar fields

Scalar fields: ``doc_id``, ``region``, ``year_from``/``year_to`` (0 when the plan names no years),
``draft``. A dense channel has its own collection because a chunk has several windows, and how many
differs by channel (80 characters for m3e, 120 for USE): whole-chunk vectors measured dense Recall@5
0.65 against 0.92 for windows (``index.build``). A chunk scores as its best window
(``group_by_field="row"``). The tokens are ours: a jieba analyzer with the product's dictionary is
rejected by the 2.5 core (and the client then retries forever), and our tokens are what BM25 saw
locally. Index types: FLAT on milvus-lite (what it supports besides IVF_FLAT), HNSW on a cluster.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from index.backend import Filters, Ranked, Units, filter_mask
from index.types import Chunk, Document

TIMEOUT = 60.0  # seconds for every client call: a misconfigured server fails instead of hanging
BATCH = 500  # entities per insert (a batch of Chinese token strings stays far under gRPC's 64 MB)
MAX_TOKENS_BYTES = 65535  # Milvus's VARCHAR limit
HNSW = {"M": 16, "efConstruction": 200}

_CLIENTS: dict[str, object] = {}
_CLIENTS_LOCK = threading.Lock()


def is_lite(uri: str) -> bool:
    return not uri.startswith(("http://", "https://", "tcp://", "unix:"))


def client(uri: str):
    """One ``MilvusClient`` per uri and process (milvus-lite allows one server per file).

    Raises:
        ImportError: pymilvus / milvus-lite are not installed.
    """
    with _CLIENTS_LOCK:
        if uri not in _CLIENTS:
            try:
                import warnings

                with warnings.catch_warnings():  # milvus-lite imports pkg_resources, deprecated upstream
                    warnings.simplefilter("ignore")
                    from pymilvus import MilvusClient
            except ImportError as exc:
                raise ImportError("the milvus backend needs pymilvus and milvus-lite: "
                                  "pip install -e '.[cluster]' (or `make setup`)") from exc
            if is_lite(uri):
                Path(uri).parent.mkdir(parents=True, exist_ok=True)
            _CLIENTS[uri] = MilvusClient(uri=uri, timeout=TIMEOUT)
        return _CLIENTS[uri]


def default_uri(target: str | Path) -> str:
    """The milvus-lite file of an index folder when no ``--milvus-uri`` is given: beside the folder
    (inside it, the atomic swap of ``index.store.save_index`` would move the open database)."""
    target = Path(target).absolute()
    return str(target.parent / f"{target.name}.milvus.db")


def _prefix(target: str | Path) -> str:
    return f"planqa_{hashlib.sha1(str(Path(target).absolute()).encode()).hexdigest()[:8]}"


def _quote(values: Sequence[str]) -> str:
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


class MilvusBackend:
    """Lexical and dense search in Milvus collections; see the module docstring for the layout."""

    name = "milvus"

    def __init__(self, uri: str, prefix: str, dims: Mapping[str, int], k1: float, b: float,
                 index_type: str, chunks: Sequence[Chunk] = (), documents: Sequence[Document] = (),
                 deleted: Sequence[int] = ()):
        self.uri, self.prefix, self.dims = uri, prefix, dict(dims)
        self.k1, self.b, self.index_type = k1, b, index_type
        self.chunks = list(chunks)
        self.documents = {d.doc_id: d for d in documents}
        self.deleted = np.zeros(len(self.chunks), dtype=bool)
        self.deleted[list(deleted)] = True
        self.client = client(uri)

    # --- creating and opening
    @classmethod
    def create(cls, target: str | Path, config, dims: Mapping[str, int]) -> MilvusBackend:
        """New, empty collections for the index at ``target`` (``config.milvus_uri``, default
        :func:`default_uri`). Collections of earlier builds of the same folder that its current
        manifest no longer names are dropped; the current one stays until the new manifest replaces it."""
        uri = getattr(config, "milvus_uri", "") or default_uri(target)
        if is_lite(uri):
            uri = str(Path(uri).absolute())
        index_type = "FLAT" if is_lite(uri) else "HNSW"
        backend = cls(uri, f"{_prefix(target)}_{uuid.uuid4().hex[:8]}", dims, config.bm25_k1, config.bm25_b,
                      index_type)
        backend._drop_stale(Path(target))
        backend._create_collections()
        return backend

    @classmethod
    def open(cls, entry: Mapping, chunks: Sequence[Chunk], documents: Sequence[Document] = ()) -> MilvusBackend:
        """The backend a manifest entry (:meth:`manifest`) describes, over the index's chunks.

        Raises:
            ValueError: a collection is missing (dropped, or another server); rebuild.
        """
        backend = cls(entry["uri"], entry["prefix"], entry["channels"], entry["bm25"]["k1"], entry["bm25"]["b"],
                      entry["index_type"], chunks, documents, entry.get("deleted", ()))
        missing = [c for c in backend._collections() if not backend.client.has_collection(c, timeout=TIMEOUT)]
        if missing:
            raise ValueError(f"Milvus at {backend.uri} has no collection {', '.join(missing)}; "
                             "rebuild with `planqa build --backend milvus`")
        return backend

    def manifest(self) -> dict:
        return {"name": "milvus", "uri": self.uri, "prefix": self.prefix, "channels": self.dims,
                "index_type": self.index_type, "bm25": {"k1": self.k1, "b": self.b},
                "deleted": np.flatnonzero(self.deleted).tolist()}

    def _collections(self) -> list[str]:
        return [f"{self.prefix}_lexical", *(f"{self.prefix}_{c}" for c in self.dims)]

    def _drop_stale(self, target: Path) -> None:
        keep = ""
        manifest = target / "manifest.json"
        if manifest.is_file():
            keep = (json.loads(manifest.read_text(encoding="utf-8")).get("backend") or {}).get("prefix", "")
        mine = _prefix(target) + "_"
        for name in self.client.list_collections(timeout=TIMEOUT):
            if name.startswith(mine) and not (keep and name.startswith(keep + "_")):
                self.client.drop_collection(name, timeout=TIMEOUT)

    def _scalar_fields(self, schema) -> None:
        from pymilvus import DataType

        schema.add_field("row", DataType.INT64)
        schema.add_field("doc_id", DataType.VARCHAR, max_length=1024)
        schema.add_field("region", DataType.VARCHAR, max_length=256)
        schema.add_field("year_from", DataType.INT64)
        schema.add_field("year_to", DataType.INT64)
        schema.add_field("draft", DataType.BOOL)

    def _create_collections(self) -> None:
        from pymilvus import DataType, Function, FunctionType

        c = self.client
        schema = c.create_schema(auto_id=True)
        schema.add_field("id", DataType.INT64, is_primary=True)
        self._scalar_fields(schema)
        schema.add_field("tokens", DataType.VARCHAR, max_length=MAX_TOKENS_BYTES, enable_analyzer=True,
                         analyzer_params={"tokenizer": "whitespace"})
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                     input_field_names=["tokens"], output_field_names=["sparse"]))
        params = c.prepare_index_params()
        params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                         params={"bm25_k1": self.k1, "bm25_b": self.b})
        params.add_index("doc_id", index_type="INVERTED")
        c.create_collection(f"{self.prefix}_lexical", schema=schema, index_params=params,
                            consistency_level="Strong", timeout=TIMEOUT)
        for channel, dim in self.dims.items():
            schema = c.create_schema(auto_id=True)
            schema.add_field("id", DataType.INT64, is_primary=True)
            self._scalar_fields(schema)
            schema.add_field("vector", DataType.FLOAT_VECTOR, dim=int(dim))
            params = c.prepare_index_params()
            params.add_index("vector", index_type=self.index_type, metric_type="IP",
                             params=HNSW if self.index_type == "HNSW" else {})
            c.create_collection(f"{self.prefix}_{channel}", schema=schema, index_params=params,
                                consistency_level="Strong", timeout=TIMEOUT)

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
            self._insert(f"{self.prefix}_{channel}", [
                {"row": offset + int(r), **self._scalars(chunks[int(r)]), "vector": v}
                for v, r in zip(vectors, unit_rows, strict=True)])

    def _insert(self, collection: str, rows: list[dict]) -> None:
        for start in range(0, len(rows), BATCH):
            self.client.insert(collection, rows[start:start + BATCH], timeout=TIMEOUT)

    def delete(self, doc_ids: Sequence[str]) -> int:
        gone = np.array([c.doc_id in set(doc_ids) for c in self.chunks], dtype=bool) & ~self.deleted
        if doc_ids:
            for collection in self._collections():
                self.client.delete(collection, filter=f"doc_id in {_quote(list(doc_ids))}", timeout=TIMEOUT)
        self.deleted |= gone
        return int(gone.sum())

    # --- searching
    def _filter(self, allowed: np.ndarray | None, filters: Filters | None) -> str | None:
        """A Milvus boolean expression: scalar filters as such; a row mask as the documents it allows
        when it is whole documents (what ``Engine.allowed`` makes), else as the rows themselves."""
        parts = []
        if filters is not None:
            if filters.doc_ids is not None:
                parts.append(f"doc_id in {_quote(filters.doc_ids)}")
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
                parts.append(f"doc_id in {_quote(docs)}")
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


def release(uri: str) -> None:
    """Close this process's client of ``uri`` (milvus-lite: stops its server; the file stays)."""
    with _CLIENTS_LOCK:
        found = _CLIENTS.pop(uri, None)
    if found is not None:
        found.close()
