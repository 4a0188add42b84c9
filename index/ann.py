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
import os
import struct
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


_FLAT_IDMAP = (b"IxMp", b"IxFI")  # IndexIDMap over IndexFlatIP: what build_ann makes up to FLAT_MAX_VECTORS
_HEADER = struct.Struct("<iqqq?i")  # d, ntotal, two unused sizes, is_trained, metric (inner product: 0)


def append_flat_file(source: str | Path, target: str | Path, vectors: np.ndarray, ids: np.ndarray) -> bool:
    """Write to ``target`` the FAISS file of ``source`` (an ``IndexIDMap`` over ``IndexFlatIP``) with
    ``vectors`` added under ``ids``, without loading it: the headers with the new count, the old vectors
    and ids copied file to file by the kernel (``os.copy_file_range``), the new ones after each.

    FAISS keeps this layout (``faiss/impl/index_write.cpp``): "IxMp", header, "IxFI", header, the number of
    floats and the floats, the number of ids and the ids. At 100k × 512 it writes the 205 MB file without
    the ~1 GB of copies that reading it, adding and writing it again through FAISS took (0.9 CPU-s).

    Returns:
        False, with nothing written, when ``source`` is not laid out that way (another index type or
        version): then add through FAISS. The file written is read back (memory-mapped) and checked.
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    with open(source, "rb") as f:
        head = f.read(2 * (4 + _HEADER.size) + 8)
        size = os.fstat(f.fileno()).st_size
    if len(head) < 2 * (4 + _HEADER.size) + 8 or (head[:4], head[4 + _HEADER.size:8 + _HEADER.size]) != _FLAT_IDMAP:
        return False
    outer = _HEADER.unpack_from(head, 4)
    inner = _HEADER.unpack_from(head, 8 + _HEADER.size)
    (floats,) = struct.unpack_from("<Q", head, 8 + 2 * _HEADER.size)
    d, n = outer[0], outer[1]
    start = len(head)  # of the old vectors
    if (inner[:2] != (d, n) or outer[5] != 0 or inner[5] != 0 or floats != n * d or vectors.shape[1:] != (d,)
            or size != start + 4 * floats + 8 + 8 * n or len(vectors) != len(ids)):
        return False
    total = n + len(vectors)
    with open(source, "rb") as old, open(target, "wb") as new:
        for header in (outer, inner):
            new.write((b"IxMp" if header is outer else b"IxFI") + _HEADER.pack(d, total, *header[2:]))
        new.write(struct.pack("<Q", total * d))
        new.flush()
        _copy(old, new, start, 4 * floats)
        new.write(vectors.tobytes())
        new.write(struct.pack("<Q", total))
        new.flush()
        _copy(old, new, start + 4 * floats + 8, 8 * n)
        new.write(ids.tobytes())
    index = read_ann(target)
    import faiss

    rows = faiss.vector_to_array(index.id_map) if isinstance(index, faiss.IndexIDMap) else None
    if (index.ntotal != total or index.d != d or rows is None or not np.array_equal(rows[n:], ids)
            or (len(vectors) and not np.array_equal(index.index.reconstruct(total - 1), vectors[-1]))):
        raise ValueError(f"{target}: the FAISS file written does not read back as written; rebuild with "
                         "`planqa build`")
    return True


def _copy(source, target, offset: int, count: int) -> None:
    """``count`` bytes of ``source`` from ``offset`` to the end of ``target`` (both open files)."""
    at = target.tell()
    if not hasattr(os, "copy_file_range"):  # not Linux: through this process
        source.seek(offset)
        while count > 0:
            block = source.read(min(count, 1 << 24))
            if not block:
                raise OSError(f"{source.name} ended with {count} bytes left to copy")
            target.write(block)
            count -= len(block)
        return
    while count > 0:
        done = os.copy_file_range(source.fileno(), target.fileno(), count, offset, at)
        if done <= 0:
            raise OSError(f"copying {source.name} stopped with {count} bytes left")
        offset, at, count = offset + done, at + done, count - done
    target.seek(at)
