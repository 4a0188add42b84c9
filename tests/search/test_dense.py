"""Dense retrieval over FAISS inner product, with filters inside the search (Flat, HNSW, IVF)."""

import numpy as np
import pytest

from index.build import build_faiss, dense_units, sentence_windows
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
    with pytest.raises(ValueError, match="4 vectors that do not cover the 2 chunks"):
        DenseRetriever(index, hash_encoder, chunks_of(TEXTS[:2]))


def test_bad_faiss_factory_is_a_clear_error(hash_encoder):
    with pytest.raises(ValueError, match="Config.faiss_index"):
        build_faiss(hash_encoder.encode(TEXTS), "IVF4096,Flat")


def test_sentence_windows_cover_the_text_exactly():
    text = "第一句很短。第二句也不长；第三句稍微长一些，超过了窗口的一半！最后没有句号"
    windows = sentence_windows(text, 20)
    assert "".join(windows) == text
    assert windows == ["第一句很短。第二句也不长；", "第三句稍微长一些，超过了窗口的一半！", "最后没有句号"]
    assert sentence_windows("一二三四五六七八九十", 4) == ["一二三四", "五六七八", "九十"]
    assert sentence_windows(text, 0) == [text]


def test_dense_units_carry_the_context_and_the_chunk_row():
    chunks = [
        Chunk("c0", "d", "規劃", (), "甲句。乙句。", "s.txt", 0, 6, context="規劃"),
        Chunk("c1", "d", "規劃", (), "丙句。", "s.txt", 6, 9),
    ]
    texts, rows = dense_units(chunks, 3)
    assert texts == ["规划\n甲句。", "规划\n乙句。", "丙句。"]  # simplified for the encoder
    assert rows.tolist() == [0, 0, 1]


def test_a_chunk_scores_as_its_best_window_and_appears_once(hash_encoder):
    chunks = chunks_of(["无关的开头。食品抽检量达到10批次/千人。", "推进绿色工厂建设。"])
    texts, rows = dense_units(chunks, 16)
    assert rows.tolist() == [0, 0, 1]
    vectors = hash_encoder.encode(texts)
    dense = DenseRetriever(build_faiss(vectors, ids=rows), hash_encoder, chunks)
    hits = dense.search("食品抽检量达到10批次/千人", k=5)
    assert [h.chunk.chunk_id for h in hits] == ["c0", "c1"]
    query = hash_encoder.encode(["食品抽检量达到10批次/千人"])[0]
    assert hits[0].score == pytest.approx(float((vectors[:2] @ query).max()), rel=1e-5)
    only_c1 = np.array([False, True])
    assert [h.chunk.chunk_id for h in dense.search("食品抽检", k=5, allowed=only_c1)] == ["c1"]


def test_auto_index_is_exact_for_a_small_corpus(hash_encoder):
    import faiss

    index = build_faiss(hash_encoder.encode(TEXTS), "auto")
    inner = faiss.downcast_index(index.index)
    assert isinstance(inner, faiss.IndexFlat) and inner.metric_type == faiss.METRIC_INNER_PRODUCT
    dense = DenseRetriever(index, hash_encoder, chunks_of(TEXTS))
    assert dense.search("食品抽检量", k=1)[0].chunk.chunk_id == "c0"
