"""Numbers with units, comparison columns and two-passage comparison; the seeds' PM2.5 comparison."""

from __future__ import annotations

import pytest

from index.types import Chunk, Document
from search.compare import compare
from search.compare_chunks import compare_chunks
from search.numbers import find_numbers
from search.types import Hit, Quantity, Span


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("食用农产品和食品抽检量达到10批次/千人，合格率稳定在98%以上", ["≥10批次/千人", "≥98%"]),
        ("PM2.5年均浓度低于20微克/立方米", ["<20微克/立方米"]),
        ("环境质量 | 城市细颗粒物(PM2.5)平均浓度 | 微克/立方米 | 25 | |", ["25微克/立方米"]),
        ("社康中心总数(个) | 80 | 99", ["80个", "99个"]),
        ("快递业务量(出港件)突破5亿件，2019年业务总量完成43.36亿元", [">5亿件", "43.36亿元"]),
        ("人均期望寿命≥82岁，5G基站1.5万个，2021年6月9日，第3条，比重不低于7%", ["≥82岁", "1.5万个", "≥7%"]),
        # traditional text: units are read on its simplified form (same length, same offsets)
        ("經濟總量超過4萬億元，共5方面47條", [">4万亿元", "5方面", "47条"]),
        ("由47微克/立方米下降到26微克/立方米，200年一遇", ["47微克/立方米", "26微克/立方米", "200年一遇"]),
    ],
)
def test_find_numbers(text, expected):
    found = find_numbers(text)
    assert [str(q) for q in found] == expected
    for q in found:  # offsets point at the number as written
        assert q.number in text[q.start:q.end]


def test_quantity_json():
    q = find_numbers("低于20微克/立方米")[0]
    assert q == Quantity("20", "微克/立方米", "<", 2, 10)
    assert q.to_dict() == {"text": "<20微克/立方米", "value": 20.0, "unit": "微克/立方米", "comparator": "<"}


SZ = Chunk("sz", "sz-plan", "深圳规划", ("第四节 目标",), "到2025年，PM2.5年均浓度低于20微克/立方米，森林覆盖率达到40%。",
           "sz.txt", 0, 40)
HZ = Chunk("hz", "hz-plan", "湖州规划", ("表1",), "环境质量 | 城市细颗粒物(PM2.5)平均浓度 | 微克/立方米 | 25 | |\n"
           "城市空气质量优良天数比率 | % | 90 | ||", "hz.txt", 0, 60, context="湖州规划\n类别 | 主要指标 | 单位 | 2025年目标值")


class FakeSearcher:
    """Search by shared characters: enough to exercise comparison without an index."""

    documents = [Document("sz-plan", "深圳规划", "sz.txt", 0, 40), Document("hz-plan", "湖州规划", "hz.txt", 0, 60)]

    def search(self, query, k=10, doc_ids=None):
        chunks = [c for c in (SZ, HZ) if not doc_ids or c.doc_id in doc_ids]
        ranked = sorted(chunks, key=lambda c: -len(set(query) & set(c.text)))
        return [Hit(chunk=c, score=1.0, rank=i + 1) for i, c in enumerate(ranked[:k])]

    def document(self, doc_id):
        return next(d for d in self.documents if d.doc_id == doc_id)


def test_compare_reads_the_targets_across_documents():
    result = compare(FakeSearcher(), "PM2.5浓度目标", doc_ids=["sz-plan", "hz-plan"], top=1)
    assert [c.doc_id for c in result.columns] == ["sz-plan", "hz-plan"]
    assert [[str(q) for q in c.numbers] for c in result.columns] == [["<20微克/立方米"], ["25微克/立方米"]]
    sz, hz = result.columns
    assert sz.answer.text == "到2025年，PM2.5年均浓度低于20微克/立方米，森林覆盖率达到40%。"
    assert hz.answer.text == "环境质量 | 城市细颗粒物(PM2.5)平均浓度 | 微克/立方米 | 25 | |"
    # a column's quantity offsets point into its answer passage
    q = sz.numbers[0]
    assert SZ.text[q.start:q.end] == "20微克/立方米"
    as_json = result.to_dict()
    assert list(as_json) == ["question", "columns"]
    assert list(as_json["columns"][0]) == ["doc_id", "doc_title", "answer", "numbers", "hits"]
    assert as_json["columns"][1]["numbers"][0]["text"] == "25微克/立方米"


def test_compare_picks_relevant_documents_without_ids():
    result = compare(FakeSearcher(), "PM2.5浓度目标", top=1)
    assert {c.doc_id for c in result.columns} == {"sz-plan", "hz-plan"}
    with pytest.raises(ValueError, match="--top"):
        compare(FakeSearcher(), "PM2.5", top=0)


def test_compare_chunks_marks_shared_terms_and_differing_numbers():
    left = Chunk("l", "d1", "甲规划", (), "到2025年，城市空气质量优良天数比率达到90%，PM2.5浓度25微克/立方米。", "a.txt", 0, 50)
    right = Chunk("r", "d2", "乙规划", (), "到2025年，城市空气质量优良天数比率达到95%，PM2.5浓度25微克/立方米。", "b.txt", 0, 50)
    result = compare_chunks(left, right)
    assert "优良" in result.shared_terms and "空气质量" in result.shared_terms
    assert [str(q) for q in result.left_numbers] == ["≥90%"]
    assert [str(q) for q in result.right_numbers] == ["≥95%"]
    number_marks = [s for s in result.left.highlights if s.kind == "number"]
    assert number_marks == [Span(left.text.index("90%"), left.text.index("90%") + 3, "number")]
    assert result.to_dict()["differing_numbers"][1][0]["text"] == "≥95%"


@pytest.mark.model
def test_seeds_compare_pm25_targets_of_003_and_004(engine):
    ids = {d.source[:3]: d.doc_id for d in engine.documents if d.source[:3] in ("003", "004")}
    result = engine.compare("PM2.5浓度目标", doc_ids=[ids["003"], ids["004"]])
    shenzhen, huzhou = result.columns
    assert [str(q) for q in shenzhen.numbers] == ["<20微克/立方米"]
    assert [str(q) for q in huzhou.numbers] == ["25微克/立方米"]
    assert "PM2.5年均浓度低于20微克/立方米" in shenzhen.answer.text
    assert 1 <= len(huzhou.hits) <= 3


def _terms(question):
    from search.terms import query_terms

    return query_terms(question)


def test_document_terms_leave_out_the_names_of_the_plans():
    from search.compare import document_terms

    terms = _terms("浙江银监局和江苏银保监局分别对涉农金融服务提出了什么要求")
    names, text, other = "浙江银监局浙江银行业行动计划", "浙江涉农金融服务要求银监局", "江苏银保监局江苏省"
    mine, content = document_terms(terms, names, text, [other])
    assert [t.text for t in mine] == ["浙江", "银监局", "涉农", "金融服务", "要求"]  # 江苏 names the other plan
    assert [t.text for t in content] == ["涉农", "金融服务", "要求"]  # 浙江, 银监局 name this one
    # a word of what is asked names no plan, even in a title (…远景目标纲要)
    mine, content = document_terms(_terms("食品抽检目标"), "远景目标纲要", "食品抽检目标", [])
    assert [t.text for t in content] == ["食品", "抽检", "目标"]


def test_rank_passages_weighs_terms_inside_the_document():
    from search.compare import rank_passages

    def chunk(i, text):
        return Chunk(f"c{i}", "d", "规划", (), text, "d.txt", 0, len(text))

    # 规划 is in every passage (no weight); 数据库 is rare; 消防安全 is partly met by 消防救援
    texts = ["规划总则，项目安排", "规划建立大数据库", "规划消防救援物资", "规划其他事项"]
    hits = [Hit(chunk=chunk(i, t), score=1.0, rank=i + 1) for i, t in enumerate(texts)]
    ranked = rank_passages(hits, _terms("规划数据库"))
    assert [h.chunk.chunk_id for h in ranked] == ["c1", "c0", "c2", "c3"]
    assert [h.rank for h in ranked] == [1, 2, 3, 4]
    ranked = rank_passages(hits, _terms("消防安全规划"))
    assert ranked[0].chunk.chunk_id == "c2"


def test_rank_passages_lets_the_nearest_sentence_decide_between_equal_terms():
    import numpy as np

    from search.compare import rank_passages

    def chunk(i, text):
        return Chunk(f"c{i}", "d", "规划", (), text, "d.txt", 0, len(text))

    hits = [Hit(chunk=chunk(0, "规划其他事项说明。"), score=1.0, rank=1),
            Hit(chunk=chunk(1, "年龄在45周岁以下。"), score=1.0, rank=2)]

    def encode(texts):  # the question and the age sentence point the same way
        return np.array([[1.0, 0.0] if ("age" in t or "年龄" in t) else [0.0, 1.0] for t in texts])

    assert [h.chunk.chunk_id for h in rank_passages(hits, [])] == ["c0", "c1"]
    ranked = rank_passages(hits, [], "What age limit?", encode)
    assert [h.chunk.chunk_id for h in ranked] == ["c1", "c0"]


def test_abbreviations_name_a_plan():
    from search.compare import _abbreviates

    assert _abbreviates("银监局", "中国银监会浙江监管局")
    assert _abbreviates("保监局", "中国银保监会江苏监管局")
    assert not _abbreviates("保监局", "中国银监会浙江监管局")  # no 保 in it
    assert not _abbreviates("银监局", "中国银行保险监督管理委员会浙江监管局")  # too far apart
    assert not _abbreviates("规划", "规范计划")  # two characters must be written as they are


RELICS_OPINIONS = Document("opinions", "关于实施革命文物保护利用工程的意见", "a.txt", 0, 40, issuer="中共中央办公厅 国务院办公厅")
RELICS_PLAN = Document("plan", "革命文物保护利用“十四五”专项规划", "b.txt", 0, 80, issuer="国家文物局")
RELICS_CHUNKS = [
    Chunk("a1", "opinions", RELICS_OPINIONS.title, (), "建立革命文物大数据库，推进资源信息开放共享。", "a.txt", 0, 22),
    Chunk("b1", "plan", RELICS_PLAN.title, (), "为贯彻落实国务院办公厅印发的《关于实施革命文物保护利用工程的意见》，制定本规划。",
          "b.txt", 0, 40),
    Chunk("b2", "plan", RELICS_PLAN.title, (), "建成全国革命文物大数据库，规范数据管理。", "b.txt", 40, 60),
]


class RelicsSearcher(FakeSearcher):
    documents = [RELICS_OPINIONS, RELICS_PLAN]

    def search(self, query, k=10, doc_ids=None):
        chunks = [c for c in RELICS_CHUNKS if not doc_ids or c.doc_id in doc_ids]  # the notice's citation first
        return [Hit(chunk=c, score=1.0, rank=i + 1) for i, c in enumerate(chunks[:k])]


def test_a_column_leaves_out_the_other_plans_name_though_its_plan_cites_it():
    from search.compare import document_terms

    terms = _terms("国务院办公厅意见和十四五专项规划分别怎样建设数据库？")
    names = "|".join(("革命文物保护利用十四五专项规划", "国家文物局"))
    other = "|".join(("关于实施革命文物保护利用工程的意见", "中共中央办公厅国务院办公厅"))
    mine, content = document_terms(terms, names, RELICS_CHUNKS[1].text + RELICS_CHUNKS[2].text, [other])
    # 国务院办公厅 · 意见 in a row name the opinions, though the plan's notice cites them
    assert [t.text for t in mine] == ["十四五", "专项规划", "建设", "数据库"]
    assert [t.text for t in content] == ["建设", "数据库"]
    result = compare(RelicsSearcher(), "国务院办公厅意见和十四五专项规划分别怎样建设数据库？", doc_ids=["opinions", "plan"],
                     top=1)
    assert [c.answer.text for c in result.columns] == ["建立革命文物大数据库，推进资源信息开放共享。",
                                                        "建成全国革命文物大数据库，规范数据管理。"]
    assert [h.chunk.chunk_id for h in result.columns[1].hits] == ["b2"]


def test_a_word_asking_what_a_plan_sets_is_no_cue():
    from search.compare import _COMPARING, rank_passages

    def chunk(i, text):
        return Chunk(f"c{i}", "d", "积分制入户管理办法", (), text, "d.txt", 0, len(text))

    hits = [Hit(chunk=chunk(7, "第七条 年龄原则上在45周岁以下，由行业主管部门制定办法。"), score=1.0, rank=1),
            Hit(chunk=chunk(6, "第六条 申请人应同时符合以下条件：年龄在45周岁以下。"), score=1.0, rank=2),
            Hit(chunk=chunk(9, "第九条 公示期满后签发入户卡。"), score=1.0, rank=3)]
    question = "What age thresholds do the measures set for applicants?"
    terms = [t for t in _terms(question) if t.text.lower() not in _COMPARING]  # as compare() takes them
    assert [t.text for t in terms] == ["age", "thresholds", "measures", "applicants"]
    assert [h.chunk.chunk_id for h in rank_passages(hits, terms)] == ["c6", "c7", "c9"]
