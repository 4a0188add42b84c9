"""Quote lookup: exact and approximate matches with original offsets; the seeds' quote cases."""

from __future__ import annotations

import pytest

from index.clean import clean
from index.quote_index import QuoteIndex, semi_global
from index.types import Chunk, Document
from search.quote import ChunkLocator, document_text, lookup, quote_key

SOURCE_A = (
    "深圳市食品安全规划\n一、主要目标\n到2025年，食用农产品和食品抽检量达到10批次/千人，"
    "食品评价性抽检合格率保持在99%以上。\n二、重点任务\n建立食品安全风险监测体系，完善抽检监测制度。\n"
)
SOURCE_B = "國家發(fā)展改革委關於推廣借鑒深圳經濟特區創新舉措和經驗做法的通知\n各省、自治區發展改革委：\n現就有關事項通知如下。\n"
DOCS = [Document("a", "深圳市食品安全规划", "a.txt", 0, len(SOURCE_A)),
        Document("b", "國家發展改革委關於推廣借鑒深圳經濟特區創新舉措和經驗做法的通知", "b.txt", 0, len(SOURCE_B))]
SOURCES = {"a.txt": SOURCE_A, "b.txt": SOURCE_B}


def _chunk(source_name: str, doc_id: str, first: str, last: str, path: tuple[str, ...]) -> Chunk:
    source = SOURCES[source_name]
    start = source.index(first)
    end = source.index(last, start) + len(last)
    return Chunk(f"{doc_id}-{start}", doc_id, doc_id, path, clean(source[start:end]).text, source_name, start, end)


CHUNKS = [
    _chunk("a.txt", "a", "深圳市", "千人，", ("一、主要目标",)),
    _chunk("a.txt", "a", "食品评价性", "监测制度。", ("二、重点任务",)),
    _chunk("b.txt", "b", "國家", "如下。", ()),
]


@pytest.fixture(scope="module")
def index() -> QuoteIndex:
    by_doc = {d.doc_id: [c for c in CHUNKS if c.doc_id == d.doc_id] for d in DOCS}
    return QuoteIndex.build(DOCS, lambda d: document_text(d, by_doc[d.doc_id], SOURCES[d.source]))


def find(index: QuoteIndex, quote: str, **kwargs):
    return lookup(index, quote, SOURCES.get, ChunkLocator(CHUNKS), **kwargs)


def test_semi_global_alignment():
    assert semi_global("abcd", "xxabcdyy") == (2, 6, 0)
    assert semi_global("abcd", "xxabdyy") == (2, 5, 1)  # one character lost
    assert semi_global("abxd", "zzabcdzz") == (2, 6, 1)  # one changed
    assert quote_key("（二）主要目标：到2025年，") == "二主要目标到2025年"


def test_exact_quote_across_two_passages(index):
    quote = "食品抽检量达到10批次/千人，食品评价性抽检合格率"
    result = find(index, quote)
    assert result.found
    (match,) = result.matches
    assert match.similarity == 1.0
    assert SOURCE_A[match.start:match.end] == quote
    assert match.matched_text == quote
    assert (match.doc_id, match.section_path, match.passage.chunk_id) == ("a", ("一、主要目标",), CHUNKS[0].chunk_id)


def test_simplified_quote_of_traditional_text_with_noise(index):
    result = find(index, "国家发展改革委关于推广借鉴深圳经济特区创新举措")
    assert result.found
    match = result.matches[0]
    assert match.similarity == 1.0
    assert SOURCE_B[match.start:match.end] == "國家發(fā)展改革委關於推廣借鑒深圳經濟特區創新舉措"
    assert match.matched_text == "國家發展改革委關於推廣借鑒深圳經濟特區創新舉措"


def test_quote_with_two_characters_lost(index):
    result = find(index, "建立食品风险监测体系，完善抽监测制度")  # 安全 → 安 … lost: 安, 全→ and 检
    assert result.found
    match = result.matches[0]
    assert SOURCE_A[match.start:match.end] == "建立食品安全风险监测体系，完善抽检监测制度"
    assert 0.8 <= match.similarity < 1.0


def test_made_up_sentence_is_not_found_and_lists_candidates(index):
    result = find(index, "火星殖民地的食品安全风险由月球基地统一负责监测和处置")
    assert not result.found
    assert result.reason.startswith("no source text is close enough")
    assert result.matches and all(m.similarity < 0.8 for m in result.matches)
    nothing = find(index, "火星殖民地将在二〇三五年前完成首批移民安置工作")
    assert (nothing.found, nothing.matches, nothing.reason) == (False, (), "no candidate shares text with the quote")
    with pytest.raises(ValueError, match="too short"):
        find(index, "目标，")


def test_index_round_trips_through_files(index, tmp_path):
    index.save(tmp_path / "quote", corpus_hash="h1")
    loaded = QuoteIndex.load(tmp_path / "quote", corpus_hash="h1")
    assert loaded.key == index.key and loaded.documents == index.documents
    assert find(loaded, "完善抽检监测制度").matches[0].start == SOURCE_A.index("完善抽检监测制度")
    with pytest.raises(ValueError, match="another corpus"):
        QuoteIndex.load(tmp_path / "quote", corpus_hash="h2")


def test_index_from_chunks_when_the_source_is_missing():
    doc = DOCS[0]
    text, offsets = document_text(doc, [c for c in CHUNKS if c.doc_id == "a"], None)
    assert "千人，\n食品评价性" in text and len(offsets) == len(text)
    assert offsets[0] == CHUNKS[0].start


# --- the engine and the seeds
def test_engine_cite_show_and_ask_on_mini_plans(mini_engine):
    result = mini_engine.cite("食品评价性抽检合格率保持在99%以上")
    assert result.found and result.matches[0].similarity == 1.0
    match = result.matches[0]
    assert clean(mini_engine.source_text(match.source)[match.start:match.end]).text == "食品评价性抽检合格率保持在99%以上"
    traditional = mini_engine.cite("推进绿色工厂建设，累计建成国家级绿色工厂44家")
    assert traditional.found and traditional.matches[0].matched_text == "推進綠色工廠建設，累計建成國家級綠色工廠44家"
    assert mini_engine.show(match.passage.chunk_id, context=0) == [match.passage]


def _doc_id(engine, source_prefix: str) -> str:
    return next(d.doc_id for d in engine.documents if d.source.startswith(source_prefix))


@pytest.mark.model
def test_seeds_exact_quote(engine):
    result = engine.cite("食用农产品和食品抽检量达到10批次/千人，主要农产品质量安全监测总体合格率稳定在98%以上")
    assert result.found
    match = result.matches[0]
    assert match.similarity == 1.0 and match.source == "000_67948c9818ef1510.txt"
    assert match.section_path[-1] == "（二）主要目标"
    assert match.matched_text == "食用农产品和食品抽检量达到10批次/千人,主要农产品质量安全监测总体合格率稳定在98%以上"


@pytest.mark.model
def test_seeds_simplified_quote_of_001(engine):
    result = engine.cite("国家发展改革委关于推广借鉴深圳经济特区创新举措和经验做法的通知")
    assert result.found
    match = result.matches[0]
    assert match.doc_id == _doc_id(engine, "001") and match.similarity == 1.0
    assert match.matched_text == "國家發展改革委關于推廣借鑒深圳經濟特區創新舉措和經驗做法的通知"
    assert (match.start, match.end) == (0, 59)  # the pinyin annotations are inside the span


@pytest.mark.model
def test_seeds_quote_with_two_characters_lost(engine):
    # from 003: "PM2.5年均浓度低于20微克/立方米，主要河流水质达到地表水Ⅳ类以上" without 均 and 主
    result = engine.cite("PM2.5年浓度低于20微克/立方米，要河流水质达到地表水Ⅳ类以上")
    assert result.found
    match = result.matches[0]
    assert match.doc_id == _doc_id(engine, "003")
    assert match.matched_text == "PM2.5年均浓度低于20微克/立方米,主要河流水质达到地表水Ⅳ类以上"
    assert 0.9 < match.similarity < 1.0


@pytest.mark.model
def test_seeds_made_up_sentence_not_found(engine):
    result = engine.cite("到2030年，全市建成火星移民基地十座，太空电梯通勤率达到百分之八十。")
    assert not result.found
    assert result.matches and all(m.similarity < 0.8 for m in result.matches)
