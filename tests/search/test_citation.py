"""Citation strings, offsets back to the source file, neighbouring passages, source texts; seeds citations."""

from __future__ import annotations

import pytest

from index.clean import clean
from index.types import Chunk
from search.citation import SourceTexts, format_citation, neighbours, text_to_original
from search.types import Citation

SOURCE = "标题\n\n一、目标\n到2025年，抽检量达到10批次/千人。\n\n\n  监管能力[公*#~&文%思享公众号]显著增强。\n二、任务\n建立体系。\n"


def chunk_of(first: str, last: str, path: tuple[str, ...], chunk_id: str, title: str = "标题") -> Chunk:
    start = SOURCE.index(first)
    end = SOURCE.index(last, start) + len(last)
    return Chunk(chunk_id, "doc-1", title, path, clean(SOURCE[start:end]).text, "plan.txt", start, end)


def test_citation_string_title_path_and_location():
    c = Citation("d", "深圳市食品药品安全“十四五”规划(公开征求意见稿)", ("二、指导思想和主要目标", "（二）主要目标"),
                 "000.txt", 116514, 116824)
    # a draft says so after its name, never reading as the adopted plan
    assert format_citation(c, location=False) == (
        "《深圳市食品药品安全“十四五”规划》（公开征求意见稿）二、指导思想和主要目标 › （二）主要目标")
    assert format_citation(c) == str(c) == (
        "《深圳市食品药品安全“十四五”规划》（公开征求意见稿）二、指导思想和主要目标 › （二）主要目标 [000.txt:116514-116824]"
    )
    # a PDF passage names its pages
    pdf = Citation("d", "标题", ("一、目标",), "plan.pdf", 10, 90, (2, 3))
    assert pdf.head() == "《标题》一、目标, pp. 2–3" and Citation("d", "标题", (), "p.pdf", 0, 1, (4,)).head() == "《标题》, p. 4"
    assert Citation("d", "标题", (), "scan.pdf", 0, 1, (1,), ocr=True).head() == "《标题》, p. 1 (OCR)"
    # the title is not repeated when a section path starts with it
    assert Citation("d", "标题", ("标题", "一、目标"), "f.txt", 0, 5).head() == "《标题》一、目标"


def test_text_offsets_map_back_through_folded_whitespace_and_noise():
    chunk = chunk_of("一、目标", "显著增强。", ("一、目标",), "c1")
    assert chunk.text == "一、目标\n到2025年，抽检量达到10批次/千人。\n监管能力显著增强。"
    a = chunk.text.index("监管")
    b = chunk.text.index("。", a) + 1
    start, end = text_to_original(chunk, a, b, {"plan.txt": SOURCE}.get)
    assert SOURCE[start:end] == "监管能力[公*#~&文%思享公众号]显著增强。"
    assert clean(SOURCE[start:end]).text == chunk.text[a:b]
    # without the source: counted from the chunk start (exact only before the first cleaned character)
    assert text_to_original(chunk, 0, 4) == (chunk.start, chunk.start + 4)
    assert Citation.of(chunk, start, end) == Citation("doc-1", "标题", ("一、目标",), "plan.txt", start, end)
    with pytest.raises(ValueError, match="bad range"):
        text_to_original(chunk, 5, 5)


def test_neighbours_are_from_the_same_section_in_file_order():
    chunks = [
        Chunk("a", "d", "T", ("一、目标",), "A", "f", 0, 10),
        Chunk("c", "d", "T", ("一、目标", "表1"), "C", "f", 20, 30),
        Chunk("b", "d", "T", ("一、目标",), "B", "f", 10, 20),
        Chunk("x", "d", "T", ("二、任务",), "X", "f", 30, 40),
        Chunk("y", "e", "T2", ("一、目标",), "Y", "g", 0, 10),
    ]
    assert [c.chunk_id for c in neighbours(chunks, "b", 1)] == ["a", "b", "c"]
    assert [c.chunk_id for c in neighbours(chunks, "a", 0)] == ["a"]
    assert [c.chunk_id for c in neighbours(chunks, "c", 5)] == ["c"]  # a table's neighbours: the table
    with pytest.raises(ValueError, match="no passage with chunk_id"):
        neighbours(chunks, "nope")
    with pytest.raises(ValueError, match="context"):
        neighbours(chunks, "a", -1)


def test_source_texts_are_verified_against_the_chunks(tmp_path):
    chunk = chunk_of("一、目标", "显著增强。", ("一、目标",), "c1")
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir()
    bad.mkdir()
    (good / "plan.txt").write_text(SOURCE, encoding="utf-8")
    (bad / "plan.txt").write_text(SOURCE.replace("10批次", "20批次"), encoding="utf-8")
    assert SourceTexts([chunk], [bad, good])("plan.txt") == SOURCE
    assert SourceTexts([chunk], [bad])("plan.txt") is None
    assert SourceTexts([chunk], [good])("other.txt") is None


# --- the seeds
def _chunk_with(engine, needle: str) -> Chunk:
    return next(c for c in engine.chunks if needle in c.text)


@pytest.mark.model
def test_seeds_citation_of_a_003_passage(engine):
    chunk = _chunk_with(engine, "PM2.5年均浓度低于20微克/立方米")
    citation = Citation.of(chunk)
    assert format_citation(citation, location=False) == (
        "《深圳市国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要》"
        "第一篇 开启中国特色社会主义先行示范区建设新征程 › 第二章 指导方针 › 第四节 “十四五”发展目标"
    )
    assert str(citation).endswith(f" [003_79343c809ff40c02.txt:{chunk.start}-{chunk.end}]")
    assert clean(engine.source_text(chunk.source)[chunk.start:chunk.end]).text == chunk.text


@pytest.mark.model
def test_seeds_citation_of_a_000_passage(engine):
    chunk = _chunk_with(engine, "食用农产品和食品抽检量达到10批次/千人")
    assert format_citation(Citation.of(chunk), location=False) == (
        "《深圳市食品药品安全“十四五”规划》（公开征求意见稿）二、指导思想和主要目标 › （二）主要目标"
    )
    assert chunk.source == "000_67948c9818ef1510.txt"


@pytest.mark.model
def test_seeds_show_passage_with_context(engine):
    chunk = _chunk_with(engine, "食用农产品和食品抽检量达到10批次/千人")
    shown = engine.show(chunk.chunk_id, context=1)
    assert chunk in shown and len(shown) <= 3
    assert all(c.section_path[: len(chunk.section_path)] == chunk.section_path for c in shown)
    assert [c.start for c in shown] == sorted(c.start for c in shown)
