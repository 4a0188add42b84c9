"""Noise removal with offsets back to the original."""

from __future__ import annotations

from index.clean import clean
from index.normalize import key_with_positions, match_key, normalize, to_simplified


def test_watermark_removed_with_offsets():
    original = "二、财税保障[公*#~&文%思享公众号](二)财税保障37"
    c = clean(original)
    assert c.text == "二、财税保障(二)财税保障37"
    i = c.text.index("(二)")
    assert original[c.offsets[i]] == "("
    a, b = c.span_to_original(i, len(c.text))
    assert clean(original[a:b]).text == "(二)财税保障37"


def test_watermark_variants():
    for noise in ["[公#文&思享~^公众号@]", "[公文思享公众号&*^~@]", "[公~@#文思%享&公众号]"]:
        assert clean(f"甲{noise}乙").text == "甲乙"


def test_brackets_that_are_not_noise_stay():
    for text in ["[2021]12号", "见[附表1]", "(CNAS)认证", "PM2.5(细颗粒物)"]:
        assert clean(text).text == text


def test_pinyin_annotations_removed():
    original = "國家發(fā)展改革委經(jīng)濟特區(qū)"
    c = clean(original)
    assert c.text == "國家發展改革委經濟特區"
    assert [original[i] for i in c.offsets] == list(c.text)


def test_stray_question_marks_and_replacement_characters():
    assert clean("確?;舅幬\ufffd").text == "確?;舅幬"
    assert clean("全科與??茀f").text == "全科與茀f"
    assert clean("下降?%").text == "下降?%"  # a placeholder, kept


def test_whitespace_folding_keeps_offsets():
    original = "  第一节 发展基础\n\n  深圳经济特区\u3000成就\n"
    c = clean(original)
    assert c.text == "第一节 发展基础\n深圳经济特区\u3000成就"
    for i, ch in enumerate(c.text):
        assert original[c.offsets[i]] == ch


def test_normalised_key():
    assert to_simplified("著作權發展") == "著作权发展"
    assert normalize("ＰＭ２．５ 濃度") == "pm2.5浓度"  # a space between a number and CJK is layout
    key, pos = key_with_positions("國家，發展", drop="punct")
    assert key == "国家发展" and pos == [0, 1, 3, 4]
    assert match_key("發(fā)展 改革[公*#~&文%思享公众号]") == "发展改革"


def test_years_in_chinese_numerals_match_digits():
    assert normalize("到二〇三五年,在二〇二〇年基础上翻一番;一二三项") == "到2035年,在2020年基础上翻一番;一二三项"
    assert match_key("二〇二〇年") == match_key("2020年")
