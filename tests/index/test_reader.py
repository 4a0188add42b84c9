"""Reading files and folders: encodings, the per-file report, names relative to the folder, symlinks."""

from __future__ import annotations

import codecs
import os

import pytest

from index.formats import sniff
from index.formats.doc import _clean_lines, _clean_segments
from index.reader import SourceError, decode, read_paths

TEXT = "深圳市食品药品安全“十四五”规划\n一、发展基础\n食品抽检量达到10批次/千人。"


@pytest.mark.parametrize("raw, encoding", [
    (TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    (TEXT.encode("gb18030"), "gb18030"),
    (TEXT.encode("gbk"), "gb18030"),
    (TEXT.encode("utf-16"), "utf-16"),
    (TEXT.encode("utf-16-le"), "utf-16-le"),
])
def test_decodes_each_encoding(raw, encoding):
    assert decode(raw) == (TEXT, encoding)


def test_big5_is_told_from_gb18030():
    text = "臺北市政府關於推動智慧城市發展計畫的通知\n一、計畫目標\n到二零二五年，建置公共無線網路熱點三千處。"
    assert decode(text.encode("big5")) == (text, "big5")


def test_gb18030_file_without_bom_and_line_ends(tmp_path):
    (tmp_path / "plan.txt").write_bytes(TEXT.replace("\n", "\r\n").encode("gb18030"))
    (tmp_path / "old_mac.txt").write_bytes(TEXT.replace("\n", "\r").encode("utf-8"))
    files, reports = read_paths([tmp_path])
    assert [(f.name, f.text, f.encoding) for f in files] == [("old_mac.txt", TEXT, "utf-8"),
                                                             ("plan.txt", TEXT, "gb18030")]
    assert [r.status for r in reports] == ["taken", "taken"]


def test_every_skipped_file_is_reported_with_its_reason(tmp_path):
    (tmp_path / "a_good.txt").write_text(TEXT, encoding="gb18030")
    (tmp_path / "b_binary.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "c_empty.txt").write_bytes(b"")
    (tmp_path / "d_latin.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    (tmp_path / "e_blank.md").write_text(" \n\t\n", encoding="utf-8")
    (tmp_path / "f_photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (tmp_path / "g_sheet.xlsx").write_bytes(_zip({"xl/workbook.xml": "<workbook/>"}))
    files, reports = read_paths([tmp_path])
    assert [f.name for f in files] == ["a_good.txt"]
    assert files[0].text == TEXT and files[0].encoding == "gb18030"
    assert [(r.name, r.status) for r in reports] == [
        ("a_good.txt", "taken"), ("b_binary.txt", "skipped"), ("c_empty.txt", "skipped"),
        ("d_latin.txt", "skipped"), ("e_blank.md", "skipped"), ("f_photo.png", "skipped"),
        ("g_sheet.xlsx", "skipped")]
    reasons = [r.reason for r in reports[1:]]
    assert "binary" in reasons[0] and "empty" in reasons[1] and "re-save it as UTF-8" in reasons[2]
    assert "empty" in reasons[3]
    assert reasons[4] == "is a PNG image, not a document planqa reads; OCR it or export its text first"
    assert reasons[5].startswith("is a spreadsheet")
    assert reports[1].message.startswith("b_binary.txt: skipped: looks like a binary file")
    assert reports[0].message == f"a_good.txt: taken (text, {len(TEXT)} characters)"


def _zip(members: dict[str, str]) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return out.getvalue()


def test_same_named_files_in_subfolders_stay_distinct(tmp_path):
    for folder, body in [("a", "甲市规划\n一、目标\n甲。"), ("b", "乙市规划\n一、目标\n乙。")]:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "plan.txt").write_text(body, encoding="utf-8")
    (tmp_path / "top.txt").write_text(TEXT, encoding="utf-8")
    files, _ = read_paths([tmp_path])
    assert [f.name for f in files] == ["a/plan.txt", "b/plan.txt", "top.txt"]
    files, _ = read_paths([tmp_path / "a" / "plan.txt"])  # a file named directly: its own name
    assert [f.name for f in files] == ["plan.txt"]

    from index.config import Config
    from index.corpus import ingest_file

    ids = [d.doc_id for f in read_paths([tmp_path])[0] for d in ingest_file(f, Config())[0]]
    assert ids == ["a/plan", "b/plan", "top"]


def test_symlink_leaving_the_folder_is_not_followed(tmp_path):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("机密内容，不应被索引。", encoding="utf-8")
    (corpus / "plan.txt").write_text(TEXT, encoding="utf-8")
    os.symlink(outside / "secret.txt", corpus / "link.txt")
    os.symlink(outside, corpus / "linked_folder")
    os.symlink(corpus / "plan.txt", corpus / "alias.txt")  # inside the folder: read once, where it lies
    files, reports = read_paths([corpus])
    assert [f.name for f in files] == ["plan.txt"]
    skipped = {r.name: r.reason for r in reports if r.status == "skipped"}
    assert set(skipped) == {"link.txt", "linked_folder"}
    assert skipped["link.txt"] == f"a symlink leading outside the folder ({outside / 'secret.txt'}); not followed"


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_paths([tmp_path / "nope"])


def test_decode_error_is_a_value_error():
    with pytest.raises(SourceError, match="re-save it as UTF-8"):
        decode("caf\xe9 cr\xe8me br\xfbl\xe9e, d\xe9j\xe0 vu".encode("latin-1"))


@pytest.mark.parametrize("raw, fmt", [
    (b"%PDF-1.7\n...", "pdf"), (b"<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
    ("一、目标".encode(), "text"),
])
def test_kind_by_content(raw, fmt):
    assert sniff(raw, "file.txt") == fmt


def test_converter_mojibake_lines_are_left_out():
    text = "一、总体要求\n‡\nƒ、走在前列”的新使命新要求\n（二）主要目标。围绕助力构建新发展格局。\nN§~Lˆ\n"
    lines, total = _clean_lines(text)
    assert [x for x in lines if x] == ["一、总体要求", "（二）主要目标。围绕助力构建新发展格局。"]
    assert total == 5


def test_converter_mojibake_keeps_the_runs_of_chinese_text():
    text = "一、总体要求\n‡\nƒ、走在前列”的新使命新要求\n:Sú^¾‹ÿ 保险机构在自贸区内设立分支机构。\nN§~Lˆ\n经济增长 27 · 7％。\n"
    lines, damaged = _clean_segments(text)
    assert [x for x in lines if x] == ["一、总体要求", "走在前列”的新使命新要求", "保险机构在自贸区内设立分支机构。",
                                       "经济增长 27 · 7％。"]
    assert damaged == 4


def test_decode_errors_say_where_the_file_goes_wrong():
    """The byte offset (from the file's start) and line of the first byte that is not UTF-8, and where
    GB18030 fails too: what a person looks for in an editor or a hex dump."""
    raw = "第一行\n第二行 ".encode() + b"\xff\xfe\xff" + "。".encode()
    with pytest.raises(SourceError) as failed:
        decode(raw, "bad.txt")
    start = len("第一行\n第二行 ".encode())  # 20: the first 0xff
    assert str(failed.value) == (f"bad.txt: is neither UTF-8 (not from byte {start} (0xff), line 2), UTF-16, "
                                 "GB18030/GBK nor Big5; re-save it as UTF-8")
