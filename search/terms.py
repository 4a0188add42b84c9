"""What a question asks for: its content terms, their weights, and its cues.

Chinese questions are segmented with the BM25 tokenizer's precise cut (question words dropped, plan
compounds split into their words); English and mixed ones are bridged to Chinese through the glossary,
each English term keeping all its renderings as alternative forms. Weights are BM25 idf over the
passages, so rare terms count for more of a question. Cues: an amount asked for (多少, 目标, how many)
and the years asked about (2025, or a plan period such as 十四五).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from index.normalize import normalize
from index.tokenize import get_tokenizer

if TYPE_CHECKING:
    from search.glossary import Glossary

# Function and question words: they carry no content to find in a passage.
_STOPWORDS = frozenset(
    """什么 多少 哪些 哪个 哪几个 哪几 几个 哪份 哪项 哪种 哪里 怎么 怎样 如何 是否 是不是 为什么 要 的 了 在 和 与
    及 到 把 被 对 为 是 有 吗 呢 啊 吧 几 个 多 大 这 那 其 所 将 会 能 可以 应该 需要 准备 希望 打算 一共 分别
    还 也 就 都 又 或 等 这次 这个 那个 我们 他们 它们 以及 或者 并 并且 而 从 向 给 让 使 由 于 上 下 中 里 多大
    多久 多长 多高 多远 一起 做到 达到了 定在 各有 各 怎么样 哪一个 时候 情况 方面 提出 介绍 文件 哪份 哪个
    规定 讲 说 提到 有关 关于""".split()
)
# Questions about an amount: favour sentences that state a number with a unit.
_NUMERIC_CUES = (
    "多少", "几", "多大", "多久", "多长", "多高", "多远", "比例", "比重", "占比", "规模", "水平", "目标", "指标",
    "达到", "提高到", "提升到", "降到", "增长", "总量", "增加", "覆盖",
    "how many", "how much", "how big", "how long", "how high", "target", "level", "rate", "share",
    "percent", "percentage", "proportion", "number of", "amount", "total", "grow", "reach",
)
IDF_FLOOR = 0.5  # a word in most passages still says something about the question
SPLIT_MIN = 3  # a long term still counts when a modifier of up to SPLIT_GAP characters sits inside it
SPLIT_GAP = 4
_LATIN = re.compile(r"[a-z0-9]+(?:[.&'][a-z0-9]+)*")
_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")


@dataclass(frozen=True)
class QueryTerm:
    """One thing the question asks for, with the normalised forms any of which counts as found."""

    text: str  # as in the question
    forms: tuple[str, ...]  # normalised keys (no whitespace), longest first
    weight: float = 1.0
    kind: str = "word"  # word | year | number


def found(key: str, term: QueryTerm) -> bool:
    """Does ``key`` (a ``compact_key`` of a text) hold one of the term's forms, or a long form split by a
    modifier (``split_found``)?"""
    return any(f and (f in key or split_found(key, f)) for f in term.forms)


def split_found(key: str, form: str) -> bool:
    """A long term with a modifier put inside it: 每万人[高价值]发明专利拥有量 holds 每万人发明专利拥有量
    (both halves of at least ``SPLIT_MIN`` characters, in order, at most ``SPLIT_GAP`` apart)."""
    if len(form) < 2 * SPLIT_MIN:
        return False
    for i in range(SPLIT_MIN, len(form) - SPLIT_MIN + 1):
        a = key.find(form[:i])
        if a >= 0:
            b = key.find(form[i:], a + i)
            if 0 <= b - (a + i) <= SPLIT_GAP:
                return True
    return False


def numeric_cue(question: str) -> bool:
    """Does the question ask for an amount (多少, 目标, how many, target …)?"""
    q = question.lower()
    return any(cue in q for cue in _NUMERIC_CUES)


# Five-year plan periods name their years: 十三五 is 2016–2020 (the 11th plan began in 2006).
_PERIOD = re.compile(r"十([一二三四五六七八九])五")
_CN_DIGIT = {c: i for i, c in enumerate("一二三四五六七八九", 1)}


def stated_years(text: str) -> set[str]:
    """Years a text states: 2025, and those of a plan period it names (“十四五” → 2021 … 2025)."""
    key = normalize(text)
    years = {m.group() for m in _YEAR.finditer(key)}
    for m in _PERIOD.finditer(key):
        first = 2006 + 5 * (_CN_DIGIT[m.group(1)] - 1)
        years.update(str(y) for y in range(first, first + 5))
    return years


def question_years(question: str) -> list[str]:
    """Years the question asks about, written as digits (the period names are cues only when
    the passage states them, see ``stated_years``)."""
    return [m.group() for m in _YEAR.finditer(normalize(question))]


def _word_weight(form: str) -> float:
    # Longer words are rarer in plan text; Latin tokens with digits (PM2.5, 5G) name one thing.
    if any(ch.isdigit() for ch in form) and any(ch.isalpha() for ch in form):
        return 1.5
    return 1.0 if len(form) <= 2 else 1.25


def _chinese_terms(text: str, glossary: Glossary | None = None) -> list[QueryTerm]:
    terms: list[QueryTerm] = []
    # The BM25 tokenizer's precise cut: the same words (and plan vocabulary) retrieval matched on.
    for word in get_tokenizer("words").tokenize(text):
        if word in _STOPWORDS:
            continue
        if _LATIN.fullmatch(word):
            if _YEAR.fullmatch(word):
                terms.append(QueryTerm(word, (word,), 0.5, "year"))
            elif word.isdigit() or word.replace(".", "", 1).isdigit():
                terms.append(QueryTerm(word, (word,), 1.0, "number"))
            elif len(word) > 1:
                forms = _latin_forms(word, glossary) if glossary is not None else (word,)
                terms.append(QueryTerm(word, forms, _word_weight(word)))
        elif len(word) >= 2 and any("\u3400" <= ch <= "\u9fff" for ch in word):
            terms += [QueryTerm(w, (w,), _word_weight(w)) for w in _parts(word)]
    return terms


def _latin_forms(word: str, glossary: Glossary) -> tuple[str, ...]:
    """A Latin word of a Chinese question (GDP, PCT) with the Chinese the glossary renders it by
    (地区生产总值, 生产总值): a plan writes 人均地区生产总值 where the question says 人均GDP."""
    expansion = glossary.expand(word)
    renderings = [r for english, rs in expansion.terms if english.lower() == word for r in rs]
    forms = {word} | {normalize(r).replace(" ", "") for r in renderings}
    return tuple(sorted(forms, key=len, reverse=True))


@lru_cache(maxsize=4096)
def _parts(word: str) -> tuple[str, ...]:
    """A plan term the BM25 dictionary keeps whole (城市内涝, 营商环境) as its words (城市, 内涝), so a
    sentence saying 内涝防治 still holds part of it; words that do not split into two-character
    words stay whole (宫颈癌, 直升机场)."""
    if len(word) < 4:
        return (word,)
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    pieces = jieba.lcut(word, HMM=False)
    if len(pieces) < 2 or any(len(p) < 2 for p in pieces):
        return (word,)
    return tuple(p for p in pieces if p not in _STOPWORDS)


def _english_terms(question: str, glossary: Glossary | None = None) -> list[QueryTerm]:
    from search.glossary import default_glossary

    expansion = (glossary or default_glossary()).expand(question)
    terms: list[QueryTerm] = []
    used: set[str] = set()
    for english, renderings in expansion.terms:
        forms = tuple(sorted({normalize(r).replace(" ", "") for r in renderings}, key=len, reverse=True))
        used.update(renderings)
        if english.lower() in ("how many", "how much", "number", "total", "amount"):
            continue  # question words: a cue for numbers, not content to find
        terms.append(QueryTerm(english, forms, max(_word_weight(f) for f in forms)))
    for number in expansion.numbers:
        kind = "year" if _YEAR.fullmatch(number) else "number"
        terms.append(QueryTerm(number, (normalize(number),), 0.5 if kind == "year" else 1.0, kind))
        used.add(number)
    rest = " ".join(p for p in expansion.chinese_query.split() if p not in used)
    terms += _chinese_terms(rest)
    # Names the glossary does not know (Tokyo, Olympic): the corpus would have to mention them.
    names = [re.sub(r"['’]s?$", "", w) for w in expansion.unmatched if w[:1].isupper()]
    terms += [QueryTerm(w, (w.lower(),), 1.0) for w in names if w.isalpha()]
    return terms


def query_terms(question: str, glossary: Glossary | None = None) -> list[QueryTerm]:
    """The content terms of a question, deduplicated, in question order.

    Chinese questions are segmented with jieba (question words dropped); English and mixed questions
    are bridged to Chinese through ``glossary`` (the engine's, which retrieval used; default the
    packaged one), each English term keeping all its renderings as alternative forms.
    """
    from search.glossary import default_glossary
    from search.language import detect_language

    language = detect_language(question)
    terms = (_chinese_terms(question, glossary or default_glossary()) if language == "zh"
             else _english_terms(question, glossary))
    if language == "mixed":
        terms += _chinese_terms("".join(re.findall(r"[\u3400-\u9fff〇]+", question)))
    seen: set[tuple[str, ...]] = set()
    unique = []
    for term in terms:
        if term.forms not in seen:
            seen.add(term.forms)
            unique.append(term)
    return unique


DocumentFrequency = Callable[[str], int]  # normalised token -> passages holding it (0: unknown)


def bm25_document_frequency(bm25) -> tuple[DocumentFrequency, int]:
    """Document frequencies from a ``bm25s.BM25`` index, and its passage count."""
    vocab = bm25.vocab_dict
    indptr = bm25.scores["indptr"]

    def df(token: str) -> int:
        row = vocab.get(token)
        return 0 if row is None else int(indptr[row + 1] - indptr[row])

    return df, int(bm25.scores["num_docs"])


@lru_cache(maxsize=4096)
def _is_name(term: QueryTerm) -> bool:
    """Is the term a noun or a name (jieba part of speech n*, j abbreviation, or a Latin capitalised word)?"""
    if term.text[:1].isupper():
        return True
    if not any("\u3400" <= ch <= "\u9fff" for ch in term.text):
        return False
    import jieba.posseg

    return all(p.flag.startswith("n") or p.flag == "j" for p in jieba.posseg.lcut(term.text))


def weigh_terms(terms: Sequence[QueryTerm], df: DocumentFrequency, passages: int) -> list[QueryTerm]:
    """Weight word terms by their BM25 idf over the passages (Robertson–Spärck Jones form), so that a
    rare term (PM2.5, 宫颈癌) counts for more of the question than 深圳 or 期间 in every passage.

    A form that is not one token (食品抽样检验) is as rare as its rarest token at most; of a term's
    forms the most frequent one decides (an alternative rendering does not make a term rarer).
    Years keep their small fixed weight: they are cues, checked separately. Terms in no passage are
    dropped.
    """
    weighted = []
    tokenizer = get_tokenizer("words")
    for term in terms:
        if term.kind == "year":
            weighted.append(term)
            continue
        counts = []
        for form in term.forms:
            n = df(form)
            if not n:
                parts = [df(t) for t in tokenizer.tokenize(form)]
                n = min((p for p in parts if p), default=0)
            if n:
                counts.append(n)
        if not counts:
            # In no passage. A thing named (火星, 东京, Tokyo) that the corpus never mentions means the
            # question is about something else: it weighs as much as the rarest word, so coverage drops
            # and the question goes unanswered. Phrasing (搬走, 最早, 几类) only says how it was asked.
            if not _is_name(term):
                continue
            counts = [1]
        n = max(counts)
        idf = math.log(1 + (passages - n + 0.5) / (n + 0.5))
        weighted.append(replace(term, weight=round(max(IDF_FLOOR, idf), 4)))
    return weighted
