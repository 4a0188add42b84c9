"""When to say "the plans do not say": reasons in plain words, decided before and after scoring.

Before scoring, from the question alone (:func:`question_reason`): markup or nonsense with nothing to
look for, or content made only of numbers. After scoring (:func:`answer_reason`): the places the
question names are not covered by the index, no passage of the named place answers, or no sentence
covers enough of the question (the coverage threshold of ``search.answer``).
"""

from __future__ import annotations

from collections.abc import Sequence

from search.terms import QueryTerm
from search.understand import Understood, has_content

# What every plan states for some subject: a question holding only these (and places, years) names no subject.
GENERIC = frozenset({"目标", "指标", "规划", "计划", "方案", "任务", "数量", "总数", "水平"})


def _names(places) -> str:
    return "、".join(p.name for p in places)


def question_reason(understood: Understood, terms: Sequence[QueryTerm]) -> str:
    """Why the question cannot be answered whatever the passages say, or "" when it might be."""
    if not has_content(understood):
        if understood.markup:
            return "the question is markup with no words to look for"
        if has_content(understood, filler=True):
            return "the question holds only a greeting or placeholder words (hello, test), nothing to look for"
        return "the question has no words to look for"
    if not any(t.kind == "word" for t in terms):
        # a bare number (alert(1) → 1) or year matches anything that states it
        return "the question has no content words to look for, only numbers"
    place_forms = {f for p in understood.places for f in p.forms}
    if all(set(t.forms) <= GENERIC | place_forms for t in terms if t.kind == "word"):
        # "the 2025 target for the number of Shenzhen's nuclear fusion reactors": the glossary renders
        # target and Shenzhen, not the subject; every plan of Shenzhen states some 2025 target
        return ("the question names nothing to look for beyond its place, period or aim (words the "
                "glossary cannot render in Chinese are not searched)")
    return ""


def answer_reason(understood: Understood | None, place_answerable: bool, coverage_reason: str) -> str:
    """Why no sentence was chosen: the place first (it is what the user can change), then coverage.

    Args:
        understood: the question as understood (None: no understanding, coverage only).
        place_answerable: whether some sentence from a document of the named place (or stating it)
            covered enough of the question.
        coverage_reason: the coverage threshold's own explanation.
    """
    if understood is not None and understood.places and not place_answerable:
        uncovered = understood.uncovered
        if uncovered and len(uncovered) == len(understood.places):
            return f"the indexed plans do not cover {_names(uncovered)}"
        covered = [p for p in understood.places if p.covered]
        return (f"no passage of the plans for {_names(covered)} answers it"
                + (f"; the indexed plans do not cover {_names(uncovered)}" if uncovered else ""))
    return coverage_reason
