"""The second stage's evidence signals (search/rerank_signals.py) and their effect on the order."""

import pytest

from index.normalize import compact_key
from index.types import Chunk
from search import rerank_signals as signals
from search.rerank import Focus, evidence, focus_of, rerank
from search.terms import QueryTerm
from search.types import Hit
from search.understand import analyse


def _term(text: str, weight: float = 1.0, kind: str = "word") -> QueryTerm:
    return QueryTerm(text, (text,), weight, kind)


def _hit(chunk_id: str, text: str, rank: int, title: str = "某市规划") -> Hit:
    chunk = Chunk(chunk_id=chunk_id, doc_id="d", doc_title=title, section_path=(), text=text, source="a.txt",
                  start=0, end=len(text))
    return Hit(chunk=chunk, score=1.0 / rank, rank=rank)


def test_asked_units():
    assert signals.asked_units("一共涉及几个领域、多少条做法?") == ("个", "条")
    assert signals.asked_units("考试时间是多少分钟?") == ("分钟",)
    assert signals.asked_units("考试由谁负责?") == ()
    assert signals.asked_units("What share of procedures is handled online?") == ()  # English: when told
    assert signals.asked_units("What share of procedures is handled online?", english=True) == ("%",)
    assert signals.asked_units("How big is the park?", english=True) == ("亩|平方米|平方公里|公顷",)


def test_asked_unit_needs_a_numeral_before_it():
    assert signals.asked_unit(compact_key("共5方面47条"), ("个", "条")) == 0.5
    assert signals.asked_unit(compact_key("考试时间统一为70分钟"), ("分钟",)) == 1.0
    assert signals.asked_unit(compact_key("考试时间另行通知,每分钟一题"), ("分钟",)) == 0.0
    assert signals.asked_unit("任何文字", ()) == 0.0
    assert signals.asked_unit(compact_key("建设占地600亩的国际航空快递产业园"), ("亩|平方米|平方公里|公顷",)) == 1.0
    assert signals.asked_unit(compact_key("交易额达5亿元"), ("元",)) == 1.0  # a magnitude between


def test_pair_proximity_counts_neighbouring_terms_next_to_each_other():
    terms = [_term("考试", 2.0), _term("时间", 1.0), _term("分钟", 3.0)]
    # pairs (考试, 时间) weight 1 and (时间, 分钟) weight 1
    assert signals.pair_proximity(compact_key("考试时间统一为70分钟"), terms) == 0.5
    assert signals.pair_proximity(compact_key("时间:考试前一天"), terms) == 0.5  # either order, 1 char apart
    assert signals.pair_proximity(compact_key("考试成绩1年内有效,超过规定时间"), terms) == 0.0
    assert signals.pair_proximity("考试", terms[:1]) == 0.0


def test_title_share_and_the_best_sentence():
    terms = [_term("行动计划", 2.0), _term("研发", 1.0), _term("2020", 0.5, "year")]
    assert signals.title_share("打造深圳标准构建质量发展新优势行动计划", terms) == 2.0 / 3.5
    sentence = signals.best_sentence("研发投入持续加大。到2020年,研发经费支出占比达4.1%。", terms)
    assert sentence == "到2020年,研发经费支出占比达4.1%"
    assert signals.states_quantity(sentence) == 1.0
    assert signals.states_quantity(signals.best_sentence("研发投入持续加大,2020年起实施。", terms)) == 0.0
    # the place counts as held in every sentence of a document of that place: the first sentence wins
    assert signals.best_sentence("深圳研发。研发", terms[1:2], frozenset({"深圳"})) == "深圳研发"


def test_wrong_period_is_a_sentence_of_years_on_the_other_side():
    assert signals.wrong_period("2015年,防洪标准提高到100年一遇;到2020年,达到200年一遇", (2025,), "target") == 1.0
    assert signals.wrong_period("到2025年,防洪能力达到200年一遇", (2025,), "target") == 0.0
    assert signals.wrong_period("“十四五”期间,防洪能力达到200年一遇", (2025,), "target") == 0.0  # 十四五 holds 2025
    assert signals.wrong_period("到2030年,达到200年一遇", (2025,), "target") == 0.0  # after: a longer target
    assert signals.wrong_period("到2030年,达到200年一遇", (2019,), "status") == 1.0
    assert signals.wrong_period("防洪能力达到200年一遇", (2025,), "target") == 0.0  # no year stated
    assert signals.wrong_period("2015年达到", (2025,), "") == 0.0
    # 到2035年…相比2020年: 2020 is what the question compares against, not a period a sentence speaks of
    assert signals.wrong_period("人均地区生产总值在2020年基础上翻一番", (2035,), "target") == 1.0
    assert signals.wrong_period("人均地区生产总值在2020年基础上翻一番", (2035,), "target", base=(2020,)) == 0.0


def test_focus_years_leave_out_the_base_year():
    focus = focus_of("到2035年,深圳的GDP总量和人均GDP相比2020年要实现怎样的增长?")
    assert focus.understood.years == (2020, 2035)
    assert (focus.years, focus.base) == ((2035,), (2020,))


def test_evidence_reads_quantities_only_for_an_amount_question():
    asked = focus_of("考试时间是多少分钟?")
    told = focus_of("考试时间怎么安排?")
    assert asked.numeric and asked.units == ("分钟",)
    assert not told.numeric and told.units == ()
    hit = _hit("a", "任职资格考试采取闭卷机考方式进行,考试时间统一为70分钟。", 1)
    assert evidence(hit, asked) > evidence(hit, told)


def test_rerank_lifts_the_passage_that_states_the_amount_asked():
    question = "考试时间是多少分钟?"
    focus = Focus(analyse(question), (_term("考试", 2.9), _term("时间", 3.6), _term("分钟", 5.8)),
                  numeric=True, units=("分钟",))
    hits = [
        _hit("scope", "拟任高级管理人员在申请任职资格核准前均应通过考试,考试时间和地点另行通知,分钟不差。", 1),
        _hit("valid", "任职资格考试成绩1年内有效,超过1年应重新参加考试。", 2),
        _hit("time", "任职资格考试采取闭卷机考方式进行,考试时间统一为70分钟。", 3),
    ]
    assert [h.chunk.chunk_id for h in rerank(hits, focus)] == ["time", "scope", "valid"]
    assert [h.rank for h in rerank(hits, focus)] == [1, 2, 3]


def test_a_latin_word_of_a_chinese_question_keeps_the_glossarys_chinese():
    from search.glossary import Glossary
    from search.terms import query_terms

    glossary = Glossary({("gdp",): ["地区生产总值", "GDP"]})
    terms = {t.text: t.forms for t in query_terms("到2035年,深圳的GDP总量和人均GDP相比2020年要实现怎样的增长?", glossary)}
    assert terms["gdp"] == ("地区生产总值", "gdp")
    assert terms["总量"] == ("总量",)
    assert {t.text: t.forms for t in query_terms("深圳PM2.5目标", glossary)}["pm2.5"] == ("pm2.5",)  # not in it


@pytest.mark.model
def test_the_seeds_passage_stating_the_amounts_asked_comes_first(engine):
    # 几个领域、多少条 asks for amounts in 个 and 条: the passage that writes 5方面47条 comes first (without
    # the evidence signals the notice's opening paragraph came first on the default int8 seeds index)
    hits = engine.search("发改委这次向全国推广的深圳经验,一共涉及几个领域、多少条做法?", k=3)
    assert compact_key(hits[0].chunk.text).startswith("一、本次推广的有关创新举措和经验做法共5方面47条")
