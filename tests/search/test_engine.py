"""The engine's entry points over the mini plans (hash encoder, no model)."""

import pytest


def test_ignoring_the_understood_place_lets_another_plan_answer(mini_engine):
    """Removing the place chip: the question no longer asks about 深圳, so 湖州's PM2.5 sentence answers."""
    question = "深圳到2025年PM2.5浓度控制在多少"
    kept = mini_engine.ask(question)
    assert kept.answer is None and kept.reason == "no passage of the plans for 深圳市 answers it"
    freed = mini_engine.ask(question, ignore=("places",))
    assert freed.answer.text == "到2025年，城市空氣質量優良天數比率達到90%以上，PM2.5年均濃度控制在25微克/立方米以內。"
    assert freed.to_dict()["understood"]["places"] == []


def test_ignoring_the_period_drops_the_years_and_keeps_the_place(mini_engine):
    focus = mini_engine.focus("深圳到2025年食品抽检量达到多少", ignore=("period",))
    assert focus.understood.years == () and focus.understood.period == ""
    assert [p.name for p in focus.understood.places] == ["深圳市"]


def test_an_unknown_facet_is_refused_in_plain_words(mini_engine):
    with pytest.raises(ValueError, match="cannot ignore city; known: places, period, indicator"):
        mini_engine.ask("深圳食品抽检", ignore=("city",))


def test_a_filter_naming_an_unknown_document_says_where_the_ids_are(mini_engine):
    with pytest.raises(ValueError, match="unknown document id\\(s\\) nope; `planqa docs` lists them"):
        mini_engine.search("食品抽检", doc_ids=["nope"])
