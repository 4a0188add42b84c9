"""Dense retrieval over FAISS inner product, with filters inside the search (Flat, HNSW, IVF)."""

import numpy as np
import pytest

from index.build import build_faiss
from index.types import Chunk
from search.dense import DenseRetriever

TEXTS = [
    "食用农产品和食品抽检量达到10批次/千人",
    "城市空气质量优良天数比率达到90%以上",
    "持续优化营商环境，推行告知承诺制",
    "推进绿色工厂建设，累计建成国家级绿色工厂44家",
]


def chunks_of(texts, doc_ids=None):
    doc_ids = doc_ids or ["d"] * len(texts)
    return [Chunk(f"c{i}", d, "规划", (), t, "s.txt", 0, len(t)) for i, (t, d) in enumerate(zip(texts, doc_ids))]


def test_nearest_passage_first(hash_encoder):
    dense = DenseRetriever(build_faiss(hash_encoder.encode(TEXTS)), hash_encoder, chunks_of(TEXTS))
    hits = dense.search("食品抽检量", k=2)
    assert len(hits) == 2 and hits[0].chunk.chunk_id == "c0"
    assert hits[0].ranks == {"dense": 1} and hits[0].rank == 1
    assert hits[0].score == pytest.approx(float(hash_encoder.encode(["食品抽检量"])[0] @ hash_encoder.encode(TEXTS)[0]))
    assert dense.search("食品抽检量", k=10)[-1].rank == 4  # k larger than the corpus: all of it


def test_query_in_traditional_characters_meets_simplified_passages(hash_encoder):
    dense = DenseRetriever(build_faiss(hash_encoder.encode(TEXTS)), hash_encoder, chunks_of(TEXTS))
    assert dense.search("綠色工廠", k=1)[0].chunk.chunk_id == "c3"


@pytest.mark.parametrize("factory", ["Flat", "HNSW16", "IVF4,Flat"])
def test_filter_is_applied_inside_the_search(hash_encoder, factory):
    # 300 near-copies of the query in doc "big" and one distant passage in doc "small"
    texts = [f"食品抽检量达到10批次/千人（{i}）" for i in range(300)] + ["推进绿色工厂建设"]
    chunks = chunks_of(texts, ["big"] * 300 + ["small"])
    dense = DenseRetriever(build_faiss(hash_encoder.encode(texts), factory), hash_encoder, chunks)
    allowed = np.array([c.doc_id == "small" for c in chunks])
    hits = dense.search("食品抽检量", k=5, allowed=allowed)
    assert [h.chunk.chunk_id for h in hits] == ["c300"]
    assert dense.search("食品抽检量", k=5, allowed=np.zeros(len(chunks), dtype=bool)) == []


def test_empty_query_and_mismatched_index(hash_encoder):
    index = build_faiss(hash_encoder.encode(TEXTS))
    assert DenseRetriever(index, hash_encoder, chunks_of(TEXTS)).search("  ", k=3) == []
    with pytest.raises(ValueError, match="holds 4 vectors, got 2 chunks"):
        DenseRetriever(index, hash_encoder, chunks_of(TEXTS[:2]))


def test_bad_faiss_factory_is_a_clear_error(hash_encoder):
    with pytest.raises(ValueError, match="Config.faiss_index"):
        build_faiss(hash_encoder.encode(TEXTS), "IVF4096,Flat")
