"""Where lexical and dense search run: the seam between the product and a search engine.

The product tokenises (``index.tokenize``: jieba, its dictionary, 繁→简), embeds and fuses
(``search.hybrid``); a backend only stores what it is given and answers two questions, "the best rows
for these tokens" and "the nearest rows to this vector", among the rows a filter allows. So every
backend sees the same tokens, and ``Hit.ranks`` keeps each channel's rank whichever engine ran it.

Rows are positions in the index's ``chunks.jsonl`` (what the chunk texts, sections, sources and the
quote index are keyed by; they stay in the index folder whatever the backend). Two backends:

``local``   today's bm25s + FAISS files in the index folder (``search.backends.LocalBackend`` wraps them)
``milvus``  a Milvus collection set through ``pymilvus.MilvusClient(uri)``: a local ``*.db`` file runs
            milvus-lite in-process, ``http://host:19530`` a Milvus cluster (``index.milvus_backend``).
            The dense vectors live only there (the folder has no FAISS file; :func:`dense_entries`
            names each channel's encoder, :func:`backend_vectors` reads vectors back for an update);
            the folder's bm25s files stay as the vocabulary and document frequencies the product's
            query understanding reads, while BM25 ranking runs in Milvus

The manifest's ``backend`` entry says which one an index uses; an index without one is local.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from index.types import Chunk, Document

if TYPE_CHECKING:
    from index.store import DenseIndex

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


# --- choosing, writing and opening a backend
def write_backend(config, stored, tokens: Sequence[Sequence[str]], units: Units, target: str | Path) -> dict:
    """Put a freshly built index's tokens and vectors into the backend ``config.backend`` names and
    return its manifest entry ({} for the local one, which ``index.store`` writes as files).

    A backend other than the local one takes the dense vectors away from ``stored`` (``stored.dense``
    is emptied, so the folder saved next holds no FAISS file): they live only in the backend.

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

    backend = MilvusBackend.create(target, config, {c: int(v.shape[1]) for c, (v, _) in units.items()},
                                   {c: d.encoder for c, d in stored.dense.items()})
    backend.add(stored.chunks, tokens, units, stored.documents)
    stored.dense = {}
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


def dense_entries(stored) -> dict[str, DenseIndex]:
    """Channel -> its dense index entry (encoder name, dimension): the folder's FAISS ones, and for a
    backend holding the vectors, entries with ``index=None`` (search goes to the backend)."""
    from index.store import DenseIndex

    entry = stored.manifest.get("backend") or {}
    held = {c: DenseIndex(c, name, int(entry["channels"][c]), None) for c, name in entry.get("encoders", {}).items()}
    return {**held, **stored.dense}


def backend_vectors(stored, channel: str) -> dict[str, np.ndarray] | None:
    """Embedded text -> vector of ``channel`` read back from the backend that holds them; None when
    the folder's own files hold them (``index.reuse.stored_vectors`` reads those)."""
    from index.build import DENSE_CHANNELS, dense_units

    backend = open_backend(stored)
    if backend is None or channel in stored.dense:
        return None
    if channel not in backend.dims:
        return {}
    texts = dense_units(stored.chunks, DENSE_CHANNELS[channel](stored.config)[1])[0]
    units, _, vectors = backend.vectors(channel)
    return {texts[u]: v for u, v in zip(units.tolist(), vectors, strict=True) if u < len(texts)}
