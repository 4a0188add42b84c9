"""The engine's worker processes while serving: the same results as in-process, a hot swap reaches
them, a dead worker is replaced. Model-free (hash encoder, BM25)."""

from __future__ import annotations

import os
import signal

import pytest
from conftest import MINI_PLANS, write_plans
from test_trust import build_bm25, load

from search.memo import RememberingEngine
from search.workers import WorkerEngine, WorkerError, default_workers


@pytest.fixture
def built(tmp_path):
    corpus = write_plans(tmp_path / "plans", MINI_PLANS)
    build_bm25([corpus], tmp_path / "index")
    return tmp_path / "index", corpus


def test_workers_answer_exactly_as_the_engine_in_this_process(built):
    engine = load(built[0])
    workers = WorkerEngine(engine, workers=2)
    try:
        chunk = engine.chunks[1]
        for _ in range(2):  # both workers
            # Hit and its kin compare by identity; their repr shows every field
            assert repr(workers.ask("食品安全", k=3)) == repr(engine.ask("食品安全", k=3))
        assert repr(workers.compare("目标")) == repr(engine.compare("目标"))
        assert repr(workers.cite(chunk.text[:30])) == repr(engine.cite(chunk.text[:30]))
        assert repr(workers.show(chunk.chunk_id)) == repr(engine.show(chunk.chunk_id))
        assert repr(workers.search("食品", k=4)) == repr(engine.search("食品", k=4))
        assert workers.chunk(chunk.chunk_id) is engine.chunk(chunk.chunk_id)  # a look-up stays here
        with pytest.raises(ValueError, match="k must be a whole number from 1 to 100"):
            workers.ask("食品安全", k=0)  # the engine's own error, raised again here
        assert len(set(workers.pids()) - {os.getpid()}) == 2
    finally:
        workers.close()


def test_a_worker_that_dies_is_replaced_and_the_request_gets_a_clear_error(built):
    workers = WorkerEngine(load(built[0]), workers=1)
    try:
        (dead,) = workers.pids()
        os.kill(dead, signal.SIGKILL)
        with pytest.raises(WorkerError, match=r"stopped while answering ask \(exit code -9\).*try the request again"):
            workers.ask("食品安全")
        (replacement,) = workers.pids()
        assert replacement != dead and "食品" in workers.ask("食品安全").question
    finally:
        workers.close()


def test_close_stops_the_workers_and_later_calls_are_answered_in_process(built):
    engine = load(built[0])
    workers = WorkerEngine(engine, workers=2)
    processes = [w.process for w in workers._all]
    workers.close()
    assert all(not p.is_alive() for p in processes)
    assert repr(workers.ask("食品安全")) == repr(engine.ask("食品安全"))


def test_a_hot_swap_reaches_the_workers(built):
    from search.live import LiveEngine

    target, corpus = built
    live = LiveEngine(load(target), interval=0.0, memo=10, workers=1)
    old = live.current
    assert isinstance(old, RememberingEngine) and isinstance(old.engine, WorkerEngine)
    old_pool = old.engine
    (old_pid,) = old_pool.pids()
    write_plans(corpus, {"c.txt": MINI_PLANS["a.txt"].replace("食品", "药品")})
    build_bm25([corpus], target)
    live.current  # noqa: B018  (the look at the manifest starts the reload)
    live.wait()
    new = live.current
    assert new.build_id != old.build_id and new.engine is not old_pool
    (new_pid,) = new.engine.pids()
    assert new_pid != old_pid and old_pool._closed and not old_pool._all[0].process.is_alive()
    assert len(new.engine.documents) == len(old.engine.documents) + 1
    assert {h.chunk.doc_id for h in new.search("药品", k=10)} == {h.chunk.doc_id for h in load(target).search("药品", k=10)}
    new.engine.close()


def test_the_number_of_workers_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("PLANQA_WORKERS", "3")
    assert default_workers() == 3
    monkeypatch.setenv("PLANQA_WORKERS", "two")
    with pytest.raises(ValueError, match="PLANQA_WORKERS must be a whole number"):
        default_workers()
    with pytest.raises(ValueError, match="at least one worker"):
        WorkerEngine(object(), workers=0)


def test_only_an_index_of_local_files_is_forked(built):
    from types import SimpleNamespace

    from search.workers import forkable

    assert forkable(load(built[0]))
    milvus = SimpleNamespace(stored=SimpleNamespace(manifest={"backend": {"name": "milvus"}}))
    assert not forkable(milvus) and not forkable(object())


def test_workers_hold_none_of_the_servers_pipes_and_stop_promptly(built):
    import time

    reading, writing = os.pipe()  # a pipe of the server's, as a browser driver's or a client's socket
    workers = WorkerEngine(load(built[0]), workers=2)
    try:
        assert workers.ask("食品安全", k=1).hits  # the workers are up, forked while the pipe was open
        os.close(writing)
        import select

        assert select.select([reading], [], [], 5)[0] == [reading]  # its end is seen: no worker keeps a copy
        assert os.read(reading, 1) == b""
        pids = workers.pids()
        started = time.monotonic()
    finally:
        workers.close()
        os.close(reading)
    assert time.monotonic() - started < 5  # each saw its own pipe close (no sibling holds it): no kill wait
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped
