"""The index folder: round trip with Chinese text, checks on load (tampering included), atomic
replacement, stale staging folders, source names with folders."""

import json
import os
import random
import shutil

import numpy as np
import pytest

from index import store
from index.build import build_index
from index.config import Config
from index.corpus import read_corpus
from index.folder import source_path
from index.reader import SourceFile
from index.store import FORMAT_VERSION, IndexLoadError, load_index, read_source


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
    assert len(manifest["corpus_hash"]) == 40 and manifest["build_time"] and len(manifest["build_id"]) == 32
    files = manifest["files"]
    assert {"chunks.jsonl", "documents.jsonl", "sections.jsonl", "dense.hash-test.faiss", "sources/a.txt",
            "sources/b.txt", "quote/quote.json", "bm25/data.csc.index.npy"} <= set(files)
    assert files["chunks.jsonl"]["bytes"] == (tmp_path / "index" / "chunks.jsonl").stat().st_size
    assert [(e["file"], e["status"]) for e in manifest["report"]] == [("a.txt", "taken"), ("b.txt", "taken")]
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
    with pytest.raises(IndexLoadError, match=r"damaged.*rebuild with `planqa build`"):
        load_index(index_copy)


def test_corrupted_manifest_is_a_clear_error(index_copy):
    (index_copy / "manifest.json").write_text('{"format_version": 1, "coun', encoding="utf-8")
    with pytest.raises(IndexLoadError, match="rebuild with `planqa build`"):
        load_index(index_copy)


def test_missing_chunk_line_is_caught_by_the_counts(index_copy):
    lines = (index_copy / "chunks.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (index_copy / "chunks.jsonl").write_text("".join(lines[:-1]), encoding="utf-8")
    with pytest.raises(IndexLoadError, match=r"chunks.jsonl has .* bytes, the manifest says"):
        load_index(index_copy)


def test_shuffled_chunks_are_refused(index_copy):
    lines = (index_copy / "chunks.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    random.Random(1).shuffle(lines)  # same bytes, other order: rows no longer match the vector ids
    (index_copy / "chunks.jsonl").write_text("".join(lines), encoding="utf-8")
    with pytest.raises(IndexLoadError, match=r"chunks.jsonl does not match its checksum"):
        load_index(index_copy)


def test_scrambled_bm25_arrays_are_refused(index_copy):
    array_file = index_copy / "bm25" / "data.csc.index.npy"
    scores = np.load(array_file, allow_pickle=False)
    np.save(array_file, scores[::-1].copy(), allow_pickle=False)  # same shape and size, wrong scores
    with pytest.raises(IndexLoadError, match=r"data.csc.index.npy does not match its checksum"):
        load_index(index_copy)


def test_swapped_faiss_files_are_refused(mini_plans, tmp_path, hash_encoder):
    # two channels of one dimension, windows of different sizes: different vector counts
    target = tmp_path / "index"
    build_index([mini_plans], index=target, config=Config(encoder="hash-test", dense_window=20, use_window=200),
                encoders={"dense": hash_encoder, "use": hash_encoder}, cache=tmp_path / "cache")
    dense, use = target / "dense.hash-test.faiss", target / "dense.use.hash-test.faiss"
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    # keep the recorded sizes right, so only the FAISS count check can notice
    for name, other in ((dense.name, use), (use.name, dense)):
        manifest["files"][name]["bytes"] = other.stat().st_size
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    a, b = dense.read_bytes(), use.read_bytes()
    dense.write_bytes(b)
    use.write_bytes(a)
    with pytest.raises(IndexLoadError, match=r"holds \d+ vectors, the manifest says \d+ \(swapped or replaced\)"):
        load_index(target)


def test_an_edited_source_is_never_cited(index_copy):
    stored = load_index(index_copy)
    assert read_source(stored, "a.txt").startswith("深圳市食品安全")
    source = index_copy / "sources" / "a.txt"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("99%", "19%"), encoding="utf-8")  # same size, other number
    with pytest.raises(IndexLoadError, match=r"sources/a.txt was edited since the index was built"):
        read_source(stored, "a.txt")


def test_source_names_keep_their_folders_and_never_leave_sources(mini_plans, tmp_path, hash_encoder):
    from index.corpus import Corpus, ingest_file

    corpus = Corpus()
    for folder, text in (("2023", "甲市规划\n\n一、目标\n到2025年建成示范区10个。\n"),
                         ("2024", "乙市规划\n\n一、目标\n到2025年建成示范区20个。\n")):
        src = SourceFile(path=tmp_path / folder / "plan.txt", name=f"{folder}/plan.txt", text=text, encoding="utf-8")
        corpus.sources[src.name] = src.text
        docs, sections, chunks = ingest_file(src, Config())
        corpus.documents += docs
        corpus.sections += sections
        corpus.chunks += chunks
    target = tmp_path / "index"
    build_index([tmp_path], index=target, config=Config(encoder="hash-test", channels=("bm25",)), corpus=corpus,
                cache=tmp_path / "cache")
    stored = load_index(target)
    assert read_source(stored, "2023/plan.txt").startswith("甲市") and read_source(stored, "2024/plan.txt").startswith("乙市")
    for bad in ("../plan.txt", "/etc/passwd", "a/../../b.txt", "a//b.txt", ""):
        with pytest.raises(ValueError, match="not a plain relative path"):
            source_path(bad)


def test_stale_staging_folders_of_a_killed_build_are_removed(mini_plans, tmp_path, hash_encoder):
    target = tmp_path / "index"
    dead = 2**22 + 12345  # above the kernel's default pid_max: no such process
    stale = [tmp_path / f".index.new-{dead}-0a1b2c3d", tmp_path / f".index.old-{dead}-0a1b2c3d"]
    running = tmp_path / f".index.new-{os.getppid()}-0a1b2c3d"  # a live process: its build may be running
    for folder in (*stale, running):
        folder.mkdir()
        (folder / "chunks.jsonl").write_text("half", encoding="utf-8")
    build_mini(mini_plans, target, hash_encoder)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["cache", "index", "plans", running.name])
    shutil.rmtree(running)


def test_missing_bm25_array_is_a_clear_error(index_copy):
    (index_copy / "bm25" / "data.csc.index.npy").unlink()
    with pytest.raises(IndexLoadError, match="incomplete: bm25/data.csc.index.npy is missing"):
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

    def broken_write(folder, stored, extra, *previous):
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
