"""Places a question names: the gazetteer (``search/data/gazetteer.tsv``: provinces, prefecture cities
and county-level districts with their codes and English spellings) and the indexed documents' regions
(雷家店镇), in Chinese or English ("Shenzhen", "Luohu District", "Hong Kong"). Each place says which
documents cover it: documents of that place or of a place inside it, and for a district those of its
city (a city's plan speaks of its districts)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from index.normalize import normalize

GAZETTEER = Path(__file__).resolve().parent / "data" / "gazetteer.tsv"
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


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


@lru_cache(maxsize=64)
def _covered_districts(documents: tuple[tuple[str, str, str], ...]) -> dict[str, _Entry]:
    """Short names of the districts an indexed document is of (罗湖 for 深圳市罗湖区's plan): a district's
    short name alone is too often a word to be read as a place, except where the index has its plan."""
    doc_places = _document_places(documents)
    covered = set().union(*doc_places.values()) if doc_places else set()
    chinese, _, _ = _lookup()
    return {normalize(e.short): e for e in gazetteer() if e.level == "district" and e.short != e.name
            and len(e.short) >= 2 and normalize(e.name) in covered and normalize(e.short) not in chinese}


def find_places(question: str, documents: Sequence = ()) -> tuple[Place, ...]:
    """Places the question names (longest name first, not overlapping), with the documents of each."""
    chinese, english, by_name = _lookup()
    key = normalize(question)
    doc_places = _document_places(_doc_key(documents))
    regions = _region_entries(documents)
    districts = _covered_districts(_doc_key(documents))
    found: list[tuple[int, str, str, tuple[str, ...]]] = []  # (position, text, name, forms)
    taken: list[tuple[int, int]] = []
    matches = []  # (start, form) of every name the question holds
    for form in set(chinese) | set(regions) | set(districts):
        start = key.find(form)
        while start >= 0:
            matches.append((start, form))
            start = key.find(form, start + 1)
    # Overlapping names (上海北斗 holds 上海 and 海北): the longer, then one the index covers, then the first.
    for start, form in sorted(matches, key=lambda m: (-len(m[1]), not _covered_form(m[1], chinese, doc_places),
                                                      m[0], m[1])):
        end = start + len(form)
        if not any(a < end and start < b for a, b in taken):
            taken.append((start, end))
            if form in chinese or form in districts:
                entry = chinese[form][0] if form in chinese else districts[form]
                found.append((start, question[start:end] if len(question) == len(key) else form,
                              entry.name, _forms(entry)))
            else:
                found.append((start, form, regions[form], (regions[form], form)))
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


def _covered_form(form: str, chinese: dict[str, list[_Entry]], doc_places: dict[str, set[str]]) -> bool:
    """Does an indexed document cover the place ``form`` names (a document region always does)?"""
    entries = chinese.get(form)
    return not entries or any(_docs_of(_forms(e), doc_places) for e in entries)


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
