"""The English → Chinese bridge: a glossary of plan vocabulary that lets English queries reach BM25.

The data is a plain file, ``search/data/glossary_en_zh.tsv``: ``#`` comments, then one entry a line,
``english term<TAB>中文1|中文2``. :meth:`Glossary.expand` turns "Shenzhen 2025 food sampling target"
into the units 深圳|深圳市 · 2025 · 食品抽检|抽检|… · 目标|指标 by a greedy longest match of multi-word
terms, case-insensitive, with English inflection folded (parcels → parcel, drafting → draft, centre →
center) on both the query and the glossary side, so the file need not list every form. What the
glossary does not know is listed (``Expansion.unmatched``) and lowers ``Expansion.coverage``.

Numbers are kept as written and in their normalised forms ("10,000" → "10000", "1万"; "5 billion" →
"50亿"), because plan texts state targets as numbers and BM25 matches them as tokens.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

DEFAULT_GLOSSARY = Path(__file__).parent / "data" / "glossary_en_zh.tsv"

# Tokens of the folded (NFKC, lower-case) query: a number (with thousands separators, decimals, %),
# a Latin word with inner joiners (r&d, pm2.5, shenzhen's), or a run of Han characters.
_TOKEN = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|\d+(?:\.\d+)?%?)(?![a-z0-9])"
    r"|(?P<word>[a-z0-9]+(?:[&.'’][a-z0-9]+)*)"
    r"|(?P<han>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff〇]+)"
)
# Words that carry no plan vocabulary: dropped when they are not part of a glossary term.
STOPWORDS = frozenset(
    """a an the of in on at to for from by with and or as is are was were be been being do does did
    what which who whom whose when where why how much many will would should shall can could may might
    must its it this that these those there their they them he she his her we our us you your i me my
    than then so such per about into over under between during through up down out if not no any all
    each every some more most less least very also just only own same other both either neither
    has have had having get gets got aim aims aimed expect expects expected according"""
    .split()
)
# English scale words after a numeral, as powers of ten.
_SCALES = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12}
# Spelling variants folded to one form before stemming (British → American).
_SPELLING = {
    "labour": "labor", "harbour": "harbor", "neighbour": "neighbor", "neighbourhood": "neighborhood",
    "behaviour": "behavior", "favour": "favor", "colour": "color", "programme": "program",
    "licence": "license", "defence": "defense", "offence": "offense", "ageing": "aging",
    "fulfil": "fulfill", "enrol": "enroll", "enrolment": "enrollment", "travelling": "traveling",
    "modelling": "modeling", "storey": "story", "tyre": "tire", "kerb": "curb", "grey": "gray",
}
_IRREGULAR = {"people": "people", "children": "child", "women": "woman", "men": "man", "data": "data",
              "media": "media", "criteria": "criterion", "indices": "index", "analyses": "analysis"}


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
    w = _SPELLING.get(w, w)
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


def _source(text: str) -> str:
    """The string token offsets refer to: the query itself, unless NFKC changed its length."""
    folded = unicodedata.normalize("NFKC", text)
    return text if len(folded) == len(text) else folded


def tokenize(text: str) -> list[Token]:
    """Split a query into numbers, Latin words and Han runs (punctuation and hyphens separate tokens).

    Offsets refer to ``text`` (or to its NFKC form in the rare case NFKC changes the length).
    """
    source = _source(text)
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
        value = Decimal(bare) * (Decimal(10) ** _SCALES[scale] if scale else 1)
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


@dataclass(frozen=True)
class Expansion:
    """What the glossary made of a query.

    Attributes:
        terms: the matched English terms as written in the query, each with its Chinese renderings.
        chinese_query: the query for Chinese retrievers: Han text of the query, the Chinese renderings,
            the numbers (all forms) and Latin tokens that plan texts use as they are (PM2.5, GDP).
        numbers: every number form (as written, without separators, with 万/亿).
        unmatched: content words the glossary did not know (for diagnostics and the glossary's growth).
        groups: the Chinese query unit by unit, in query order: the renderings of a term, the forms of
            a number, a Han run or a literal token; alternatives of one unit stand for one thing.
    """

    terms: list[tuple[str, list[str]]] = field(default_factory=list)
    chinese_query: str = ""
    numbers: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)

    @property
    def coverage(self) -> float:
        """Share of the query's content the glossary bridged: units found / (units + unknown words).

        1.0 when every content word was matched; 0.0 when nothing was (or the query had no content).
        """
        found = len(self.groups)
        return found / (found + len(self.unmatched)) if found else 0.0

    @property
    def chinese_terms(self) -> list[str]:
        """All Chinese renderings, longest first, without repeats (for highlighting)."""
        seen = dict.fromkeys(zh for _, zhs in self.terms for zh in zhs)
        return sorted(seen, key=len, reverse=True)


class Glossary:
    """English term → Chinese renderings, matched greedily (longest term first) on folded words."""

    def __init__(self, entries: dict[tuple[str, ...], list[str]], path: Path | None = None):
        self.entries = entries
        self.path = path
        # first word → lengths of the terms that start with it, longest first: the greedy match
        # tries only these, so expansion is linear in the query length.
        by_first: dict[str, set[int]] = {}
        for key in entries:
            by_first.setdefault(key[0], set()).add(len(key))
        self._lengths = {w: sorted(ls, reverse=True) for w, ls in by_first.items()}

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Glossary:
        """Read a glossary file (default: the packaged ``search/data/glossary_en_zh.tsv``).

        Raises:
            FileNotFoundError: the file is missing.
            ValueError: a line is not ``english<TAB>中文|中文`` (the message names the line).
        """
        path = Path(path) if path else DEFAULT_GLOSSARY
        if not path.is_file():
            raise FileNotFoundError(f"glossary {path} not found: pass an existing file, or reinstall planqa")
        return cls.parse(path.read_text(encoding="utf-8"), path=path)

    @classmethod
    def parse(cls, text: str, path: Path | None = None) -> Glossary:
        """Build a glossary from the text of a glossary file. Repeated terms merge their renderings."""
        entries: dict[tuple[str, ...], list[str]] = {}
        where = path or "<glossary>"
        for number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            english, sep, chinese = line.partition("\t")
            renderings = [zh.strip() for zh in chinese.split("|") if zh.strip()]
            if not sep or not english.strip() or not renderings:
                raise ValueError(f"{where}:{number}: expected 'english term<TAB>中文1|中文2', got {line!r}")
            key = tuple(t.key for t in tokenize(english) if t.kind != "han")
            if not key:
                raise ValueError(f"{where}:{number}: the English side {english!r} has no word")
            merged = entries.setdefault(key, [])
            merged += [zh for zh in renderings if zh not in merged]
        return cls(entries, path=path)

    def expand(self, query: str) -> Expansion:
        """Match the glossary's terms in ``query`` and build the Chinese query.

        Greedy: at each position the longest term that starts there wins; words inside a matched
        term are consumed. Numbers followed by a scale word ("1.5 trillion") become one number.
        """
        source = _source(query)
        tokens = tokenize(query)
        terms: list[tuple[str, list[str]]] = []
        numbers: list[str] = []
        unmatched: list[str] = []
        groups: list[list[str]] = []  # one list of alternatives per unit of the query, in query order
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            match = self._match_at(tokens, i)
            if match:
                n, renderings = match
                terms.append((source[tok.start : tokens[i + n - 1].end], renderings))
                groups.append(list(renderings))
                i += n
                continue
            following = tokens[i + 1].text.lower() if i + 1 < len(tokens) else ""
            if tok.kind == "han":
                groups.append([tok.text])
            elif tok.kind == "num":
                if following in _SCALES:
                    forms = number_forms(tok.text, following)
                elif following in ("percent", "pct"):
                    forms = [tok.text + "%"]
                else:
                    forms = number_forms(tok.text)
                numbers += forms
                groups.append(forms)
                i += 2 if following in _SCALES or following in ("percent", "pct") else 1
                continue
            elif tok.key not in STOPWORDS and tok.text.lower() not in STOPWORDS:
                # Latin tokens with digits (PM2.5, 5G, CO2) and capitalised acronyms (GDP, ICT) are
                # written the same way in Chinese plan texts: BM25 can match them as they are.
                if any(ch.isdigit() for ch in tok.text) or _is_acronym(tok.text):
                    groups.append([tok.text])
                else:
                    unmatched.append(tok.text)
            i += 1
        return Expansion(
            terms=terms,
            chinese_query=" ".join(dict.fromkeys(zh for group in groups for zh in group)),
            numbers=list(dict.fromkeys(numbers)),
            unmatched=unmatched,
            groups=groups,
        )

    def _match_at(self, tokens: list[Token], i: int) -> tuple[int, list[str]] | None:
        for n in self._lengths.get(tokens[i].key, ()):
            if i + n > len(tokens):
                continue
            window = tokens[i : i + n]
            # a term never spans a Han run: "food 抽检 sampling" is not "food sampling"
            if any(t.kind == "han" for t in window):
                continue
            key = tuple(t.key for t in window)
            if key in self.entries:
                return n, self.entries[key]
        return None


def _is_acronym(written: str) -> bool:
    letters = [ch for ch in written if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


@lru_cache(maxsize=4)
def _default(path: str) -> Glossary:
    return Glossary.load(path)


def default_glossary(path: str | Path | None = None) -> Glossary:
    """The glossary at ``path`` (default: the packaged one), loaded once per process."""
    return _default(str(Path(path) if path else DEFAULT_GLOSSARY))
