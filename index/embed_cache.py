"""Embedding cache: an unchanged corpus re-embeds nothing, one new document embeds only its chunks.

Keyed by (encoder name, sha1 of the exact embedded string). Per encoder a folder of shards, each two
``np.save`` files written with ``allow_pickle=False``: ``<shard>.npy`` (float32, one row per text) and
``<shard>.keys.npy`` (the sha1 digests, ``S40``). A build appends at most one shard per encoder; shard
names are unique per process, and a shard counts only once its keys file exists (written last, by
rename), so concurrent builds and interrupted ones never corrupt what is there.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from index.encoders import Encoder


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

    def _load(self, encoder_name: str) -> dict[bytes, tuple[np.ndarray, int]]:
        found: dict[bytes, tuple[np.ndarray, int]] = {}
        folder = self.folder(encoder_name)
        if not folder.is_dir():
            return found
        for keys_file in sorted(folder.glob("*.keys.npy")):
            try:
                keys = np.load(keys_file, allow_pickle=False)
                vectors = np.load(keys_file.with_name(keys_file.name[: -len(".keys.npy")] + ".npy"),
                                  allow_pickle=False, mmap_mode="r")
            except (OSError, ValueError):
                continue  # a shard being written or damaged: its texts are simply embedded again
            if vectors.ndim != 2 or len(vectors) != len(keys):
                continue
            for row, key in enumerate(keys.tolist()):
                found[key] = (vectors, row)
        return found

    def embed(
        self,
        encoder: Encoder,
        texts: Sequence[str],
        batch_size: int = 32,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, int]:
        """Vectors of ``texts`` (row-aligned) and how many texts had to be embedded.

        Args:
            encoder: what embeds the texts not in the cache.
            texts: the exact strings to embed.
            batch_size: texts per ``encode`` call.
            progress: called with the number of texts embedded after each batch (for a progress bar).
        """
        keys = [text_key(t) for t in texts]
        found = self._load(encoder.name)
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in found and key not in missing:
                missing[key] = text
        # Longest first, so each batch pads to similar lengths (and the progress bar speeds up, not down).
        todo = sorted(missing.items(), key=lambda item: -len(item[1]))
        new_vectors: list[np.ndarray] = []
        for i in range(0, len(todo), batch_size):
            batch = [text for _, text in todo[i:i + batch_size]]
            new_vectors.append(np.asarray(encoder.encode(batch), dtype=np.float32))
            if progress:
                progress(len(batch))
        if todo:
            block = np.concatenate(new_vectors)
            new_keys = [key for key, _ in todo]
            self._write_shard(encoder.name, new_keys, block)
            for row, key in enumerate(new_keys):
                found[key] = (block, row)
        dim = _dim(found, encoder)
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for i, key in enumerate(keys):
            vectors, row = found[key]
            out[i] = vectors[row]
        return out, len(todo)

    def _write_shard(self, encoder_name: str, keys: list[bytes], vectors: np.ndarray) -> None:
        folder = self.folder(encoder_name)
        folder.mkdir(parents=True, exist_ok=True)
        shard = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        for suffix, array in ((".npy", vectors), (".keys.npy", np.array(keys, dtype="S40"))):
            tmp = folder / f".{shard}{suffix}.tmp"
            with open(tmp, "wb") as f:
                np.save(f, array, allow_pickle=False)
            tmp.rename(folder / f"{shard}{suffix}")


def _dim(found: dict[bytes, tuple[np.ndarray, int]], encoder: Encoder) -> int:
    for vectors, _ in found.values():
        return int(vectors.shape[1])
    return int(encoder.dim)
