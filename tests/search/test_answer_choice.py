"""Answer choice beyond term coverage: the place a document is of, question words cut with their noun,
quantities, lines of an asked kind, a plan the question names, questions with no subject."""

from __future__ import annotations

from index.types import Chunk, Document
from search.answer import answer_question
from search.numbers import find_numbers
from search.rerank import asking_word, focus_of
from search.terms import QueryTerm
from search.types import Hit

LUOHU = Document("lh", "深圳市罗湖区卫生健康事业发展“十四五”规划", "a.txt", 0, 100, "深圳市罗湖区", (2021, 2025))
SHENZHEN = Document("sz", "深圳市商务发展“十四五”规划", "b.txt", 0, 100, "深圳市", (2021, 2025))


def _chunk(text: str, doc: Document, name: str = "c1", context: str = "") -> Chunk:
    return Chunk(name, doc.doc_id, doc.title, ("一、目标",), text, doc.source, 0, len(text),
                 context=context or f"{doc.title}\n一、目标")


def _hits(*chunks: Chunk) -> list[Hit]:
    return [Hit(chunk=c, score=1.0 / (i + 1), rank=i + 1) for i, c in enumerate(chunks)]


def _ask(question: str, chunks: list[Chunk], documents=(LUOHU, SHENZHEN), frequencies=None):
    focus = focus_of(question, documents, frequencies=frequencies)
    return answer_question(question, _hits(*chunks), focus=focus)


def test_a_place_is_held_by_the_sentences_of_a_document_of_that_place():
    row = _chunk("到2025年，社区健康服务中心建设全面推进。\n社康中心总数达到99个。", LUOHU)
    result = _ask("罗湖社康中心总数2025年目标", [row])
    assert result.answer.text == "社康中心总数达到99个。"


def test_question_words_cut_with_their_noun_are_not_terms():
    terms = [QueryTerm(t, (t,)) for t in ("大规模", "多长时间", "分为", "分钟", "交易额")]
    assert [asking_word(t, "深圳电商交易额做到多大规模，多长时间，多少分为合格，多少分钟") for t in terms] == [
        True, True, True, False, False]
    assert [t.text for t in focus_of("深圳2019年电商交易额做到多大规模?", (SHENZHEN,)).terms] == [
        "深圳", "2019", "电商", "交易额"]


def test_a_quantity_asked_outright_is_answered_by_a_sentence_stating_one():
    text = "拟任高级管理人员在申请任职资格核准前均应通过任职资格考试。\n试卷总分值为100分，60分（含）以上为合格。"
    passages = {"任职": 20, "资格考试": 20, "合格": 2}
    result = _ask("任职资格考试多少分为合格？", [_chunk(text, SHENZHEN)], documents=(),
                  frequencies=(lambda token: passages.get(token, 0), 100))
    assert result.answer.text == "试卷总分值为100分，60分（含）以上为合格。"


def test_a_number_alone_on_its_line_takes_the_unit_line_above_it():
    row = "1\n规模以上工业总产值\n亿元\n9793\n15800\n预期性指标"
    assert [(q.number, q.unit) for q in find_numbers(row)] == [("9793", "亿元"), ("15800", "亿元")]


def test_a_line_of_the_asked_kind_answers_for_its_passage():
    text = ("国家文物局关于印发《革命文物保护利用“十四五”专项规划》的通知\n各省、自治区、直辖市文物局：\n"
            "现将专项规划印发给你们，请认真贯彻落实。\n国家文物局\n2021 年 12 月 24 日")
    doc = Document("gw", "革命文物保护利用“十四五”专项规划", "c.pdf", 0, 100)
    result = _ask("国家文物局印发该专项规划通知的日期是？", [_chunk(text, doc)], documents=(doc,))
    assert result.answer.text == "2021 年 12 月 24 日"


def test_a_question_naming_no_subject_beyond_place_period_and_aim_is_not_answered():
    text = "到2025年，深圳市社会消费品零售总额目标达到9700亿元。"
    result = _ask("What is the 2025 target for the number of Shenzhen's zorblax gizmos?", [_chunk(text, SHENZHEN)])
    assert result.answer is None
    assert result.reason.startswith("the question names nothing to look for beyond its place, period or aim")


def test_a_sentence_holding_only_the_place_period_and_aim_of_the_question_does_not_answer_it():
    text = "到2025年，深圳市社会消费品零售总额目标达到9700亿元。"
    result = _ask("What is the 2025 target for the number of Shenzhen's nuclear fusion reactors?",
                  [_chunk(text, SHENZHEN)])
    assert (result.answer, result.reason) == (None, "no passage of the plans for 深圳市 answers it")


def test_an_indicator_row_run_into_one_line_states_its_value_in_the_bracketed_unit():
    assert [(q.number, q.unit) for q in find_numbers("32社康中心总数(个)99约束性")] == [("99", "个")]


def test_a_plan_the_question_names_says_its_title_terms_itself():
    from search.answer_units import named_terms
    from search.terms import query_terms

    title = "深圳市人民政府打造深圳标准构建质量发展新优势行动计划(2015—2020年)"
    terms = query_terms("按深圳标准行动计划,到2020年全市研发投入强度要达到多少?")
    assert [t.text for t in named_terms(title, terms)] == ["深圳", "标准", "行动计划"]
    assert named_terms("深圳市商务发展“十四五”规划", terms) == ()  # names no word of this title but the place
    assert named_terms(title, query_terms("Does Jilin plan to issue local standards?")) == ()


def test_of_sentences_holding_the_same_terms_the_shorter_answers():
    long = ("围绕全镇茶叶产业发展，统筹推进茶园基地、茶叶加工、茶旅融合、道路交通、品牌宣传、市场营销、人才培训和"
            "金融服务等各项建设任务，全面提升茶叶交易市场建设水平。")
    short = "在镇区兴建一所高标准的茶叶交易市场。"
    result = _ask("茶叶交易市场", [_chunk(f"{long}\n{short}", SHENZHEN)], documents=())
    assert result.answer.text == short


def test_the_unit_an_amount_is_asked_in_is_held_by_a_sentence_stating_it():
    from search.numbers import asked_units

    assert asked_units("一共涉及几个领域、多少条做法?") == ("个", "条")
    assert asked_units("控制线一共划了多少平方公里?") == ("平方公里",)
    assert asked_units("投资要达到多少亿元?") == ("元",)
    assert asked_units("研发投入强度要达到多少?") == ()
    assert asked_units("哪几个部门的办证业务合到了一起?") == ()
    counted = _chunk("本次推广的做法共5方面47条。", SHENZHEN, "c1")
    other = _chunk("深圳40年来总结经验，形成了一批好做法。", SHENZHEN, "c2")
    result = _ask("这次向全国推广的深圳经验一共涉及几个领域、多少条做法?", [counted, other], documents=())
    assert result.answer.text == "本次推广的做法共5方面47条。"


def test_a_year_the_question_compares_against_is_not_the_year_asked_and_a_doubling_is_an_amount():
    from search.answer import _key
    from search.cues import number_near_terms
    from search.terms import QueryTerm

    assert _key("到二〇三五年，在二○二○年基础上翻一番") == "到2035年,在2020年基础上翻一番"
    text = "经济总量、人均地区生产总值在二〇二〇年基础上翻一番;"
    assert number_near_terms(text, 0, len(text), [QueryTerm("总量", ("总量",))])
    status = "“十三五”时期地区生产总值年均增长7.1%，人均GDP居内地城市前列。"
    target = "到二〇三五年，率先实现社会主义现代化。经济总量、人均地区生产总值在二〇二〇年基础上翻一番;"
    result = _ask("到2035年,深圳的GDP总量和人均GDP相比2020年要实现怎样的增长?",
                  [_chunk(status, SHENZHEN, "c1"), _chunk(target, SHENZHEN, "c2")])
    assert result.answer.text == target


def test_the_indicator_row_the_question_names_answers_under_its_header_year():
    header = "深圳市罗湖区卫生健康事业发展“十四五”规划\n二、发展目标\n指标类别序号指标名称2025年指标属性"
    rows = "31每万常住人口全科护士数(人)≥6预期性\n32社康中心总数(个)99约束性\n33民办社康中心数(个)33约束性"
    prose = "到2025年，一类社康中心心理门诊建成率达100%，社区全面提供心理咨询服务。"
    result = _ask("罗湖区2025年社康中心总数目标", [_chunk(prose, LUOHU, "c1"), _chunk(rows, LUOHU, "c2", header)])
    assert result.understood.indicator == "社康中心总数"
    assert result.answer.text == "32社康中心总数(个)99约束性"
    assert result.answer.table.cells == ("32", "社康中心总数", "个", "99", "约束性")


def test_the_words_asking_for_a_date_are_held_by_a_date_line():
    text = "各银行保险机构要结合实际认真贯彻落实本意见。\n中国银保监会江苏监管局\n2021年6月7日"
    doc = Document("js", "中国银保监会江苏监管局关于开展服务新发展格局行动的意见", "d.doc", 0, 100)
    result = _ask("该意见的落款日期是哪天？", [_chunk(text, doc)], documents=(doc,))
    assert result.answer.text == "2021年6月7日"


def test_an_abbreviation_in_the_question_is_held_by_its_full_form():
    from search.abbreviations import with_full_forms

    assert with_full_forms([QueryTerm("电商", ("电商",))])[0].forms == ("电子商务", "电商")
    cross = ("跨境电商交易额保持全国前列，2016-2018年间跨境电子商务交易额连续保持每年20%以上的高速增长，2019年在"
             "受到不利因素影响下，跨境电商交易额4197亿元，同比增长5.1%。")
    total = "2019年电子商务交易额超过3万亿元，同比增长8.9%。"
    result = _ask("深圳2019年电商交易额做到多大规模?", [_chunk(f"{cross}{total}", SHENZHEN)])
    assert result.answer.text == total


def test_how_long_before_a_noun_asks_a_length_not_a_duration():
    from search.answer_units import asked_kind

    assert [asked_kind(q) for q in ("How long was Shenzhen's metro network at the end of the period?",
                                    "How long does the review take?", "办理需要多长时间？")] == [
        "", "duration", "duration"]


def test_a_section_heading_run_into_its_first_sentence_is_context_not_what_the_sentence_states():
    heading = "（九）熟食中心和长者饭堂建设优化工程"
    text = (f"{heading}借鉴国内外先进经验，围绕社区居民和上班族就餐需求，在原有建筑基础上或结合城市更新改造项目"
            "规划建设熟食中心，每个区至少建成1家熟食中心。加强养老助餐保障，每个区至少建成1家示范性社区长者饭堂。")
    chunk = Chunk("c1", SHENZHEN.doc_id, SHENZHEN.title, ("四、工程", heading), text, SHENZHEN.source, 0, len(text),
                  context=f"{SHENZHEN.title}\n四、工程 › {heading}")
    passages = {"深圳": 90, "规划": 80, "中心": 40, "社区": 30, "熟食": 3, "长者": 3, "饭堂": 3, "布点": 1}
    result = _ask("深圳规划对熟食中心和社区长者饭堂的布点有什么要求?", [chunk],
                  frequencies=(lambda token: passages.get(token, 0), 100))
    assert result.answer.text.endswith("每个区至少建成1家示范性社区长者饭堂。")


def test_a_quoted_name_is_one_term_and_a_question_for_several_things_takes_an_enumeration():
    from search.answer import quoted_terms
    from search.answer_units import asks_list, holds_list

    terms = [QueryTerm("深圳", ("深圳",), 0.5), QueryTerm("标准", ("标准",), 1.0), QueryTerm("试水", ("试水",), 6.0)]
    assert [(t.text, t.forms, t.weight) for t in quoted_terms("“深圳标准”在“十四五”哪几类商品上先行试水?", terms)] == [
        ("深圳标准", ("深圳标准",), 6.0)]
    assert asks_list("哪几类商品") and asks_list("有哪些部门") and not asks_list("多少家")
    assert holds_list("在食品、家具、服装等开展试点") and not holds_list("食品、家具开展试点")
    platform = "搭建“深圳标准”认证信息平台，公开认证信息。"
    pilot = "推动第三方机构率先在食品、家具、服装、电子信息产品等开展“深圳标准”自愿性认证试点。"
    result = _ask("“深圳标准”认证最早准备在哪几类商品上先行试水?", [_chunk(f"{platform}{pilot}", SHENZHEN)])
    assert result.answer.text == pilot


def test_code_pasted_as_a_question_gets_no_answer_saying_so():
    result = _ask("'; DROP TABLE chunks; --", [_chunk("全市数据资源目录表每季度更新一次。", SHENZHEN)])
    assert (result.answer, result.reason) == (None, "the question is markup with no words to look for")


def test_the_unit_an_amount_is_asked_in_is_no_subject_of_the_question():
    result = _ask("深圳市到2025年要建成多少公里的海底隧道？", [_chunk("到2025年，中心城市绿道长度达200公里。", SHENZHEN)])
    assert (result.answer, result.reason) == (None, "no passage of the plans for 深圳市 answers it")


def test_a_date_written_with_dashes_or_dots_is_a_date():
    from search.answer_units import holds_kind

    assert [holds_kind(t, "date") for t in ("| 成文日期： | 2024-07-26 |", "2021.6.7印发", "2016-2018年间",
                                            "2021-2025年")] == [True, True, False, False]
