"""top_k without a mask (sampled threshold) returns exactly the best k, ties by lower row."""

import numpy as np
import pytest

from search.lexical import SAMPLE_STEP, top_k


@pytest.mark.parametrize("seed", range(6))
def test_sampled_selection_equals_the_full_one(seed):
    rng = np.random.default_rng(seed)
    n = 4 * SAMPLE_STEP * 10 + int(rng.integers(5000))
    scores = rng.choice(np.array([0, 0, 0, 0.5, 1.25, 2.0, 7.5], dtype=np.float32), size=n)  # many ties
    scores[rng.integers(n, size=3)] = rng.random(3).astype(np.float32) * 10
    order = np.lexsort((np.arange(n), -scores))  # every row, best first, ties by lower row
    for k in (1, 10, 25):
        assert top_k(scores, k).tolist() == order[:k].tolist()
        assert top_k(scores, k, positive=True).tolist() == [r for r in order[:k].tolist() if scores[r] > 0]


def test_few_positive_scores_are_all_returned_best_first():
    scores = np.zeros(100_000, dtype=np.float32)
    scores[[70_001, 5, 99_999]] = [1.5, 3.0, 1.5]
    assert top_k(scores, 10, positive=True).tolist() == [5, 70_001, 99_999]
    assert top_k(scores, 2).tolist() == [5, 70_001]
