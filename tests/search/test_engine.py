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


def test_a_read_only_copy_of_the_index_serves_search_ask_and_cite(tmp_path, mini_index):
    """``chmod -R a-w`` on a copy: nothing is written at query time (checked by mtimes and the file list,
    since the tests may run as root, whom file modes do not stop)."""
    import os
    import shutil
    import stat

    from conftest import HashEncoder

    from search.engine import Engine

    copy = shutil.copytree(mini_index, tmp_path / "index")
    for path in [copy, *copy.rglob("*")]:
        os.chmod(path, stat.S_IMODE(path.stat().st_mode) & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    before = {p: p.stat().st_mtime_ns for p in copy.rglob("*")}
    try:
        engine = Engine.load(copy, build_if_missing=False, encoders={"dense": HashEncoder(), "use": HashEncoder()})
        assert engine.search("食品抽检", k=3)[0].chunk.source == "a.txt"
        assert engine.ask("深圳食品抽检量达到多少").answer.text.startswith("到2025年，食用农产品和食品抽检量达到10批次/千人")
        assert engine.cite("食品评价性抽检合格率保持在99%以上").found
        assert {p: p.stat().st_mtime_ns for p in copy.rglob("*")} == before
    finally:
        for path in [copy, *copy.rglob("*")]:
            os.chmod(path, stat.S_IMODE(path.stat().st_mode) | stat.S_IWUSR)


def test_a_configured_glossary_serves_retrieval_answers_and_comparisons_alike(tmp_path, mini_index):
    """One glossary per engine: the English words a configured glossary renders are the terms the
    second stage, the answer and the comparison look for (not the packaged glossary's)."""
    from conftest import HashEncoder

    from search.config import SearchConfig
    from search.engine import Engine

    glossary = tmp_path / "glossary.tsv"
    glossary.write_text("sampling quota\t食品抽检量\n", encoding="utf-8")
    engine = Engine.load(mini_index, build_if_missing=False, encoders={"dense": HashEncoder(), "use": HashEncoder()},
                         search_config=SearchConfig(glossary=str(glossary)))
    assert [(t.text, t.forms) for t in engine.focus("sampling quota").terms] == [("sampling quota", ("食品抽检量",))]
    assert engine.ask("sampling quota").answer.text.startswith("到2025年，食用农产品和食品抽检量达到10批次/千人")
    packaged = Engine.load(mini_index, build_if_missing=False, encoders={"dense": HashEncoder(), "use": HashEncoder()})
    assert [t.forms for t in packaged.focus("sampling quota").terms] != [("食品抽检量",)]
