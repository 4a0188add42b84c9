"""Heading ladder, contents pages and document splitting on small fixtures."""

from __future__ import annotations

from index.corpus import read_corpus
from index.documents import split_documents
from index.normalize import to_simplified
from index.outline import find_headings, section_paths
from index.toc import find_tocs


def _headings(text: str):
    simple = to_simplified(text)
    tocs = find_tocs(simple)
    excluded = [(t.start, t.end) for t in tocs]
    found = find_headings(text, simple, 0, len(text), tocs, excluded)
    return [h.label for h in found], section_paths(found)


def test_inline_headings_run_into_their_body():
    text = ("一、发展基础(一)发展成就“十三五”期间,全市取得成效。(二)面临挑战当前,风险较多。"
            "二、总体要求(一)指导思想。以习近平新时代中国特色社会主义思想为指导。")
    labels, paths = _headings(text)
    assert labels == ["一、发展基础", "（一）发展成就", "（二）面临挑战", "二、总体要求", "（一）指导思想"]
    assert paths[-1] == ("二、总体要求", "（一）指导思想")


def test_cross_references_and_list_items_are_not_headings():
    text = ("一、主要任务\n按照(三)所列要求,落实以下工作:(1)加强监管;(2)完善制度。"
            "详见第三章。二、保障措施\n加强组织领导。")
    labels, _ = _headings(text)
    assert labels == ["一、主要任务", "二、保障措施"]


def test_next_numbered_item_after_a_run_in_responsibility_column():
    # a flattened "责任单位" column runs into the next item: in sequence, short title, full stop → heading
    text = ("一、主要任务\n1.农业农村标准体系。完善种植业标准。省农业农村厅等有关部门2.先进制造业标准体系。"
            "围绕特色优势产业。省工业和信息化厅3年内完成2.5万项标准复审。")
    labels, paths = _headings(text)
    assert labels == ["一、主要任务", "1.农业农村标准体系", "2.先进制造业标准体系"]
    assert paths[-1] == ("一、主要任务", "2.先进制造业标准体系")


def test_chapter_ladder_on_lines():
    text = ("第一篇 总体要求\n第一章 发展基础\n第一节 发展成就\n正文。\n第二节 发展环境\n正文。\n"
            "第二篇 改革开放\n第二章 综合改革\n第一节 全面实施\n正文。")
    labels, paths = _headings(text)
    assert labels[-3:] == ["第二篇 改革开放", "第二章 综合改革", "第一节 全面实施"]
    assert paths[-1] == ("第二篇 改革开放", "第二章 综合改革", "第一节 全面实施")


def test_contents_page_feeds_heading_ends():
    text = ("某市规划目 录一、现状与形势(一)“十三五”发展现状(二)“十四五”发展形势二、总体要求"
            "正文开始。一、现状与形势(一)“十三五”发展现状“十三五”时期,业务量翻番。(二)“十四五”发展形势未来五年,"
            "机遇增多。二、总体要求坚持稳中求进。")
    simple = to_simplified(text)
    tocs = find_tocs(simple)
    assert len(tocs) == 1 and [e.title for e in tocs[0].entries][:2] == ["现状与形势", "“十三五”发展现状"]
    found = find_headings(text, simple, tocs[0].end, len(text), tocs, [(t.start, t.end) for t in tocs])
    assert [h.label for h in found] == ["一、现状与形势", "（一）“十三五”发展现状", "（二）“十四五”发展形势",
                                        "二、总体要求"]


def test_uncertain_heading_end_is_cut_short_not_wrong():
    labels, _ = _headings("一、发展现状(一)公共卫生服务全面加强,健康建设扎实推进居民健康水平提高。")
    assert labels[1].endswith("…") and "居民" not in labels[1]


def test_several_plans_in_one_file_and_references_are_not_starts():
    body = "一、总体要求\n" + "坚持稳中求进,推动高质量发展。" * 100
    text = (f"甲市交通发展“十四五”规划(征求意见稿)\n{body}\n依据《乙省交通“十四五”规划》编制本规划。"
            f"\n乙市教育发展“十四五”规划\n{body}")
    spans = split_documents(text)
    assert [s.title for s in spans] == ["甲市交通发展“十四五”规划(征求意见稿)", "乙市教育发展“十四五”规划"]


def test_gb18030_file_end_to_end(tmp_path):
    text = "湖滨市质量发展规划\n一、发展目标\n到2025年,抽检合格率达到98%。\n二、主要任务\n加强监管。"
    (tmp_path / "plan.txt").write_bytes(text.encode("gb18030"))
    corpus = read_corpus([tmp_path])
    assert [d.title for d in corpus.documents] == ["湖滨市质量发展规划"]
    assert corpus.documents[0].region == "湖滨市"
    paths = [c.section_path for c in corpus.chunks]
    assert ("一、发展目标",) in paths and ("二、主要任务",) in paths
