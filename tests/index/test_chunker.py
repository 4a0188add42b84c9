"""Headings stay with their body: no chunk holds only headings."""

from __future__ import annotations

from index.chunker import pieces, split_text
from index.normalize import to_simplified
from index.outline import find_headings


def _chunks(text: str, max_chars: int = 500) -> list[str]:
    headings = find_headings(text, to_simplified(text), 0, len(text), [], [])
    return [text[a:b] for p in pieces(text, 0, len(text), headings, [], [], [])
            for a, b in split_text(text, p.start, p.end, max_chars)]


def test_a_chain_of_headings_joins_the_first_body():
    text = ("一、总体要求\n坚持稳中求进工作总基调，推动高质量发展。\n"
            "二、主要任务\n（一）完善应急管理组织指挥体系\n1.完善部门协调联动机制。加强涉灾部门之间协调配合和应急联动，"
            "健全工作规程，形成工作合力。\n2.完善军地协调联动机制。加强军地抢险救灾领域协同组织。")
    chunks = _chunks(text)
    assert chunks[1].startswith("二、主要任务\n（一）完善应急管理组织指挥体系\n1.完善部门协调联动机制。")
    assert all(not c.endswith("体系") for c in chunks)


def test_a_heading_line_is_not_left_alone_before_an_over_long_sentence():
    sentence = "高举中国特色社会主义伟大旗帜，" * 40 + "作出新的更大贡献。"  # 609 characters, one sentence
    text = "第一节 指导思想\n" + sentence
    spans = split_text(text, 0, len(text), 500)
    assert text[spans[0][0]:spans[0][1]].startswith("第一节 指导思想\n高举")
    assert all(b - a <= 500 for a, b in spans)
    assert "".join(text[a:b] for a, b in spans).replace("\n", "") == text.replace("\n", "")


def test_a_long_enough_lead_still_stands_alone():
    lead = "坚持稳中求进工作总基调，推动高质量发展，确保各项目标任务全面完成，全面提升城市治理体系和治理能力现代化水平。"
    text = lead * 2 + "\n" + "高举中国特色社会主义伟大旗帜，" * 40 + "。"
    spans = split_text(text, 0, len(text), 500)
    assert text[spans[0][0]:spans[0][1]] == lead * 2
