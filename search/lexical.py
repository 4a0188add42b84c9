"""BM25 over jieba tokens of the normalised key (bm25s, Lucene variant)."""

from __future__ import annotations

import numpy as np

from index.tokenize import Tokenizer
from index.types import Chunk
from search.query import Query, channel_text
from search.types import Hit


def top_k(
    scores: np.ndarray, k: int, allowed: np.ndarray | None = None, positive: bool = False
) -> np.ndarray:
    """Row ids of the ``k`` best scores, best first, among ``allowed`` rows (and > 0 if ``positive``).

    The mask is applied to the whole score vector before selection, so a filter never starves the
    result the way truncating a global top-k afterwards would.
    """
    if allowed is None and k > 0 and len(scores) >= 4 * SAMPLE_STEP * k:
        return _top_k_sampled(scores, k, positive)
    keep = np.ones(len(scores), dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool).copy()
    if positive:
        keep &= scores > 0
    rows = np.flatnonzero(keep)
    if len(rows) == 0 or k <= 0:
        return rows[:0]
    if len(rows) > k:
        # every row tied with the k-th best stays a candidate, so ties go to the lower row, not to
        # whichever one argpartition happened to keep
        kth = np.partition(scores[rows], len(rows) - k)[len(rows) - k]
        rows = rows[scores[rows] >= kth]
    # stable on ties: lower row id (earlier in the corpus) first
    return rows[np.lexsort((rows, -scores[rows]))][:k]


# Without a mask, candidates are the scores at or above the k-th best of every SAMPLE_STEP-th score: at
# least k scores pass (those k of the sample), so the top k are among them, ties included. Over 1M BM25
# scores (synthetic corpus, dev questions) the selection took 15 of the 20 ms of a search with
# argpartition over every positive row; a comparison and ~k·SAMPLE_STEP candidates cost ~1 ms.
SAMPLE_STEP = 64


def _top_k_sampled(scores: np.ndarray, k: int, positive: bool) -> np.ndarray:
    sample = scores[::SAMPLE_STEP]
    threshold = np.partition(sample, len(sample) - k)[len(sample) - k]
    rows = np.flatnonzero(scores > 0) if positive and threshold <= 0 else np.flatnonzero(scores >= threshold)
    if positive:
        rows = rows[scores[rows] > 0]
    return rows[np.lexsort((rows, -scores[rows]))][:k]


class LexicalRetriever:
    """BM25 over the chunks of an index; ``search`` tokenizes the query the way passages were."""

    name = "bm25"

    def __init__(self, bm25, tokenizer: Tokenizer, chunks: list[Chunk], name: str = "bm25"):
        """Args:
            bm25: a ``bm25s.BM25`` indexed over ``chunks`` in order (doc i = chunk i).
            tokenizer: the tokenizer the index was built with.
            chunks: the passages.
            name: the channel name used in ``Hit.ranks``.
        """
        if bm25.scores["num_docs"] != len(chunks):
            raise ValueError(f"BM25 index holds {bm25.scores['num_docs']} passages, got {len(chunks)} chunks")
        self.bm25 = bm25
        self.tokenizer = tokenizer
        self.chunks = chunks
        self.name = name

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for ``query`` (zeros when no query token is in the vocabulary)."""
        ids = self.bm25.get_tokens_ids(self.tokenizer.tokenize(query))
        if not ids:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return self.bm25.get_scores_from_ids(ids)

    def search(self, query: str | Query, k: int = 10, allowed: np.ndarray | None = None) -> list[Hit]:
        """The ``k`` best chunks that share a token with ``query``, among ``allowed`` rows (bool mask)."""
        query = channel_text(query, self.name)
        if query is None:
            return []
        scores = self.scores(query)
        rows = top_k(scores, k, allowed, positive=True)
        return [
            Hit(chunk=self.chunks[row], score=float(scores[row]), rank=rank,
                ranks={self.name: rank}, scores={self.name: float(scores[row])})
            for rank, row in enumerate(rows.tolist(), start=1)
        ]
