"""What an update of an index keeps instead of computing again: a file's stored parts, the vectors of
the old FAISS files, and BM25 tokens.

Tokens are cached because tokenising is most of an unchanged rebuild: over the seeds (907 chunks)
jieba's ``cut_for_search`` took 5 of 8 s, against 0.1 s for bm25s to index the cached tokens. They
are kept beside the embedding cache, keyed by the text and by ``tokens_version`` (the bytes of the
tokenizer, the normalisation and the word lists), so tokens of other code never enter a BM25 index.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.build import DENSE_CHANNELS, dense_units
from index.encoders import Encoder
from index.store import StoredIndex, vector_rows
from index.tokenize import Tokenizer
from index.types import Chunk, Document, Section

MAX_SHARDS = 16


HERE = Path(__file__).resolve().parent
# what BM25 tokens depend on: the tokenizer, the normalisation (and the cleaning it calls), the word lists
TOKEN_CODE = ("tokenize.py", "normalize.py", "clean.py", "data/*")


def _digest(patterns: Sequence[str]) -> str:
    digest = hashlib.sha1()
    for file in sorted({f for pattern in patterns for f in HERE.glob(pattern)}):
        if file.is_file():
            digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the ingestion code and data (``index/**/*.py``, ``index/data/*``): files read with
    other code are read again by ``build``, since their chunks may differ."""
    return _digest(("*.py", "formats/*.py", "data/*"))


@lru_cache(maxsize=1)
def tokens_version() -> str:
    """A digest of the code BM25 tokens depend on, so cached tokens are never those of other code."""
    return _digest(TOKEN_CODE)


class StoredParts:
    """A stored index's documents, sections and chunks by doc id, and its source texts by name."""

    def __init__(self, stored: StoredIndex | None):
        self.stored = stored
        self.by_doc: dict[str, tuple[list, list, list]] = {}
        for position, items in enumerate((stored.documents, stored.sections, stored.chunks) if stored else ()):
            for item in items:
                self.by_doc.setdefault(item.doc_id, ([], [], []))[position].append(item)

    def text(self, source: str) -> str:
        return (self.stored.path / "sources" / source).read_text(encoding="utf-8")

    def of(self, doc_ids: Sequence[str]) -> tuple[list[Document], list[Section], list[Chunk]]:
        parts: tuple[list, list, list] = ([], [], [])
        for doc_id in doc_ids:
            for mine, stored in zip(parts, self.by_doc.get(doc_id, ([], [], []))):
                mine += stored
        return parts


def stored_vectors(stored: StoredIndex, channel: str) -> dict[str, np.ndarray]:
    """Embedded text -> vector of one dense channel, read back from an exact (``Flat``) FAISS index.
    Empty for a compressed index (IVF, SQ8: its vectors are approximations), whose texts then come
    from the embedding cache."""
    import faiss

    from index.backend import backend_vectors

    held = backend_vectors(stored, channel)  # a backend holding the vectors (no FAISS file)
    if held is not None:
        return held
    dense = stored.dense.get(channel)
    if dense is None:
        return {}
    index = dense.index
    inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap) else index
    if not isinstance(inner, faiss.IndexFlat):
        return {}
    texts, rows = dense_units(stored.chunks, DENSE_CHANNELS[channel](stored.config)[1])
    if inner.ntotal != len(texts) or not np.array_equal(vector_rows(index), rows):
        return {}
    return dict(zip(texts, inner.reconstruct_n(0, inner.ntotal)))


class KnownVectors:
    """An embedding cache's ``embed`` that serves vectors already known (by encoder name and text) first."""

    def __init__(self, known: Mapping[str, Mapping[str, np.ndarray]], cache):
        self.known, self.cache = known, cache

    def embed(self, encoder: Encoder, texts: Sequence[str], batch_size: int = 32,
              progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, int]:
        found = dict(self.known.get(encoder.name, {}))
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        embedded = 0
        if missing:
            vectors, embedded = self.cache.embed(encoder, missing, batch_size, progress)
            found.update(zip(missing, vectors))
        if not texts:
            return np.zeros((0, int(encoder.dim)), dtype=np.float32), 0
        return np.stack([found[t] for t in texts]).astype(np.float32, copy=False), embedded


class CachedTokenizer:
    """A BM25 tokenizer whose results persist under ``root/tokens/<mode>-<code version>/``.

    ``save()`` appends what was tokenised since loading as one shard (JSON lines of ``[sha1, tokens]``,
    written to a temporary name and renamed, so a reader never sees half a shard); past ``MAX_SHARDS``
    shards they are merged into one.
    """

    def __init__(self, tokenizer: Tokenizer, root: str | Path):
        self.tokenizer = tokenizer
        self.folder = Path(root) / "tokens" / f"{tokenizer.mode}-{tokens_version()}"
        self.known: dict[str, list[str]] = {}
        self.new: dict[str, list[str]] = {}
        for shard in sorted(self.folder.glob("*.jsonl")) if self.folder.is_dir() else []:
            try:
                with open(shard, encoding="utf-8") as f:
                    self.known.update(json.loads(line) for line in f if line.strip())
            except (OSError, ValueError):
                continue  # merged away meanwhile, or damaged: its texts are tokenised again

    def tokenize(self, text: str) -> list[str]:
        key = hashlib.sha1(text.encode("utf-8")).hexdigest()
        tokens = self.known.get(key)
        if tokens is None:
            tokens = self.known[key] = self.new[key] = self.tokenizer.tokenize(text)
        return tokens

    def __call__(self, text: str) -> list[str]:
        return self.tokenize(text)

    def save(self) -> None:
        if not self.new:
            return
        self._write(self.new)
        self.new = {}
        shards = sorted(self.folder.glob("*.jsonl"))
        if len(shards) > MAX_SHARDS:
            self._write(self.known)
            for shard in shards:
                shard.unlink(missing_ok=True)

    def _write(self, rows: Mapping[str, list[str]]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}.jsonl"
        tmp = self.folder / f".{name}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            for key, tokens in rows.items():
                f.write(json.dumps([key, tokens], ensure_ascii=False) + "\n")
        tmp.rename(self.folder / name)
