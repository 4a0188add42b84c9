"""Retrieval quality on a question file: Recall@1/5/10 and MRR, overall and per language.

A question file has one JSON object a line with ``id``, ``question``, ``lang`` and ``answers`` (verbatim
spans of the source). A returned passage answers when one of the spans is contained in the passage
text after ``match_key`` on both sides (繁→简, NFKC, whitespace, punctuation and noise removed). Only
``chunk.text`` counts, not the context in front of it: the passage itself must hold the answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index.normalize import match_key
from search.types import Hit

CUTOFFS = (1, 5, 10)


def read_questions(path: str | Path, need_answers: bool = True) -> list[dict]:
    """Questions of a JSONL file (``id``, ``question`` and, for evaluation, ``answers``).

    Raises:
        ValueError: naming the line that is not JSON or lacks what is needed.
    """
    questions = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from exc
            if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not row["question"]:
                raise ValueError(f"{path}:{number}: each line needs a \"question\" string (and an \"id\")")
            if need_answers and not row.get("answers"):
                raise ValueError(f"{path}:{number}: needs 'question' and a non-empty 'answers' list")
            questions.append(row)
    return questions


def first_relevant(hits: Sequence[Hit], answers: Sequence[str]) -> int | None:
    """1-based rank of the first hit whose passage holds one of ``answers``, or None."""
    keys = [k for k in (match_key(a) for a in answers) if k]
    for rank, hit in enumerate(hits, start=1):
        text = match_key(hit.chunk.text)
        if any(key in text for key in keys):
            return rank
    return None


@dataclass(frozen=True)
class Metrics:
    n: int
    recall: dict[int, float]  # cutoff -> share of questions answered within it
    mrr: float

    def to_dict(self) -> dict:
        return {"n": self.n, **{f"recall@{c}": round(v, 4) for c, v in self.recall.items()}, "mrr": round(self.mrr, 4)}


def metrics(ranks: Sequence[int | None], k: int = 10, cutoffs: Sequence[int] = CUTOFFS) -> Metrics:
    """Recall at each cutoff and mean reciprocal rank (within ``k``) of first-relevant ranks."""
    n = len(ranks)
    if n == 0:
        return Metrics(0, {c: 0.0 for c in cutoffs}, 0.0)
    recall = {c: sum(1 for r in ranks if r is not None and r <= c) / n for c in cutoffs}
    mrr = sum(1 / r for r in ranks if r is not None and r <= k) / n
    return Metrics(n, recall, mrr)


@dataclass(frozen=True)
class EvalReport:
    groups: dict[str, Metrics]  # "all", then one per lang
    ranks: dict[str, int | None] = field(default_factory=dict)  # question id -> first relevant rank
    k: int = 10
    channels: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "k": self.k,
            "channels": list(self.channels),
            "groups": {name: m.to_dict() for name, m in self.groups.items()},
            "ranks": self.ranks,
        }

    def table(self) -> str:
        """A plain-text table: one row per group."""
        head = f"{'group':<6} {'n':>4} " + " ".join(f"{'R@' + str(c):>6}" for c in CUTOFFS) + f" {'MRR':>6}"
        rows = [head]
        for name, m in self.groups.items():
            cells = " ".join(f"{m.recall.get(c, 0.0):>6.3f}" for c in CUTOFFS)
            rows.append(f"{name:<6} {m.n:>4} {cells} {m.mrr:>6.3f}")
        return "\n".join(rows)


def evaluate(engine, questions: Sequence[dict], k: int = 10, channels: Sequence[str] | None = None) -> EvalReport:
    """Search every question (``max(k, 10)`` deep) and score the first passage that holds an answer."""
    depth = max(k, max(CUTOFFS))
    ranks: dict[str, int | None] = {}
    by_lang: dict[str, list[int | None]] = {}
    for i, q in enumerate(questions):
        hits = engine.search(q["question"], k=depth, channels=channels)
        rank = first_relevant(hits, q["answers"])
        ranks[str(q.get("id", i))] = rank
        by_lang.setdefault(q.get("lang", "?"), []).append(rank)
    groups = {"all": metrics(list(ranks.values()), k)}
    for lang in sorted(by_lang):
        groups[lang] = metrics(by_lang[lang], k)
    return EvalReport(groups, ranks, k, tuple(channels or engine.channels))
