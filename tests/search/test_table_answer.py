"""Table-row answers: the row under its header, the answering cell marked by the question's year or aim."""

from __future__ import annotations

from index.types import Chunk
from search.table_answer import find_indicator, table_answer
from search.terms import query_terms
from search.types import Hit
from search.understand import analyse

RUN_HEADER = "指标名称2020年2025年目标指标属性"
RUN = Chunk("t1", "fj", "福建省建筑业“十四五”发展规划", ("表1",), "大型建筑业企业数量(家)11家20家预期性", "a.txt", 0, 21,
            context=f"福建省建筑业“十四五”发展规划\n表1\n{RUN_HEADER}", kind="table")
PIPE = Chunk("t2", "hz", "湖州市质量发展“十四五”规划", ("表1",), "每万人高价值发明专利拥有量 | 件 | 10 | |", "b.txt", 0, 26,
             context="湖州市质量发展“十四五”规划\n表1\n类别 | 主要指标 | 单位 | 2025年规划 目标值 | |", kind="table")


def test_run_together_row_marks_the_target_or_the_base_column():
    target = table_answer(RUN, 0, len(RUN.text), analyse("福建2025年大型建筑业企业数量目标"))
    assert target.header == ("指标", "单位", "2020年", "2025年目标", "属性")
    assert target.cells == ("大型建筑业企业数量", "家", "11家", "20家", "预期性")
    assert target.to_dict()["value"] == "20家"
    status = table_answer(RUN, 0, len(RUN.text), analyse("福建2020年大型建筑业企业有多少家"))
    assert status.to_dict()["column_name"] == "2020年" and status.to_dict()["value"] == "11家"


def test_pipe_row_continuation_keeps_its_columns():
    table = table_answer(PIPE, 0, len(PIPE.text), analyse("Huzhou 2025 target for high-value invention patents"))
    assert table.header == ("类别", "主要指标", "单位", "2025年规划目标值")
    assert table.cells == ("", "每万人高价值发明专利拥有量", "件", "10")
    assert table.column == 3


def test_prose_is_not_a_table_row():
    prose = Chunk("p", "d", "规划", ("一、目标",), "到2025年,抽检量达到10批次/千人。", "c.txt", 0, 20, context="规划\n一、目标")
    assert table_answer(prose, 0, len(prose.text)) is None


def test_the_indicator_the_question_names_is_found_among_table_rows():
    question = "福建2025年大型建筑业企业数量目标"
    rows = [Hit(chunk=PIPE, score=1.0, rank=1), Hit(chunk=RUN, score=0.5, rank=2)]
    assert find_indicator(rows, query_terms(question), analyse(question)) == "大型建筑业企业数量"
    assert find_indicator(rows, query_terms("福建港口吞吐量目标"), analyse("福建港口吞吐量目标")) == ""


def test_one_header_pattern_reads_inline_tables_and_table_answers():
    from index import blocks
    from search import table_answer as module

    assert module.HEADER_TOKEN is blocks.HEADER_TOKEN
    names = [m.group() for m in blocks.HEADER_TOKEN.finditer("序号指标名称和单位2020年2025年 目标值“十四五”目标责任单位指标属性")]
    assert names == ["序号", "指标名称和单位", "2020年", "2025年 目标值", "“十四五”", "目标", "责任单位", "指标属性"]
    # a header token never runs over a line end (an inline table's header is one run of text)
    assert [m.group() for m in blocks.HEADER_TOKEN.finditer("2025年\n目标值")] == ["2025年", "目标值"]


def test_inline_table_header_and_rows_from_the_shared_pattern():
    from index.blocks import inline_tables

    text = "表1 主要指标序号指标名称2020年2025年指标属性1城镇新增就业（万人）1215预期性2调查失业率（%）5.55预期性。"
    [table] = inline_tables(text, text, 0, len(text))
    assert (table.title, table.header) == ("表1 主要指标", "序号指标名称2020年2025年指标属性")
    assert [text[a:b] for a, b in table.rows] == ["1城镇新增就业（万人）1215预期性", "2调查失业率（%）5.55预期性"]


def test_of_indicator_names_holding_as_much_of_the_question_the_one_it_fills_most_wins():
    def row(name: str, text: str) -> Chunk:
        return Chunk(name, "lh", "深圳市罗湖区卫生健康事业发展“十四五”规划", ("表1",), text, "a.txt", 0, len(text),
                     context=f"深圳市罗湖区卫生健康事业发展“十四五”规划\n表1\n{RUN_HEADER}", kind="table")

    rows = [Hit(chunk=c, score=1.0, rank=i + 1) for i, c in enumerate(
        [row("r1", "社康中心用房自有率(%)6080预期性"), row("r2", "社康中心总数(个)8599约束性")])]
    question = "total number of community health centres in 2025"
    assert find_indicator(rows, query_terms(question), analyse(question)) == "社康中心总数"


def test_an_indicator_of_another_kind_of_figure_than_asked_does_not_match():
    """食品抽检量 asks an amount (量): a 合格率 row (a rate) is not the indicator asked; a question that
    names no kind of figure (深圳2025年PM2.5目标) lets any row match."""
    from search.table_answer import asked_heads, figure_head, kind_differs
    from search.terms import query_terms

    words = [t for t in query_terms("湖州到2025年食品抽检量") if t.kind == "word"]
    assert asked_heads("湖州到2025年食品抽检量", words) == {"量"}
    assert figure_head("食品评价性抽检合格率(%)") == "率" and figure_head("新开工装配式建筑面积") == ""
    assert kind_differs("食品评价性抽检合格率", {"量"}) and not kind_differs("食品抽检量", {"量"})
    assert not kind_differs("食品评价性抽检合格率", set()) and not kind_differs("建筑面积", {"量"})
    plain = [t for t in query_terms("深圳2025年PM2.5目标") if t.kind == "word"]
    assert asked_heads("深圳2025年pm2.5目标", plain) == set()
    counted = [t for t in query_terms("福建2025年大型建筑业企业数量目标") if t.kind == "word"]
    assert asked_heads("福建2025年大型建筑业企业数量目标", counted) == {"量"}  # 数量 is one kind: 量
