"""``planqa check``: every file hashed against the manifest; each kind of tampering named."""

from __future__ import annotations

import shutil

import pytest

from index.check import verify_index


@pytest.fixture
def index_copy(mini_index, tmp_path):
    return shutil.copytree(mini_index, tmp_path / "index")


def test_a_sound_index_checks_out(index_copy):
    report = verify_index(index_copy)
    assert report.ok and report.problems == ()
    assert report.files == len([p for p in index_copy.rglob("*") if p.is_file()]) - 1  # all but the manifest
    assert len(report.build_id) == 32 and report.build_time


@pytest.mark.parametrize("name", ["sources/a.txt", "dense.hash-test.faiss", "quote/grams.npy", "chunks.jsonl"])
def test_a_flipped_byte_anywhere_is_named(index_copy, name):
    file = index_copy / name
    raw = bytearray(file.read_bytes())
    raw[len(raw) // 2] ^= 0x01  # same size: only the checksum can tell
    file.write_bytes(bytes(raw))
    report = verify_index(index_copy)
    assert not report.ok
    assert report.problems[0] == f"{name}: checksum differs (edited or replaced)"
    assert report.problems[-1].endswith("cannot be trusted; rebuild with `planqa build`")


def test_missing_and_added_files_are_named(index_copy):
    (index_copy / "sections.jsonl").unlink()
    (index_copy / "sources" / "extra.txt").write_text("新文件", encoding="utf-8")
    problems = verify_index(index_copy).problems
    assert "sections.jsonl: missing" in problems
    assert "sources/extra.txt: not part of the index (added after the build)" in problems


def test_what_an_interrupted_add_left_is_a_note_not_a_problem(index_copy, capsys):
    """A killed ``planqa add`` leaves its segment and temp manifest unlisted; the listed index is whole."""
    from search.cli import main

    (index_copy / "segments" / "0002-1f2e3d4c").mkdir(parents=True)
    (index_copy / "segments" / "0002-1f2e3d4c" / "chunks.jsonl").write_text("{}\n", encoding="utf-8")
    (index_copy / "dense.hash-test.0002-1f2e3d4c.faiss").write_bytes(b"half")
    (index_copy / ".manifest.json.4242-89abcdef").write_text("{", encoding="utf-8")
    report = verify_index(index_copy)
    assert report.ok and report.problems == ()
    assert report.notes == (
        ".manifest.json.4242-89abcdef: left by an interrupted add, not part of the index (the next update removes it)",
        "dense.hash-test.0002-1f2e3d4c.faiss: left by an interrupted add, not part of the index "
        "(the next update removes it)",
        "segments/0002-1f2e3d4c/chunks.jsonl: left by an interrupted add, not part of the index "
        "(the next update removes it)",
    )
    assert main(["check", "--index", str(index_copy)]) == 0
    assert capsys.readouterr().err.count("planqa check: note: ") == 3


def test_no_index_is_a_clear_problem(tmp_path):
    report = verify_index(tmp_path / "nowhere")
    assert not report.ok and "no planqa index at" in report.problems[0]


def test_the_cli_exit_code_says_whether_the_index_is_sound(index_copy, capsys):
    from search.cli import main

    assert main(["check", "--index", str(index_copy)]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    (index_copy / "sources" / "b.txt").write_text("改过的文字", encoding="utf-8")
    assert main(["check", "--index", str(index_copy)]) == 1
    assert "sources/b.txt: checksum differs" in capsys.readouterr().err
