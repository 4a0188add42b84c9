"""The FAISS index of a dense channel, chosen by size, and its memory-mapped loading.

``factory_for(n)``: exact ``Flat`` search up to ``FLAT_MAX_VECTORS`` vectors, then ``IVF{nlist},SQ8``
with ``nlist`` ≈ 4·√n (the FAISS guidelines' 4–16·√n, at the low end so each probed list is long
enough to be worth scanning) and ``nprobe`` set in the file. Inner product over L2-normalised vectors
(cosine). SQ8 keeps 1 byte a dimension (a quarter of Flat) with recall close to Flat's; PQ without
re-ranking lost too much (recall@10 0.31 at IVF,PQ64 over 200k × 512), HNSW32 (0.26 ms, recall 0.966)
took ~84 s to build per 200k vectors on one thread. ``benchmarks/bench_scale.py`` measures
recall@10 against Flat and the query time of each.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

# Exact search stays under ~35 ms a query up to here (200k × 512 Flat, one thread: 34.5 ms); beyond, a
# query of a hybrid search would pay more than the 100 ms budget at 1M (≈170 ms).
FLAT_MAX_VECTORS = 200_000
# Lists probed per query, as a share of the lists: recall depends on the share of the corpus scanned.
# bench_scale, 100k clustered vectors, IVF1265,SQ8, dev questions: recall@10 against Flat 0.853 / 0.909 /
# 0.938 / 0.965 at nprobe 8 / 16 / 32 / 64 (64 = 5% of the lists), 0.35–1.1 ms a query (Flat 32.5 ms).
# 1M, IVF4000,SQ8: 0.906 / 0.953 / 0.968 / 0.971 at nprobe 8 / 16 / 64 / 200 (5%), 0.8 / 1.1 / 3.2 / 9.8 ms
# (Flat 161 ms); 500 vectors drawn like the corpus's: 0.968 from nprobe 8 on (SQ8's own loss).
PROBE_SHARE = 0.05
# Vectors used to train the coarse quantiser and the SQ8 ranges: FAISS warns below 39 per list. At 1M
# (256k training vectors, 4000 lists, one thread) training and adding took 277 s of a 1,492 s build.
TRAIN_PER_LIST = 64
AUTO = "auto"


def nlist_for(n: int) -> int:
    return max(1, int(round(4 * math.sqrt(n))))


def nprobe_for(nlist: int) -> int:
    """Lists an IVF index of ``nlist`` lists probes per query (``PROBE_SHARE`` of them)."""
    return max(1, min(nlist, math.ceil(PROBE_SHARE * nlist)))


def factory_for(n: int, flat_max: int = FLAT_MAX_VECTORS) -> str:
    """The ``faiss.index_factory`` string for ``n`` vectors."""
    return "Flat" if n <= flat_max else f"IVF{nlist_for(n)},SQ8"


def build_ann(vectors: np.ndarray, ids: np.ndarray | None = None, factory: str = AUTO,
              nprobe: int | None = None, seed: int = 0):
    """An inner-product FAISS index over ``vectors`` whose ids are ``ids`` (chunk rows).

    Args:
        vectors: one L2-normalised row per embedded unit.
        ids: the chunk row of each vector (several may share one); default ``0..n-1``.
        factory: ``"auto"`` (``factory_for``) or a ``faiss.index_factory`` string ("Flat", "IVF1024,SQ8").
        nprobe: IVF lists searched per query, written into the file (default ``nprobe_for(nlist)``).
        seed: of the training sample.

    Raises:
        ValueError: the factory string cannot be built over these vectors (the message says what to set).
    """
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    ids = np.arange(len(vectors), dtype=np.int64) if ids is None else np.ascontiguousarray(ids, dtype=np.int64)
    factory = factory_for(len(vectors)) if factory == AUTO else factory
    try:
        inner = faiss.index_factory(vectors.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
        if not inner.is_trained:
            ivf = faiss.try_extract_index_ivf(inner)
            size = len(vectors) if ivf is None else min(len(vectors), TRAIN_PER_LIST * ivf.nlist)
            rows = np.random.default_rng(seed).choice(len(vectors), size=size, replace=False)
            inner.train(vectors[np.sort(rows)])
        ivf = faiss.try_extract_index_ivf(inner)
        if ivf is not None:
            ivf.nprobe = nprobe_for(ivf.nlist) if nprobe is None else min(nprobe, ivf.nlist)
        index = faiss.IndexIDMap(inner)
        index.add_with_ids(vectors, ids)
    except RuntimeError as exc:
        raise ValueError(
            f"cannot build FAISS index {factory!r} over {len(vectors)} vectors ({exc}); "
            "set Config.faiss_index to 'auto' or 'Flat'"
        ) from exc
    return index


def set_nprobe(index, nprobe: int) -> None:
    """Lists probed per query of an IVF index (no-op for others)."""
    import faiss

    inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap) else index
    ivf = faiss.try_extract_index_ivf(inner)
    if ivf is not None:
        ivf.nprobe = min(nprobe, ivf.nlist)


def read_ann(path: str | Path, mmap: bool = True):
    """Read a FAISS file, memory-mapped when ``mmap``: the vectors or codes stay in the page cache,
    shared between processes, instead of being copied onto each process's heap.

    Falls back to an ordinary read for index types FAISS cannot map.
    """
    import faiss

    if mmap:
        flags = faiss.IO_FLAG_MMAP | getattr(faiss, "IO_FLAG_MMAP_IFC", 0) | faiss.IO_FLAG_READ_ONLY
        try:
            return faiss.read_index(str(path), flags)
        except RuntimeError:
            pass
    return faiss.read_index(str(path))
