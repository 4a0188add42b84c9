"""The English → Chinese bridge: a glossary of plan vocabulary that lets English queries reach BM25.

The data is a plain file, ``search/data/glossary_en_zh.tsv``: ``#`` comments, then one entry a line,
``english term<TAB>中文1|中文2``. :meth:`Glossary.expand` turns "Shenzhen 2025 food sampling target"
into the units 深圳|深圳市 · 2025 · 食品抽检|抽检|… · 目标|指标 by a greedy longest match of multi-word
terms, case-insensitive, with English words folded (``search.english``: parcels → parcel, drafting →
draft, centre → center) on both the query and the glossary side, so the file need not list every form.
What the glossary does not know is listed (``Expansion.unmatched``) and lowers ``Expansion.coverage``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from search.english import NUMBER_WORDS, SCALES, STOPWORDS, Token, number_forms, source_text, tokenize

DEFAULT_GLOSSARY = Path(__file__).parent / "data" / "glossary_en_zh.tsv"
NameLookup = Callable[[str], list[str]]  # a capitalised word → the Chinese names it spells ([]: none)

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
    """English term → Chinese renderings, matched greedily (longest term first) on folded words.

    ``names``: what a capitalised word the glossary lacks may spell (a place in pinyin: "Deqing" → 德清,
    ``search.crosslingual.NameBridge``); such a word becomes a term where it stands in the query, so
    retrieval and the answer's term coverage see the same Chinese name.
    """

    def __init__(self, entries: dict[tuple[str, ...], list[str]], path: Path | None = None,
                 names: NameLookup | None = None, written: dict[tuple[str, ...], str] | None = None):
        self.entries = entries
        self.path = path
        self.names = names
        self.written = written or {}  # key → the English side as the file writes it (for glossing back)
        # first word → lengths of the terms that start with it, longest first: the greedy match
        # tries only these, so expansion is linear in the query length.
        by_first: dict[str, set[int]] = {}
        for key in entries:
            by_first.setdefault(key[0], set()).add(len(key))
        self._lengths = {w: sorted(ls, reverse=True) for w, ls in by_first.items()}
        self._english: dict[str, str] | None = None

    def __len__(self) -> int:
        return len(self.entries)

    def with_names(self, names: NameLookup | None) -> Glossary:
        """The same entries, with ``names`` for the capitalised words they lack."""
        return Glossary(self.entries, self.path, names, self.written)

    def english(self) -> dict[str, str]:
        """Chinese rendering → the English term it renders, for glossing Chinese back (an indicator's
        name, a unit). A rendering listed first for a term is that term's (the file lists the most
        common rendering first); of several such terms the one written shortest wins."""
        if self._english is None:
            first: dict[str, str] = {}
            other: dict[str, str] = {}
            for key, renderings in self.entries.items():
                english = self.written.get(key, " ".join(key))
                for rank, zh in enumerate(renderings):
                    table = first if rank == 0 else other
                    if zh not in table or len(english) < len(table[zh]):
                        table[zh] = english
            self._english = {**other, **first}
        return self._english

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
        written: dict[tuple[str, ...], str] = {}
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
            written.setdefault(key, " ".join(english.split()))
        return cls(entries, path=path, written=written)

    def expand(self, query: str) -> Expansion:
        """Match the glossary's terms in ``query`` and build the Chinese query.

        Greedy: at each position the longest term that starts there wins; words inside a matched
        term are consumed. Numbers followed by a scale word ("1.5 trillion") become one number.
        """
        source = source_text(query)
        tokens = tokenize(query)
        terms: list[tuple[str, list[str]]] = []
        numbers: list[str] = []
        unmatched: list[str] = []
        groups: list[list[str]] = []  # one list of alternatives per unit of the query, in query order
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            following = tokens[i + 1].text.lower() if i + 1 < len(tokens) else ""
            if tok.kind == "word" and following in SCALES and tok.text.lower() in NUMBER_WORDS:
                forms = number_forms(NUMBER_WORDS[tok.text.lower()], following)  # "two billion" → 20亿
                numbers += forms
                groups.append(forms)
                i += 2
                continue
            match = self._match_at(tokens, i)
            if match:
                n, renderings = match
                terms.append((source[tok.start : tokens[i + n - 1].end], renderings))
                groups.append(list(renderings))
                i += n
                continue
            if tok.kind == "han":
                groups.append([tok.text])
            elif tok.kind == "num":
                percent = _percent_words(tokens, i + 1)
                if following in SCALES:
                    forms = number_forms(tok.text, following)
                elif percent:
                    forms = [tok.text + "%"]
                else:
                    forms = number_forms(tok.text)
                numbers += forms
                groups.append(forms)
                i += 2 if following in SCALES else 1 + percent
                continue
            elif tok.key not in STOPWORDS and tok.text.lower() not in STOPWORDS:
                # Latin tokens with digits (PM2.5, 5G, CO2) and capitalised acronyms (GDP, ICT) are
                # written the same way in Chinese plan texts: BM25 can match them as they are.
                found = self.names(tok.text) if self.names is not None and tok.text[:1].isupper() else []
                if any(ch.isdigit() for ch in tok.text) or _is_acronym(tok.text):
                    groups.append([tok.text])
                elif found:
                    terms.append((tok.text, list(found)))
                    groups.append(list(found))
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


def _percent_words(tokens: list[Token], i: int) -> int:
    """How many tokens from ``i`` on say "percent" (percent, pct, per cent): 0, 1 or 2."""
    words = [t.text.lower() for t in tokens[i : i + 2]]
    if words[:1] and words[0] in ("percent", "pct"):
        return 1
    return 2 if words == ["per", "cent"] else 0


def _is_acronym(written: str) -> bool:
    letters = [ch for ch in written if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


@lru_cache(maxsize=4)
def _default(path: str) -> Glossary:
    return Glossary.load(path)


def default_glossary(path: str | Path | None = None) -> Glossary:
    """The glossary at ``path`` (default: the packaged one), loaded once per process."""
    return _default(str(Path(path) if path else DEFAULT_GLOSSARY))
