"""Hybrid retrieval: channels fused by RRF, per-channel ranks kept, per-channel queries, filters passed on."""

import numpy as np
import pytest

from index.types import Chunk
from search.hybrid import HybridRetriever, fuse_runs
from search.query import Query, channel_text
from search.types import Hit

CHUNKS = {cid: Chunk(cid, "d", "规划", (), f"text {cid}", "s.txt", 0, 1) for cid in "abcde"}


class FakeRetriever:
    """Returns a fixed ranking and records what it was asked."""

    def __init__(self, name, order):
        self.name, self.order, self.calls = name, order, []

    def search(self, query, k=10, allowed=None):
        self.calls.append((channel_text(query, self.name), k, allowed))
        return [
            Hit(CHUNKS[cid], score=10.0 - i, rank=i + 1, ranks={self.name: i + 1}, scores={self.name: 10.0 - i})
            for i, cid in enumerate(self.order[:k])
        ]


def test_fused_order_ranks_and_scores_are_kept():
    bm25, dense = FakeRetriever("bm25", ["a", "b", "c"]), FakeRetriever("dense", ["b", "d", "a"])
    hits = HybridRetriever({"bm25": bm25, "dense": dense}).search("q", k=3)
    assert [h.chunk.chunk_id for h in hits] == ["b", "a", "d"]
    assert [h.rank for h in hits] == [1, 2, 3]
    assert hits[0].score == pytest.approx(1 / 62 + 1 / 61)
    assert hits[0].ranks == {"bm25": 2, "dense": 1}
    assert hits[2].ranks == {"bm25": None, "dense": 2}
    assert hits[2].scores == {"bm25": None, "dense": 9.0}
    assert hits[0].to_dict()["ranks"] == {"bm25": 2, "dense": 1}


def test_weights_change_the_order():
    channels = {"bm25": FakeRetriever("bm25", ["a", "b"]), "dense": FakeRetriever("dense", ["b", "a"])}
    assert HybridRetriever(channels, weights={"dense": 0.5}).search("q", 2)[0].chunk.chunk_id == "a"
    assert HybridRetriever(channels, weights={"bm25": 0.5}).search("q", 2)[0].chunk.chunk_id == "b"
    # a query's own weights beat the retriever's defaults
    weighted = Query("english", "en", weights={"bm25": 0.1})
    assert HybridRetriever(channels, weights={"dense": 0.5}).search(weighted, 2)[0].chunk.chunk_id == "b"


def test_each_channel_can_get_its_own_query_or_be_skipped():
    bm25, dense = FakeRetriever("bm25", ["a"]), FakeRetriever("dense", ["b"])
    hybrid = HybridRetriever({"bm25": bm25, "dense": dense})
    hits = hybrid.search(Query("target", "en", queries={"bm25": "target 扩展"}), k=5)  # dense: skipped
    assert bm25.calls[-1][0] == "target 扩展" and dense.calls == []
    assert [h.chunk.chunk_id for h in hits] == ["a"]
    assert hits[0].ranks == {"bm25": 1, "dense": None}


def test_candidates_depth_and_filter_reach_every_channel():
    bm25, dense = FakeRetriever("bm25", ["a"]), FakeRetriever("dense", ["b"])
    allowed = np.array([True, False])
    HybridRetriever({"bm25": bm25, "dense": dense}, candidates=50).search("q", k=5, allowed=allowed)
    for channel in (bm25, dense):
        query, k, mask = channel.calls[-1]
        assert (query, k) == ("q", 50) and mask is allowed


def test_custom_fusion_function_is_used():
    def first_run_only(runs, k=60, weights=None):
        return [(cid, 1.0) for cid in runs[0]]

    channels = {"bm25": FakeRetriever("bm25", ["c", "a"]), "dense": FakeRetriever("dense", ["b"])}
    hits = HybridRetriever(channels, fuse=first_run_only).search("q", k=5)
    assert [h.chunk.chunk_id for h in hits] == ["c", "a"]


def test_fuse_runs_of_nothing_and_no_channels():
    assert fuse_runs({"bm25": [], "dense": []}, 5) == []
    with pytest.raises(ValueError, match="at least one channel"):
        HybridRetriever({})


# --- the Engine assembles the channels and applies the filters inside retrieval
def test_engine_filters_by_document_region_and_year(mini_engine):
    by_title = {d.title: d.doc_id for d in mini_engine.documents}
    huzhou = by_title["湖州市質量發展“十四五”規劃"]
    query = "到2025年的目标"
    assert {h.chunk.doc_id for h in mini_engine.search(query, k=10)} == set(by_title.values())
    assert {h.chunk.doc_id for h in mini_engine.search(query, k=10, doc_ids=[huzhou])} == {huzhou}
    assert {h.chunk.doc_title for h in mini_engine.search(query, k=10, region="湖州")} == {"湖州市質量發展“十四五”規劃"}
    assert mini_engine.search(query, k=10, region="大连") == []
    assert mini_engine.search(query, k=10, year=2015) == []
    assert len(mini_engine.search(query, k=10, year=2023)) > 0


def test_engine_hits_name_every_channel(mini_engine):
    hit = mini_engine.search("食品抽检量", k=1)[0]
    assert "食用农产品和食品抽检量达到10批次/千人" in hit.chunk.text
    assert set(hit.ranks) == set(mini_engine.channels)
    assert hit.ranks["bm25"] == 1


def test_engine_errors_say_how_to_fix(mini_engine):
    with pytest.raises(ValueError, match="`planqa docs` lists them"):
        mini_engine.search("目标", doc_ids=["nope"])
    with pytest.raises(ValueError, match="unknown channel"):
        mini_engine.search("目标", channels=["sparkle"])
    with pytest.raises(ValueError, match="`planqa chunks` lists them"):
        mini_engine.chunk("nope")
    assert mini_engine.search("   ") == []
