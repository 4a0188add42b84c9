"""DOCX reading on a document the test writes with python-docx: Word automatic numbering, headings, tables."""

from __future__ import annotations

import io

import pytest

pytest.importorskip("docx")

from index.formats.docx import chinese_number, read_docx  # noqa: E402
from index.reader import read_paths  # noqa: E402

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _numbering(document) -> str:
    """Add a three-level list 一、 / （一） / 1. to the document's numbering part; returns its numId."""
    from docx.oxml import parse_xml

    part = document.part.numbering_part.element
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
        f'<w:suff w:val="nothing"/></w:lvl>'
        for i, (fmt, text) in enumerate([("chineseCounting", "%1、"), ("chineseCounting", "（%2）"),
                                         ("decimal", "%3.")]))
    part.insert(0, parse_xml(f'<w:abstractNum xmlns:w="{W}" w:abstractNumId="90">{levels}</w:abstractNum>'))
    part.append(parse_xml(f'<w:num xmlns:w="{W}" w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    return "90"


def _numbered(paragraph, num_id: str, level: int) -> None:
    from docx.oxml import parse_xml

    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr xmlns:w="{W}"><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def make_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("某市数字经济发展规划", style="Title")
    num = _numbering(document)
    for level, text in [(0, "发展基础"), (1, "主要成效"), (2, "数字产业规模达到1000亿元。"), (2, "建成5G基站2万个。"),
                        (1, "存在问题"), (0, "主要任务"), (1, "建设数字基础设施")]:
        _numbered(document.add_paragraph(text), num, level)
    document.add_heading("保障措施", level=2)
    document.add_paragraph("加强组织领导。")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([("指标", "2020年", "2025年"), ("数字经济核心产业增加值（亿元）", "800", "1500"),
                             ("5G基站（万个）", "1", "3")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


EXPECTED = """某市数字经济发展规划
一、发展基础
（一）主要成效
1.数字产业规模达到1000亿元。
2.建成5G基站2万个。
（二）存在问题
二、主要任务
（一）建设数字基础设施
保障措施
加强组织领导。
| 指标 | 2020年 | 2025年 |
| 数字经济核心产业增加值（亿元） | 800 | 1500 |
| 5G基站（万个） | 1 | 3 |
"""


def test_automatic_numbering_headings_and_table():
    extracted = read_docx(make_docx(), "plan.docx")
    assert extracted.text == EXPECTED
    assert extracted.title_hint == "某市数字经济发展规划"
    heading = next(b for b in extracted.blocks if b.kind == "heading" and b.level == 2)
    assert extracted.text[heading.start:heading.end] == "保障措施"
    rows = [b for b in extracted.blocks if b.kind == "row"]
    assert [b.where for b in rows] == ["t1r1", "t1r2", "t1r3"]
    assert extracted.text[rows[1].start:rows[1].end] == "| 数字经济核心产业增加值（亿元） | 800 | 1500 |"


def test_read_by_content_whatever_the_extension(tmp_path):
    (tmp_path / "plan.txt").write_bytes(make_docx())  # a Word file with the wrong extension
    files, reports = read_paths([tmp_path])
    assert (files[0].fmt, files[0].text) == ("docx", EXPECTED)
    assert reports[0].status == "taken"


def test_document_outline_from_numbering(tmp_path):
    from index.config import Config
    from index.corpus import ingest_file

    (tmp_path / "plan.docx").write_bytes(make_docx())
    files, _ = read_paths([tmp_path])
    docs, sections, chunks = ingest_file(files[0], Config())
    assert [d.title for d in docs] == ["某市数字经济发展规划"]
    paths = {s.path for s in sections}
    assert ("一、发展基础", "（一）主要成效") in paths and ("二、主要任务", "（一）建设数字基础设施") in paths


@pytest.mark.parametrize("n, text", [(1, "一"), (10, "十"), (15, "十五"), (21, "二十一"), (100, "一百"),
                                     (105, "一百零五"), (110, "一百一十")])
def test_chinese_counting(n, text):
    assert chinese_number(n) == text
