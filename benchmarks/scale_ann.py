"""Recall@10 of an ANN index against exact (Flat) search, and an nprobe sweep, for ``bench_scale``."""

from __future__ import annotations

import time

import numpy as np


def exact_top10(vectors: np.ndarray, *queries: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """Flat (exact) top-10 rows of each query of each set, and ms a query."""
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    out = []
    for batch in queries:
        started = time.perf_counter()
        _, exact = flat.search(batch, 10)
        out.append((exact, (time.perf_counter() - started) * 1000 / len(batch)))
    return out


def recall_at_10(index, queries: np.ndarray, exact: np.ndarray) -> tuple[float, float]:
    """Top-10 overlap of ``index`` with ``exact``, and ms a query."""
    started = time.perf_counter()
    _, approx = index.search(queries, 10)
    ms = (time.perf_counter() - started) * 1000 / len(queries)
    return round(float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx, strict=True)])), 4), ms


def ivf_sweep(ivf, queries: np.ndarray, exact: np.ndarray, default: int) -> dict:
    """Recall@10 against Flat and ms a query of an IVF index at several nprobe (``index.ann.PROBE_SHARE``
    is chosen from these); the index is left at ``default``."""
    import faiss

    from index.ann import set_nprobe

    nlist = faiss.extract_index_ivf(faiss.downcast_index(ivf.index)).nlist
    out = {}
    for nprobe in sorted({8, 16, 32, 64, 128, 256, default, max(1, nlist // 40), max(1, nlist // 10)}):
        set_nprobe(ivf, nprobe)
        recall, ms = recall_at_10(ivf, queries, exact)
        out[f"nprobe_{nprobe}"] = {"recall_at_10": recall, "ms": round(ms, 2)}
    set_nprobe(ivf, default)
    return out
