"""Sentences, extractive answers (exact offsets into the source file), highlights; the seeds' ask examples."""

from __future__ import annotations

import hashlib

import pytest

from index.clean import clean
from index.normalize import match_key
from index.text import clauses, split_sentences
from index.types import Chunk
from search.answer import answer_question, score_sentences
from search.types import Hit

SOURCE = (
    "深圳市食品安全“十四五”规划\n\n"
    "一、主要目标\n"
    "到2025年，食品安全治理体系更加健全；"
    "食用农产品和食品抽检量达到10批次/千人，[公*#~&文%思享公众号]食品评价性抽检合格率保持在99%以上。\n"
    "二、重点任务\n"
    "建立食品安全风险监测体系，完善抽检监测制度。\n"
    "三、上一期回顾\n"
    "到2020年，年食品抽检率达到9批次/千人。\n"
)
TITLE = "深圳市食品安全“十四五”规划"


def make_chunk(source: str, first: str, last: str, path: tuple[str, ...], name: str = "plan.txt") -> Chunk:
    """The chunk from the start of ``first`` to the end of ``last`` (both found in ``source``)."""
    start = source.index(first)
    end = source.index(last, start) + len(last)
    text = clean(source[start:end]).text
    chunk_id = hashlib.sha1(f"{name}:{start}".encode()).hexdigest()[:12]
    return Chunk(chunk_id, "plan-01", TITLE, path, text, name, start, end, context=f"{TITLE}\n{' › '.join(path)}")


GOALS = make_chunk(SOURCE, "一、主要目标", "99%以上。", ("一、主要目标",))
TASKS = make_chunk(SOURCE, "二、重点任务", "监测制度。", ("二、重点任务",))
PAST = make_chunk(SOURCE, "三、上一期回顾", "千人。", ("三、上一期回顾",))


def hits(*chunks: Chunk) -> list[Hit]:
    return [Hit(chunk=c, score=1.0 / (i + 1), rank=i + 1) for i, c in enumerate(chunks)]


def test_split_sentences_keeps_offsets_and_cuts_at_line_breaks():
    text = "一、主要目标\n到2025年，体系健全；抽检量达到10批次/千人。\n  二、任务 "
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["一、主要目标", "到2025年，体系健全；", "抽检量达到10批次/千人。", "二、任务"]


def test_a_table_row_ends_at_its_attribute_but_prose_does_not():
    rows = "卫生总费用4.5预期性健康服务人数100约束性13食品抽检合格率(%)99约束性"
    assert [rows[a:b] for a, b in split_sentences(rows)] == ["卫生总费用4.5预期性", "健康服务人数100约束性",
                                                             "13食品抽检合格率(%)99约束性"]
    prose = "实行约束性指标管理，预期性和约束性相结合。"
    assert [prose[a:b] for a, b in split_sentences(prose)] == [prose]


def test_long_sentence_is_cut_at_clause_boundaries():
    text = "，".join(["甲" * 30] * 10) + "。"
    spans = split_sentences(text, max_chars=100)
    assert all(b - a <= 100 for a, b in spans)
    assert "".join(text[a:b] for a, b in spans) == text
    sentence = "抽检量达到10批次/千人，合格率99%以上。"
    assert [sentence[a:b] for a, b in clauses(sentence)] == ["抽检量达到10批次/千人，", "合格率99%以上。"]


def test_answer_is_the_sentence_with_exact_file_offsets():
    result = answer_question("深圳到2025年食品抽检要达到什么水平", hits(TASKS, GOALS),
                             source_text={"plan.txt": SOURCE}.get)
    answer = result.answer
    assert answer is not None
    # the sentence with the target, joined with the one before it that holds the year asked about
    assert answer.text == "到2025年，食品安全治理体系更加健全；食用农产品和食品抽检量达到10批次/千人，食品评价性抽检合格率保持在99%以上。"
    assert answer.chunk_id == GOALS.chunk_id
    # the offsets slice the original file (the watermark inside the sentence is cleaned away)
    assert SOURCE[answer.start:answer.end] == (
        "到2025年，食品安全治理体系更加健全；食用农产品和食品抽检量达到10批次/千人，[公*#~&文%思享公众号]食品评价性抽检合格率保持在99%以上。"
    )
    assert clean(SOURCE[answer.start:answer.end]).text == answer.text
    assert str(answer.citation) == f"《{TITLE}》一、主要目标 [plan.txt:{answer.start}-{answer.end}]"
    goals_hit = next(h for h in result.hits if h.chunk.chunk_id == GOALS.chunk_id)
    answer_spans = [s for s in goals_hit.highlights if s.kind == "answer"]
    assert [(s.start, s.end) for s in answer_spans] == [(answer.text_start, answer.text_end)]
    assert GOALS.text[answer.text_start:answer.text_end] == answer.text
    terms = {GOALS.text[s.start:s.end] for s in goals_hit.highlights if s.kind == "term"}
    assert {"2025", "抽检", "达到"} <= terms


def test_the_asked_year_beats_a_sentence_about_another_year():
    result = answer_question("到2025年食品抽检率要达到多少批次", hits(PAST, GOALS), source_text={"plan.txt": SOURCE}.get)
    assert "10批次/千人" in result.answer.text


def test_no_answer_rather_than_a_random_sentence():
    result = answer_question("火星探测任务计划在哪一年发射", hits(TASKS, GOALS))
    assert result.answer is None
    assert result.reason.startswith("no sentence of the top passages covers enough of the question")
    assert [h.chunk.chunk_id for h in result.hits] == [TASKS.chunk_id, GOALS.chunk_id]
    assert answer_question("深圳食品抽检", []).reason == "no passage matched the question"
    with pytest.raises(ValueError, match="empty question"):
        answer_question("  ", hits(GOALS))


def test_without_the_source_offsets_are_counted_inside_the_chunk():
    result = answer_question("食品抽检量要达到多少", hits(GOALS))
    answer = result.answer
    assert answer.start == GOALS.start + answer.text_start


def test_dense_similarity_is_only_computed_for_answerable_sentences():
    seen: list[list[str]] = []

    def encode(texts):
        import numpy as np

        seen.append(list(texts))
        return np.ones((len(texts), 4), dtype=np.float32) / 2.0

    scored = score_sentences("深圳到2025年食品抽检要达到什么水平", hits(TASKS, GOALS), encode=encode)
    assert scored[0].dense == pytest.approx(1.0)
    assert len(seen) == 1 and seen[0][0] == "深圳到2025年食品抽检要达到什么水平"
    assert all("抽检" in s for s in seen[0][1:])


# --- the seeds (real index, m3e-small)
@pytest.mark.model
def test_seeds_ask_example(engine):
    result = engine.ask("深圳到2025年食品抽检要达到什么水平")
    answer = result.answer
    assert answer is not None
    assert "食用农产品和食品抽检量达到10批次/千人" in answer.text
    chunk = engine.chunk(answer.chunk_id)
    assert chunk.doc_title.startswith("深圳市食品药品安全“十四五”规划")
    assert str(answer.citation).startswith("《深圳市食品药品安全“十四五”规划》")
    source = engine.source_text(chunk.source)
    assert clean(source[answer.start:answer.end]).text == answer.text
    as_json = result.to_dict()
    assert set(as_json["answer"]) == {"text", "citation", "chunk_id", "start", "end", "table", "mapped",
                                     "read_as", "gloss"}
    assert as_json["answer"]["chunk_id"] == answer.chunk_id


@pytest.mark.model
def test_seeds_english_question(engine):
    pytest.importorskip("search.glossary")
    result = engine.ask("How many Luban Prize projects did Fujian win during the 13th Five-Year Plan?")
    assert result.answer is not None
    assert match_key("全省共有14项工程获中国建设工程“鲁班奖”") in match_key(result.answer.text)
    assert engine.chunk(result.answer.chunk_id).doc_title.startswith("福建省建筑业“十四五”发展规划")


@pytest.mark.model
def test_seeds_unanswerable_question(engine):
    result = engine.ask("火星探测任务计划在哪一年发射?")
    assert result.answer is None and result.reason


# --- understanding as priors: place, markup
def _understood(question: str):
    from index.types import Document
    from search.understand import analyse

    return analyse(question, [Document("plan-01", TITLE, "plan.txt", 0, len(SOURCE), "深圳市", (2021, 2025))])


def test_a_place_the_plans_do_not_cover_gets_no_answer_naming_it():
    question = "杭州到2025年食品抽检量要达到多少"
    result = answer_question(question, hits(GOALS, PAST), understood=_understood(question))
    assert result.answer is None
    assert result.reason == "the indexed plans do not cover 杭州市"
    assert result.to_dict()["understood"]["places"][0] == {"text": "杭州", "name": "杭州市", "covered": False,
                                                            "doc_ids": []}


def test_the_named_place_answers_and_markup_or_numbers_do_not():
    question = "深圳到2025年食品抽检量要达到多少"
    assert "10批次/千人" in answer_question(question, hits(GOALS), understood=_understood(question)).answer.text
    markup = "<script>alert(1)</script>"
    result = answer_question(markup, hits(GOALS), understood=_understood(markup))
    assert result.answer is None and "only numbers" in result.reason


@pytest.mark.model
def test_seeds_table_row_answer_and_uncovered_city(engine):
    result = engine.ask("深圳市罗湖区2025年社康中心总数是多少")
    assert result.answer.text == "32社康中心总数(个)99约束性"
    table = result.answer.table
    assert (table.header[table.column], table.cells[table.column]) == ("2025年", "99")
    assert dict(zip(table.header, table.cells, strict=True))["单位"] == "个"
    assert result.understood.indicator == "社康中心总数"
    hangzhou = engine.ask("杭州数字经济核心产业增加值占GDP比重2025年目标")
    assert hangzhou.answer is None and hangzhou.reason == "the indexed plans do not cover 杭州市"
    assert engine.ask("asdfgh").answer is None


def test_second_stage_lifts_the_passage_holding_the_question_and_keeps_the_place():
    from search.rerank import focus_of, rerank

    other = Chunk("o", "hz", "湖州市规划", ("一、目标",), "推进大气污染防治，改善空气质量。", "o.txt", 0, 16, context="湖州市规划")
    question = "深圳到2025年食品抽检量要达到多少"
    focus = focus_of(question, understood=_understood(question))
    ranked = rerank(hits(other, TASKS, GOALS), focus)
    assert [h.chunk.chunk_id for h in ranked] == [GOALS.chunk_id, TASKS.chunk_id, "o"]
    assert [h.rank for h in ranked] == [1, 2, 3]


def test_a_heading_line_is_not_the_answer_when_its_body_follows():
    from search.answer import is_heading

    text = "7、构建以“四个90%”为鲜明特点的企业创新生态\n形成“四个90%”的创新格局，即90%以上研发人员集中在企业。"
    assert is_heading(text, 0, text.index("\n"))
    assert not is_heading(text, text.index("\n") + 1, len(text))
    chunk = Chunk("h", "plan-01", TITLE, ("二",), text, "h.txt", 0, len(text), context=TITLE)
    answer = answer_question("企业创新的四个90%指的是什么", hits(chunk)).answer
    assert answer.text == "形成“四个90%”的创新格局，即90%以上研发人员集中在企业。"


# --- answer units: column-laid table rows, echoes of the question, the asked kind
def _chunk(text: str, title: str = TITLE, context: str | None = None) -> Chunk:
    return Chunk("u", "plan-01", title, ("一",), text, "u.txt", 0, len(text), context=context or title)


def test_a_table_laid_one_cell_a_line_answers_with_its_whole_row():
    text = ("专栏1\u3000“十四五”时期主要指标\n序号\n指标\n预期值\n属性\n1\n生产安全事故死亡人数\n下降15%\n约束性\n"
            "2\n重特大生产安全事故起数\n下降20%\n约束性")
    answer = answer_question("“十四五”时期生产安全事故死亡人数要下降多少？", hits(_chunk(text))).answer
    assert answer.text == "1\n生产安全事故死亡人数\n下降15%\n约束性"


def test_an_items_heading_that_repeats_the_question_gives_way_to_its_body():
    text = ("15.健全持续规范的产业保障体系。加强北斗产业政策法规、技术标准等顶层设计。"
            "（牵头部门：市市场监管局、市知识产权局）\n16.推进应用示范。（牵头部门：市经济信息化委）")
    answer = answer_question("“健全持续规范的产业保障体系”一项的牵头部门是哪些？", hits(_chunk(text))).answer
    assert answer.text == "（牵头部门：市市场监管局、市知识产权局）"


def test_a_document_number_question_is_answered_by_the_number_line_for_its_passage():
    title = "阿坝州政务数据资源管理暂行办法"
    text = f"阿坝州人民政府办公室关于印发《{title}》的通知\n阿府办发〔2021〕21号\n各县（市）人民政府：\n现将办法印发你们。"
    answer = answer_question(f"《{title}》的印发通知文号是什么？", hits(_chunk(text, title))).answer
    assert answer.text == "阿府办发〔2021〕21号"


def test_a_title_line_is_an_echo_of_the_question_but_not_for_which_plan():
    from search.answer_units import echoes_question
    from search.terms import query_terms

    title = "关于提示异地贷款业务风险的通知"
    question = f"《{title}》中“异地贷款”的口径是什么？"
    assert echoes_question(title, query_terms(question), title)
    assert not echoes_question("异地贷款（口径为跨省辖市外，下同）风险", query_terms(question), title)
    text = f"{title}\n今年以来，银行机构暴露了多起异地贷款（口径为跨省辖市外，下同）风险。"
    answer = answer_question(question, hits(_chunk(text, title))).answer
    assert answer.text == "今年以来，银行机构暴露了多起异地贷款（口径为跨省辖市外，下同）风险。"


@pytest.mark.model
def test_seeds_english_question_whose_passage_is_not_in_the_first_five(engine):
    result = engine.ask("What is the PM2.5 target for Shenzhen in 2025?")
    assert "PM2.5年均浓度低于20微克/立方米" in result.answer.text
    assert result.answer.text.startswith("形成低消耗、少排放、能循环、可持续的绿色低碳发展方式")


def test_a_how_long_question_prefers_the_sentence_stating_a_length_of_time():
    from search.answer_units import asked_kind, holds_kind

    assert asked_kind("行动力争通过多长时间的努力实现目标？") == "duration"
    assert holds_kind("力争通过3-5年的努力", "duration") and holds_kind("考试结束后2个工作日内", "duration")
    assert not holds_kind("有效期至2026年12月31日", "duration") and not holds_kind("到2025年", "duration")


@pytest.mark.model
def test_the_answer_does_not_depend_on_how_many_passages_are_shown(engine):
    """The app shows 5 passages, the command line 10: the answer is chosen among the same 10 either way,
    and its own passage is among those shown."""
    question = "What is the PM2.5 target for Shenzhen in 2025?"
    five, ten = engine.ask(question, k=5), engine.ask(question, k=10)
    assert five.answer is not None and ten.answer is not None
    assert five.answer.text == ten.answer.text and "PM2.5年均浓度低于20微克/立方米" in five.answer.text
    assert len(five.hits) == 5 and five.answer.chunk_id in {h.chunk.chunk_id for h in five.hits}
    one = engine.ask(question, k=1)
    assert [h.chunk.chunk_id for h in one.hits] == [ten.answer.chunk_id]
