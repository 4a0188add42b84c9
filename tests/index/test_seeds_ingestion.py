"""Ingestion of the real seeds: documents, outlines, chunks, offsets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from index.clean import clean
from index.corpus import read_corpus
from index.normalize import to_simplified
from index.toc import find_tocs

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

TITLES = [
    "大连市邮政业发展“十四五”规划",
    "福建省建筑业“十四五”发展规划",
    "吉林省标准化战略“十四五”发展规划",
    "雷家店镇经济与社会发展“十四五”规划",
    "韶关市应急管理“十四五”规划",
    "深圳市罗湖区卫生健康事业发展“十四五”规划",
    "深圳市商务发展“十四五”规划",
    "深圳市食品药品安全“十四五”规划",
    "深圳市知识产权“十四五”规划",
    "兴仁市优化营商环境“十四五”规划",
    "國家發展改革委關于推廣借鑒深圳經濟特區創新舉措和經驗做法的通知",
    "深圳市人民政府打造深圳標準構建質量發展新優勢行動計劃(2015—2020年)",
    "深圳市国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要",
    "湖州市质量发展“十四五”规划",
]


@pytest.fixture(scope="module")
def corpus():
    return read_corpus([SEEDS])


def _strip_suffix(title: str) -> str:
    return re.sub(r"(研究)?\((公开)?征求意见稿\)$", "", title)


def test_fourteen_documents_in_order(corpus):
    assert [_strip_suffix(d.title) for d in corpus.documents] == TITLES
    assert corpus.errors == []


def test_document_metadata(corpus):
    by_title = {_strip_suffix(d.title): d for d in corpus.documents}
    assert by_title["大连市邮政业发展“十四五”规划"].region == "大连市"
    assert by_title["吉林省标准化战略“十四五”发展规划"].region == "吉林省"
    assert by_title["湖州市质量发展“十四五”规划"].region == "湖州市"
    assert by_title["深圳市罗湖区卫生健康事业发展“十四五”规划"].region == "深圳市罗湖区"
    assert by_title["湖州市质量发展“十四五”规划"].years == (2021, 2025)
    # a notice issuing a plan is titled by the plan, as the plan names itself; the notice gives metadata
    notice = by_title["深圳市人民政府打造深圳標準構建質量發展新優勢行動計劃(2015—2020年)"]
    assert notice.years == (2015, 2020) and notice.region == "深圳市"
    assert (notice.issuer, notice.doc_number, notice.date) == ("深圳市人民政府", "深府函〔2015〕1号", "2015-01-01")
    assert by_title[TITLES[10]].region == "深圳市"
    # documents tile their file without overlapping
    for a, b in zip(corpus.documents, corpus.documents[1:]):
        if a.source == b.source:
            assert a.end <= b.start


def test_offsets_reproduce_every_chunk(corpus):
    for ch in corpus.chunks:
        assert clean(corpus.sources[ch.source][ch.start:ch.end]).text == ch.text, ch.chunk_id


def test_chunk_sizes(corpus):
    assert all(0 < len(ch.text) <= 500 for ch in corpus.chunks)
    assert all(len(ch.context) + len(ch.text) <= 800 + 200 for ch in corpus.chunks)


def test_chunk_ids_unique_and_stable(corpus):
    ids = [ch.chunk_id for ch in corpus.chunks]
    assert len(ids) == len(set(ids))
    again = read_corpus([SEEDS / "004_bcf92bb41f96abcb.txt"])
    assert [c.chunk_id for c in again.chunks] == [c.chunk_id for c in corpus.chunks if c.source.startswith("004")]


def test_no_noise_in_chunks(corpus):
    for ch in corpus.chunks:
        assert "思享" not in ch.text and not re.search(r"\[[^\]]{0,20}[*#~&%^@][^\]]{0,20}\]", ch.text), ch.text
        assert not re.search(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]+\)", ch.text) or not re.search(
            r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]", ch.text), ch.text
        assert "\ufffd" not in ch.text


def test_no_web_page_furniture_in_chunks(corpus):
    # 001/002/兴仁 were copied from web pages: site header, view counter, copyright footer, share links
    for ch in corpus.chunks:
        assert not re.search(r"版[权權]所有|瀏覽次數|服務熱線|關閉窗口|扫码获取全文|睿新配资|ICP備", ch.text), ch.text
    first_002 = next(ch for ch in corpus.chunks if ch.source.startswith("002_"))
    assert first_002.text.startswith("深圳市人民政府關于印發打造深圳標準構建質量發展新優勢行動計劃")


def test_numbered_items_after_responsibility_columns_in_jilin(corpus):
    # 吉林's items 2.–7. follow a run-in "…有关部门" column; each passage sits under its own item
    chunk = next(ch for ch in corpus.chunks if "建立覆盖治水治气、治城治乡、治土治山的生态文明标准体系" in ch.text)
    assert chunk.section_path[-1] == "7.生态文明标准体系"
    assert chunk.section_path[-2] == "（一）构建推动高质量发展的新型标准体系"


def test_no_table_of_contents_in_chunks(corpus):
    for name, original in corpus.sources.items():
        cleaned = clean(original)
        for toc in find_tocs(to_simplified(cleaned.text)):
            a, b = cleaned.span_to_original(toc.start, toc.end)
            for ch in corpus.chunks:
                if ch.source == name:
                    assert ch.end <= a or ch.start >= b, (name, ch.text[:40])


def _chunk_with(corpus, needle):
    found = [ch for ch in corpus.chunks if needle in ch.text]
    assert len(found) == 1, [c.section_path for c in found]
    return found[0]


def test_pm25_target_section_path_in_003(corpus):
    ch = _chunk_with(corpus, "PM2.5年均浓度低于20微克/立方米")
    assert ch.section_path == (
        "第一篇 开启中国特色社会主义先行示范区建设新征程", "第二章 指导方针", "第四节 “十四五”发展目标")


def test_food_sampling_target_section_path_in_000(corpus):
    ch = _chunk_with(corpus, "食用农产品和食品抽检量达到10批次/千人")
    assert _strip_suffix(ch.doc_title) == "深圳市食品药品安全“十四五”规划"
    assert ch.section_path == ("二、指导思想和主要目标", "（二）主要目标")


def test_table_rows_carry_title_and_header(corpus):
    ch = _chunk_with(corpus, "城市细颗粒物(PM2.5)平均浓度")
    assert ch.kind == "table" and ch.source.startswith("004")
    assert "表1:湖州市质量发展“十四五”规划目标" in ch.context
    assert "类别 | 主要指标 | 单位 | 2025年规划 目标值" in ch.context
    row = _chunk_with(corpus, "12食品抽检覆盖率(批次/千人)5约束性")
    assert row.kind == "table" and "指标名称和单位" in row.context and "主要指标" in row.context


def test_004_has_no_invented_sections(corpus):
    for ch in corpus.chunks:
        if ch.source.startswith("004"):
            assert all(p.startswith(("表", "专栏", "附件")) for p in ch.section_path), ch.section_path


def test_boxes_are_labelled(corpus):
    ch = _chunk_with(corpus, "完善要素市场化配置体制机制:探索利用存量建设用地")
    assert ch.kind == "box" and ch.section_path[-1] == "专栏2:综合改革试点重点领域"
    assert ch.section_path[-2] == "第一节 全面实施综合改革试点"


def test_inline_headings_of_000(corpus):
    paths = {ch.section_path for ch in corpus.chunks if ch.doc_title.startswith("大连市邮政业")}
    assert ("一、现状与形势", "（一）“十三五”发展现状") in paths
    assert ("四、保障措施", "（四）加强实施管理") in paths


def test_traditional_text_stays_traditional(corpus):
    ch = next(c for c in corpus.chunks if c.source.startswith("001") and "發展" in c.text)
    assert "發(fā)展" not in ch.text
