"""Evaluation: answer spans matched after normalisation, metrics by hand, groups per language."""

import json

import pytest

from index.types import Chunk
from search.evaluate import evaluate, first_relevant, metrics, read_questions
from search.types import Hit


def hit(text: str, rank: int = 1, context: str = "") -> Hit:
    return Hit(Chunk(f"c{rank}", "d", "规划", (), text, "s.txt", 0, len(text), context=context), 1.0, rank)


def test_answer_is_matched_after_normalisation():
    hits = [hit("其他内容", 1), hit("食用農產品和食品抽檢量達到１０批次／千人，", 2)]
    assert first_relevant(hits, ["食用农产品和食品抽检量达到10批次/千人"]) == 2
    assert first_relevant([hit("食用农产品和食品\n抽检量 达到10批次/千人")], ["食用农产品和食品抽检量达到10批次/千人"]) == 1


def test_any_of_several_answers_counts_and_table_cells_match_without_separators():
    hits = [hit("城市空气质量优良天数比率%90")]
    assert first_relevant(hits, ["不在这里", "城市空气质量优良天数比率 | % | 90"]) == 1


def test_the_context_alone_does_not_answer():
    assert first_relevant([hit("正文没有答案", context="抽检量达到10批次/千人")], ["抽检量达到10批次/千人"]) is None


def test_metrics_by_hand():
    m = metrics([1, 3, None, 6])
    assert m.recall == {1: 0.25, 5: 0.5, 10: 0.75}
    assert m.mrr == pytest.approx((1 + 1 / 3 + 1 / 6) / 4)
    assert metrics([11], k=10).mrr == 0.0
    assert metrics([]).n == 0


class FakeEngine:
    channels = ("bm25", "dense")

    def __init__(self, answers_at):
        self.answers_at = answers_at  # question -> rank of the answering passage (or None)
        self.asked = []

    def search(self, query, k=10, channels=None):
        self.asked.append((query, k, channels))
        rank = self.answers_at[query]
        return [hit("答案在此" if i == rank else "无关", i) for i in range(1, k + 1)]


def test_evaluate_groups_by_language():
    questions = [
        {"id": "q1", "question": "甲", "lang": "zh", "answers": ["答案在此"]},
        {"id": "q2", "question": "乙", "lang": "zh", "answers": ["答案在此"]},
        {"id": "q3", "question": "c", "lang": "en", "answers": ["答案在此"]},
    ]
    engine = FakeEngine({"甲": 1, "乙": 4, "c": None})
    report = evaluate(engine, questions, k=10, channels=["bm25"])
    assert report.ranks == {"q1": 1, "q2": 4, "q3": None}
    assert list(report.groups) == ["all", "en", "zh"]
    assert report.groups["zh"].recall == {1: 0.5, 5: 1.0, 10: 1.0}
    assert report.groups["zh"].mrr == pytest.approx((1 + 1 / 4) / 2)
    assert report.groups["en"].mrr == 0.0
    assert report.channels == ("bm25",) and engine.asked[0] == ("甲", 10, ["bm25"])
    assert report.to_dict()["groups"]["all"] == {"n": 3, "recall@1": 0.3333, "recall@5": 0.6667,
                                                 "recall@10": 0.6667, "mrr": 0.4167}
    assert report.table().splitlines()[0].split() == ["group", "n", "R@1", "R@5", "R@10", "MRR"]


def test_read_questions_names_the_bad_line(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "1", "question": "甲", "answers": ["x"]}) + "\n\n{oops\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"q.jsonl:3: not JSON"):
        read_questions(path)
    path.write_text(json.dumps({"id": "1", "question": "甲", "answers": []}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="non-empty 'answers'"):
        read_questions(path)
