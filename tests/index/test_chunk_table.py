"""ChunkTable: the chunks of ``chunks.jsonl`` as a read-only sequence, parsed line by line when read."""

import json

import pytest

from index.chunk_table import ChunkTable
from index.types import Chunk

CHUNKS = [
    Chunk("c0", "d0", "上海市食品安全规划", ("一、目标",), "抽检量达到10批次/千人。", "a.txt", 0, 13,
          context="上海市食品安全规划 › 一、目标"),
    Chunk("c1", "d0", "上海市食品安全规划", ("二、任务", "（一）监管"), "强化“从农田到餐桌”全过程监管。", "a.txt", 13, 29,
          kind="box", pages=(2, 3)),
    Chunk("c2", "d1", "Plan", (), "Line one\nline two", "b.md", 0, 17, ocr=True),
]


def write(path, chunks, blank: str = "", final_newline: bool = True) -> None:
    lines = [json.dumps(c.to_dict(), ensure_ascii=False) for c in chunks]
    text = ("\n" + blank).join(lines) + ("\n" if final_newline else "")
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def table(tmp_path) -> ChunkTable:
    write(tmp_path / "chunks.jsonl", CHUNKS)
    return ChunkTable(tmp_path / "chunks.jsonl")


def test_rows_are_the_chunks_written(table):
    assert len(table) == 3
    assert [table[i] for i in range(3)] == CHUNKS
    assert table == CHUNKS and table == tuple(CHUNKS) and table != CHUNKS[:2]
    assert table[1].section_path == ("二、任务", "（一）监管") and table[1].pages == (2, 3)
    assert table[2].text == "Line one\nline two"  # a newline inside a text is escaped, not a line break


def test_slices_and_negative_rows(table):
    assert table[1:] == CHUNKS[1:]
    assert table[::2] == [CHUNKS[0], CHUNKS[2]]
    assert table[5:9] == []
    assert table[-1] == CHUNKS[2] and table[-3] == CHUNKS[0]


@pytest.mark.parametrize("row", [3, -4, 100])
def test_rows_out_of_range_raise_index_error(table, row):
    with pytest.raises(IndexError, match=r"out of range \(the index has 3 chunks\)"):
        table[row]


def test_iteration_and_membership_follow_the_file(table):
    assert list(table) == CHUNKS
    assert list(reversed(table)) == CHUNKS[::-1]
    assert CHUNKS[1] in table and table.index(CHUNKS[2]) == 2
    assert table + [CHUNKS[0]] == [*CHUNKS, CHUNKS[0]]


@pytest.mark.parametrize("blank", ["\n", "\n\n", "\r\n", "  \n"])
def test_blank_lines_are_not_chunks(tmp_path, blank):
    write(tmp_path / "chunks.jsonl", CHUNKS, blank=blank)
    (tmp_path / "chunks.jsonl").write_bytes(blank.encode() + (tmp_path / "chunks.jsonl").read_bytes() + blank.encode())
    table = ChunkTable(tmp_path / "chunks.jsonl")
    assert len(table) == 3 and list(table) == CHUNKS and table[-1] == CHUNKS[2]


def test_a_file_without_its_final_newline(tmp_path):
    write(tmp_path / "chunks.jsonl", CHUNKS, final_newline=False)
    table = ChunkTable(tmp_path / "chunks.jsonl")
    assert len(table) == 3 and table[-1] == CHUNKS[2] and list(table) == CHUNKS


def test_empty_file_is_an_empty_table(tmp_path):
    (tmp_path / "chunks.jsonl").write_bytes(b"")
    table = ChunkTable(tmp_path / "chunks.jsonl")
    assert len(table) == 0 and list(table) == [] and table == []
    with pytest.raises(IndexError):
        table[0]


def test_is_read_only_and_unhashable(table):
    with pytest.raises(TypeError):
        table[0] = CHUNKS[1]
    with pytest.raises(TypeError):
        hash(table)
    assert repr(table).endswith("chunks.jsonl', 3 chunks)")
