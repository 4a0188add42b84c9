"""Dense retrieval: FAISS inner product over L2-normalised vectors (cosine similarity).

The FAISS ids are chunk rows; a chunk may have several vectors (its sentence windows, see
``index.build.dense_units``) and scores as its best one.
"""

from __future__ import annotations

import numpy as np

from index.encoders import Encoder, compute_threads, embedding_text
from index.store import vector_rows
from index.types import Chunk
from search.query import Query, channel_text
from search.types import Hit


def search_parameters(allowed_rows: np.ndarray):
    """FAISS search parameters that restrict an exact search to the vectors of ``allowed_rows``.

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
            index: a FAISS index whose ids are rows of ``chunks`` (``index.build.build_faiss``).
            encoder: the encoder that embedded the chunks (it embeds the query too).
            chunks: the passages.
            name: the channel name used in ``Hit.ranks``.
        """
        import faiss

        faiss.omp_set_num_threads(compute_threads())  # one query at a time: threads only spin (see there)
        self.rows = vector_rows(index)
        if len(np.unique(self.rows)) != len(chunks) or (len(self.rows) and self.rows.max() >= len(chunks)):
            raise ValueError(f"FAISS index holds {index.ntotal} vectors that do not cover the {len(chunks)} chunks")
        self.index = index
        self.encoder = encoder
        self.chunks = chunks
        self.name = name
        self._inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap) else index
        self._exact = isinstance(self._inner, faiss.IndexFlat)
        self._per_chunk = int(np.bincount(self.rows).max()) if len(self.rows) else 1
        ivf = None if self._exact else faiss.try_extract_index_ivf(self._inner)
        if ivf is not None:
            ivf.make_direct_map()  # so filtered searches can reconstruct the allowed vectors

    def search(self, query: str | Query, k: int = 10, allowed: np.ndarray | None = None) -> list[Hit]:
        """The ``k`` chunks most similar to ``query``, among ``allowed`` rows (bool mask) if given."""
        query = channel_text(query, self.name)
        if query is None:
            return []
        allowed_rows = None if allowed is None else np.flatnonzero(allowed)
        k = min(k, len(self.chunks) if allowed_rows is None else len(allowed_rows))
        if k <= 0 or not query.strip():
            return []
        vector = np.ascontiguousarray(self.encoder.encode([embedding_text(query)]), dtype=np.float32)
        if allowed_rows is None or self._exact:
            params = None if allowed_rows is None else search_parameters(allowed_rows)
            best = self._search_index(vector, k, params)
        else:
            # HNSW/IVF with a selector lose results when few rows are allowed (the graph or the probed
            # lists miss them): score the allowed rows' vectors exactly instead.
            positions = np.flatnonzero(np.isin(self.rows, allowed_rows))
            sims = self._inner.reconstruct_batch(positions.astype(np.int64)) @ vector[0]
            best = _best_per_row(sims, self.rows[positions])
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [
            Hit(chunk=self.chunks[row], score=score, rank=rank, ranks={self.name: rank}, scores={self.name: score})
            for rank, (row, score) in enumerate(ranked, start=1)
        ]

    def _search_index(self, vector: np.ndarray, k: int, params) -> dict[int, float]:
        """Best score per chunk row over the nearest vectors, fetching deeper until ``k`` rows are found."""
        fetch = min(self.index.ntotal, k * min(self._per_chunk, 4) + 16)
        while True:
            scores, ids = self.index.search(vector, fetch, params=params)
            found = ids[0] >= 0
            best = _best_per_row(scores[0][found], ids[0][found])
            if len(best) >= k or fetch >= self.index.ntotal or not found.all():
                return best
            fetch = min(self.index.ntotal, fetch * 4)


def _best_per_row(scores: np.ndarray, rows: np.ndarray) -> dict[int, float]:
    best: dict[int, float] = {}
    for score, row in zip(scores.tolist(), rows.tolist(), strict=True):
        if score > best.get(row, -np.inf):
            best[row] = score
    return best


def sentence_encoder_for(stored, encoders, text: str) -> Encoder | None:
    """The encoder that compares ``text`` with candidate sentences: the index's m3e for a Chinese
    question, USE multilingual otherwise (``encoders``: the engine's overrides per channel)."""
    from index.backend import dense_entries
    from index.encoders import get_encoder
    from search.language import detect_language

    channels = ("dense", "use") if detect_language(text) == "zh" else ("use",)
    for channel in channels:
        dense = dense_entries(stored).get(channel)
        if dense is not None:
            return encoders.get(channel) or get_encoder(dense.encoder)
    # an English question against a Chinese-only index: the multilingual encoder still compares
    # the question with a few candidate sentences (no index needed for that)
    return None if channels[0] == "dense" else encoders.get("use") or get_encoder(stored.config.use_encoder)
