"""What a passage shows of the question beyond the share of its terms: the second stage's evidence.

Coverage (``search.rerank.coverage``) counts which of the question's terms a passage holds anywhere; a
long passage that names every term once in passing scores as high as the sentence that answers. These
signals look at *how* the terms are held, each a number in 0…1 over a passage's ``compact_key``:

* ``states_quantity``: for a question that asks for an amount, whether the passage's best sentence
  (the one holding most of the question's term weight) states a number that is not a year (全程网上办理
  率98%以上, 每万人发明专利拥有量达112件);
* ``pair_proximity``: the share of neighbouring question terms found next to each other (at most
  ``PAIR_GAP`` characters apart, either order): 考试|时间, 跨境电子商务|交易额 — ordered proximity as in the
  sequential dependence model (Metzler & Croft, SIGIR 2005), on the terms the question was cut into;
* ``asked_unit``: the share of the measure words the question asks with (多少分钟, 几个, 多少家; "how
  big", "what share") that the passage writes after a number (70分钟, 100家, 600亩, 98%);
* ``wrong_period``: for a question about a period and aim, whether that best sentence speaks only of
  years before it (a target question: 2015年…到2020年 for 十四五末) or after it (a status question);
* ``title_share``: the weight share of the question's terms in the passage's document title, for
  questions that name the plan they ask about (深圳标准行动计划, 该意见).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.normalize import compact_key
from search.terms import QueryTerm, found, stated_years

PAIR_GAP = 3  # characters allowed between two neighbouring terms (的, 之, a short modifier)
_QUANTITY = re.compile(r"(?<![\d.])(?!(?:19|20)\d\d年)\d+(?:\.\d+)?")  # a number that is not a year
_SENTENCE = re.compile(r"[^。；;！!？?\n]+")
_ASKED_UNIT = re.compile(r"(?:多少|几)(分钟|公里|平方(?:公里|米)|方面|[个项条家件人元所座台次批万亿分天年月倍亩吨类种处])")
_NUMERAL = "[\\d一二三四五六七八九十百千万亿两]"
# What an English question's wording asks for, as the units a passage would write after the number.
_ENGLISH_UNITS = (
    (re.compile(r"\bhow (?:big|large)\b|\barea\b", re.IGNORECASE), "亩|平方米|平方公里|公顷"),
    (re.compile(r"\b(?:share|percentage|percent|proportion|rate|ratio)\b", re.IGNORECASE), "%"),
    (re.compile(r"\bhow long\b|\blength\b", re.IGNORECASE), "公里|千米|米|小时|分钟|天|个月"),
    (re.compile(r"\bhow many people\b", re.IGNORECASE), "人"),
    (re.compile(r"\byuan\b", re.IGNORECASE), "元"),
)


def asked_units(question: str, english: bool = False) -> tuple[str, ...]:
    """The measure words a question asks with: 多少分钟 → 分钟, 几个领域、多少条 → 个, 条; for an English
    question also the units its wording asks for, alternatives joined by | ("how big" → 亩|平方米|…,
    "what share" → %)."""
    units = tuple(m.group(1) for m in _ASKED_UNIT.finditer(question))
    if english:
        units += tuple(alternatives for cue, alternatives in _ENGLISH_UNITS if cue.search(question))
    return units


def occurrences(key: str, term: QueryTerm) -> list[tuple[int, int]]:
    """Every (start, end) of one of the term's forms in ``key``."""
    spans = []
    for form in term.forms:
        if not form:
            continue
        at = key.find(form)
        while at >= 0:
            spans.append((at, at + len(form)))
            at = key.find(form, at + 1)
    return spans


def pair_proximity(key: str, terms: Sequence[QueryTerm]) -> float:
    """Share of neighbouring word-term pairs (weighted by the lighter of the two) found at most
    ``PAIR_GAP`` characters apart in ``key``."""
    words = [t for t in terms if t.kind == "word"]
    if len(words) < 2:
        return 0.0
    spans = [occurrences(key, t) for t in words]
    total = held = 0.0
    for i in range(len(words) - 1):
        weight = min(words[i].weight, words[i + 1].weight)
        total += weight
        if any(0 <= b0 - a1 <= PAIR_GAP or 0 <= a0 - b1 <= PAIR_GAP for a0, a1 in spans[i] for b0, b1 in spans[i + 1]):
            held += weight
    return held / total if total else 0.0


def asked_unit(key: str, units: Sequence[str]) -> float:
    """Share of the asked measure words ``units`` (each one or several joined by |) written after a
    numeral in ``key``."""
    if not units:
        return 0.0
    return sum(1 for unit in units
               if any(re.search(_NUMERAL + re.escape(u), key) for u in unit.split("|"))) / len(units)


def title_share(title: str, terms: Sequence[QueryTerm]) -> float:
    """Weight share of the question's terms found in the document title."""
    total = sum(t.weight for t in terms) or 1.0
    key = compact_key(title)
    return sum(t.weight for t in terms if found(key, t)) / total


def best_sentence(text: str, terms: Sequence[QueryTerm], held_anyway: frozenset[str] = frozenset()) -> str:
    """The compact key of the sentence of ``text`` holding most of the terms' weight (the first such).
    ``held_anyway``: forms that count as held in every sentence (the place of a passage in a document of
    that place)."""
    best, best_key = -1.0, ""
    for m in _SENTENCE.finditer(text):
        key = compact_key(m.group())
        held = sum(t.weight for t in terms if found(key, t) or held_anyway & set(t.forms))
        if held > best:
            best, best_key = held, key
    return best_key


def states_quantity(sentence: str) -> float:
    """1.0 when the sentence (a compact key) states a number that is not a year, else 0.0."""
    return 1.0 if _QUANTITY.search(sentence) else 0.0


def wrong_period(sentence: str, years: Sequence[int], aim: str, base: Sequence[int] = ()) -> float:
    """1.0 when the sentence states years, none of them asked, all before the asked ones for a ``target``
    question (a 2015/2020 plan's sentence for 十四五末) or all after them for a ``status`` one; else 0.0.
    ``base``: the years the question compares against (相比2020年), which say nothing of the period."""
    if not years or aim not in ("target", "status"):
        return 0.0
    stated = {int(y) for y in stated_years(sentence)} - set(base)
    if not stated or stated & set(years):
        return 0.0
    before = max(stated) < min(years)
    return 1.0 if (before if aim == "target" else min(stated) > max(years)) else 0.0
