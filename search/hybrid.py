"""Hybrid retrieval: N named channels (bm25, dense, …) searched alike and fused by rank.

Each channel is any object with ``search(query, k, allowed=None) -> list[Hit]``. A channel may get its
own version of the query: ``rewriters[name](query)`` returns the string that channel searches (e.g.
the BM25 channel gets the glossary-expanded query of an English question) or None to skip the
channel for this query (e.g. a Chinese-only encoder for an English question); ``weights`` may likewise
be a function of the query (English questions may weigh channels differently). Fusion is a plain
function over the ranked chunk ids (``fusion.rrf`` by default); every fused ``Hit`` keeps the rank
and score it had in each channel (None where the channel did not return it), so the UI can explain it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

import numpy as np

from search.fusion import rrf
from search.types import Hit

Rewriter = Callable[[str], str | None]
Weights = Mapping[str, float] | Callable[[str], Mapping[str, float]]


class Retriever(Protocol):
    def search(self, query: str, k: int = 10, allowed: np.ndarray | None = None) -> list[Hit]: ...


class HybridRetriever:
    """Channels searched with the same query (or their rewrite of it), fused by rank."""

    def __init__(
        self,
        channels: Mapping[str, Retriever],
        fuse: Callable[..., list[tuple[str, float]]] = rrf,
        weights: Weights | None = None,
        rewriters: Mapping[str, Rewriter] | None = None,
        candidates: int = 100,
        rrf_k: int = 60,
    ):
        """Args:
            channels: name -> retriever; the names are the keys of ``Hit.ranks``.
            fuse: ``fuse(runs, k=rrf_k, weights=[...]) -> [(chunk_id, score)]``, best first.
            weights: per-channel weight (default 1.0), or a function of the query returning them.
            rewriters: per-channel query rewrite; see the module docstring.
            candidates: how deep each channel is searched before fusion.
            rrf_k: the ``k`` of reciprocal rank fusion.
        """
        if not channels:
            raise ValueError("a hybrid retriever needs at least one channel")
        self.channels = dict(channels)
        self.fuse = fuse
        self.weights = weights if callable(weights) else dict(weights or {})
        self.rewriters = dict(rewriters or {})
        self.candidates = candidates
        self.rrf_k = rrf_k

    def queries(self, query: str) -> dict[str, str]:
        """The query each channel will search. Left out: channels whose rewriter returns None and, when
        others remain, channels whose fusion weight for this query is 0 (they could only fill the tail)."""
        out = {}
        for name in self.channels:
            rewrite = self.rewriters.get(name)
            channel_query = rewrite(query) if rewrite else query
            if channel_query is not None:
                out[name] = channel_query
        if len(out) > 1:
            weights = self.weights(query) if callable(self.weights) else self.weights
            out = {name: q for name, q in out.items() if weights.get(name, 1.0) > 0} or out
        return out

    def runs(
        self, query: str, allowed: np.ndarray | None = None, depth: int | None = None
    ) -> dict[str, list[Hit]]:
        """Each channel's own ranked hits (``depth`` deep, default ``candidates``)."""
        depth = depth or self.candidates
        return {
            name: self.channels[name].search(channel_query, depth, allowed=allowed)
            for name, channel_query in self.queries(query).items()
        }

    def search(self, query: str, k: int = 10, allowed: np.ndarray | None = None) -> list[Hit]:
        """The ``k`` best chunks by fused rank, among ``allowed`` rows (bool mask) if given."""
        runs = self.runs(query, allowed, max(self.candidates, k))
        weights = self.weights(query) if callable(self.weights) else self.weights
        return fuse_runs(runs, k, self.fuse, weights, self.rrf_k, names=list(self.channels))


def fuse_runs(
    runs: Mapping[str, list[Hit]],
    k: int,
    fuse: Callable[..., list[tuple[str, float]]] = rrf,
    weights: Mapping[str, float] | None = None,
    rrf_k: int = 60,
    names: list[str] | None = None,
) -> list[Hit]:
    """Fuse per-channel hits into one ranking; ``ranks``/``scores`` name every channel in ``names``."""
    names = names or list(runs)
    weights = weights or {}
    by_id: dict[str, Hit] = {}
    ranks: dict[str, dict[str, int]] = {name: {} for name in runs}
    scores: dict[str, dict[str, float]] = {name: {} for name in runs}
    for name, hits in runs.items():
        for hit in hits:
            cid = hit.chunk.chunk_id
            by_id.setdefault(cid, hit)
            ranks[name][cid] = hit.rank
            scores[name][cid] = hit.score
    ids = [[h.chunk.chunk_id for h in hits] for hits in runs.values()]
    fused = fuse(ids, k=rrf_k, weights=[weights.get(name, 1.0) for name in runs])
    return [
        Hit(
            chunk=by_id[cid].chunk,
            score=float(score),
            rank=rank,
            ranks={name: ranks.get(name, {}).get(cid) for name in names},
            scores={name: scores.get(name, {}).get(cid) for name in names},
        )
        for rank, (cid, score) in enumerate(fused[:k], start=1)
    ]
