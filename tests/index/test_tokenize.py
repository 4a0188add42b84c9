"""BM25 tokens: plan vocabulary whole, 繁/简 and full/half-width alike, numbers kept, stopwords dropped."""

import pytest

from index.tokenize import Tokenizer, get_tokenizer


@pytest.mark.parametrize("term", ["抽检合格率", "营商环境", "十四五", "专精特新", "碳达峰", "研发投入强度"])
def test_plan_terms_stay_whole(term):
    assert term in get_tokenizer("words").tokenize(f"全面提升{term}水平")
    assert term in get_tokenizer("search").tokenize(f"全面提升{term}水平")


def test_search_mode_adds_inner_words_and_inner_plan_terms():
    tokens = get_tokenizer("search").tokenize("持续优化营商环境")
    assert {"营商", "环境", "营商环境"} <= set(tokens)
    assert "合格率" in get_tokenizer("search").tokenize("抽检合格率")


def test_traditional_and_full_width_match_simplified():
    tok = get_tokenizer("search")
    assert tok.tokenize("優化營商環境") == tok.tokenize("优化营商环境")
    assert tok.tokenize("２０２５年ＰＭ２．５") == tok.tokenize("2025年pm2.5")


def test_numbers_and_units_are_tokens():
    tokens = get_tokenizer("search").tokenize("抽检合格率达到98.5%，抽检量达到10批次/千人")
    assert {"98.5%", "98.5", "10", "批次", "千人"} <= set(tokens)


def test_stopwords_and_punctuation_are_dropped():
    tokens = get_tokenizer("words").tokenize("深圳的食品抽检要达到什么水平？")
    assert tokens == ["深圳", "食品", "抽检", "达到", "水平"]


def test_bigram_mode_adds_character_bigrams():
    tokens = get_tokenizer("bigrams").tokenize("抽检合格率")
    assert {"抽检", "检合", "合格", "格率"} <= set(tokens)


def test_global_jieba_is_left_alone():
    import jieba

    get_tokenizer("words").tokenize("专精特新")
    assert "专精特新" not in jieba.lcut("专精特新")  # the private dictionary did not leak into jieba's own


def test_unknown_mode_is_a_clear_error():
    with pytest.raises(ValueError, match="choose one of words, search, bigrams"):
        Tokenizer("chars")


def test_number_layouts_share_one_key():
    from index.normalize import key_with_positions, normalize

    assert normalize("3，600亿元") == normalize("3600亿元") == "3600亿元"
    assert normalize("１２，３４５，６７８元") == "12345678元"
    assert normalize("27 · 7％") == "27.7%"
    assert normalize("到 2025 年") == "到2025年"
    assert normalize("北 部湾") == "北部湾"
    assert normalize("2015 2020") == "2015 2020" and normalize("in 2025 we") == "in 2025 we"
    assert normalize("2019,2020年") == "2019,2020年"  # a list of years, not a thousands separator
    assert normalize("意⻅⾰命") == "意见革命"  # radical forms from PDF text layers
    key, positions = key_with_positions("约3，600亿")
    assert key == "约3600亿" and positions == [0, 1, 3, 4, 5, 6]
