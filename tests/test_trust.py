"""Trust under bad input and tampering: same-named files stay distinct, a wrong index path is an error
that creates nothing, input bounds, batch lines, hot swap. Model-free (hash encoder, BM25)."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest
from conftest import MINI_PLANS, HashEncoder, write_plans

from index.build import build_index
from index.config import Config
from index.store import IndexLoadError
from search.engine import Engine

BM25_ONLY = Config(encoder="hash-test", channels=("bm25",))


def build_bm25(paths, target, **kwargs):
    return build_index(paths, index=target, config=BM25_ONLY, cache=target.parent / "cache", **kwargs)


def load(path):
    return Engine.load(path, build_if_missing=False, encoders={"dense": HashEncoder(), "use": HashEncoder()})


# --- identity
def test_same_named_files_in_two_folders_stay_distinct(tmp_path):
    corpus = tmp_path / "plans"
    write_plans(corpus / "a", {"plan.txt": MINI_PLANS["a.txt"]})
    write_plans(corpus / "b", {"plan.txt": MINI_PLANS["b.txt"]})
    build_bm25([corpus], tmp_path / "index")
    engine = load(tmp_path / "index")
    assert sorted(d.source for d in engine.documents) == ["a/plan.txt", "b/plan.txt"]
    assert len({d.doc_id for d in engine.documents}) == 2
    assert engine.source_text("a/plan.txt") == MINI_PLANS["a.txt"]
    assert engine.source_text("b/plan.txt") == MINI_PLANS["b.txt"]
    result = engine.cite("累計建成國家級綠色工廠44家")
    assert result.found and result.matches[0].source == "b/plan.txt" and result.matches[0].similarity == 1.0


def test_a_symlink_leaving_the_corpus_is_not_followed_and_is_reported(tmp_path):
    corpus = write_plans(tmp_path / "plans")
    outside = tmp_path / "secret.txt"
    outside.write_text("机密文件\n\n一、内容\n这是语料目录之外的文字，不应被索引。\n", encoding="utf-8")
    (corpus / "link.txt").symlink_to(outside)
    summary = build_bm25([corpus], tmp_path / "index")
    engine = load(tmp_path / "index")
    assert sorted(d.source for d in engine.documents) == ["a.txt", "b.txt"]
    skipped = {e["file"]: e for e in summary.report if e["status"] == "skipped"}
    assert "link.txt" in skipped and "symlink" in skipped["link.txt"]["reason"]


def test_the_build_report_names_every_file_taken_and_skipped(tmp_path):
    corpus = write_plans(tmp_path / "plans")
    (corpus / "blank.txt").write_text("   \n\n", encoding="utf-8")
    (corpus / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    summary = build_bm25([corpus], tmp_path / "index")
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text(encoding="utf-8"))
    statuses = {e["file"]: e["status"] for e in manifest["report"]}
    assert statuses == {"a.txt": "taken", "b.txt": "taken", "blank.txt": "skipped", "image.png": "skipped"}
    assert all(e["reason"] for e in manifest["report"] if e["status"] == "skipped")
    assert [e["file"] for e in summary.report] == [e["file"] for e in manifest["report"]]


# --- no silent fallback
def test_a_wrong_index_path_is_an_error_that_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    wrong = tmp_path / "typo" / "index"
    with pytest.raises(IndexLoadError, match=r"no planqa index at .*typo/index; build one with `planqa build --index"):
        Engine.load(wrong)
    monkeypatch.setenv("PLANQA_INDEX", str(wrong))
    with pytest.raises(IndexLoadError, match="typo/index"):
        Engine.load()
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no folder made, no demo corpus built


def test_a_deleted_manifest_is_not_rebuilt_from_the_demo_corpus(tmp_path, mini_index):
    copy = shutil.copytree(mini_index, tmp_path / "index")
    (copy / "manifest.json").unlink()
    with pytest.raises(IndexLoadError, match="no planqa index"):
        Engine.load(copy)
    assert not (copy / "manifest.json").exists()


def test_the_cli_reports_a_wrong_index_path(tmp_path, capsys):
    from search.cli import main

    assert main(["search", "食品", "--index", str(tmp_path / "nowhere")]) == 1
    assert "no planqa index at" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()


# --- input bounds
@pytest.mark.parametrize("k", [0, -1, 101])
def test_k_outside_1_to_100_is_refused(mini_engine, k):
    for call in (lambda: mini_engine.search("食品", k=k), lambda: mini_engine.ask("食品抽检", k=k),
                 lambda: mini_engine.cite("食品评价性抽检合格率", k=k)):
        with pytest.raises(ValueError, match=r"k must be a whole number from 1 to 100"):
            call()


@pytest.mark.parametrize("k", ["0", "-1", "101", "ten"])
def test_the_cli_refuses_k_outside_the_range(mini_index, k, capsys):
    from search.cli import main

    with pytest.raises(SystemExit):
        main(["search", "食品", "--k", k, "--index", str(mini_index)])
    assert "k must be a whole number" in capsys.readouterr().err


def test_an_overlong_question_points_to_cite_and_an_overlong_quote_is_refused(mini_engine):
    with pytest.raises(ValueError, match=r"question is too long .*Cite"):
        mini_engine.ask("食品" * 300)
    with pytest.raises(ValueError, match=r"quote is too long \(6000 characters, at most 2000\)"):
        mini_engine.cite("食" * 6000)


def test_a_bad_batch_line_is_reported_and_the_rest_answered(mini_index, tmp_path, capsys):
    from search.cli import main

    batch = tmp_path / "q.jsonl"
    batch.write_text('{"id": "q1", "question": "食品抽检"}\nnot json\n{"id": "q3"}\n'
                     '{"id": "q4", "question": "绿色工厂"}\n', encoding="utf-8")
    code = main(["search", "--batch", str(batch), "--k", "1", "--channels", "bm25", "--index", str(mini_index)])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert [line["id"] for line in lines] == ["q1", 2, "q3", "q4"]
    assert "hits" in lines[0] and "hits" in lines[3]
    assert lines[1]["line"] == 2 and "q.jsonl:2" in lines[1]["error"] and lines[2]["line"] == 3


# --- the index folder is read only at query time
def test_search_ask_and_cite_write_nothing_in_the_index(tmp_path, mini_index):
    copy = shutil.copytree(mini_index, tmp_path / "index")
    before = {p: p.stat().st_mtime_ns for p in copy.rglob("*")}
    engine = load(copy)
    engine.search("食品", k=3)
    engine.ask("食品抽检合格率")
    assert engine.cite("食品评价性抽检合格率保持在99%以上").found
    assert {p: p.stat().st_mtime_ns for p in copy.rglob("*")} == before


def test_a_missing_quote_index_is_a_clear_error(tmp_path, mini_index):
    copy = shutil.copytree(mini_index, tmp_path / "index")
    shutil.rmtree(copy / "quote")
    with pytest.raises(IndexLoadError, match=r"incomplete: quote/.* is missing"):
        load(copy)


# --- hot swap
def test_a_rebuilt_index_is_served_without_a_restart(tmp_path):
    from search.live import LiveEngine

    target = tmp_path / "index"
    corpus = write_plans(tmp_path / "plans", {"a.txt": MINI_PLANS["a.txt"]})
    build_bm25([corpus], target)
    live = LiveEngine(load(target), interval=0.0)
    old = live.current
    assert [d.source for d in old.documents] == ["a.txt"]
    write_plans(corpus, {"b.txt": MINI_PLANS["b.txt"]})
    build_bm25([corpus], target)
    live.current  # noqa: B018  (the look at the manifest starts the reload)
    live.wait()
    new = live.current
    assert new is not old and [d.source for d in new.documents] == ["a.txt", "b.txt"]
    assert new.build_id != old.build_id and new.build_time
    # a request that started before the swap goes on with its engine (its folder is gone)
    assert old.search("食品", k=1)[0].chunk.source == "a.txt"


def test_a_broken_rebuild_keeps_the_old_index_serving(tmp_path):
    from search.live import LiveEngine

    target = tmp_path / "index"
    build_bm25([write_plans(tmp_path / "plans")], target)
    live = LiveEngine(load(target), interval=0.0)
    old = live.current
    time.sleep(0.01)
    manifest = target / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('"chunks":', '"chunks_":', 1), encoding="utf-8")
    os.utime(manifest)
    live.current  # noqa: B018
    live.wait()
    assert live.current is old and live.error


# --- serving cost
def test_the_remembering_encoder_encodes_each_text_once_and_stays_bounded():
    import numpy as np

    from search.memo import RememberingEncoder

    inner = HashEncoder()
    memo = RememberingEncoder(inner, size=3)
    first = memo.encode(["甲", "乙", "甲"])
    assert inner.calls == 2 and np.array_equal(first, inner.encode(["甲", "乙", "甲"]))
    inner.calls = 0
    assert np.array_equal(memo.encode(["乙", "甲"]), first[[1, 0]]) and inner.calls == 0
    memo.encode(["丙", "丁"])  # over the bound: the least recently used (乙) goes
    assert list(memo._vectors) == ["甲", "丙", "丁"]
    assert memo.encode([]).shape == (0, inner.dim)


def test_planqa_build_prints_every_file_taken_and_skipped(tmp_path, capsys, register_hash_encoder):
    from search.cli import main

    corpus = write_plans(tmp_path / "plans")
    (corpus / "blank.txt").write_text("  \n", encoding="utf-8")
    assert main(["build", str(corpus), "--index", str(tmp_path / "index"), "--encoder", "hash-test",
                 "--channels", "bm25"]) == 0
    captured = capsys.readouterr()
    assert [line.split(":")[0] for line in captured.out.splitlines() if ": taken" in line] == ["a.txt", "b.txt"]
    assert "blank.txt: skipped" in captured.err


def test_same_named_files_of_two_formats_in_one_folder_stay_distinct(tmp_path):
    corpus = write_plans(tmp_path / "plans", {"plan.txt": MINI_PLANS["a.txt"], "plan.md": MINI_PLANS["b.txt"]})
    build_bm25([corpus], tmp_path / "index")
    engine = load(tmp_path / "index")
    # files are read in name order: plan.md first keeps the plain id, plan.txt keeps its suffix
    assert [(d.doc_id, d.source) for d in engine.documents] == [("plan", "plan.md"), ("plan.txt", "plan.txt")]
    assert {c.doc_id for c in engine.chunks} == {"plan", "plan.txt"}
    assert engine.document("plan.txt").title.startswith("深圳市")


# --- the app says which index it serves
def test_the_health_endpoint_and_the_page_name_the_index_served(mini_engine):
    from types import SimpleNamespace

    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    import app
    import app_serve

    demo = SimpleNamespace(app=FastAPI())
    app_serve.add_health_route(demo, mini_engine)
    health = TestClient(demo.app).get("/health").json()
    assert health == {"status": "ok", "build_id": mini_engine.build_id, "build_time": mini_engine.build_time,
                      "documents": 2, "chunks": len(mini_engine.chunks), "reload_error": ""}
    line = app.index_version_line(mini_engine)
    assert mini_engine.build_time in line and mini_engine.build_id[:8] in line


def test_an_outdated_default_index_of_the_seeds_is_rebuilt_others_are_not(tmp_path, monkeypatch):
    """``make run`` on a machine whose default index was made by an older planqa rebuilds it (it holds only
    the seeds, so nothing is lost); an old index holding other files stays, with the rebuild message."""
    import json

    from search.default_index import outdated_default

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "plan.txt").write_text("深圳市规划\n一、目标\n到2025年，抽检量达到10批次/千人。\n", encoding="utf-8")
    old = tmp_path / "index"
    old.mkdir()
    (old / "manifest.json").write_text(json.dumps({"format_version": 1, "sources": ["plan.txt"]}), encoding="utf-8")
    assert outdated_default(old, (str(seeds),))
    (old / "manifest.json").write_text(json.dumps({"format_version": 1, "sources": ["mine.txt"]}), encoding="utf-8")
    assert not outdated_default(old, (str(seeds),))
