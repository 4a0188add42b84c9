"""English words of a question: tokens, folded word forms and number forms, as the glossary matches them.

Folding is applied to the query and the glossary alike, so it needs to be consistent rather than
linguistically right: lower case, possessive removed, British spelling made American, then Snowball's
English stem (parcels → parcel, drafting → draft, centre → center). Numbers are kept as written and in
their normalised forms ("10,000" → "10000", "1万"; "5 billion" → "50亿"), because plan texts state
targets as numbers and BM25 matches them as tokens.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from index.text import HAN

# Tokens of the folded (NFKC, lower-case) query: a number (with thousands separators, decimals, %),
# a Latin word with inner joiners (r&d, pm2.5, shenzhen's), or a run of Han characters.
_TOKEN = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|\d+(?:\.\d+)?%?)(?![a-z0-9])"
    r"|(?P<word>[a-z0-9]+(?:[&.'’][a-z0-9]+)*)"
    f"|(?P<han>[{HAN}〇]+)"
)
# Words that carry no plan vocabulary: dropped when they are not part of a glossary term.
STOPWORDS = frozenset(
    """a an the of in on at to for from by with and or as is are was were be been being do does did
    what which who whom whose when where why how much many will would should shall can could may might
    must its it this that these those there their they them he she his her we our us you your i me my
    than then so such per about into over under between during through up down out if not no any all
    each every some more most less least very also just only own same other both either neither
    has have had having get gets got aim aims aimed expect expects expected according
    want wants wanted thing things say says said mention mentions mentioned describe describes described
    tell tells one among done"""
    .split()
)
# English scale words after a numeral, as powers of ten.
SCALES = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12}
# Number words read as numerals before a scale word ("one million tonnes" → 100万, "two billion" → 20亿).
NUMBER_WORDS = {w: str(n) for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())} | {
    "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "a": "1"}
# Spelling variants folded to one form before stemming (British → American).
_SPELLING = {
    "labour": "labor", "harbour": "harbor", "neighbour": "neighbor", "neighbourhood": "neighborhood",
    "behaviour": "behavior", "favour": "favor", "colour": "color", "programme": "program",
    "licence": "license", "defence": "defense", "offence": "offense", "ageing": "aging",
    "fulfil": "fulfill", "enrol": "enroll", "enrolment": "enrollment", "travelling": "traveling",
    "modelling": "modeling", "storey": "story", "tyre": "tire", "kerb": "curb", "grey": "gray",
}
_IRREGULAR = {"people": "people", "children": "child", "women": "woman", "men": "man", "data": "data",
              "media": "media", "criteria": "criterion", "indices": "index", "analyses": "analysis",
              # Snowball folds these onto another word's stem (important → import → 进口)
              "important": "important", "importance": "importance",
              "customer": "customer", "customers": "customer",  # customs → 海关
              "accountability": "accountability",  # account (for) → 占
              "goods": "goods",  # good (air quality) → 优良
              "direction": "direction", "directions": "direction",  # direct (investment) → 方向
              "positive": "positive", "official": "official",  # position → 定位, officials → 干部
              "regulator": "regulator", "regulators": "regulator"}  # regulations → 条例


@lru_cache(maxsize=8192)
def fold_word(word: str) -> str:
    """The matching form of an English word: lower case, possessive removed, British spelling made
    American, then the Snowball (Porter 2) English stem. Applied to query and glossary alike, so it
    needs to be consistent rather than linguistically right: ``parcels → parcel``, ``industries →
    industri``, ``drafting/drafted → draft``, ``centre → center``, ``organise → organiz``.
    """
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.rstrip("'")
    if not w.isalpha():  # r&d, pm2.5, 5g: as written
        return w
    if w in _SPELLING:
        w = _SPELLING[w]
    elif w.endswith("s") and w[:-1] in _SPELLING:  # licences → licenses, programmes → programs
        w = _SPELLING[w[:-1]] + "s"
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    # British spellings Snowball keeps apart from the American ones: centre/center, organise/organize
    if len(w) > 4 and w.endswith("tre"):
        w = w[:-3] + "ter"  # centre, metre, litre, fibre
    elif len(w) > 4 and w.endswith("tres"):
        w = w[:-4] + "ters"
    if len(w) > 5 and "is" in w and w.endswith(("ise", "ised", "ises", "ising", "isation", "isations")):
        w = w[: w.rindex("is")] + "iz" + w[w.rindex("is") + 2 :]  # organise → organize
    return _stemmer().stemWord(w)


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@dataclass(frozen=True)
class Token:
    text: str  # as written in the query
    key: str  # the matching form (folded word, or number without separators)
    kind: str  # word | num | han
    start: int
    end: int


def source_text(text: str) -> str:
    """The string token offsets refer to: the query itself, unless NFKC changed its length."""
    folded = unicodedata.normalize("NFKC", text)
    return text if len(folded) == len(text) else folded


def tokenize(text: str) -> list[Token]:
    """Split a query into numbers, Latin words and Han runs (punctuation and hyphens separate tokens).

    Offsets refer to ``text`` (or to its NFKC form in the rare case NFKC changes the length).
    """
    source = source_text(text)
    folded = unicodedata.normalize("NFKC", source).lower()
    tokens = []
    for m in _TOKEN.finditer(folded):
        kind = m.lastgroup or "word"
        if kind == "num":
            key = m.group().replace(",", "")
        elif kind == "word":
            key = fold_word(m.group())
        else:
            key = m.group()
        tokens.append(Token(source[m.start() : m.end()], key, kind, m.start(), m.end()))
    return tokens


def number_forms(written: str, scale: str | None = None) -> list[str]:
    """A number as written plus the forms a Chinese plan text would use.

    ``"10,000"`` → ``["10,000", "10000", "1万"]``; ``("5", "billion")`` → ``["50亿", "5000000000"]``;
    ``"98%"`` → ``["98%"]``; ``"2025"`` → ``["2025"]`` (years are not turned into 万).
    """
    bare = written.replace(",", "")
    # with a scale word the bare numeral ("5" of "5 billion") would match any 5: keep only the value
    forms = [] if scale else list(dict.fromkeys([written, bare]))
    if bare.endswith("%"):
        return forms
    try:
        value = Decimal(bare) * (Decimal(10) ** SCALES[scale] if scale else 1)
    except (InvalidOperation, KeyError):
        return forms
    if 1000 <= value < 10000 and value == value.to_integral() and not scale:
        return forms  # a year or a count: written the same in Chinese
    if value >= Decimal(10) ** 12:
        forms.append(_plain(value / Decimal(10) ** 12) + "万亿")
    if value >= Decimal(10) ** 8:
        forms.append(_plain(value / Decimal(10) ** 8) + "亿")
    elif value >= 10000:
        forms.append(_plain(value / 10000) + "万")
        if scale:
            forms.append(_plain(value))
    elif scale:
        forms.append(_plain(value))
    return list(dict.fromkeys(forms))


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
