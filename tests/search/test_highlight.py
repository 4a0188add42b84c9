"""Query terms (search.terms), highlight spans mapped back to original (traditional) characters, HTML and terminal rendering."""

from __future__ import annotations

import pytest

from search.highlight import find_forms, render_html, render_terminal, term_spans
from search.terms import QueryTerm, numeric_cue, query_terms, stated_years, weigh_terms
from search.types import Span

TRADITIONAL = "國家發展改革委關於推廣借鑒深圳經濟特區創新舉措和經驗做法的通知"


def test_chinese_question_terms_drop_question_words():
    terms = query_terms("深圳到2025年食品抽检要达到什么水平")
    assert [t.text for t in terms] == ["深圳", "2025", "食品", "抽检", "达到", "水平"]
    assert [t.kind for t in terms] == ["word", "year", "word", "word", "word", "word"]


def test_plan_compound_is_split_into_its_words():
    assert [t.text for t in query_terms("城市内涝")] == ["城市", "内涝"]


def test_english_question_terms_come_from_the_glossary():
    terms = query_terms("Shenzhen 2025 food sampling target")
    by_text = {t.text: t for t in terms}
    assert "深圳" in by_text["Shenzhen"].forms
    assert "抽检" in by_text["food sampling"].forms
    assert by_text["2025"].kind == "year"


def test_simplified_query_highlights_traditional_text():
    spans = term_spans(TRADITIONAL, query_terms("深圳经济特区的创新举措"))
    assert spans == [Span(13, 23, "term")]
    assert TRADITIONAL[13:23] == "深圳經濟特區創新舉措"


def test_find_forms_ignores_width_case_and_spaces():
    text = "细颗粒物（ＰＭ２.５）年均浓度"
    assert [(s.start, s.end) for s in find_forms(text, ["pm2.5"])] == [(5, 10)]
    assert text[5:10] == "ＰＭ２.５"


def test_html_escapes_document_text():
    text = "<script>alert('x')</script>深圳 & 湖州"
    html = render_html(text, [Span(27, 29, "term"), Span(0, 8, "answer")])
    assert html == (
        '<mark class="answer">&lt;script&gt;</mark>alert(&#x27;x&#x27;)&lt;/script&gt;'
        '<mark class="term">深圳</mark> &amp; 湖州'
    )
    assert "<script>" not in html


def test_html_nested_answer_and_term():
    assert render_html("到2025年达到10批次", [Span(0, 12, "answer"), Span(6, 8, "term")]) == (
        '<mark class="answer">到2025年</mark><mark class="answer term">达到</mark>'
        '<mark class="answer">10批次</mark>'
    )


def test_terminal_brackets_without_tty_and_colour_on_request():
    text = "食用农产品和食品抽检量达到10批次/千人"
    spans = [Span(0, 20, "answer"), Span(6, 10, "term")]
    assert render_terminal(text, spans, color=False) == "«食用农产品和[食品抽检]量达到10批次/千人»"
    coloured = render_terminal(text, spans, color=True)
    assert "\x1b[" in coloured and coloured.replace("\x1b[4;32m", "").replace("\x1b[1;33m", "").replace(
        "\x1b[0m", "") == text


def test_numeric_cues_and_years():
    assert numeric_cue("深圳十四五期间PM2.5的目标定在多少?")
    assert numeric_cue("How many national standards")
    assert not numeric_cue("哪份规划提出在德清率先试点民宿服务认证?")
    assert stated_years("“十四五”末期") == {"2021", "2022", "2023", "2024", "2025"}
    assert stated_years("到2020年") == {"2020"}


@pytest.mark.parametrize(
    ("df", "expected"),
    [({"深圳": 500, "内涝": 3}, ["深圳", "内涝"]), ({"深圳": 500}, ["深圳"])],
)
def test_idf_weights_rare_terms_and_drop_phrasing_never_seen(df, expected):
    terms = [QueryTerm("深圳", ("深圳",)), QueryTerm("内涝", ("内涝",)), QueryTerm("搬走", ("搬走",))]
    weighted = weigh_terms(terms, lambda token: df.get(token, 0), 1000)
    assert [t.text for t in weighted if t.text != "内涝" or "内涝" in df] == expected
    by_text = {t.text: t.weight for t in weighted}
    assert by_text["深圳"] == 0.6931  # log(1 + 500.5/500.5), rounded
    if "内涝" in df:
        assert by_text["内涝"] > 5


def test_unseen_name_keeps_full_weight():
    terms = weigh_terms([QueryTerm("火星", ("火星",)), QueryTerm("探测", ("探测",))],
                        lambda token: {"探测": 2}.get(token, 0), 1000)
    assert [t.text for t in terms] == ["火星", "探测"]
    assert terms[0].weight > terms[1].weight
