"""Embedding cache: an unchanged corpus re-embeds nothing, one new document embeds only its chunks.

Keyed by (the encoder's ``index.encoders.cache_name``, sha1 of the exact embedded string). Per encoder a folder of shards, each two
``np.save`` files written with ``allow_pickle=False``: ``<shard>.npy`` (float32, one row per text) and
``<shard>.keys.npy`` (the sha1 digests, ``S40``). A build appends at most one shard per encoder; shard
names are unique per process, and a shard counts only once its keys file exists (written last, by
rename), so concurrent builds and interrupted ones never corrupt what is there. Past ``MAX_SHARDS``
shards, they are merged into one (a reader that loses a shard meanwhile only embeds its texts again).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from index.encoders import Encoder, PooledEncoder, cache_name, embed_workers, with_context_apart

MAX_SHARDS = 16
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def embed_pool() -> ThreadPoolExecutor:
    """The threads an encoder not already pooled embeds its batches on (``embed_workers()``, one per
    core), shared by the process: a ``planqa build`` or ``add`` embeds file by file, channel by channel,
    and on one thread it left the second core idle (a cold seeds build: 75 CPU-s of encoding)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=embed_workers(), thread_name_prefix="embed")
        return _POOL


def text_key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).hexdigest().encode("ascii")


def encoder_slug(name: str) -> str:
    """A folder/file-safe name for an encoder (names may be paths); a digest keeps distinct names apart."""
    slug = re.sub(r"[^0-9A-Za-z._-]+", "_", name).strip("._")[-40:] or "encoder"
    if slug == name:
        return slug
    return f"{slug}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"


class EmbeddingCache:
    """Vectors on disk under ``root/<encoder slug>/``; see the module docstring for the layout."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def folder(self, encoder_name: str) -> Path:
        return self.root / encoder_slug(encoder_name)

    def _shards(self, encoder_name: str) -> list[tuple[Path, np.ndarray, np.ndarray]]:
        """(keys file, keys, vectors) of every readable shard."""
        folder = self.folder(encoder_name)
        shards = []
        for keys_file in sorted(folder.glob("*.keys.npy")) if folder.is_dir() else []:
            try:
                keys = np.load(keys_file, allow_pickle=False)
                vectors = np.load(_vectors_file(keys_file), allow_pickle=False, mmap_mode="r")
            except (OSError, ValueError):
                continue  # a shard being written, merged away or damaged: its texts are embedded again
            if vectors.ndim == 2 and len(vectors) == len(keys):
                shards.append((keys_file, keys, vectors))
        return shards

    def _load(self, encoder_name: str) -> dict[bytes, tuple[np.ndarray, int]]:
        found: dict[bytes, tuple[np.ndarray, int]] = {}
        for _, keys, vectors in self._shards(encoder_name):
            for row, key in enumerate(keys.tolist()):
                found[key] = (vectors, row)
        return found

    def compact(self, encoder_name: str) -> int:
        """Merge the shards of ``encoder_name`` into one; returns how many shards were merged."""
        shards = self._shards(encoder_name)
        if len(shards) < 2:
            return 0
        merged: dict[bytes, np.ndarray] = {}
        for _, keys, vectors in shards:
            for row, key in enumerate(keys.tolist()):
                merged.setdefault(key, vectors[row])
        self._write_shard(encoder_name, list(merged), np.stack(list(merged.values())), compact=False)
        for keys_file, _, _ in shards:
            keys_file.unlink(missing_ok=True)
            _vectors_file(keys_file).unlink(missing_ok=True)
        return len(shards)

    def embed(
        self,
        encoder: Encoder,
        texts: Sequence[str],
        batch_size: int = 32,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, int]:
        """Vectors of ``texts`` (row-aligned) and how many texts had to be embedded.

        Args:
            encoder: what embeds the texts not in the cache; its batches run on ``embed_pool()`` unless
                it is a ``PooledEncoder`` already (``index.build`` gives one, on its own pool).
            texts: the exact strings to embed.
            batch_size: texts per ``encode`` call.
            progress: called with the number of texts embedded after each batch (for a progress bar).
        """
        if not isinstance(encoder, PooledEncoder):
            encoder = PooledEncoder(encoder, embed_pool(), batch_size, progress)
            progress = None  # the pooled encoder reports each batch
        encoder = with_context_apart(encoder)  # units may hold their context apart (index.encoders)
        keys = [text_key(t) for t in texts]
        name = cache_name(encoder)
        found = self._load(name)
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in found and key not in missing:
                missing[key] = text
        # Longest first, so each batch pads to similar lengths (and the progress bar speeds up, not down).
        todo = sorted(missing.items(), key=lambda item: -len(item[1]))
        if todo:  # in one call: the pooled encoder cuts it into batches and runs them at once
            block = np.asarray(encoder.encode([text for _, text in todo]), dtype=np.float32)
            if progress:
                progress(len(todo))
            new_keys = [key for key, _ in todo]
            self._write_shard(name, new_keys, block)
            for row, key in enumerate(new_keys):
                found[key] = (block, row)
        dim = _dim(found, encoder)
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for i, key in enumerate(keys):
            vectors, row = found[key]
            out[i] = vectors[row]
        return out, len(todo)

    def _write_shard(self, encoder_name: str, keys: list[bytes], vectors: np.ndarray, compact: bool = True) -> None:
        folder = self.folder(encoder_name)
        folder.mkdir(parents=True, exist_ok=True)
        shard = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        for suffix, array in ((".npy", vectors), (".keys.npy", np.array(keys, dtype="S40"))):
            tmp = folder / f".{shard}{suffix}.tmp"
            with open(tmp, "wb") as f:
                np.save(f, array, allow_pickle=False)
            tmp.rename(folder / f"{shard}{suffix}")
        if compact and len(list(folder.glob("*.keys.npy"))) > MAX_SHARDS:
            self.compact(encoder_name)


def _vectors_file(keys_file: Path) -> Path:
    return keys_file.with_name(keys_file.name[: -len(".keys.npy")] + ".npy")


def _dim(found: dict[bytes, tuple[np.ndarray, int]], encoder: Encoder) -> int:
    for vectors, _ in found.values():
        return int(vectors.shape[1])
    return int(encoder.dim)
