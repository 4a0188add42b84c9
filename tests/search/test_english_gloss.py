"""English glosses of a Chinese answer's indicator and unit (issue 12, item 5)."""

from __future__ import annotations

import pytest

from search.english_gloss import indicator_english, table_gloss, unit_english, unit_table
from search.glossary import DEFAULT_GLOSSARY, Glossary, default_glossary

SMALL = Glossary.parse(
    "food sampling\t食品抽检|抽检\ncoverage\t覆盖率|覆盖\npass rate\t合格率\nper 10,000 people\t每万人|万人\n"
    "invention patents\t发明专利\nhigh-value patents\t高价值发明专利\nbillion yuan\t亿元\n"
)


def test_the_glossary_glosses_back_by_first_rendering():
    english = SMALL.english()
    assert english["食品抽检"] == "food sampling" and english["抽检"] == "food sampling"
    assert english["每万人"] == "per 10,000 people"


def test_indicator_names_are_glossed_piece_by_piece_per_last():
    assert indicator_english("食品抽检覆盖率(批次/千人)", SMALL) == "food sampling coverage"
    assert indicator_english("每万人高价值发明专利拥有量", SMALL) == "high-value patents per 10,000 people"
    assert indicator_english("食品抽检合格率", SMALL) == "food sampling pass rate"
    # less than three quarters of the name covered: no gloss rather than half of one
    assert indicator_english("基本药物评价性抽检合格率", SMALL) == ""


def test_units_come_from_their_own_table():
    assert unit_english("亿元") == "100 million yuan"  # not the glossary's "billion yuan"
    assert unit_english("批次/千人") == "batches per 1,000 people"
    assert unit_english("微克/立方米") == "µg/m³"
    assert unit_english("(%)") == "%"
    assert unit_english("个") == "number"
    assert unit_english("尺") == ""
    assert len(unit_table()) >= 60


def test_table_rows_get_indicator_and_unit():
    header = ("序号", "指标", "单位", "2020年", "2025年", "属性")
    assert table_gloss(header, ("12", "食品抽检覆盖率", "批次/千人", "4", "5", "约束性"), SMALL) == (
        ("indicator", "food sampling coverage"), ("unit", "batches per 1,000 people"))
    # the unit in the name's bracket when there is no unit column
    assert table_gloss(("序号", "指标", "2025年"), ("3", "食品抽检覆盖率(批次/千人)", "5"), SMALL) == (
        ("indicator", "food sampling coverage"), ("unit", "batches per 1,000 people"))
    assert table_gloss(("指标", "2025年"), ("基本药物评价性抽检合格率", "99"), SMALL) == ()


@pytest.mark.skipif(not DEFAULT_GLOSSARY.is_file(), reason="packaged glossary not written yet")
def test_packaged_glossary_glosses_seed_indicators():
    g = default_glossary()
    assert table_gloss(("类别", "主要指标", "单位", "2025年规划目标值"), ("", "每万人高价值发明专利拥有量", "件", "10"), g) == (
        ("indicator", "high-value patents per 10,000 people"), ("unit", "items"))
    assert table_gloss(("序号", "指标", "2025年", "属性"), ("32", "社康中心总数(个)", "99", "约束性"), g) == (
        ("indicator", "community health centers total number"), ("unit", "number"))
    assert table_gloss(("指标", "单位", "2020", "2025"), ("电子商务交易额", "亿元", "30112.17", "38500"), g) == (
        ("indicator", "e-commerce transaction volume"), ("unit", "100 million yuan"))


def test_question_mapping_lists_every_bridged_term_once():
    from search.english_gloss import question_mapping

    e = SMALL.expand("food sampling coverage and food sampling pass rate per 10,000 people, 2025")
    assert question_mapping(e) == (
        ("food sampling", ("食品抽检", "抽检")), ("coverage", ("覆盖率", "覆盖")), ("pass rate", ("合格率",)),
        ("per 10,000 people", ("每万人", "万人")))
    assert question_mapping(None) == ()


def test_an_answer_is_glossed_by_its_table_row_or_its_sentence():
    from search.english_gloss import answer_gloss
    from search.types import Answer, Citation, TableAnswer

    citation = Citation("d1", "深圳市规划", ("深圳市规划",), "a.txt", 0, 10)
    row = TableAnswer(("指标", "单位", "2025年"), ("食品抽检覆盖率", "批次/千人", "5"), 2)
    in_table = Answer("食品抽检覆盖率 | 批次/千人 | 5", "c1", 0, 10, citation, 1.0, table=row)
    assert answer_gloss(in_table, SMALL) == (("indicator", "food sampling coverage"),
                                             ("unit", "batches per 1,000 people"))
    sentence = Answer("到2025年地区生产总值达到1.2万亿元,人均超过8万元。", "c1", 0, 10, citation, 1.0)
    assert answer_gloss(sentence, SMALL, indicator="食品抽检覆盖率") == (
        ("indicator", "food sampling coverage"), ("unit", unit_english("万亿元")), ("unit", unit_english("万元")))
    assert answer_gloss(sentence, SMALL, indicator="没有的指标名称") == answer_gloss(sentence, SMALL)[0:2]


@pytest.mark.model
def test_an_english_question_s_answer_says_what_it_was_read_as(engine):
    """Issue 12 item 5 end to end: every question word with its Chinese, the indicator and unit in English,
    on the JSON, the text lines and the answer card; a Chinese question carries neither."""
    from search import render
    from search.ask_output import answer_lines

    result = engine.ask("How many high-value invention patents per 10,000 people will Huzhou have by 2025?")
    answer = result.answer
    assert answer is not None and answer.table is not None
    assert ("Huzhou", ("湖州", "湖州市")) in answer.read_as
    assert answer.gloss == (("indicator", "high-value patents per 10,000 people"), ("unit", "items"))
    as_json = result.to_dict()["answer"]
    assert as_json["gloss"] == [{"field": "indicator", "english": "high-value patents per 10,000 people"},
                                {"field": "unit", "english": "items"}]
    assert {"english": "Huzhou", "chinese": ["湖州", "湖州市"]} in as_json["read_as"]
    lines = answer_lines(result)
    assert "    In English: indicator: high-value patents per 10,000 people; unit: items" in lines
    assert any(line.startswith("    Read as: ") and "Huzhou → 湖州/湖州市" in line for line in lines)
    card = render.answer_card(answer, result.hits)
    assert '<div class="pq-gloss">In English: indicator: <b>high-value patents per 10,000 people</b>' in card
    assert "Huzhou → 湖州/湖州市" in card
    chinese = engine.ask("湖州到2025年每万人高价值发明专利拥有量是多少")
    assert chinese.answer is not None and chinese.answer.read_as == () and chinese.answer.gloss == ()
