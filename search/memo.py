"""Remembering within one server process: sentence vectors (``RememberingEncoder``) and whole results
(``RememberingEngine``).

Answering a question embeds the candidate sentences of its top passages; across requests they are
the same few thousand corpus sentences again and again. Profiled on the seeds (2 cores): m3e
inference was ~95% of an ask's CPU time (0.6 s a request); remembered, a repeated passage costs a
dictionary look-up. Bounded (least recently used out first) and thread-safe.

A repeated request needs no engine at all: under bench_serve's 50 users (12 Chinese, 6 English and
3 compare questions, 40 quotes) the server spent 0.25 CPU-s a request, nearly all of it the engine's;
with results remembered, 0.016-0.022 (Gradio's own handling of the request is most of what is left).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np


class RememberingEncoder:
    """Wraps an encoder (``name``, ``dim``, ``encode(texts) -> (n, dim) float32``)."""

    def __init__(self, encoder, size: int = 20_000):
        self.encoder = encoder
        self.name = encoder.name
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return self.encoder.dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
            for t in known:
                self._vectors.move_to_end(t)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            fresh = np.asarray(self.encoder.encode(missing), dtype=np.float32)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    self._vectors[text] = known[text] = vector
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([known[t] for t in texts])


def _frozen(value):
    """``value`` as a hashable key part (lists and tuples alike, sets in order); TypeError if it cannot be."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, set | frozenset):
        return tuple(sorted(_frozen(v) for v in value))
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    hash(value)
    return value


class _Pending:
    """A request being answered; others asking the same wait for it instead of computing it again."""

    def __init__(self):
        self.done = threading.Event()
        self.value = None
        self.failed = False


class ResultMemo:
    """Results by request, least recently used out first; one computation per request at a time.

    Concurrent identical requests (a hundred users arriving with the same example question) wait for the
    first one's result rather than each spending the engine's CPU on it. Failures are not remembered.
    """

    def __init__(self, size: int = 2000):
        self.size = size
        self.hits = self.misses = 0
        self._results: OrderedDict = OrderedDict()
        self._pending: dict = {}
        self._lock = threading.Lock()

    def get(self, key, compute):
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                self.hits += 1
                return self._results[key]
            pending = self._pending.get(key)
            owner = pending is None
            if owner:
                pending = self._pending[key] = _Pending()
                self.misses += 1
        if not owner:
            pending.done.wait()
            return compute() if pending.failed else pending.value
        try:
            pending.value = compute()
        except BaseException:
            pending.failed = True
            raise
        else:
            with self._lock:
                self._results[key] = pending.value
                while len(self._results) > self.size:
                    self._results.popitem(last=False)
        finally:
            with self._lock:
                self._pending.pop(key, None)
            pending.done.set()
        return pending.value


class RememberingEngine:
    """An engine whose ``ask``, ``compare``, ``cite`` and ``show`` results are remembered, for one index.

    The engine is read-only and its results are frozen dataclasses, so a repeated request (analysts
    re-ask, a page reload or a shared link asks again) can be answered with the same object. One memo
    belongs to one engine: a rebuilt index is a new engine with an empty memo. Everything else is the
    wrapped engine's.
    """

    # show: a cited passage in context walks the whole chunk table (~10 ms a cite on the seeds' 907)
    REMEMBERED = ("ask", "compare", "cite", "show")

    def __init__(self, engine, size: int = 2000):
        self.engine = engine
        self.memo = ResultMemo(size)

    def __getattr__(self, name: str):
        attribute = getattr(self.engine, name)
        if name not in self.REMEMBERED:
            return attribute

        def remembered(*args, **kwargs):
            try:
                key = (name, _frozen(args), _frozen(kwargs))
            except TypeError:  # an argument that cannot be a key: answer it afresh
                return attribute(*args, **kwargs)
            return self.memo.get(key, lambda: attribute(*args, **kwargs))

        return remembered
