"""Hybrid retrieval: N named channels (bm25, dense, …) searched alike and fused by rank.

Each channel is any object with ``search(query, k, allowed=None) -> list[Hit]``. The query is a
:class:`~search.query.Query` made once per question: it says which string each channel searches (e.g.
the BM25 channel gets the glossary-expanded query of an English question) or that a channel is skipped
(a Chinese-only encoder for an English question), and the fusion weights for this question. Fusion is
a plain function over the ranked chunk ids (``fusion.rrf`` by default); every fused ``Hit`` keeps the
rank and score it had in each channel (None where the channel did not return it), so the UI can
explain it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

import numpy as np

from search.fusion import rrf
from search.query import Query, as_query
from search.types import Hit


class Retriever(Protocol):
    def search(self, query: str | Query, k: int = 10, allowed: np.ndarray | None = None) -> list[Hit]: ...


class HybridRetriever:
    """Channels searched with the query's string for each, fused by rank."""

    def __init__(
        self,
        channels: Mapping[str, Retriever],
        fuse: Callable[..., list[tuple[str, float]]] = rrf,
        weights: Mapping[str, float] | None = None,
        candidates: int = 100,
        rrf_k: int = 60,
    ):
        """Args:
            channels: name -> retriever; the names are the keys of ``Hit.ranks``.
            fuse: ``fuse(runs, k=rrf_k, weights=[...]) -> [(chunk_id, score)]``, best first.
            weights: per-channel weight (default 1.0) for queries that carry none of their own.
            candidates: how deep each channel is searched before fusion.
            rrf_k: the ``k`` of reciprocal rank fusion.
        """
        if not channels:
            raise ValueError("a hybrid retriever needs at least one channel")
        self.channels = dict(channels)
        self.fuse = fuse
        self.weights = dict(weights or {})
        self.candidates = candidates
        self.rrf_k = rrf_k

    def weights_for(self, query: Query) -> Mapping[str, float]:
        return query.weights or self.weights

    def searched(self, query: Query) -> list[str]:
        """The channels this query searches. Left out: channels the query skips and, when others remain,
        channels whose fusion weight for this query is 0 (they could only fill the tail)."""
        names = [name for name in self.channels if query.for_channel(name) is not None]
        if len(names) > 1:
            weights = self.weights_for(query)
            names = [name for name in names if weights.get(name, 1.0) > 0] or names
        return names

    def runs(
        self, query: str | Query, allowed: np.ndarray | None = None, depth: int | None = None
    ) -> dict[str, list[Hit]]:
        """Each channel's own ranked hits (``depth`` deep, default ``candidates``)."""
        query = as_query(query)
        depth = depth or self.candidates
        return {name: self.channels[name].search(query, depth, allowed=allowed) for name in self.searched(query)}

    def search(self, query: str | Query, k: int = 10, allowed: np.ndarray | None = None) -> list[Hit]:
        """The ``k`` best chunks by fused rank, among ``allowed`` rows (bool mask) if given."""
        query = as_query(query)
        runs = self.runs(query, allowed, max(self.candidates, k))
        return fuse_runs(runs, k, self.fuse, self.weights_for(query), self.rrf_k, names=list(self.channels))


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
