"""Connecting to Milvus and laying out an index's collections (``index.milvus_backend`` reads and writes them).

``uri`` a local file (``….db``) runs milvus-lite 2.5 in-process (the real Milvus core; pin 2.5.x, 3.x is
a pure-Python rewrite); ``http://host:19530`` is a Milvus Standalone or Distributed cluster.

Each index is a set of collections sharing one name prefix (``planqa_<hash of the folder>_<build>``):

``<prefix>_lexical``    one entity per chunk: ``row`` (the chunk's row), ``tokens`` (the product's tokens
                        joined by spaces, a VARCHAR with the ``whitespace`` analyzer), ``sparse`` (a BM25
                        function of ``tokens``), and the scalar fields
``<prefix>_<channel>``  one entity per embedded sentence window of a dense channel: ``row``, ``unit``
                        (the window's position in ``index.build.dense_units``, so its text is known
                        and an update reuses the vector), ``vector`` (FLOAT_VECTOR, inner product) and
                        the same scalar fields; the index folder keeps no copy of the vectors

Scalar fields: ``doc_id``, ``region``, ``year_from``/``year_to`` (0 when the plan names no years),
``draft``. Index types: FLAT on milvus-lite (what it supports besides IVF_FLAT), HNSW on a cluster.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

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


def release(uri: str) -> None:
    """Close this process's client of ``uri`` (milvus-lite: stops its server; the file stays)."""
    with _CLIENTS_LOCK:
        found = _CLIENTS.pop(uri, None)
    if found is not None:
        found.close()


def default_uri(target: str | Path) -> str:
    """The milvus-lite file of an index folder when no ``--milvus-uri`` is given: beside the folder
    (inside it, the atomic swap of ``index.store.save_index`` would move the open database)."""
    target = Path(target).absolute()
    return str(target.parent / f"{target.name}.milvus.db")


def folder_prefix(target: str | Path) -> str:
    """The name prefix of every collection any build of the index folder ``target`` makes."""
    return f"planqa_{hashlib.sha1(str(Path(target).absolute()).encode()).hexdigest()[:8]}"


def quoted(values: Sequence[str]) -> str:
    """A list literal of a Milvus boolean expression (``doc_id in [...]``)."""
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


def collections(prefix: str, channels: Sequence[str]) -> list[str]:
    return [f"{prefix}_lexical", *(f"{prefix}_{c}" for c in channels)]


def drop_stale(milvus, target: Path) -> None:
    """Drop the collections of earlier builds of ``target`` that its current manifest no longer names
    (the current one stays until the new manifest replaces it)."""
    keep = ""
    manifest = target / "manifest.json"
    if manifest.is_file():
        keep = (json.loads(manifest.read_text(encoding="utf-8")).get("backend") or {}).get("prefix", "")
    mine = folder_prefix(target) + "_"
    for name in milvus.list_collections(timeout=TIMEOUT):
        if name.startswith(mine) and not (keep and name.startswith(keep + "_")):
            milvus.drop_collection(name, timeout=TIMEOUT)


def _scalar_fields(schema) -> None:
    from pymilvus import DataType

    schema.add_field("row", DataType.INT64)
    schema.add_field("doc_id", DataType.VARCHAR, max_length=1024)
    schema.add_field("region", DataType.VARCHAR, max_length=256)
    schema.add_field("year_from", DataType.INT64)
    schema.add_field("year_to", DataType.INT64)
    schema.add_field("draft", DataType.BOOL)


def create_collections(milvus, prefix: str, dims: Mapping[str, int], k1: float, b: float, index_type: str) -> None:
    """The lexical collection (BM25 over the product's tokens) and one collection per dense channel."""
    from pymilvus import DataType, Function, FunctionType

    schema = milvus.create_schema(auto_id=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    _scalar_fields(schema)
    schema.add_field("tokens", DataType.VARCHAR, max_length=MAX_TOKENS_BYTES, enable_analyzer=True,
                     analyzer_params={"tokenizer": "whitespace"})
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                 input_field_names=["tokens"], output_field_names=["sparse"]))
    params = milvus.prepare_index_params()
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                     params={"bm25_k1": k1, "bm25_b": b})
    params.add_index("doc_id", index_type="INVERTED")
    milvus.create_collection(f"{prefix}_lexical", schema=schema, index_params=params,
                             consistency_level="Strong", timeout=TIMEOUT)
    for channel, dim in dims.items():
        schema = milvus.create_schema(auto_id=True)
        schema.add_field("id", DataType.INT64, is_primary=True)
        _scalar_fields(schema)
        schema.add_field("unit", DataType.INT64)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=int(dim))
        params = milvus.prepare_index_params()
        params.add_index("vector", index_type=index_type, metric_type="IP",
                         params=HNSW if index_type == "HNSW" else {})
        milvus.create_collection(f"{prefix}_{channel}", schema=schema, index_params=params,
                                 consistency_level="Strong", timeout=TIMEOUT)
