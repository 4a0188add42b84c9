"""What a question is about, read once per request: places, period, target or status, "which plan".

* **Places**: names of the gazetteer (``search/data/gazetteer.tsv``: provinces, prefecture cities and
  county-level districts, with English spellings) and the regions of the indexed documents (雷家店镇),
  in Chinese or English ("Shenzhen", "Luohu", "Hong Kong"). Each place says whether the index covers it:
  some document is of that place or of a place inside it. A place the index does not cover is what
  lets ``ask`` say "the indexed plans do not cover 杭州" instead of answering with another city's figure.
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
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from index.normalize import normalize

GAZETTEER = Path(__file__).resolve().parent / "data" / "gazetteer.tsv"
_MARKUP = re.compile(r"<[^<>]{0,200}>")
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
_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Place:
    """A place the question names, and whether (and by which documents) the index covers it."""

    text: str  # as written in the question: 深圳, Shenzhen
    name: str  # full name: 深圳市 (a document region when the gazetteer lacks it)
    forms: tuple[str, ...]  # normalised Chinese forms any of which names it in a text: 深圳市, 深圳
    doc_ids: tuple[str, ...] = ()  # documents of this place or of a place inside it

    @property
    def covered(self) -> bool:
        return bool(self.doc_ids)

    def to_dict(self) -> dict:
        return {"text": self.text, "name": self.name, "covered": self.covered, "doc_ids": list(self.doc_ids)}


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

    def to_dict(self) -> dict:
        return {
            "places": [p.to_dict() for p in self.places],
            "period": self.period, "years": list(self.years), "aim": self.aim,
            "which_plan": self.which_plan, "indicator": self.indicator, "markup": self.markup,
        }


@dataclass(frozen=True)
class _Entry:
    name: str
    short: str
    level: str
    parent: str
    spellings: tuple[str, ...]
    code: str = ""  # the 12-digit administrative code: its first 4 digits are the city's, 2 the province's


@lru_cache(maxsize=2)
def gazetteer(path: Path = GAZETTEER) -> tuple[_Entry, ...]:
    """The gazetteer's entries (file lines: adcode, name, short, level, parent, spellings)."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        code, name, short, level, parent, spellings = line.split("\t")
        entries.append(_Entry(name, short, level, parent, tuple(spellings.split("|")), code))
    return tuple(entries)


@lru_cache(maxsize=2)
def _lookup(path: Path = GAZETTEER) -> tuple[dict[str, list[_Entry]], dict[str, list[_Entry]], dict[str, _Entry]]:
    """(Chinese form → entries, English spelling → entries, full name → entry)."""
    chinese: dict[str, list[_Entry]] = {}
    english: dict[str, list[_Entry]] = {}
    by_name: dict[str, _Entry] = {}
    for e in gazetteer(path):
        by_name.setdefault(e.name, e)
        chinese.setdefault(e.name, []).append(e)
        # A district's short name alone (和平, 城关, 长安) is too often a word: only cities and provinces
        # are recognised by theirs; a district is by its full name or its English spelling.
        if e.short != e.name and len(e.short) >= 2 and e.level != "district":
            chinese.setdefault(e.short, []).append(e)
        for s in e.spellings:
            if len(s) >= 4:
                english.setdefault(s, []).append(e)
    return chinese, english, by_name


def _ancestors(entry: _Entry, by_name: dict[str, _Entry]) -> list[str]:
    out, seen = [], set()
    while entry.parent and entry.parent not in seen:
        seen.add(entry.parent)
        out.append(entry.parent)
        parent = by_name.get(entry.parent)
        if parent is None:
            break
        entry = parent
    return out


def _forms(entry: _Entry) -> tuple[str, ...]:
    return tuple(sorted({normalize(entry.name), normalize(entry.short)}, key=len, reverse=True))


@lru_cache(maxsize=64)
def _document_places(documents: tuple[tuple[str, str, str], ...]) -> dict[str, set[str]]:
    """doc_id → normalised names of the places it is of: its region, the gazetteer places its region or
    title names, and their ancestors (深圳市罗湖区 → 罗湖区, 深圳市, 广东省)."""
    chinese, _, by_name = _lookup()
    names = sorted(chinese, key=len, reverse=True)
    out: dict[str, set[str]] = {}
    for doc_id, region, title in documents:
        places = {normalize(region)} if region else set()
        for text in (normalize(region or ""), normalize(title)[:30]):
            for form in names:
                if form in text:
                    for e in chinese[form]:
                        places.add(normalize(e.name))
                        places.update(normalize(a) for a in _ancestors(e, by_name))
        out[doc_id] = places
    return out


def _doc_key(documents: Sequence) -> tuple[tuple[str, str, str], ...]:
    return tuple((d.doc_id, d.region or "", d.title) for d in documents)


def _region_entries(documents: Sequence) -> dict[str, str]:
    """Document regions the gazetteer lacks (towns: 雷家店镇), as form → region, with the short form."""
    chinese, _, _ = _lookup()
    out: dict[str, str] = {}
    for d in documents:
        region = normalize(d.region or "")
        if not region or region in chinese:
            continue
        out[region] = region
        short = re.sub(r"(镇|乡|街道|市|区|县)$", "", region)
        if len(short) >= 2 and short not in chinese:
            out[short] = region
    return out


def find_places(question: str, documents: Sequence = ()) -> tuple[Place, ...]:
    """Places the question names (longest name first, not overlapping), with the documents of each."""
    chinese, english, by_name = _lookup()
    key = normalize(question)
    doc_places = _document_places(_doc_key(documents))
    regions = _region_entries(documents)
    found: list[tuple[int, str, str, tuple[str, ...]]] = []  # (position, text, name, forms)
    taken: list[tuple[int, int]] = []
    for form in sorted(set(chinese) | set(regions), key=len, reverse=True):
        start = key.find(form)
        while start >= 0:
            end = start + len(form)
            if not any(a < end and start < b for a, b in taken):
                taken.append((start, end))
                if form in chinese:
                    entry = chinese[form][0]
                    found.append((start, question[start:end] if len(question) == len(key) else form,
                                  entry.name, _forms(entry)))
                else:
                    found.append((start, form, regions[form], (regions[form], form)))
            start = key.find(form, end)
    words = [(m.start(), m.group()) for m in _LATIN_WORD.finditer(question)]
    used: set[int] = set()
    for i in range(len(words)):
        for n in (3, 2, 1):
            if i + n > len(words) or any(j in used for j in range(i, i + n)):
                continue
            group = words[i:i + n]
            if not group[0][1][:1].isupper():
                continue
            spelling = re.sub(r"['’]s$|['’\-]", "", "".join(w for _, w in group)).lower()
            suffixed = re.search(r"(district|county)$", spelling)
            spelling = re.sub(r"(district|county|city|province|town)$", "", spelling)
            entries = english.get(spelling) or []
            if not suffixed and all(e.level == "district" for e in entries) and not any(
                    _covering(e, doc_places) for e in entries):
                # a district's bare spelling is often another name (Xinhua, the news agency): without
                # "District" it counts only when the index covers that district
                entries = []
            region = next((r for r in set(regions.values()) if spelling in (_pinyin(r), _pinyin(r[:-1]))), None)
            if entries or region:
                used.update(range(i, i + n))
                text = " ".join(w for _, w in group)
                if region and not entries:
                    found.append((group[0][0] + 10_000, text, region, (region,)))
                else:
                    # several places share a spelling (朝阳区, 朝阳市): prefer one the index covers
                    entry = max(entries, key=lambda e: bool(_docs_of(_forms(e), doc_places)))
                    found.append((group[0][0] + 10_000, text, entry.name, _forms(entry)))
                break
    places = []
    seen: set[str] = set()
    for _, text, name, forms in sorted(found):
        if name in seen:
            continue
        seen.add(name)
        docs = _docs_of(forms, doc_places) or next(
            (d for e in chinese.get(name, ()) if (d := _covering(e, doc_places))), ())
        places.append(Place(text, name, forms, docs))
    return tuple(places)


@lru_cache(maxsize=256)
def _pinyin(word: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word)).replace("v", "u")


def _docs_of(forms: tuple[str, ...], doc_places: dict[str, set[str]]) -> tuple[str, ...]:
    return tuple(doc_id for doc_id, places in doc_places.items()
                 if any(f == p or (len(f) >= 2 and p.startswith(f)) for f in forms for p in places))


def _covering(entry: _Entry, doc_places: dict[str, set[str]]) -> tuple[str, ...]:
    """Documents of the place or of a place inside it; for a district also those of its city (a city's
    plan speaks of its districts: 青浦区 in 上海市's Beidou plan)."""
    docs = _docs_of(_forms(entry), doc_places)
    if docs or entry.level != "district":
        return docs
    by_code = _by_code()
    for code in (entry.code[:4] + "0" * 8, entry.code[:2] + "0" * 10):
        parent = by_code.get(code)
        # 市辖区 / 县: the gazetteer's placeholders between a municipality (上海市) and its districts
        if parent is not None and parent.name not in ("市辖区", "县"):
            return _docs_of(_forms(parent), doc_places)
    return ()


@lru_cache(maxsize=2)
def _by_code(path: Path = GAZETTEER) -> dict[str, _Entry]:
    return {e.code: e for e in gazetteer(path)}


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
    text = _MARKUP.sub(" ", question)
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


def has_content(understood: Understood) -> bool:
    """Does the question hold anything to look for: Han characters, or a Latin word of three letters?"""
    return bool(_HAN.search(understood.text)) or any(len(w) >= 3 for w in _LATIN_WORD.findall(understood.text))
