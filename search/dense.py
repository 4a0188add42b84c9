"""Dense retrieval: FAISS inner product over L2-normalised vectors (cosine similarity)."""

from __future__ import annotations

import numpy as np

from index.encoders import Encoder, embedding_text
from index.types import Chunk, Hit


def is_exact(index) -> bool:
    import faiss

    return isinstance(index, faiss.IndexFlat)


def search_parameters(index, allowed_rows: np.ndarray):
    """FAISS search parameters that restrict an exact search to ``allowed_rows`` (ids = chunk rows).

    The selector acts inside the search, so a filter gets its full ``k`` even when the allowed rows
    are far down the global ranking.
    """
    import faiss

    selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed_rows, dtype=np.int64))
    params = faiss.SearchParameters(sel=selector)
    params.selector_ref = selector  # the SWIG object must outlive the search
    return params


class DenseRetriever:
    """Nearest chunks to the query's embedding."""

    def __init__(self, index, encoder: Encoder, chunks: list[Chunk], name: str = "dense"):
        """Args:
            index: a FAISS index whose id i is ``chunks[i]``.
            encoder: the encoder that embedded the chunks (it embeds the query too).
            chunks: the passages.
            name: the channel name used in ``Hit.ranks``.
        """
        if index.ntotal != len(chunks):
            raise ValueError(f"FAISS index holds {index.ntotal} vectors, got {len(chunks)} chunks")
        self.index = index
        self.encoder = encoder
        self.chunks = chunks
        self.name = name
        self._exact = is_exact(index)
        if not self._exact:
            import faiss

            ivf = faiss.try_extract_index_ivf(index)
            if ivf is not None:
                ivf.make_direct_map()  # so filtered searches can reconstruct the allowed vectors

    def search(self, query: str, k: int = 10, allowed: np.ndarray | None = None) -> list[Hit]:
        """The ``k`` chunks most similar to ``query``, among ``allowed`` rows (bool mask) if given."""
        rows = None if allowed is None else np.flatnonzero(allowed)
        k = min(k, len(self.chunks) if rows is None else len(rows))
        if k <= 0 or not query.strip():
            return []
        vector = np.ascontiguousarray(self.encoder.encode([embedding_text(query)]), dtype=np.float32)
        if rows is None:
            scores, ids = self.index.search(vector, k)
        elif self._exact:
            scores, ids = self.index.search(vector, k, params=search_parameters(self.index, rows))
        else:
            # HNSW/IVF with a selector lose results when few rows are allowed (the graph or the
            # probed lists miss them): score the allowed subset exactly instead.
            subset = self.index.reconstruct_batch(rows.astype(np.int64))
            sims = subset @ vector[0]
            best = np.lexsort((rows, -sims))[:k]
            scores, ids = sims[best][None, :], rows[best][None, :]
        hits = []
        for score, row in zip(scores[0].tolist(), ids[0].tolist(), strict=True):
            if row < 0:  # fewer results than k (approximate indexes)
                continue
            rank = len(hits) + 1
            hits.append(Hit(chunk=self.chunks[row], score=float(score), rank=rank,
                            ranks={self.name: rank}, scores={self.name: float(score)}))
        return hits
