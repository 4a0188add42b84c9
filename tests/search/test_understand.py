"""Question understanding: places (gazetteer + document regions, Chinese and English), period, aim."""

from __future__ import annotations

from index.types import Document
from search.understand import analyse, has_content

DOCS = [
    Document("sz", "深圳市食品药品安全“十四五”规划", "a.txt", 0, 10, "深圳市", (2021, 2025)),
    Document("lh", "深圳市罗湖区卫生健康事业发展“十四五”规划", "a.txt", 10, 20, "深圳市罗湖区", (2021, 2025)),
    Document("ljd", "雷家店镇经济与社会发展“十四五”规划", "a.txt", 20, 30, "雷家店镇", (2021, 2025)),
]


def places(question: str) -> list[tuple[str, str, bool, tuple[str, ...]]]:
    return [(p.text, p.name, p.covered, p.doc_ids) for p in analyse(question, DOCS).places]


def test_places_in_chinese_and_english_with_what_covers_them():
    assert places("深圳2025年PM2.5目标") == [("深圳", "深圳市", True, ("sz", "lh"))]
    assert places("What is the PM2.5 target for Shenzhen in 2025?") == [("Shenzhen", "深圳市", True, ("sz", "lh"))]
    assert places("Luohu district 2025 target") == [("Luohu district", "罗湖区", True, ("lh",))]
    assert places("Tea area in Leijiadian town") == [("Leijiadian town", "雷家店镇", True, ("ljd",))]
    assert places("杭州2025年数字经济目标") == [("杭州", "杭州市", False, ())]
    assert places("Harbin 2025 ice-and-snow tourism revenue") == [("Harbin", "哈尔滨市", False, ())]
    assert places("Hong Kong public housing") == [("Hong Kong", "香港特别行政区", False, ())]
    assert places("食品抽检量要达到多少") == []


def test_a_district_is_covered_by_its_citys_plan_and_a_bare_uncovered_district_spelling_is_no_place():
    assert places("福田区2025年PM2.5目标") == [("福田区", "福田区", True, ("sz", "lh"))]
    shanghai = [Document("sh", "上海市北斗产业高质量发展三年行动计划", "b.txt", 0, 10, "上海市", (2023, 2025))]
    qingpu = analyse("Beidou industrial bases in Qingpu", shanghai).places
    assert [(p.name, p.doc_ids) for p in qingpu] == [("青浦区", ("sh",))]
    assert analyse("On what date did Xinhua report the opinions?", DOCS).places == ()
    assert [p.name for p in analyse("Xinhua District 2025 target", DOCS).places] == ["新华区"]


def test_periods_and_aims():
    u = analyse("“十四五”期末深圳研发投入强度目标", DOCS)
    assert (u.years, u.aim) == ((2025,), "target")
    u = analyse("How long was Shenzhen's metro at the end of the 13th five-year period?", DOCS)
    assert (u.years, u.period_end, u.aim) == ((2020,), True, "status")
    assert analyse("大连邮政业2019年的业务总量做到了多大规模?", DOCS).aim == "status"
    assert analyse("十三五期间福建有多少项工程", DOCS).years == (2016, 2017, 2018, 2019, 2020)
    assert analyse("哪个规划提出打造2+2机场体系", DOCS).which_plan


def test_markup_and_nonsense_hold_nothing_to_look_for():
    u = analyse("<script>alert(1)</script>", DOCS)
    assert u.markup and u.text == "alert(1)"
    assert not has_content(analyse("<b></b>", DOCS))
    assert has_content(analyse("深圳", DOCS))


def test_a_districts_short_name_is_a_place_where_the_index_has_its_plan():
    assert places("罗湖到2025年宫颈癌筛查覆盖率") == [("罗湖", "罗湖区", True, ("lh",))]
    assert places("福田到2025年宫颈癌筛查覆盖率") == []  # no plan of 福田区: 福田 alone is a word


def test_overlapping_names_prefer_the_covered_place():
    shanghai = [Document("sh", "上海市北斗产业高质量发展三年行动计划", "b.txt", 0, 10, "上海市", (2021, 2023))]
    assert [p.name for p in analyse("到2023年末，上海北斗时空信息产业规模目标是多少？", shanghai).places] == ["上海市"]


def test_a_year_compared_against_is_a_base_year():
    from search.understand import base_years

    assert base_years("到2035年,GDP总量相比2020年要实现怎样的增长?") == (2020,)
    assert base_years("在2020年基础上翻一番的目标") == (2020,)
    assert base_years("How much higher than 2019 is the 2025 target?") == (2019,)
    assert base_years("How did the pass rate change from 2015 to 2019?") == ()


def test_code_pasted_as_a_question_is_markup_but_a_question_using_its_words_is_not():
    for code in ("'; DROP TABLE chunks; --", "SELECT * FROM users", "${7*7}", "javascript:alert(1)"):
        u = analyse(code)
        assert (u.markup, u.text, has_content(u)) == (True, "", False)
    u = analyse("Which plan will select from the candidates?")
    assert (u.markup, u.text) == (False, "Which plan will select from the candidates?")


def test_greetings_and_placeholder_words_hold_nothing_to_look_for():
    from search.abstain import question_reason

    assert [has_content(analyse(q)) for q in ("hello world", "test", "你好", "testing vans and labs", "世界银行")] == [
        False, False, False, True, True]
    assert question_reason(analyse("hello world"), ()) == (
        "the question holds only a greeting or placeholder words (hello, test), nothing to look for")
