"""The English → Chinese glossary: loading, greedy multi-word expansion, folding, numbers."""

import pytest

from search.english import fold_word, number_forms, tokenize
from search.glossary import DEFAULT_GLOSSARY, Glossary, default_glossary

SMALL = """# a tiny glossary in the packaged file's format
food\t食品
food sampling\t食品抽检|抽检
sampling\t抽检|抽样
target\t目标
Shenzhen\t深圳
express delivery\t快递
parcels\t快递|包裹
patents per 10,000 people\t每万人发明专利拥有量
R&D intensity\t研发投入强度
GDP\t地区生产总值|GDP
business environment\t营商环境
community health centre\t社区健康服务中心|社康中心
"""


@pytest.fixture()
def glossary():
    return Glossary.parse(SMALL)


def test_parse_counts_and_merges():
    g = Glossary.parse(SMALL + "target\t指标|目标\n")
    assert len(g) == 12
    assert g.entries[("target",)] == ["目标", "指标"]  # repeated term: renderings merged, no duplicates
    assert g.entries[("patent", "per", "10000", "people")] == ["每万人发明专利拥有量"]


def test_parse_rejects_bad_line_with_its_number():
    with pytest.raises(ValueError, match=r":3: expected 'english term<TAB>"):
        Glossary.parse("# c\nfood\t食品\nno tab here\n")
    with pytest.raises(ValueError, match=":1:"):
        Glossary.parse("food\t \n")


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="glossary"):
        Glossary.load(tmp_path / "nope.tsv")


def test_load_file(tmp_path):
    path = tmp_path / "g.tsv"
    path.write_text(SMALL, encoding="utf-8")
    g = Glossary.load(path)
    assert g.path == path and len(g) == 12


def test_expand_longest_multiword_match(glossary):
    e = glossary.expand("Shenzhen 2025 food sampling target")
    assert e.terms == [("Shenzhen", ["深圳"]), ("food sampling", ["食品抽检", "抽检"]), ("target", ["目标"])]
    assert e.chinese_query == "深圳 2025 食品抽检 抽检 目标"
    assert e.numbers == ["2025"]
    assert e.unmatched == []
    assert e.groups == [["深圳"], ["2025"], ["食品抽检", "抽检"], ["目标"]]
    assert e.coverage == 1.0


def test_coverage_counts_unknown_words(glossary):
    assert glossary.expand("Shenzhen hospital beds").coverage == 1 / 3
    assert glossary.expand("hospital beds").coverage == 0.0
    assert glossary.expand("how is it").coverage == 0.0  # stopwords only: nothing to bridge


def test_expand_case_and_inflection(glossary):
    e = glossary.expand("SHENZHEN's Business Environment TARGETS")
    assert [t for t, _ in e.terms] == ["SHENZHEN's", "Business Environment", "TARGETS"]
    assert e.chinese_query == "深圳 营商环境 目标"
    # plural on the query side, British spelling and plural on the glossary side
    e = glossary.expand("community health centers, express parcels")
    assert e.terms[0] == ("community health centers", ["社区健康服务中心", "社康中心"])
    assert e.terms[1] == ("parcels", ["快递", "包裹"])
    assert e.unmatched == ["express"]


def test_expand_symbols_and_numbers_inside_terms(glossary):
    e = glossary.expand("r&d intensity and invention patents per 10,000 people")
    assert e.terms == [("r&d intensity", ["研发投入强度"]), ("patents per 10,000 people", ["每万人发明专利拥有量"])]
    assert e.numbers == []  # the 10,000 belongs to the term
    assert e.unmatched == ["invention"]


def test_expand_numbers_as_written_and_normalised(glossary):
    e = glossary.expand("GDP of 4 trillion yuan, 10,000 jobs, 98 percent, 2.5%")
    assert e.numbers == ["4万亿", "40000亿", "10,000", "10000", "1万", "98%", "2.5%"]
    assert e.chinese_query.startswith("地区生产总值 GDP 4万亿")


def test_expand_keeps_han_digits_and_acronyms(glossary):
    e = glossary.expand("Shenzhen PM2.5 目标 and ICT, 5G")
    assert e.chinese_query == "深圳 PM2.5 目标 ICT 5G"
    assert e.terms == [("Shenzhen", ["深圳"])]


def test_term_never_spans_han(glossary):
    e = glossary.expand("food 抽检 sampling")
    assert [t for t, _ in e.terms] == ["food", "sampling"]


def test_chinese_terms_longest_first(glossary):
    e = glossary.expand("Shenzhen food sampling")
    assert e.chinese_terms == ["食品抽检", "深圳", "抽检"]


def test_fold_word():
    pairs = {
        "parcels": "parcel", "targets": "target", "industries": "industri", "drafting": "draft",
        "drafted": "draft", "planning": "plan", "processes": "process", "centres": "center",
        "centre": "center", "organised": "organiz", "organizing": "organiz", "labour": "labor",
        "Shenzhen's": "shenzhen", "R&D": "r&d", "PM2.5": "pm2.5", "people": "people", "status": "status",
        "care": "care", "cars": "car", "sites": "site",  # a four-letter word keeps its e (care is not car)
    }
    assert {w: fold_word(w) for w in pairs} == pairs


def test_number_forms():
    assert number_forms("10,000") == ["10,000", "10000", "1万"]
    assert number_forms("2025") == ["2025"]
    assert number_forms("99") == ["99"]
    assert number_forms("150000") == ["150000", "15万"]
    assert number_forms("5", "billion") == ["50亿"]
    assert number_forms("1.5", "trillion") == ["1.5万亿", "15000亿"]
    assert number_forms("3.5", "million") == ["350万", "3500000"]
    assert number_forms("80%") == ["80%"]


def test_tokenize_kinds_and_offsets():
    query = "Dalian's 14th plan: 10,000 快递 in 2025"
    tokens = tokenize(query)
    assert [(t.text, t.kind) for t in tokens] == [
        ("Dalian's", "word"), ("14th", "word"), ("plan", "word"), ("10,000", "num"),
        ("快递", "han"), ("in", "word"), ("2025", "num"),
    ]
    assert all(query[t.start : t.end] == t.text for t in tokens)


@pytest.mark.skipif(not DEFAULT_GLOSSARY.is_file(), reason="packaged glossary not written yet")
class TestPackagedGlossary:
    def test_loads_and_is_big_enough(self):
        g = default_glossary()
        # A bound against a runaway file, not a budget (the old 2,000 was this test's bound, nothing else's):
        # 2,000 → 3,065 entries cost +0.6 MB (0.99 → 1.56 MB), a median load of 75 → 93 ms once per process
        # (107 → 146 ms in a second run), expansion unchanged at 40-70 µs a question (load average 5).
        assert 3000 <= len(g) <= 6000
        assert default_glossary() is g  # loaded once

    def test_plan_vocabulary(self):
        g = default_glossary()
        for english, chinese in [
            ("food sampling", "抽检"), ("pass rate", "合格率"), ("business environment", "营商环境"),
            ("express delivery", "快递"), ("parcels", "快递"), ("R&D intensity", "研发投入强度"),
            ("GDP", "地区生产总值"), ("Shenzhen", "深圳"), ("Huzhou", "湖州"), ("Dalian", "大连"),
        ]:
            assert chinese in g.expand(english).chinese_query, english

    def test_issue_example(self):
        e = default_glossary().expand("Shenzhen 2025 food sampling target")
        for part in ("深圳", "2025", "抽检"):
            assert part in e.chinese_query


@pytest.mark.skipif(not DEFAULT_GLOSSARY.is_file(), reason="packaged glossary not written yet")
def test_rules_and_heritage_vocabulary():
    g = default_glossary()
    e = g.expand("What age thresholds do the points-based household registration measures set for applicants?")
    assert e.terms == [
        ("age", ["年龄", "周岁", "年满"]), ("thresholds", ["门槛", "条件", "标准"]),
        ("points-based household registration", ["积分制入户", "积分入户", "积分落户"]),
        ("measures", ["措施", "举措", "办法", "计量"]), ("set", ["制定", "设定", "设立"]),
        ("applicants", ["申请人", "申请对象", "申请"]),
    ]
    assert e.unmatched == []
    e = g.expand("revolutionary cultural relics, memorial halls and the 14th Five-Year target")
    assert e.terms == [("revolutionary cultural relics", ["革命文物"]), ("memorial halls", ["纪念馆"]),
                       ("14th Five-Year", ["十四五", "十四五时期"]), ("target", ["目标", "指标"])]
    assert g.expand("revolutionary relics").chinese_query == "革命文物"
    assert g.expand("points per blood donation").terms[0] == ("points", ["积分", "分值"])
    # aging, ageing and aged fold to the key of "age": their phrases are their own entries
    assert g.expand("ageing population").chinese_query == "人口老龄化 老龄化"
    assert g.expand("aged care").chinese_query == "养老 养老服务"
    assert g.expand("age-friendly").chinese_query == "适老化 老年友好"
    for english, chinese in [("document number", "文号"), ("interpretation", "解释"), ("take effect", "施行"),
                             ("lease contract", "租赁"), ("senior managers exam", "高级管理人员"),
                             ("working days", "工作日"), ("opinions", "意见"), ("lending", "贷款"),
                             ("minimum", "最低"), ("release date", "日期"), ("examination", "考试")]:
        assert chinese in g.expand(english).chinese_query, english


@pytest.mark.skipif(not DEFAULT_GLOSSARY.is_file(), reason="packaged glossary not written yet")
def test_general_plan_vocabulary_by_class():
    g = default_glossary()
    for english, chinese in [
        # sizes and qualities, number words
        ("high", "高"), ("low", "低"), ("large", "大型"), ("small and medium enterprises", "中小企业"),
        ("central", "中心"), ("social", "社会"), ("net", "净"), ("free", "免费"), ("three", "三"),
        # changes and actions
        ("fall", "下降"), ("change", "变化"), ("propose", "提出"), ("release", "发布"), ("merge", "合并"),
        ("tighten", "严格"), ("roll out", "推广"), ("finish", "完成"), ("update", "更新"),
        # document types and bodies
        ("document", "文件"), ("table", "表"), ("catalogue", "目录"), ("legal basis", "依据"),
        ("ministry", "部"), ("administrative authority", "行政主管部门"), ("body", "机构"),
        ("Ministry of Emergency Management", "应急管理部"), ("NDRC", "发改委"), ("Xinhua", "新华社"),
        # indicators, units, sectors, places
        ("three-sector structure", "三次产业结构"), ("gross output value", "总产值"),
        ("urbanisation rate", "城镇化率"), ("square kilometres", "平方公里"), ("tonnes", "吨"),
        ("real estate", "房地产"), ("semiconductors", "半导体"), ("integrated circuits", "集成电路"), ("Beibu Gulf", "北部湾"),
        ("lift", "电梯"), ("collateralised lending", "抵押贷款"), ("blood donation", "献血"),
    ]:
        e = g.expand(english)
        assert chinese in e.chinese_query and not e.unmatched, english


def test_fold_keeps_words_snowball_merges_apart():
    assert fold_word("important") != fold_word("import")  # important → 重要, not 进口
    assert fold_word("imports") == fold_word("import")


@pytest.mark.skipif(not DEFAULT_GLOSSARY.is_file(), reason="packaged glossary not written yet")
def test_question_framing_words_are_not_searched():
    g = default_glossary()
    e = g.expand("Which plan mentions a whistleblower scheme? What does it say, and what do they want?")
    assert [t for t, _ in e.terms] == ["plan", "whistleblower", "scheme"] and e.unmatched == []
    e = g.expand("What fire-safety goal does the plan set for important revolutionary heritage buildings?")
    assert ("important", ["重要", "重点"]) in e.terms and e.unmatched == []
    # "how big" asks for a size: the economy's 总量, not 规模以上 (above designated size)
    assert g.expand("How big is the economy").terms[0] == ("How big", ["总量", "多大"])


def test_names_are_bridged_where_they_stand():
    g = Glossary.parse("food sampling\t食品抽检\n").with_names(lambda w: ["德清"] if w == "Deqing" else [])
    e = g.expand("food sampling in Deqing and Xyzzy")
    assert e.terms == [("food sampling", ["食品抽检"]), ("Deqing", ["德清"])]
    assert e.groups == [["食品抽检"], ["德清"]] and e.unmatched == ["Xyzzy"]


def test_number_words_percent_words_and_written_out_periods():
    g = Glossary.parse("tonnes\t吨\ngdp\t地区生产总值\n")
    assert g.expand("one million tonnes").groups == [["100万", "1000000"], ["吨"]]
    assert g.expand("two billion").numbers == ["20亿"]
    assert g.expand("30 per cent of GDP").groups == [["30%"], ["地区生产总值"]]
    assert g.expand("30 pct").groups == [["30%"]]
    assert g.expand("three tonnes").groups == [["吨"]]  # a number word alone is no number
    assert g.expand("one of the tonnes").unmatched == []


@pytest.mark.skipif(not DEFAULT_GLOSSARY.is_file(), reason="packaged glossary not written yet")
def test_packaged_periods_and_quarters():
    g = default_glossary()
    assert g.expand("fourteenth five-year plan").groups[0][0] == "十四五"
    assert g.expand("12th five-year plan").groups[0][0] == "十二五"
    assert g.expand("first half of 2020").groups == [["上半年"], ["2020"]]
    assert g.expand("Q1 2021").groups == [["一季度", "第一季度"], ["2021"]]


@pytest.mark.skipif(not DEFAULT_GLOSSARY.is_file(), reason="packaged glossary not written yet")
def test_rule_and_eligibility_question_words():
    g = default_glossary()
    for english, chinese in [
        ("maximum", "最高"), ("usual", "一般"), ("pass", "合格"), ("apply", "申请"), ("single", "单身"),
        ("families", "家庭"), ("bachelor's degree", "本科"), ("disaster-prone", "易发"), ("attribute", "属性"),
        ("make up", "组成"), ("public notice period", "公示"), ("in batches", "分批"), ("published", "公布"),
        ("social insurance contributions", "缴纳社会保险"), ("customers", "客户"), ("customs", "海关"),
    ]:
        e = g.expand(english)
        assert chinese in e.chinese_query and not e.unmatched, english


def test_british_plurals_fold_like_their_singulars():
    assert fold_word("licences") == fold_word("licenses") == fold_word("license")
    assert fold_word("programmes") == fold_word("programs")


@pytest.mark.skipif(not DEFAULT_GLOSSARY.is_file(), reason="packaged glossary not written yet")
def test_no_entry_catches_a_common_word_by_its_stem():
    g = default_glossary()
    # "times" (倍) would fold onto "time", "means" (手段) onto "mean", "parts" (零部件) onto "part"
    for word in ("time", "mean", "part", "power", "figures", "become", "present"):
        assert g.expand(word).groups == [], word
    assert g.expand("positioned").groups[0][0] == "定位"
    assert g.expand("special").groups[0][0] == "专项"
    assert g.expand("production licences").groups == [["生产许可", "生产许可证"]]


@pytest.mark.skipif(not DEFAULT_GLOSSARY.is_file(), reason="packaged glossary not written yet")
def test_goods_and_accountability_keep_their_own_keys():
    g = default_glossary()
    assert g.expand("good air quality").groups[0] == ["良好", "优良", "好"]
    assert g.expand("goods").groups == [["商品", "货物"]]
    assert g.expand("What share of GDP should the digital economy account for?").terms[-1] == (
        "account for", ["占", "占比", "比重"])
    assert g.expand("accountability").groups[0][0] == "问责"


def test_words_snowball_would_merge_with_a_listed_term_fold_apart():
    assert fold_word("direct") != fold_word("direction") == fold_word("directions")
    assert fold_word("positive") != fold_word("position")
    assert fold_word("official") != fold_word("officials")
    assert fold_word("regulators") != fold_word("regulations")  # 监管部门, not 条例


@pytest.mark.skipif(not DEFAULT_GLOSSARY.is_file(), reason="packaged glossary not written yet")
def test_total_phrases_are_terms_of_their_own():
    g = default_glossary()
    e = g.expand("Luohu district 2025 target for the total number of community health centres")
    assert ("total number", ["总数", "总量"]) in e.terms
    assert g.expand("total population").groups == [["总人口", "人口总数"]]
    assert g.expand("total").groups == [["总量", "总额", "总数", "合计"]]
