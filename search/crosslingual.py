"""English questions over Chinese plans: which query each channel searches, and with what weight.

The sources are Chinese; a question may be Chinese, English or mixed (:mod:`search.language`).

============  ==========================  ==========================================  ====================
channel       Chinese query               English / mixed query                       why
============  ==========================  ==========================================  ====================
``bm25``      as asked                    the glossary's Chinese renderings, term by  BM25 needs shared
                                          term (:class:`BridgedLexical`)              tokens
``dense``     as asked                    ``english_dense``: the Chinese              m3e is a Chinese
              (m3e-small)                 query (default), the question, or off       model
``use``       off (``use_for_chinese``)   the question as asked                       USE is multilingual
============  ==========================  ==========================================  ====================

Chinese questions therefore search exactly what they searched without the English channel, with the
same weights: the ``use`` channel returns nothing for them and adds nothing to fusion. English and
mixed questions are fused with ``SearchConfig.english_weights``, the dense channels scaled down by how much
of the question the glossary covered (``english_coverage_power``); capitalised words the glossary
lacks may be place names spelt in pinyin (:class:`NameBridge`). Figures: ``benchmarks/bench_english.py``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from functools import lru_cache

import numpy as np

from index.text import HAN, has_han
from search.config import SearchConfig
from search.glossary import Glossary, default_glossary
from search.language import detect_language
from search.lexical import LexicalRetriever, top_k
from search.query import Query
from search.types import Hit

DENSE_MODES = ("expansion", "raw", "off")


class CrossLingual:
    """Makes the :class:`~search.query.Query` of a question: its language, and what each channel searches
    with which weight. One instance per engine (it holds the glossary and the pinyin name bridge)."""

    def __init__(self, config: SearchConfig | None = None, glossary: Glossary | None = None,
                 names: NameBridge | None = None):
        """Args:
            config: the search config (``english_*``, ``glossary``, ``use_for_chinese``, weights).
            glossary: the glossary; default the one ``config.glossary`` names (loaded on first use).
            names: pinyin bridge for names the glossary lacks; None: no such bridge.
        """
        self.config = config or SearchConfig()
        self.names = names if self.config.english_names else None
        if self.config.english_dense not in DENSE_MODES:
            raise ValueError(
                f"english_dense is {self.config.english_dense!r}; choose one of {', '.join(DENSE_MODES)}"
            )
        self._glossary = glossary
        self._route = lru_cache(maxsize=1024)(self._route_uncached)

    @property
    def glossary(self) -> Glossary:
        """The glossary, with the pinyin name bridge for capitalised words it lacks (when there is one)."""
        if self._glossary is None:  # loaded on first English query: Chinese-only use never reads it
            self._glossary = default_glossary(self.config.glossary or None)
        if self.names is not None and self._glossary.names is None:
            self._glossary = self._glossary.with_names(self.names.lookup)
        return self._glossary

    def route(self, query: str) -> Query:
        """The language of ``query`` and what each known channel searches (channels absent: skipped)."""
        return self._route(query)

    def _route_uncached(self, query: str) -> Query:
        language = detect_language(query)
        base = dict(self.config.channel_weights)
        if language == "zh":
            bridged = self._with_acronyms(query)
            queries = {"bm25": bridged, "dense": bridged}
            if self.config.use_for_chinese:
                queries["use"] = query
            return Query(query, language, None, queries, base)
        expansion = self.glossary.expand(query)
        chinese = expansion.chinese_query.strip()
        queries = {"use": query}
        # An English question with no glossary term and no number has nothing BM25 could match;
        # searching its English words would only return chunks that quote Latin letters.
        if chinese:
            queries["bm25"] = chinese
        dense_query = {"expansion": chinese or query, "raw": query, "off": ""}[self.config.english_dense]
        if dense_query:
            queries["dense"] = dense_query
        weights = {**base, **dict(self.config.english_weights)}
        power = self.config.english_coverage_power
        if power > 0:
            # Trust the bridge as far as it reaches: a question the glossary covers entirely is BM25's;
            # as soon as a word is unknown m3e and USE come in, and strongly (power 0.5: a question 75%
            # covered gives them half their weight). Measured in search/config.py (english_coverage_power).
            scale = (1.0 - expansion.coverage) ** power
            for name in sorted({"dense", "use", *weights} - {"bm25"}):
                weights[name] = weights.get(name, 1.0) * scale
        return Query(query, language, expansion, queries, weights)

    def _with_acronyms(self, query: str) -> str:
        """A Chinese question may name a thing the plans write in Chinese by its Latin acronym
        (深圳的GDP → 地区生产总值): BM25 also gets the glossary's renderings of such words."""
        extra: list[str] = []
        for word in dict.fromkeys(_LATIN_WORD.findall(query)):
            for group in self.glossary.expand(word).groups:
                extra += [zh for zh in group if has_han(zh) and zh not in query and zh not in extra]
        return f"{query} {' '.join(extra)}" if extra else query


class BridgedLexical:
    """The ``bm25`` channel over a :class:`~search.lexical.LexicalRetriever`, English questions included.

    A Chinese query is searched exactly as the wrapped retriever searches it. An English or mixed one
    is scored unit by unit from its glossary expansion (``Expansion.groups``): each unit (a term with
    all its renderings, a number with its forms, a Han run) adds the *mean* BM25 score of its
    alternatives, so a term with five renderings counts once, not five times; the sum is then scaled
    by the share of units the passage matches. Measured on the dev set's English questions (seeds,
    bm25 alone, Recall@5 1.0 throughout): one flat query of all renderings MRR 0.52, max of the
    alternatives 0.53, mean 0.61–0.71, mean with coordination 0.92.
    """

    def __init__(self, lexical: LexicalRetriever, router: CrossLingual):
        self.lexical = lexical
        self.router = router
        self.name = lexical.name
        self.chunks = lexical.chunks

    def _query(self, query: str | Query) -> Query:
        return query if isinstance(query, Query) else self.router.route(query)

    def scores(self, query: str | Query) -> np.ndarray:
        """BM25 score of every chunk for ``query`` (zeros when nothing of it is in the vocabulary)."""
        routed = self._query(query)
        if routed.expansion is None:
            return self.lexical.scores(routed.for_channel(self.name) or routed.text)
        groups = routed.expansion.groups
        total = np.zeros(len(self.chunks), dtype=np.float64)
        matched = np.zeros(len(self.chunks), dtype=np.float64)
        for group in groups:
            unit = np.mean([self.lexical.scores(alternative) for alternative in group], axis=0)
            total += unit
            matched += unit > 0
        # Coordination: a passage matching more of the question's units ranks higher (Lucene's classic
        # coord factor, overlap / units). A translated question has no word order or phrase to favour
        # the passage that has them all, and without it one unit with a high tf wins (a Huzhou passage
        # full of 经济 above the Shenzhen target for "Shenzhen economy 2025"): dev English MRR 0.71 → 0.92.
        return (total * matched / max(len(groups), 1)).astype(np.float32)

    def search(self, query: str | Query, k: int = 10, allowed: np.ndarray | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``query`` by (bridged) BM25, among ``allowed`` rows (bool mask)."""
        routed = self._query(query)
        if routed.expansion is None:
            return self.lexical.search(routed.for_channel(self.name) or routed.text, k, allowed=allowed)
        scores = self.scores(routed)
        rows = top_k(scores, k, allowed, positive=True)
        return [
            Hit(chunk=self.chunks[row], score=float(scores[row]), rank=rank,
                ranks={self.name: rank}, scores={self.name: float(scores[row])})
            for rank, row in enumerate(rows.tolist(), start=1)
        ]


_HAN_WORD = re.compile(f"[{HAN}]{{2,6}}")
_LATIN_WORD = re.compile(r"(?<![A-Za-z])[A-Za-z][A-Za-z&]+(?![A-Za-z])")


class NameBridge:
    """Pinyin spellings → the corpus words written that way: "Deqing" → 德清, "Leijiadian" → 雷家店.

    Place names (towns, districts, parks) are what a glossary of general plan vocabulary cannot list,
    and English writes them in toneless pinyin. The map is built from ``words()`` (the index's BM25
    vocabulary: 11k Han words on the seeds, 0.4 s) on the first name the glossary does not know, so
    Chinese-only use never pays for it. Homophones are all kept (at most three): 长兴 and 长性 for
    "Changxing"; BM25 then scores the one the passages use. A spelling no corpus word has is looked up
    in ``places`` (default: the gazetteer's spellings, :func:`gazetteer_names`: "Qingpu" → 青浦区, 青浦),
    so a place the corpus does not cover is still named in Chinese, and the answer's term coverage
    looks for 青浦 rather than for the Latin letters no Chinese passage holds.
    """

    MAX_WORDS = 3

    def __init__(self, words: Callable[[], Iterable[str]],
                 places: Callable[[str], list[str]] | None = None):
        self._words = words
        self._places = places if places is not None else gazetteer_names
        self._map: dict[str, list[str]] | None = None
        self._lock = threading.Lock()

    def _build(self) -> dict[str, list[str]]:
        try:
            from pypinyin import lazy_pinyin
        except ImportError as exc:
            raise ImportError("English place names need pypinyin: pip install pypinyin") from exc
        mapping: dict[str, list[str]] = {}
        for word in sorted(set(self._words())):
            if _HAN_WORD.fullmatch(word):
                # pypinyin writes ü as v (旅顺 → lvshun); English writes it u (Lushun)
                mapping.setdefault("".join(lazy_pinyin(word)).replace("v", "u"), []).append(word)
        return mapping

    def lookup(self, name: str) -> list[str]:
        """The corpus words whose pinyin is ``name`` (case-insensitive); [] for none or a short name."""
        key = name.lower().replace("'", "").replace("’", "")
        if len(key) < 4 or not key.isascii() or not key.isalpha():
            return []
        if self._map is None:
            with self._lock:
                if self._map is None:
                    self._map = self._build()
        return (self._map.get(key) or self._places(key))[: self.MAX_WORDS]


def gazetteer_names(spelling: str) -> list[str]:
    """The gazetteer's Chinese names spelt ``spelling`` (lower case): short name first, then full name,
    over every place of that spelling ("chaoyang" → 朝阳, 朝阳区, 朝阳市); [] for none."""
    return list(_gazetteer_spellings().get(spelling.lower(), ()))


@lru_cache(maxsize=1)
def _gazetteer_spellings() -> dict[str, tuple[str, ...]]:
    from search.places import gazetteer

    names: dict[str, dict[str, None]] = {}
    for entry in gazetteer():
        if entry.short in ("市辖", "县", "省直辖县级行政区划"):  # table rows, not places
            continue
        for spelling in entry.spellings:
            if len(spelling) >= 4:
                names.setdefault(spelling, {}).update(dict.fromkeys((entry.short, entry.name)))
    return {spelling: tuple(forms) for spelling, forms in names.items()}
