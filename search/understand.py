"""What a question is about, read once per request: places, period, target or status, "which plan".

* **Places** (``search.places``): gazetteer names and document regions, Chinese or English, each with
  the documents that cover it. A place the index does not cover is what lets ``ask`` say "the indexed
  plans do not cover 杭州" instead of answering with another city's figure.
* **Period**: the years asked about: 2025, 十四五 (2021–2025), "the 13th five-year period", 十三五末.
* **Aim**: ``target`` (目标, 力争, 到2025年, "by 2025", "plan to") or ``status`` (现状, 已, 2019年,
  "in 2019", "at the end of the 13th five-year period"); empty when the question does not say.
* **Which plan**: 哪个规划 / "which plan" questions ask for a document, not a figure.

:func:`analyse` is a pure function of the question and the documents; its result is a frozen
:class:`Understood`, shown to the user (``ask --json`` ``understood``) and used as soft priors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from index.normalize import normalize
from search.places import Place, find_places

# what of the understood question a user can set aside (the app's removable chips; ``Engine.ask(ignore=…)``)
IGNORABLE = ("places", "period", "indicator")

_MARKUP = re.compile(r"<[^<>]{0,200}>")
# Code pasted into the question box (an SQL statement, a template or script expression) is markup too: it
# names nothing a plan says ('; DROP TABLE chunks; -- would look for 表 and 块). SQL needs its punctuation
# as well as its keywords, so "which plan will select from …" stays a question.
_CODE = re.compile(r"\$\{[^}]{0,200}\}|\{\{[^}]{0,200}\}\}|javascript:\S*", re.IGNORECASE)
_SQL_WORD = re.compile(r"\b(?:drop|delete|insert|update|select|union|alter|truncate)\b", re.IGNORECASE)
_SQL_MARK = re.compile(r";|--|\*|=|'\s*or\b", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(20[0-4]\d|19[5-9]\d)(?!\d)")
_CN_PERIOD = re.compile(r"十([一二三四五六七八九])五")
_EN_PERIOD = re.compile(r"(\d{1,2})(?:st|nd|rd|th)\s+five[- ]year", re.IGNORECASE)
_EN_ORDINAL = {"eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15}
_CN_DIGIT = {c: i for i, c in enumerate("一二三四五六七八九", 1)}
_PERIOD_END = re.compile(r"末|期末|end of|by the end")
# Cues of an aim. Measured on the 34 dev + 120 blind questions: they decide the aim of 78 of the 86
# questions labelled target or fact, none of them the wrong way round.
_TARGET_CUES = re.compile(
    r"目标|力争|要达到|要求|计划|预计|将|规划|到20\d\d年|\bby 20\d\d|target|goal|aim|plan(?:s|ned)? to|will|should"
    r"|expected to|ceiling|cap\b", re.IGNORECASE)
_STATUS_CUES = re.compile(
    r"现状|已经|已|完成|做到了|实现了|达到了|拿到了|了多少|截至|期间|基数|\bwas\b|\bwere\b|\bdid\b|happened|had\b"
    r"|baseline|so far|achieved|in 20(?:1\d|20)\b|during", re.IGNORECASE)
_WHICH_PLAN = re.compile(r"哪(?:个|份|一个|部|项)?(?:规划|计划|文件|方案|通知|纲要|政策)|which (?:plan|document|policy|"
                         r"notice|programme|program)", re.IGNORECASE)
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
# A year the question compares against (相比2020年, 在2020年基础上, "compared with 2020") is the base of
# the change asked about, not the year whose figure is asked: 到2035年…相比2020年 asks for 2035.
_BASE_YEAR = re.compile(r"(?:相比|相较|较|比|对比|compared (?:with|to)|than)\s*(?P<a>(?:19|20)\d\d)"
                        r"|(?P<b>(?:19|20)\d\d)\s*年?(?:的)?(?:基础上|水平上)", re.IGNORECASE)
_HAN = re.compile(r"[\u3400-\u9fff]")

__all__ = ["Place", "Understood", "analyse", "base_years", "find_aim", "find_period", "has_content"]


@dataclass(frozen=True)
class Understood:
    """The question as understood: what to prefer in ranking and answer choice, and what to show."""

    text: str  # the question with markup removed
    places: tuple[Place, ...] = ()
    years: tuple[int, ...] = ()  # years asked about, first to last (a period gives its span)
    period: str = ""  # the period as written: 十四五, 2025, 13th five-year
    period_end: bool = False  # 十三五末, "by the end of": the last year of the period
    aim: str = ""  # target | status | ""
    which_plan: bool = False
    markup: bool = False  # the question held markup (<script>…), removed before anything else
    indicator: str = ""  # the indicator-table row the question names, when one matches
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def uncovered(self) -> tuple[Place, ...]:
        return tuple(p for p in self.places if not p.covered)

    def ignoring(self, facets: Sequence[str]) -> Understood:
        """The same question with the facets the user set aside (``IGNORABLE``: a removed chip) left out."""
        unknown = [f for f in facets if f not in IGNORABLE]
        if unknown:
            raise ValueError(f"cannot ignore {', '.join(unknown)}; known: {', '.join(IGNORABLE)}")
        changes: dict = {}
        if "places" in facets:
            changes["places"] = ()
        if "period" in facets:
            changes.update(years=(), period="", period_end=False)
        if "indicator" in facets:
            changes["indicator"] = ""
        return replace(self, **changes) if changes else self

    def to_dict(self) -> dict:
        return {
            "places": [p.to_dict() for p in self.places],
            "period": self.period, "years": list(self.years), "aim": self.aim,
            "which_plan": self.which_plan, "indicator": self.indicator, "markup": self.markup,
        }


def find_period(question: str) -> tuple[tuple[int, ...], str, bool]:
    """(years asked about, the period as written, whether its end is meant)."""
    key = normalize(question)
    m = _CN_PERIOD.search(key)
    number = 10 + _CN_DIGIT[m.group(1)] if m else None
    written = m.group() if m else ""
    if number is None:
        e = _EN_PERIOD.search(question)
        if e:
            number, written = int(e.group(1)), e.group()
        else:
            for word, n in _EN_ORDINAL.items():
                if re.search(rf"\b{word}\s+five[- ]year", question, re.IGNORECASE):
                    number, written = n, f"{word} five-year"
    years = sorted({int(y) for y in _YEAR.findall(key)})
    end = bool(_PERIOD_END.search(question)) if number else False
    if number is not None:
        first = 2006 + 5 * (number - 11)
        span = [first + 4] if end else list(range(first, first + 5))
        years = sorted(set(years) | set(span))
        return tuple(years), written, end
    return tuple(years), " ".join(str(y) for y in years), False


def base_years(question: str) -> tuple[int, ...]:
    """Years the question compares against (相比2020年, 在2020年基础上, "compared with 2020")."""
    key = normalize(question)
    return tuple(sorted({int(m.group("a") or m.group("b")) for m in _BASE_YEAR.finditer(key)}))


def find_aim(question: str, years: Sequence[int]) -> str:
    """``target``, ``status`` or "" (the question does not say). A past year alone (2019) asks for status;
    a year from 2021 on, or a target cue, for a target."""
    target = bool(_TARGET_CUES.search(question))
    status = bool(_STATUS_CUES.search(question))
    if years and not (target and status):
        if max(years) <= 2020 and not target:
            return "status"
        if min(years) >= 2021:
            return "target"
    if target != status:
        return "target" if target else "status"
    return ""


def analyse(question: str, documents: Sequence = ()) -> Understood:
    """The question as understood, given the indexed ``documents`` (``index.types.Document``)."""
    text = _CODE.sub(" ", _MARKUP.sub(" ", question))
    if _SQL_WORD.search(text) and _SQL_MARK.search(text):
        text = ""
    markup = text != question
    text = " ".join(text.split())
    years, period, period_end = find_period(text)
    return Understood(
        text=text,
        places=find_places(text, documents),
        years=years,
        period=period,
        period_end=period_end,
        aim=find_aim(text, years),
        which_plan=bool(_WHICH_PLAN.search(text)),
        markup=markup,
    )


# Greetings and placeholder text typed to try the box ("hello world", "test", 你好): nothing a plan answers.
_FILLER = re.compile(r"\b(?:hello|hi|hey|test(?:ing)?|world|foo|bar|baz|lorem|ipsum|dolor|sit|amet|qwerty|asdf\w*)\b"
                     r"|你好|您好|哈哈+|呵呵+|嘻嘻+|测试一下|试一下", re.IGNORECASE)


def has_content(understood: Understood, filler: bool = False) -> bool:
    """Does the question hold anything to look for: Han characters, or a Latin word of three letters, once
    greetings and placeholder words are left out (kept when ``filler``)?"""
    text = understood.text if filler else _FILLER.sub(" ", understood.text)
    return bool(_HAN.search(text)) or any(len(w) >= 3 for w in _LATIN_WORD.findall(text))
