"""English questions over Chinese plans: routing per language, and the end-to-end behaviour."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from search.config import SearchConfig
from search.crosslingual import CrossLingual
from search.glossary import Glossary

GLOSSARY = Glossary.parse(
    "shenzhen\t深圳\nfood sampling\t食品抽检|抽检\ntarget\t目标|指标\ngdp\t地区生产总值\n"
)
DEV = Path(__file__).resolve().parent.parent / "data" / "dev.jsonl"
FOOD_PASSAGE = "食用农产品和食品抽检量达到10批次/千人"


# --- routing (no model)
def test_chinese_query_searches_as_asked_without_use():
    routed = CrossLingual(SearchConfig(), GLOSSARY).route("深圳到2025年食品抽检要达到什么水平")
    assert routed.language == "zh"
    assert routed.queries == {"bm25": "深圳到2025年食品抽检要达到什么水平", "dense": "深圳到2025年食品抽检要达到什么水平"}
    assert routed.expansion is None and routed.highlight_terms == []


def test_chinese_weights_are_the_channel_weights():
    config = SearchConfig(channel_weights=(("bm25", 1.0), ("dense", 0.7)), english_weights=(("dense", 0.2),),
                    english_coverage_power=0)
    router = CrossLingual(config, GLOSSARY)
    assert router.route("深圳食品抽检目标").weights == {"bm25": 1.0, "dense": 0.7}
    assert router.route("Shenzhen food sampling target").weights == {"bm25": 1.0, "dense": 0.2}


def test_english_weights_follow_glossary_coverage():
    router = CrossLingual(SearchConfig(english_weights=(("bm25", 1.0), ("dense", 0.5), ("use", 0.5)),
                                 english_coverage_power=2), GLOSSARY)
    # every content word bridged: BM25 alone decides
    assert router.route("Shenzhen food sampling target").weights == {"bm25": 1.0, "dense": 0.0, "use": 0.0}
    # one unit of two bridged (深圳; "hospital" unknown): (1 - 1/2) ** 2 of the base weights
    assert router.route("Shenzhen hospital").expansion.coverage == 0.5
    assert router.route("Shenzhen hospital").weights == {"bm25": 1.0, "dense": 0.125, "use": 0.125}
    # nothing bridged: the dense channels at their base weights
    assert router.route("lorem ipsum").weights == {"bm25": 1.0, "dense": 0.5, "use": 0.5}


FIXED = SearchConfig(english_coverage_power=0)  # fixed English weights: every channel searches


def test_english_query_goes_to_bm25_in_chinese_and_to_use_as_asked():
    routed = CrossLingual(FIXED, GLOSSARY).route("Shenzhen 2025 food sampling target")
    assert routed.language == "en"
    assert routed.queries == {
        "use": "Shenzhen 2025 food sampling target",
        "bm25": "深圳 2025 食品抽检 抽检 目标 指标",
        "dense": "深圳 2025 食品抽检 抽检 目标 指标",
    }
    assert routed.highlight_terms == ["食品抽检", "深圳", "抽检", "目标", "指标"]


@pytest.mark.parametrize("mode, dense", [("raw", "Shenzhen GDP"), ("expansion", "深圳 地区生产总值"), ("off", None)])
def test_english_dense_modes(mode, dense):
    router = CrossLingual(SearchConfig(english_dense=mode, english_coverage_power=0), GLOSSARY)
    assert router.route("Shenzhen GDP").for_channel("dense") == dense
    assert router.route("Shenzhen GDP").for_channel("bm25") == "深圳 地区生产总值"


def test_mixed_query_keeps_its_chinese():
    routed = CrossLingual(FIXED, GLOSSARY).route("Shenzhen PM2.5 目标")
    assert routed.language == "mixed"
    assert routed.queries["bm25"] == "深圳 PM2.5 目标"
    assert routed.queries["use"] == "Shenzhen PM2.5 目标"


def test_english_query_without_any_known_term_skips_bm25():
    router = CrossLingual(SearchConfig(), GLOSSARY)
    query = router.route("lorem ipsum dolor")
    assert query.for_channel("bm25") is None
    assert query.for_channel("dense") == "lorem ipsum dolor" and query.for_channel("use") == "lorem ipsum dolor"


def test_use_for_chinese():
    router = CrossLingual(SearchConfig(use_for_chinese=True), GLOSSARY)
    assert router.route("深圳食品抽检").for_channel("use") == "深圳食品抽检"


def test_bad_dense_mode_says_what_to_choose():
    with pytest.raises(ValueError, match="expansion, raw, off"):
        CrossLingual(SearchConfig(english_dense="english"))


def test_name_bridge_spells_corpus_words_in_pinyin():
    from search.crosslingual import NameBridge

    bridge = NameBridge(lambda: ["德清", "长兴", "长性", "旅顺", "罗湖", "abc", "深"])
    assert bridge.lookup("Deqing") == ["德清"]
    assert bridge.lookup("Lushun") == ["旅顺"]  # ü written u
    assert bridge.lookup("CHANGXING") == ["长兴", "长性"]  # homophones kept
    assert bridge.lookup("Xyzzy") == [] and bridge.lookup("Hu") == [] and bridge.lookup("R&D") == []


def test_unknown_capitalised_names_are_bridged_by_pinyin():
    from search.crosslingual import NameBridge

    bridge = NameBridge(lambda: ["德清", "抽检"])
    routed = CrossLingual(SearchConfig(), GLOSSARY, names=bridge).route("Deqing food sampling, deqing")
    assert ("Deqing", ["德清"]) in routed.expansion.terms
    assert routed.expansion.unmatched == ["deqing"]  # names are written with a capital
    assert routed.queries["bm25"] == "德清 食品抽检 抽检"  # where the name stands in the question
    off = CrossLingual(SearchConfig(english_names=False), GLOSSARY, names=bridge).route("Deqing food sampling")
    assert off.expansion.unmatched == ["Deqing"]


def test_bridged_names_reach_the_glossary_answers_use():
    from search.crosslingual import NameBridge

    router = CrossLingual(SearchConfig(), GLOSSARY, names=NameBridge(lambda: ["德清"]))
    # the engine's glossary (answers' term coverage, compare) bridges the same names as retrieval
    assert router.glossary.expand("Deqing target").terms == [("Deqing", ["德清"]), ("target", ["目标", "指标"])]
    assert GLOSSARY.expand("Deqing target").unmatched == ["Deqing"]  # the plain glossary is left as it was


def test_names_the_corpus_lacks_come_from_the_gazetteer():
    from search.crosslingual import NameBridge, gazetteer_names

    bridge = NameBridge(lambda: ["德清"])
    assert bridge.lookup("Deqing") == ["德清"]  # the corpus's word first, alone
    assert bridge.lookup("Qingpu") == ["青浦", "青浦区"]  # a Shanghai district no corpus word spells
    assert bridge.lookup("Hangzhou") == ["杭州", "杭州市"]
    assert gazetteer_names("lishui") == ["溧水", "溧水区", "丽水", "丽水市"]  # every place of a spelling
    assert gazetteer_names("xyzzy") == [] and bridge.lookup("Xyzzy") == []
    # the usual spelling of a polyphone pypinyin misreads (闵行 minxing, 长治 zhangzhi, 漯河 tahe)
    assert bridge.lookup("Minhang") == ["闵行", "闵行区"] and bridge.lookup("Luohe") == ["漯河", "漯河市"]
    assert gazetteer_names("changzhi") == ["长治", "长治市", "长治县"]
    routed = CrossLingual(SearchConfig(), GLOSSARY, names=bridge).route("Qingpu food sampling target")
    assert routed.queries["bm25"] == "青浦 青浦区 食品抽检 抽检 目标 指标"


def test_config_glossary_path(tmp_path):
    path = tmp_path / "g.tsv"
    path.write_text("huzhou\t湖州\n", encoding="utf-8")
    router = CrossLingual(SearchConfig(glossary=str(path)))
    assert router.route("Huzhou").queries["bm25"] == "湖州"


def test_search_settings_from_the_environment_and_the_command_line():
    env = {"PLANQA_SEARCH_ENGLISH_WEIGHTS": "bm25:1,use:0.5", "PLANQA_SEARCH_ENGLISH_DENSE": "raw",
           "PLANQA_SEARCH_USE_FOR_CHINESE": "yes", "OTHER": "x"}
    config = SearchConfig.from_env(env)
    assert config == SearchConfig(english_weights=(("bm25", 1.0), ("use", 0.5)), english_dense="raw",
                                  use_for_chinese=True)
    assert config.with_overrides({"rrf_k": "30"}).rrf_k == 30
    with pytest.raises(ValueError, match="unknown search setting 'rrf'"):
        config.with_overrides({"rrf": "30"})
    with pytest.raises(ValueError, match="search setting rrf_k: cannot read 'x'"):
        config.with_overrides({"rrf_k": "x"})


# --- the mini index (hash encoder, no model)
def test_english_query_reaches_the_chinese_passage_through_bm25(mini_engine):
    hits = mini_engine.search("Shenzhen 2025 food sampling target", k=3, channels=("bm25",))
    assert hits and "10批次/千人" in hits[0].chunk.text


def plain_search(engine, query: str, k: int, channels: tuple[str, ...]) -> list:
    """Search without English routing: BM25 unwrapped, every channel the question as asked, the
    search config's channel weights."""
    from index.tokenize import get_tokenizer
    from search.channels import CHANNELS
    from search.hybrid import HybridRetriever
    from search.lexical import LexicalRetriever

    built = {
        name: LexicalRetriever(engine.stored.bm25, get_tokenizer(engine.config.bm25_tokens), engine.chunks)
        if name == "bm25" else CHANNELS[name](engine, name)
        for name in channels
    }
    config = engine.search_config
    retriever = HybridRetriever(built, weights=dict(config.channel_weights), candidates=config.candidates,
                                rrf_k=config.rrf_k)
    return retriever.search(query, k)


def test_zero_weight_channels_are_not_searched_when_fused(mini_engine):
    hits = mini_engine.search("Shenzhen food sampling target", k=3)  # fully bridged: dense, use at 0
    assert hits and all(h.ranks["dense"] is None and h.ranks["use"] is None for h in hits)
    assert mini_engine.search("Shenzhen food sampling target", k=3, channels=("dense",))  # alone: searched


def test_bridged_bm25_scores_each_unit_once_and_coordinates(mini_engine):
    import numpy as np

    from search.crosslingual import BridgedLexical

    bridged = mini_engine.retriever(("bm25",))
    assert isinstance(bridged, BridgedLexical)
    router = CrossLingual(mini_engine.search_config, GLOSSARY)
    lexical = BridgedLexical(bridged.lexical, router)
    s = bridged.lexical.scores
    units = [s("深圳"), (s("食品抽检") + s("抽检")) / 2, (s("目标") + s("指标")) / 2]
    matched = sum((u > 0).astype(float) for u in units)
    expected = sum(units) * matched / 3
    assert np.allclose(lexical.scores("Shenzhen food sampling target"), expected)
    assert [h.chunk.chunk_id for h in lexical.search("深圳食品抽检", k=3)] == [
        h.chunk.chunk_id for h in bridged.lexical.search("深圳食品抽检", k=3)
    ]


def test_chinese_results_equal_plain_routing_on_mini_index(mini_engine):
    without_use = tuple(c for c in mini_engine.channels if c != "use")
    for query in ("深圳食品抽检目标", "湖州空气质量优良天数", "营商环境 办理时限"):
        routed = [(h.chunk.chunk_id, h.score) for h in mini_engine.search(query, k=5, channels=mini_engine.channels)]
        assert routed == [(h.chunk.chunk_id, h.score) for h in plain_search(mini_engine, query, 5, without_use)]


# --- the seeds index (real models)
def _dev(lang: str) -> list[dict]:
    return [q for q in map(json.loads, DEV.read_text(encoding="utf-8").splitlines()) if q["lang"] == lang]


@pytest.mark.model
def test_cli_search_english_food_sampling(built_index, capsys):
    from search.cli import main

    main(["search", "Shenzhen 2025 food sampling target", "--json", "--index", str(built_index), "--quiet"])
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert any(FOOD_PASSAGE in h["text"] for h in hits[:3])


@pytest.mark.model
def test_chinese_results_unchanged_by_the_english_channel(engine):
    """Chinese questions: the same hits and scores whether the ``use`` channel is on or off, and whether
    the English routing (glossary-bridged BM25, per-channel queries, per-language weights) is there or not."""
    assert "use" in engine.channels
    without_use = tuple(c for c in engine.channels if c != "use")
    for q in _dev("zh"):
        # the fused ranking, before the second stage (which reorders both alike)
        on = [(h.chunk.chunk_id, round(h.score, 9)) for h in engine.search(q["question"], k=10, channels=engine.channels)]
        off = [(h.chunk.chunk_id, round(h.score, 9)) for h in engine.search(q["question"], k=10, channels=without_use)]
        assert on == off, q["id"]
        if re.search(r"[A-Za-z]{2}", q["question"]):
            continue  # Latin acronyms in a Chinese question are bridged on purpose (test below)
        unrouted = [(h.chunk.chunk_id, round(h.score, 9)) for h in plain_search(engine, q["question"], 10, without_use)]
        assert on == unrouted, q["id"]


def test_latin_acronyms_in_chinese_questions_are_bridged(mini_engine):
    routed = mini_engine.router.route("深圳的GDP总量要翻一番吗")
    assert routed.language == "zh" and routed.expansion is None
    assert routed.queries["bm25"].startswith("深圳的GDP总量要翻一番吗 ")
    assert "地区生产总值" in routed.queries["bm25"].split()
    assert mini_engine.router.route("深圳食品抽检目标").queries["bm25"] == "深圳食品抽检目标"


@pytest.mark.model
def test_english_dev_questions_meet_the_bar(engine):
    from search.evaluate import evaluate

    report = evaluate(engine, _dev("en"), k=10)
    en = report.groups["en"]
    assert en.recall[5] >= 0.85 and en.mrr >= 0.70, report.table()
