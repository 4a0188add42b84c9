"""Reciprocal rank fusion against hand-computed scores (Cormack et al., SIGIR 2009)."""

import pytest

from search.fusion import rrf


def test_rrf_matches_hand_computed_scores():
    runs = [["a", "b", "c"], ["b", "d", "a"]]
    fused = dict(rrf(runs, k=60))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 63)
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["c"] == pytest.approx(1 / 63)
    assert fused["d"] == pytest.approx(1 / 62)
    assert [item for item, _ in rrf(runs, k=60)] == ["b", "a", "d", "c"]


def test_rrf_weights_scale_each_run():
    runs = [["a", "b"], ["b", "a"]]
    fused = rrf(runs, k=1, weights=[2.0, 1.0])
    assert fused == [("a", pytest.approx(2 / 2 + 1 / 3)), ("b", pytest.approx(2 / 3 + 1 / 2))]


def test_rrf_ties_go_to_the_better_best_rank_then_first_seen():
    assert [i for i, _ in rrf([["x", "y"], ["y", "x"]])] == ["x", "y"]  # same score: x seen first
    assert [i for i, _ in rrf([["p"], ["q"]])] == ["p", "q"]


def test_rrf_edge_cases():
    assert rrf([]) == []
    assert rrf([[], []]) == []
    assert rrf([["only"]], k=0) == [("only", 1.0)]
    with pytest.raises(ValueError, match="2 weights for 1 runs"):
        rrf([["a"]], weights=[1, 2])
