"""An add that only brings new files writes a segment of its own and switches the manifest: nothing stored
is written again, the result equals a rebuild, and a failed or interrupted add leaves the previous index."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import ROOT, HashEncoder, write_plans

import index.append as append_module
from index.check import verify_index
from index.config import Config
from index.library import add_files, build, remove
from index.reuse import stored_vectors
from index.store import load_index

CONFIG = Config(encoder="hash-test", channels=("bm25", "dense"), dense_context_apart=False)
PLAN_C = "大连市邮政业规划\n\n一、发展目标\n快递业务量突破5亿件。\n二、主要任务\n建设智能快递柜2000组，推进快递进村。\n"
PLAN_D = "青岛市港口规划\n\n一、发展目标\n集装箱吞吐量达到3000万标准箱。\n二、主要任务\n建设自动化码头。\n"
STORED = ("documents.jsonl", "sections.jsonl", "chunks.jsonl", "sources/a.txt", "quote/key.npy",
          "bm25_tokens/ids.npy")


@pytest.fixture
def options(tmp_path, mini_plans):
    options = {"index": tmp_path / "index", "encoders": {"dense": HashEncoder()}, "cache": tmp_path / "cache"}
    build([mini_plans], config=CONFIG, **options)
    return options


def _manifest(index) -> dict:
    return json.loads((index / "manifest.json").read_text(encoding="utf-8"))


def _state(index) -> dict:
    """Every file of the folder with its bytes."""
    return {f.relative_to(index).as_posix(): f.read_bytes() for f in sorted(index.rglob("*")) if f.is_file()}


def _content(index) -> dict:
    stored = load_index(index)
    scores = {k: np.asarray(stored.bm25.scores[k]).tolist() for k in ("data", "indices", "indptr")}
    return {"documents": stored.documents, "sections": stored.sections, "chunks": list(stored.chunks),
            "bm25": scores, "vocab": list(stored.bm25.vocab_dict.items()), "corpus_hash": stored.corpus_hash,
            "vectors": {t: v.tolist() for t, v in stored_vectors(stored, "dense").items()},
            "sources": stored.manifest["sources"]}


def test_an_add_writes_a_segment_and_no_stored_file_again(options, tmp_path):
    index = options["index"]
    inodes = {name: (index / name).stat().st_ino for name in STORED}
    before = _state(index)
    report = add_files([write_plans(tmp_path / "incoming", {"c.txt": PLAN_C}) / "c.txt"], **options)
    assert report.appended and report.added == ("c.txt",) and report.embedded == {"dense": 3}
    assert {name: (index / name).stat().st_ino for name in STORED} == inodes
    after = _state(index)
    assert all(after[name] == before[name] for name in STORED)
    manifest = _manifest(index)
    segment = manifest["segments"][0]
    assert manifest["segments"] == [segment] and manifest["quote"] == {"parts": [segment]}
    assert manifest["bm25"]["dir"] == f"bm25.{segment}" and not (index / "bm25").exists()
    assert manifest["encoders"][0]["file"] == f"dense.hash-test.{segment}.faiss"
    assert not (index / "dense.hash-test.faiss").exists()
    assert sorted(n for n in after if n.startswith("segments/")) == [
        f"segments/{segment}/{name}" for name in ("bm25_tokens/ids.npy", "bm25_tokens/offsets.npy",
                                                   "bm25_tokens/tokens.json", "bm25_tokens/vocab.json",
                                                   "chunks.jsonl", "documents.jsonl", "sections.jsonl")]
    assert verify_index(index).ok
    stored = load_index(index)
    assert [d.doc_id for d in stored.documents] == ["a", "b", "c"] and len(stored.chunks) == 10


def test_an_appended_index_equals_a_rebuild_of_the_same_files(options, tmp_path, mini_plans):
    incoming = write_plans(tmp_path / "incoming", {"c.txt": PLAN_C, "d.txt": PLAN_D})
    assert add_files([incoming / "c.txt"], **options).appended
    assert add_files([incoming / "d.txt"], **options).appended  # a second segment
    rebuilt = tmp_path / "rebuilt"
    build([mini_plans, incoming / "c.txt", incoming / "d.txt"], config=CONFIG, index=rebuilt,
          encoders={"dense": HashEncoder()}, cache=tmp_path / "cache2")
    assert len(_manifest(options["index"])["segments"]) == 2 and "segments" not in _manifest(rebuilt)
    assert _content(options["index"]) == _content(rebuilt)


def test_an_appended_index_answers_cites_and_shows_the_new_plan(options, tmp_path):
    from search.engine import Engine

    add_files([write_plans(tmp_path / "incoming", {"c.txt": PLAN_C}) / "c.txt"], **options)
    engine = Engine.load(options["index"], build_if_missing=False, encoders={"dense": HashEncoder()})
    hits = engine.search("智能快递柜", k=3)
    assert hits[0].chunk.source == "c.txt" and "智能快递柜2000组" in hits[0].chunk.text
    cited = engine.cite("建设智能快递柜2000组，推进快递进村")
    assert cited.found and cited.matches[0].source == "c.txt" and cited.matches[0].similarity == 1.0
    assert engine.source_text("c.txt")[cited.matches[0].start:cited.matches[0].end] == "建设智能快递柜2000组，推进快递进村"
    assert engine.cite("食品评价性抽检合格率保持在99%以上").matches[0].source == "a.txt"
    assert [c.chunk_id for c in engine.show(hits[0].chunk.chunk_id, context=0)] == [hits[0].chunk.chunk_id]


def test_a_failed_add_leaves_the_previous_index_intact(options, tmp_path, monkeypatch):
    index = options["index"]
    before = _state(index)

    def full_disk(self, folder, corpus_hash=""):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(append_module.QuoteIndex, "save", full_disk)  # the last file an add writes
    with pytest.raises(OSError, match="No space left"):
        add_files([write_plans(tmp_path / "incoming", {"c.txt": PLAN_C}) / "c.txt"], **options)
    assert _state(index) == before and verify_index(index).ok  # nothing left behind either


def test_an_interrupted_add_leaves_the_previous_index_and_the_next_add_clears_what_it_wrote(options, tmp_path):
    index = options["index"]
    before, content = _state(index), _content(index)
    plan = write_plans(tmp_path / "incoming", {"c.txt": PLAN_C}) / "c.txt"
    # killed just before the manifest switch: no cleanup runs (os._exit), as with kill -9 or a power cut
    script = textwrap.dedent(f"""
        import os, sys
        sys.path[:0] = [{str(ROOT / "tests")!r}, {str(ROOT)!r}]
        from conftest import HashEncoder
        import index.append as append_module
        from index.library import add_files
        append_module._switch = lambda *args: os._exit(9)
        add_files([{str(plan)!r}], index={str(index)!r}, encoders={{"dense": HashEncoder()}},
                  cache={str(options["cache"])!r})
    """)
    done = subprocess.run([sys.executable, "-c", script], env={**os.environ, "PLANQA_THREADS": "1"})
    assert done.returncode == 9
    left = set(_state(index)) - set(before)
    assert any(n.startswith("segments/") for n in left) and "sources/c.txt" in left
    assert all(_state(index)[name] == data for name, data in before.items())
    assert _content(index) == content  # loads as before: the manifest names none of it
    report = add_files([plan], **options)
    assert report.appended and report.added == ("c.txt",) and verify_index(index).ok
    assert len(_manifest(index)["segments"]) == 1


def test_past_the_segment_limit_an_add_writes_the_index_whole(options, tmp_path, monkeypatch):
    monkeypatch.setattr(append_module, "MAX_SEGMENTS", 1)
    incoming = write_plans(tmp_path / "incoming", {"c.txt": PLAN_C, "d.txt": PLAN_D})
    assert add_files([incoming / "c.txt"], **options).appended
    report = add_files([incoming / "d.txt"], **options)
    assert not report.appended and report.documents == 4
    manifest = _manifest(options["index"])
    assert "segments" not in manifest and manifest["bm25"]["dir"] == "bm25" and verify_index(options["index"]).ok
    assert sorted(p.name for p in options["index"].iterdir() if p.name.startswith(("bm25", "dense", "seg"))) == [
        "bm25", "bm25_tokens", "dense.hash-test.faiss"]


def test_removing_from_an_appended_index_writes_it_whole(options, tmp_path):
    add_files([write_plans(tmp_path / "incoming", {"c.txt": PLAN_C}) / "c.txt"], **options)
    report = remove("a.txt", **options)
    assert not report.appended and report.removed == ("a.txt",)
    stored = load_index(options["index"])
    assert [d.doc_id for d in stored.documents] == ["b", "c"] and "segments" not in stored.manifest
    assert verify_index(options["index"]).ok


def test_an_engine_loaded_before_an_add_still_cites_what_it_indexed(options, tmp_path):
    from search.engine import Engine

    before = Engine.load(options["index"], build_if_missing=False, encoders={"dense": HashEncoder()})
    add_files([write_plans(tmp_path / "incoming", {"c.txt": PLAN_C}) / "c.txt"], **options)
    cited = before.cite("食品评价性抽检合格率保持在99%以上")  # its quote index is loaded now, after the add
    assert cited.found and cited.matches[0].source == "a.txt"
    assert not before.cite("建设智能快递柜2000组，推进快递进村").found  # not in the index it holds


def test_an_appended_pdf_keeps_its_page_view(options, tmp_path):
    pytest.importorskip("reportlab")
    pytest.importorskip("pypdfium2")
    from pdf_fixture import plan_pdf

    from index.page_map import read_map, read_original

    pdf = tmp_path / "incoming" / "星河市规划.pdf"
    pdf.parent.mkdir()
    pdf.write_bytes(plan_pdf())
    report = add_files([pdf], **options)
    stored = load_index(options["index"])
    assert report.appended and report.added == ("星河市规划.pdf",)
    assert read_original(options["index"], stored.manifest, "星河市规划.pdf") == plan_pdf()
    assert read_map(options["index"], stored.manifest, "星河市规划.pdf").page_count >= 1
    assert any(c.pages for c in stored.chunks if c.source == "星河市规划.pdf") and verify_index(options["index"]).ok


def test_a_rescan_that_finds_a_new_file_appends_it(options, mini_plans):
    write_plans(mini_plans, {"c.txt": PLAN_C})
    report = build(**options)  # the recorded roots
    assert report.appended and (report.added, report.unchanged) == (("c.txt",), ("a.txt", "b.txt"))
    files = {r["source"]: r["path"] for r in _manifest(options["index"])["library"]["files"]}
    assert files == {name: str((mini_plans / name).resolve()) for name in ("a.txt", "b.txt", "c.txt")}
    assert build(**options).unchanged == ("a.txt", "b.txt", "c.txt") and verify_index(options["index"]).ok


def test_an_ivf_index_is_appended_to_through_faiss(tmp_path, mini_plans):
    from search.engine import Engine

    options = {"index": tmp_path / "index", "encoders": {"dense": HashEncoder()}, "cache": tmp_path / "cache"}
    build([mini_plans], config=Config(**{**CONFIG.to_dict(), "faiss_index": "IVF1,Flat"}), **options)
    report = add_files([write_plans(tmp_path / "incoming", {"c.txt": PLAN_C}) / "c.txt"], **options)
    assert report.appended and verify_index(options["index"]).ok
    stored = load_index(options["index"])
    assert stored.dense["dense"].index.ntotal == _manifest(options["index"])["encoders"][0]["vectors"] == 10
    engine = Engine.load(options["index"], build_if_missing=False, encoders={"dense": HashEncoder()})
    assert engine.search("智能快递柜", k=1, channels=("dense",))[0].chunk.source == "c.txt"
