"""The library: incremental build, add, remove; what is kept, read again and embedded again."""

import json
import shutil

import numpy as np
import pytest
from conftest import SEEDS, HashEncoder, write_plans

from index.config import Config
from index.library import add_files, build, library_files, remove, scan, unique_name
from index.reuse import stored_vectors
from index.store import load_index

# no USE, no model; the context in front of each window: one encoder call per window
CONFIG = Config(encoder="hash-test", channels=("bm25", "dense"), dense_context_apart=False)
NEW_PLAN = "大连市邮政业规划\n\n一、发展目标\n快递业务量突破5亿件。\n二、主要任务\n建设智能快递柜2000组。\n"


@pytest.fixture
def library(tmp_path, mini_plans):
    """An index over the mini plans, with its hash encoder and cache."""
    encoder = HashEncoder()
    options = {"index": tmp_path / "index", "encoders": {"dense": encoder}, "cache": tmp_path / "cache"}
    build([mini_plans], config=CONFIG, **options)
    encoder.calls = 0
    return options, encoder


def manifest(options) -> dict:
    return json.loads((options["index"] / "manifest.json").read_text(encoding="utf-8"))


def sources(options) -> list[str]:
    return sorted({c.source for c in load_index(options["index"]).chunks})


def test_build_records_every_file_with_hash_path_and_documents(library, mini_plans):
    options, _ = library
    stored = load_index(options["index"])
    records = {r.source: r for r in library_files(stored)}
    assert sorted(records) == ["a.txt", "b.txt"]
    assert records["a.txt"].path == str((mini_plans / "a.txt").resolve())
    assert records["a.txt"].doc_ids == ("a",) and len(records["a.txt"].sha256) == 64
    assert manifest(options)["library"]["roots"] == [str(mini_plans.resolve())]


def test_an_unchanged_rebuild_reads_tokenises_and_embeds_nothing(library, monkeypatch):
    options, encoder = library
    before = (options["index"] / "chunks.jsonl").read_text(encoding="utf-8")
    monkeypatch.setattr("index.update.read_file", lambda path: pytest.fail(f"read {path}"))
    monkeypatch.setattr("index.tokenize.Tokenizer.tokenize", lambda self, text: pytest.fail(f"tokenised {text}"))
    report = build(**options)  # no paths: the recorded roots
    assert (report.unchanged, report.added, report.embedded) == (("a.txt", "b.txt"), (), {"dense": 0})
    assert encoder.calls == 0
    assert (options["index"] / "chunks.jsonl").read_text(encoding="utf-8") == before


def test_a_changed_file_is_replaced_and_a_deleted_one_disappears(library, mini_plans):
    options, encoder = library
    (mini_plans / "a.txt").write_text(NEW_PLAN, encoding="utf-8")
    (mini_plans / "b.txt").unlink()
    report = build(**options)
    assert (report.replaced, report.removed, report.documents) == (("a.txt",), ("b.txt",), 1)
    stored = load_index(options["index"])
    assert [d.title for d in stored.documents] == ["大连市邮政业规划"]
    assert encoder.calls == report.embedded["dense"] == len(stored.chunks)
    assert sorted(p.name for p in (options["index"] / "sources").iterdir()) == ["a.txt"]


def test_adding_a_file_embeds_only_its_windows_and_keeps_the_rest_as_stored(library, tmp_path):
    options, encoder = library
    before = load_index(options["index"])
    shutil.rmtree(options["cache"])  # the old vectors must come from the index itself
    new = tmp_path / "incoming" / "c.txt"
    write_plans(new.parent, {"c.txt": NEW_PLAN})
    stages = []
    report = add_files([new], progress=lambda source, stage: stages.append((source, stage)), **options)
    after = load_index(options["index"])
    added = [c for c in after.chunks if c.source == "c.txt"]
    assert report.added == ("c.txt",) and stages == [("c.txt", "reading"), ("c.txt", "chunking"),
                                                    ("c.txt", "embedding")]
    assert encoder.calls == report.embedded["dense"] == len(added) == 3
    assert after.chunks[: len(before.chunks)] == before.chunks
    old, grown = stored_vectors(before, "dense"), stored_vectors(after, "dense")
    assert all(np.array_equal(grown[text], vector) for text, vector in old.items())
    assert manifest(options)["library"]["roots"][-1] == str(new.resolve())


def test_adding_the_same_content_again_is_a_no_op(library, mini_plans, tmp_path):
    options, encoder = library
    copy = tmp_path / "elsewhere" / "a-copy.txt"
    copy.parent.mkdir()
    shutil.copy(mini_plans / "a.txt", copy)
    report = add_files([copy], **options)
    assert (report.added, report.unchanged, encoder.calls) == ((), ("a.txt",), 0)


def test_a_different_file_with_a_taken_name_is_added_under_its_folder(library, tmp_path):
    options, _ = library
    other = tmp_path / "other"
    write_plans(other, {"a.txt": NEW_PLAN})
    report = add_files([other], **options)
    assert report.added == ("other/a.txt",)
    assert sources(options) == ["a.txt", "b.txt", "other/a.txt"]
    docs = {d.doc_id: d for d in load_index(options["index"]).documents}
    assert docs["other/a"].source == "other/a.txt" and docs["a"].source == "a.txt"  # never replaced


def test_relative_names_keep_files_in_subfolders_distinct(tmp_path):
    root = tmp_path / "corpus"
    write_plans(root / "2021", {"plan.txt": NEW_PLAN})
    write_plans(root / "2024", {"plan.txt": NEW_PLAN.replace("大连", "青岛")})
    assert [name for _, name in scan([root])[0]] == ["2021/plan.txt", "2024/plan.txt"]
    report = build([root], index=tmp_path / "index", config=Config(channels=("bm25",)))
    stored = load_index(tmp_path / "index")
    assert report.documents == 2 and [d.doc_id for d in stored.documents] == ["2021/plan", "2024/plan"]
    assert (tmp_path / "index" / "sources" / "2024" / "plan.txt").read_text(encoding="utf-8").startswith("青岛")


def test_unique_name():
    assert unique_name("a.txt", {"b.txt"}) == "a.txt"
    assert unique_name("a.txt", {"a.txt"}, prefix="x") == "x/a.txt"
    assert unique_name("a.txt", {"a.txt", "x/a.txt", "a-2.txt"}, prefix="x") == "a-3.txt"


def test_remove_by_doc_id_by_source_and_by_path(library, mini_plans):
    options, encoder = library
    report = remove("b", **options)
    assert report.removed == ("b",) and sources(options) == ["a.txt"] and encoder.calls == 0
    assert build(**options).removed == ()  # excluded from the rescan: it stays out
    add_files([mini_plans / "b.txt"], **options)
    assert sources(options) == ["a.txt", "b.txt"]
    assert remove("b.txt", **options).removed == ("b.txt",)
    assert manifest(options)["library"]["excluded"] == [str((mini_plans / "b.txt").resolve())]


def test_removing_a_folder_forgets_it(library, tmp_path):
    options, _ = library
    write_plans(tmp_path / "more", {"c.txt": NEW_PLAN, "d.txt": NEW_PLAN.replace("大连", "青岛")})
    add_files([tmp_path / "more"], **options)
    report = remove(tmp_path / "more", **options)
    assert report.removed == ("c.txt", "d.txt") and sources(options) == ["a.txt", "b.txt"]
    library = manifest(options)["library"]
    assert str((tmp_path / "more").resolve()) not in library["roots"] and library["excluded"] == []


def test_removing_the_last_file_or_an_unknown_one_says_what_to_do(library, mini_plans):
    options, _ = library
    with pytest.raises(ValueError, match="nothing in the index matches 'zzz'"):
        remove("zzz", **options)
    remove("a", **options)
    with pytest.raises(ValueError, match="leave the index empty"):
        remove(mini_plans, **options)


def test_an_unreadable_file_is_reported_and_the_rest_added(library, tmp_path):
    options, _ = library
    folder = tmp_path / "mixed"
    write_plans(folder, {"c.txt": NEW_PLAN})
    (folder / "broken.txt").write_bytes(bytes(range(1, 9)) * 100)
    report = add_files([folder], **options)
    assert report.added == ("c.txt",) and sources(options) == ["a.txt", "b.txt", "c.txt"]
    assert [(f.name, f.status) for f in report.files] == [("broken.txt", "skipped"), ("c.txt", "taken")]
    assert report.problems == (f"broken.txt: skipped: {report.files[0].reason}",)
    assert "binary" in report.files[0].reason
    report_files = {e["file"]: e["status"] for e in manifest(options)["report"]}
    assert report_files == {"a.txt": "taken", "b.txt": "taken", "c.txt": "taken", "broken.txt": "skipped"}


def test_an_index_built_without_records_can_be_added_to(mini_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(mini_index, index)
    write_plans(tmp_path / "new", {"c.txt": NEW_PLAN})
    encoders = {"dense": HashEncoder(), "use": HashEncoder()}
    report = add_files([tmp_path / "new"], index=index, encoders=encoders, cache=tmp_path / "cache")
    assert report.added == ("c.txt",) and report.documents == 3
    # the old vectors came from the FAISS files; both channels run the hash encoder, so "use" finds
    # the new windows already embedded by "dense"
    assert report.embedded == {"dense": 3, "use": 0}
    # the old files have no path to rescan: kept; c.txt joined files read by unknown code: read again
    again = build(index=index, encoders=encoders, cache=tmp_path / "cache")
    assert (again.unchanged, again.replaced, again.removed, again.documents) == (("a.txt", "b.txt"), ("c.txt",), (), 3)


def test_the_passage_and_its_source_text_survive_the_original_moving(library, mini_plans):
    from search.engine import Engine

    options, _ = library
    shutil.rmtree(mini_plans)
    engine = Engine.load(options["index"], build_if_missing=False, encoders={"dense": HashEncoder()})
    chunk = next(c for c in engine.chunks if "抽检量" in c.text)
    assert [c.chunk_id for c in engine.show(chunk.chunk_id, context=0)] == [chunk.chunk_id]
    assert engine.source_text("a.txt")[chunk.start:chunk.end] == chunk.text


@pytest.mark.model
def test_adding_a_plan_to_the_seeds_index_embeds_only_its_windows(tmp_path):
    from index.build import dense_units
    from index.encoders import get_encoder

    class Counting:
        def __init__(self, encoder):
            self.inner, self.name, self.dim, self.calls = encoder, encoder.name, encoder.dim, 0

        def encode(self, texts):
            self.calls += len(texts)
            return self.inner.encode(texts)

    config = Config(channels=("bm25", "dense"))
    build([SEEDS], index=tmp_path / "index", config=config)  # the shared cache: cheap after the first run
    plan = tmp_path / "new" / "dalian.txt"
    write_plans(plan.parent, {"dalian.txt": NEW_PLAN})
    encoder = Counting(get_encoder(config.encoder))
    report = add_files([plan], index=tmp_path / "index", encoders={"dense": encoder}, cache=tmp_path / "empty")
    new_chunks = [c for c in load_index(tmp_path / "index").chunks if c.source == "dalian.txt"]
    assert report.added == ("dalian.txt",) and report.documents == 15
    contexts = {c.context for c in new_chunks if c.context}  # each embedded once, apart
    assert encoder.calls - len(contexts) == len(dense_units(new_chunks, config.dense_window)[0]) == report.embedded["dense"]


def test_the_command_line_adds_and_removes(mini_plans, tmp_path, register_hash_encoder, capsys, monkeypatch):
    from search import cli

    monkeypatch.setenv("PLANQA_CACHE", str(tmp_path / "cache"))
    index = tmp_path / "index"
    write_plans(tmp_path / "new", {"c.txt": NEW_PLAN})
    runs = [["build", mini_plans, "--encoder", "hash-test", "--channels", "bm25,dense"],
            ["add", tmp_path / "new", "--json"], ["remove", "b.txt"], ["build"]]
    outputs = []
    for argv in runs:
        assert cli.main([str(a) for a in [*argv, "--index", index, "--quiet"]]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0].startswith("Indexed 2 documents, 7 chunks") and "(2 added; " in outputs[0]
    assert json.loads(outputs[1])["added"] == ["c.txt"]
    assert "(1 removed; 0 texts embedded)" in outputs[2]
    assert outputs[3].startswith("Indexed 2 documents, ") and "(2 unchanged; 0 texts embedded)" in outputs[3]
