"""Encoding detection and bad files."""

from __future__ import annotations

import codecs

import pytest

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


def test_binary_and_empty_files_are_named_and_skipped(tmp_path):
    (tmp_path / "a_good.txt").write_text(TEXT, encoding="gb18030")
    (tmp_path / "b_binary.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "c_empty.txt").write_bytes(b"")
    (tmp_path / "d_latin.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    files, errors = read_paths([tmp_path])
    assert [f.name for f in files] == ["a_good.txt"]
    assert files[0].text == TEXT and files[0].encoding == "gb18030"
    assert len(errors) == 3
    assert "b_binary.txt" in errors[0] and "binary" in errors[0]
    assert "c_empty.txt" in errors[1] and "empty" in errors[1]
    assert "d_latin.txt" in errors[2]


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_paths([tmp_path / "nope"])


def test_decode_error_is_a_value_error():
    with pytest.raises(SourceError, match="re-save it as UTF-8"):
        decode("caf\xe9 cr\xe8me br\xfbl\xe9e, d\xe9j\xe0 vu".encode("latin-1"))
