"""The index folder: round trip with Chinese text, checks on load, atomic replacement."""

import json

import numpy as np
import pytest

from index import store
from index.build import build_index
from index.config import Config
from index.corpus import read_corpus
from index.store import FORMAT_VERSION, IndexLoadError, load_index


def build_mini(plans, target, encoder):
    return build_index([plans], index=target, config=Config(encoder="hash-test", channels=("bm25", "dense")),
                       encoders={"dense": encoder}, cache=target.parent / "cache")


def test_round_trip_keeps_everything_including_chinese(mini_plans, tmp_path, hash_encoder):
    build_mini(mini_plans, tmp_path / "index", hash_encoder)
    corpus = read_corpus([mini_plans])
    stored = load_index(tmp_path / "index")
    assert stored.documents == corpus.documents
    assert stored.sections == corpus.sections
    assert stored.chunks == corpus.chunks
    assert any("綠色工廠" in c.text for c in stored.chunks)  # traditional characters kept as written
    assert stored.dense["dense"].index.ntotal == len(corpus.chunks)
    assert stored.bm25.scores["num_docs"] == len(corpus.chunks)
    assert stored.config == Config(encoder="hash-test", channels=("bm25", "dense"))
    manifest = stored.manifest
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["counts"] == {"documents": 2, "sections": len(corpus.sections), "chunks": len(corpus.chunks)}
    assert manifest["encoders"] == [{"channel": "dense", "name": "hash-test", "dim": 256,
                                     "file": "dense.hash-test.faiss", "vectors": len(corpus.chunks)}]
    assert len(manifest["corpus_hash"]) == 40 and manifest["build_time"]
    raw = (tmp_path / "index" / "chunks.jsonl").read_text(encoding="utf-8")
    assert "食用农产品" in raw  # ensure_ascii=False: the files read as Chinese


def test_no_pickle_anywhere(mini_index):
    for array_file in mini_index.rglob("*.npy"):
        np.load(array_file, allow_pickle=False)
    assert not list(mini_index.rglob("*.pkl")) and not list(mini_index.rglob("*.pickle"))


@pytest.fixture
def index_copy(mini_index, tmp_path):
    import shutil

    return shutil.copytree(mini_index, tmp_path / "index")


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(IndexLoadError, match=r"no planqa index at .*rebuild with `planqa build`"):
        load_index(tmp_path / "nowhere")


def test_corrupted_faiss_file_is_a_clear_error(index_copy):
    faiss_file = index_copy / "dense.hash-test.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    with pytest.raises(IndexLoadError, match=r"damaged .*rebuild with `planqa build`"):
        load_index(index_copy)


def test_corrupted_manifest_is_a_clear_error(index_copy):
    (index_copy / "manifest.json").write_text('{"format_version": 1, "coun', encoding="utf-8")
    with pytest.raises(IndexLoadError, match="rebuild with `planqa build`"):
        load_index(index_copy)


def test_missing_chunk_line_is_caught_by_the_counts(index_copy):
    lines = (index_copy / "chunks.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (index_copy / "chunks.jsonl").write_text("".join(lines[:-1]), encoding="utf-8")
    with pytest.raises(IndexLoadError, match=r"files hold .*manifest says"):
        load_index(index_copy)


def test_missing_bm25_array_is_a_clear_error(index_copy):
    (index_copy / "bm25" / "data.csc.index.npy").unlink()
    with pytest.raises(IndexLoadError, match="damaged"):
        load_index(index_copy)


def test_other_format_version_is_refused(index_copy):
    manifest = json.loads((index_copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = FORMAT_VERSION + 1
    (index_copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexLoadError, match=f"format version {FORMAT_VERSION + 1}"):
        load_index(index_copy)


class ExplodingEncoder:
    name, dim = "hash-test", 256

    def encode(self, texts):
        raise KeyboardInterrupt  # what Ctrl-C in the middle of embedding looks like


def test_interrupted_build_leaves_the_previous_index_intact(mini_plans, tmp_path, hash_encoder):
    target = tmp_path / "index"
    build_mini(mini_plans, target, hash_encoder)
    before = (target / "manifest.json").read_text(encoding="utf-8")
    (mini_plans / "c.txt").write_text("新增规划\n\n一、目标\n新增一段需要嵌入的文字。\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        build_mini(mini_plans, target, encoder=ExplodingEncoder())
    assert (target / "manifest.json").read_text(encoding="utf-8") == before
    assert len(load_index(target).documents) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "index", "plans"]  # no half-written folder left


def test_failure_while_writing_leaves_the_previous_index_intact(mini_plans, tmp_path, monkeypatch, hash_encoder):
    target = tmp_path / "index"
    build_mini(mini_plans, target, hash_encoder)
    before = load_index(target).chunks

    def broken_write(folder, stored, extra):
        (folder / "chunks.jsonl").write_text("half", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(store, "_write_folder", broken_write)
    with pytest.raises(OSError, match="disk full"):
        build_mini(mini_plans, target, hash_encoder)
    assert load_index(target).chunks == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "index", "plans"]


def test_a_folder_that_is_not_an_index_is_never_overwritten(mini_plans, tmp_path, hash_encoder):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(ValueError, match="is not a planqa index"):
        build_mini(mini_plans, precious, hash_encoder)
    assert (precious / "notes.txt").read_text(encoding="utf-8") == "keep me"
