"""Rank fusion: pure functions over ranked lists of ids."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

Id = TypeVar("Id", bound=Hashable)


def rrf(
    runs: Sequence[Sequence[Id]], k: int = 60, weights: Sequence[float] | None = None
) -> list[tuple[Id, float]]:
    """Reciprocal rank fusion: ``score(d) = Σ_r w_r / (k + rank_r(d))``, ranks starting at 1.

    Cormack, Clarke & Büttcher, "Reciprocal Rank Fusion outperforms Condorcet and individual Rank
    Learning Methods", SIGIR 2009; k = 60 is their value. Weights (default 1 each) scale the runs.

    Args:
        runs: one ranked list of ids per retriever, best first; an id appears at most once per run.
        k: the constant that damps the weight of top ranks.
        weights: one weight per run.

    Returns:
        ``(id, score)`` pairs, best first. Ties go to the id with the better best rank, then to the
        id seen first (runs in order, ranks in order), so the result is deterministic.
    """
    if weights is None:
        weights = [1.0] * len(runs)
    if len(weights) != len(runs):
        raise ValueError(f"rrf: {len(weights)} weights for {len(runs)} runs")
    scores: dict[Id, float] = {}
    best: dict[Id, int] = {}
    for run, weight in zip(runs, weights, strict=True):
        for rank, item in enumerate(run, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            best[item] = min(best.get(item, rank), rank)
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], best[pair[0]], order[pair[0]]))
