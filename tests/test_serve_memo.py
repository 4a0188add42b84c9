"""Remembered results while serving: one computation per request, bounded, one memo per loaded index.
Model-free (hash encoder, BM25)."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import MINI_PLANS, write_plans
from test_trust import build_bm25, load

from search.memo import RememberingEngine, ResultMemo


class CountingEngine:
    """An engine stand-in: counts its asks, slow enough for a second caller to arrive meanwhile."""

    build_id = "b1"

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.calls: list[tuple] = []

    def ask(self, question: str, k: int = 10, doc_ids=None, region=None, ignore=()):
        self.calls.append((question, k, doc_ids))
        time.sleep(self.delay)
        if not question:
            raise ValueError("empty question")
        return f"answer to {question} k={k} docs={doc_ids}"

    def show(self, chunk_id: str, context: int = 1):
        self.calls.append(("show", chunk_id))
        return [chunk_id]

    def chunk(self, chunk_id: str):
        self.calls.append(("chunk", chunk_id))
        return chunk_id


def test_a_repeated_request_is_answered_from_memory_and_different_inputs_are_not():
    inner = CountingEngine()
    engine = RememberingEngine(inner)
    first = engine.ask("食品", k=5, doc_ids=["a", "b"])
    assert engine.ask("食品", k=5, doc_ids=("a", "b")) is first  # a list and a tuple are the same request
    assert engine.ask("食品", k=6, doc_ids=["a", "b"]) == "answer to 食品 k=6 docs=['a', 'b']"
    assert engine.ask("食品", k=5) == "answer to 食品 k=5 docs=None"
    assert len(inner.calls) == 3 and (engine.memo.hits, engine.memo.misses) == (1, 3)
    assert engine.build_id == "b1" and engine.show("c1") == ["c1"] and engine.show("c1") == ["c1"]
    assert len(inner.calls) == 4 and engine.memo.hits == 2
    assert engine.chunk("c1") == "c1" and engine.chunk("c1") == "c1" and len(inner.calls) == 6  # not remembered


def test_errors_are_not_remembered():
    inner = CountingEngine()
    engine = RememberingEngine(inner)
    for _ in range(2):
        with pytest.raises(ValueError, match="empty question"):
            engine.ask("")
    assert len(inner.calls) == 2 and len(engine.memo._results) == 0


def test_concurrent_identical_requests_compute_once():
    inner = CountingEngine(delay=0.2)
    engine = RememberingEngine(inner)
    answers: list[str] = []
    threads = [threading.Thread(target=lambda: answers.append(engine.ask("绿色建筑"))) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert answers == ["answer to 绿色建筑 k=10 docs=None"] * 5 and len(inner.calls) == 1


def test_the_memo_is_bounded_least_recently_used_out_first():
    memo = ResultMemo(size=2)
    for key in ("a", "b", "a", "c"):
        memo.get(key, lambda key=key: key.upper())
    assert list(memo._results) == ["a", "c"]


def test_a_rebuilt_index_starts_with_an_empty_memo(tmp_path):
    from search.live import LiveEngine

    target = tmp_path / "index"
    corpus = write_plans(tmp_path / "plans", {"a.txt": MINI_PLANS["a.txt"]})
    build_bm25([corpus], target)
    live = LiveEngine(load(target), interval=0.0, memo=10)
    old = live.current
    first = old.ask("食品安全")
    assert old.ask("食品安全") is first and old.memo.hits == 1
    write_plans(corpus, {"b.txt": MINI_PLANS["b.txt"]})
    build_bm25([corpus], target)
    live.current  # noqa: B018  (the look at the manifest starts the reload)
    live.wait()
    new = live.current
    assert isinstance(new, RememberingEngine) and new.build_id != old.build_id
    assert new.ask("食品安全") is not first and (new.memo.hits, new.memo.misses) == (0, 1)
    live.swap(new)  # swapping in an already remembering engine keeps it as it is
    assert live.current is new
