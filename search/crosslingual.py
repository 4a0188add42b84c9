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
from dataclasses import replace
from functools import lru_cache

import numpy as np

from index.text import HAN, has_han
from search.config import SearchConfig
from search.glossary import Expansion, Glossary, default_glossary
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
        if self._glossary is None:  # loaded on first English query: Chinese-only use never reads it
            self._glossary = default_glossary(self.config.glossary or None)
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
        if self.names is not None and expansion.unmatched:
            expansion = self._bridge_names(expansion)
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

    def _bridge_names(self, expansion: Expansion) -> Expansion:
        """Unknown capitalised words that spell a corpus word in pinyin become terms ("Deqing" → 德清)."""
        terms, groups, unmatched = list(expansion.terms), list(expansion.groups), []
        for word in expansion.unmatched:
            found = self.names.lookup(word) if word[:1].isupper() else []
            if found:
                terms.append((word, found))
                groups.append(found)
            else:
                unmatched.append(word)
        if len(unmatched) == len(expansion.unmatched):
            return expansion
        chinese = " ".join(dict.fromkeys(zh for group in groups for zh in group))
        return replace(expansion, terms=terms, groups=groups, unmatched=unmatched, chinese_query=chinese)


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
    "Changxing"; BM25 then scores the one the passages use.
    """

    MAX_WORDS = 3

    def __init__(self, words: Callable[[], Iterable[str]]):
        self._words = words
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
        return self._map.get(key, [])[: self.MAX_WORDS]
