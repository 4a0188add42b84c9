"""FAISS index by size, nprobe in the file, memory-mapped loading."""

import faiss
import numpy as np
import pytest

from index.ann import FLAT_MAX_VECTORS, build_ann, factory_for, nlist_for, nprobe_for, read_ann, set_nprobe
from index.types import Chunk
from search.dense import DenseRetriever


def unit_vectors(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def ivf_of(index):
    return faiss.extract_index_ivf(faiss.downcast_index(index.index))


def test_flat_up_to_the_threshold_then_ivf_sq8_with_4_sqrt_n_lists():
    assert factory_for(FLAT_MAX_VECTORS) == "Flat"
    assert factory_for(1_000_000) == "IVF4000,SQ8"
    assert nlist_for(250_000) == 2000
    assert factory_for(400, flat_max=100) == "IVF80,SQ8"


def test_nprobe_is_a_fixed_share_of_the_lists_and_written_by_default():
    assert (nprobe_for(1265), nprobe_for(4000), nprobe_for(10), nprobe_for(1)) == (64, 200, 1, 1)
    assert ivf_of(build_ann(unit_vectors(2000), factory="IVF80,SQ8")).nprobe == 4


def test_ivf_keeps_its_nprobe_and_chunk_ids_through_a_memory_mapped_load(tmp_path):
    vectors = unit_vectors(2000)
    rows = np.arange(2000) // 2  # two vectors a chunk
    index = build_ann(vectors, rows, "IVF16,SQ8", nprobe=16)
    faiss.write_index(index, str(tmp_path / "d.faiss"))
    loaded = read_ann(tmp_path / "d.faiss")
    assert ivf_of(loaded).nprobe == 16 and loaded.ntotal == 2000  # all 16 lists: exact up to SQ8
    _, ids = loaded.search(vectors[[10, 11]], 1)
    assert ids[:, 0].tolist() == [5, 5]  # all lists probed: each vector finds itself, as its chunk row
    set_nprobe(loaded, 4)
    assert ivf_of(loaded).nprobe == 4


def test_flat_index_memory_mapped_gives_the_same_results(tmp_path):
    vectors = unit_vectors(500)
    index = build_ann(vectors, factory="auto")
    faiss.write_index(index, str(tmp_path / "d.faiss"))
    loaded = read_ann(tmp_path / "d.faiss")
    expected, got = index.search(vectors[:5], 3), loaded.search(vectors[:5], 3)
    np.testing.assert_array_equal(expected[1], got[1])
    assert read_ann(tmp_path / "d.faiss", mmap=False).ntotal == 500


def test_filtered_search_over_a_memory_mapped_ivf(tmp_path, hash_encoder):
    texts = [f"食品抽检量达到10批次/千人（{i}）" for i in range(400)] + ["推进绿色工厂建设"]
    chunks = [Chunk(f"c{i}", "big" if i < 400 else "small", "规划", (), t, "s.txt", 0, len(t))
              for i, t in enumerate(texts)]
    faiss.write_index(build_ann(hash_encoder.encode(texts), factory="IVF8,SQ8"), str(tmp_path / "d.faiss"))
    dense = DenseRetriever(read_ann(tmp_path / "d.faiss"), hash_encoder, chunks)
    allowed = np.array([c.doc_id == "small" for c in chunks])
    assert [h.chunk.chunk_id for h in dense.search("食品抽检量", k=5, allowed=allowed)] == ["c400"]


def test_a_factory_faiss_cannot_build_is_a_clear_error():
    with pytest.raises(ValueError, match="Config.faiss_index to 'auto'"):
        build_ann(unit_vectors(10), factory="IVF4096,Flat")


def test_appending_to_a_flat_file_writes_what_faiss_writes_after_adding(tmp_path):
    from index.ann import append_flat_file

    old, new = unit_vectors(300, seed=1), unit_vectors(7, seed=2)
    ids = np.repeat(np.arange(150), 2)  # two windows a chunk
    index = build_ann(old, ids, "Flat")
    faiss.write_index(index, str(tmp_path / "old.faiss"))
    assert append_flat_file(tmp_path / "old.faiss", tmp_path / "new.faiss", new, np.arange(150, 157))
    index.add_with_ids(new, np.arange(150, 157))
    faiss.write_index(index, str(tmp_path / "expected.faiss"))
    assert (tmp_path / "new.faiss").read_bytes() == (tmp_path / "expected.faiss").read_bytes()


def test_appending_to_a_file_of_another_index_type_writes_nothing(tmp_path):
    from index.ann import append_flat_file

    faiss.write_index(build_ann(unit_vectors(2000), factory="IVF8,SQ8"), str(tmp_path / "ivf.faiss"))
    assert not append_flat_file(tmp_path / "ivf.faiss", tmp_path / "new.faiss", unit_vectors(3), np.arange(3))
    assert not (tmp_path / "new.faiss").exists()
