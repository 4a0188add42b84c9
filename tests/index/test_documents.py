"""Titles and metadata of documents: notices issuing plans, split titles, web-page and export headers."""

from __future__ import annotations

from index.clean import clean
from index.config import Config
from index.corpus import ingest_file
from index.documents import region_of, split_documents
from index.metadata import read_metadata
from index.normalize import to_simplified
from index.reader import SourceFile

BODY = "为规范管理，制定本办法。\n" + "第一章　总则\n第一条　为规范某项工作，根据有关规定，制定本办法。\n" * 3


def _docs(text: str, name: str = "f.txt"):
    src = SourceFile(path=None, name=name, text=text, encoding="utf-8")  # type: ignore[arg-type]
    return ingest_file(src, Config())


def test_notice_issuing_a_plan_is_titled_by_the_plan_and_keeps_its_metadata():
    text = ("某市人民政府办公厅关于印发某市\n公共住房管理办法的通知\n某府办规〔2024〕13号\n各区人民政府：\n"
            "现将《某市公共住房管理办法》印发给你们，请认真贯彻执行。\n某市人民政府办公厅\n2024年7月26日\n"
            "某市公共住房管理办法\n" + BODY)
    docs, _, chunks = _docs(text)
    assert [d.title for d in docs] == ["某市公共住房管理办法"]
    d = docs[0]
    assert (d.issuer, d.doc_number, d.date, d.draft) == ("某市人民政府办公厅", "某府办规〔2024〕13号", "2024-07-26", False)
    assert chunks[0].text.startswith("某市人民政府办公厅关于印发")  # the notice stays in the document


def test_quoted_plan_name_without_its_own_title_line():
    text = "某州人民政府办公室关于印发《某州数据资源管理暂行办法》的通知\n某府办发〔2021〕21号\n" + BODY
    docs, _, _ = _docs(text)
    assert docs[0].title == "某州数据资源管理暂行办法"
    assert docs[0].issuer == "某州人民政府办公室"


def test_title_split_over_two_lines_is_joined():
    text = "上海某分支机构高级管理人员\n任职资格考试管理办法\n" + BODY
    assert [s.title for s in split_documents(clean(text).text)] == ["上海某分支机构高级管理人员任职资格考试管理办法"]


def test_markdown_title_marks_dropped_and_draft_flagged():
    text = "# 某市交通发展“十四五”规划（征求意见稿）\n\n**发布日期**: 2021年12月\n\n前言\n" + "一、发展基础\n某市交通。\n" * 200
    docs, _, _ = _docs(text, "plan.md")
    assert docs[0].title == "某市交通发展“十四五”规划（征求意见稿）"
    assert docs[0].draft and docs[0].date == "2021-12"


def test_document_number_cited_in_the_body_is_not_the_documents():
    simple = to_simplified("某办法\n第一条 本办法自发布之日起施行，沪保监发[2013]170号同时废止。")
    assert read_metadata(simple, 0, len(simple), "某办法").doc_number is None


def test_signature_date_in_chinese_numerals():
    simple = "关于提示风险的通知\n苏银监办〔2005〕235号\n正文。\n某某监管局\n二○○五年十一月十一日\n"
    meta = read_metadata(simple, 0, len(simple), "关于提示风险的通知")
    assert (meta.doc_number, meta.date, meta.issuer) == ("苏银监办〔2005〕235号", "2005-11-11", "某某监管局")


def test_region_is_a_place_not_a_prefix_that_ends_like_one():
    assert region_of("浙江银行业服务乡村振兴战略行动计划", "浙江省各银行业金融机构") == "浙江省"
    assert region_of("深圳市罗湖区卫生健康事业发展规划") == "深圳市罗湖区"
    assert region_of("关于提示异地贷款业务风险的通知", "关联企业关联交易") is None


def test_preface_naming_the_plan_overrides_a_title_line_that_says_otherwise():
    text = ("某省工业和信息化发展“十三五”规划\n前 言\n科学编制和有效实施《某经济区工业和信息 化发展“十三五”规划》，"
            "意义重大。依据《某省国民经济和社会发展第十三个五年规划纲要》，制定本规划。\n" + "一、发展回顾\n某经济区工业。\n" * 200)
    assert split_documents(clean(text).text)[0].title == "某经济区工业和信息化发展“十三五”规划"


def test_issued_name_in_quotes_over_two_lines_and_issuer_of_a_notice_under_a_page_title():
    text = ("某办公厅 某院办公厅印发《关于实施某某保护利用工程（2018－2022年）的\n意见》\n"
            "新华社北京7月29日电 近日，印发了《关于实施某某保护利用工程（2018－2022年）的意见》。\n" + BODY)
    docs, _, _ = _docs(text)
    assert docs[0].title == "关于实施某某保护利用工程（2018－2022年）的意见"
    assert docs[0].issuer == "某办公厅 某院办公厅"
    page = ("# “十四五”某体系规划\n**发布日期**: 2021年12月\n国务院关于印发\n“十四五”某体系规划的通知\n"
            "国发〔2021〕36号\n国务院\n2021年12月30日\n“十四五”某体系规划\n" + "一、规划背景\n某体系。\n" * 200)
    docs, _, _ = _docs(page, "p.md")
    assert (docs[0].title, docs[0].issuer, docs[0].doc_number) == ("“十四五”某体系规划", "国务院", "国发〔2021〕36号")
