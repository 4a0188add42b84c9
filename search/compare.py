"""Side-by-side comparison: one column per plan for a question (two passages: ``search.compare_chunks``).

A column is the document's best passages for the question, its answer sentence (same scoring as
``ask``, restricted to that document) and the quantities of that sentence that sit next to the
question's terms, so "PM2.5: 深圳 <20微克/立方米 · 湖州 25微克/立方米" reads across the columns.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from index.normalize import compact_key
from index.text import clauses
from index.tokenize import get_tokenizer
from search.answer import Encode, answer_question
from search.citation import SourceText
from search.language import detect_language
from search.numbers import find_numbers
from search.terms import DocumentFrequency, QueryTerm, numeric_cue, query_terms, weigh_terms
from search.types import Answer, Column, Comparison, Hit, Quantity

DOCUMENTS = 3  # columns when no document is named: the most relevant few
SEARCH_DEPTH = 30  # passages searched to find the most relevant documents
PASSAGES = 100  # passages of one document a column chooses from (most plans have fewer)
RANK_PRIOR = 0.1  # the search's order, as a share of full term coverage for the first passage
DENSE_POOL = 30  # passages whose sentences are encoded to rank a column (bounds its cost)
DENSE_SHARE = 0.5  # foreign-dev compare: 0 → 0.5 takes 8 → 9/12 columns (1.0 the same, 2.0 worse answers)
MIN_SENTENCE = 6  # shorter pieces are headings or table debris
_SENTENCE_END = re.compile(r"(?<=[。；;！？!?\n])")
UNSURE_TOP = 5  # passages a column without an answer sentence shows
# Words that ask to compare, or ask what a plan says, not what to find: 「各自提出的…目标」 holds no
# passage's 各自; "what age limits do the measures set" asks for a limit, not for 制定.
_COMPARING = frozenset("各自 两者 二者 相比 比较 对比 异同 区别 差异 不同 相同 each both respectively "
                       "set sets propose proposes proposed describe describes".split())
ABBREVIATION_SPAN = 3  # an abbreviation's characters lie within this many times its length (银监局 in 中国银监会浙江监管局)


class Searcher(Protocol):
    def search(self, query: str, k: int = 10, doc_ids: Sequence[str] | None = None) -> list[Hit]: ...

    def document(self, doc_id: str): ...


def _key(text: str) -> str:
    return compact_key(text)


def focus_numbers(answer: Answer | None, terms: Sequence[QueryTerm]) -> tuple[Quantity, ...]:
    """Quantities of the answer in the clauses that hold a question term (all of them if none does).

    Offsets are into the answer's chunk text (``answer.text_start`` based).
    """
    if answer is None:
        return ()
    text = answer.text
    near: list[Quantity] = []
    for a, b in clauses(text):
        clause_key = _key(text[a:b])
        if any(f and f in clause_key for t in terms if t.kind == "word" for f in t.forms):
            near += find_numbers(text, a, b)
    chosen = near or find_numbers(text)
    shift = answer.text_start
    return tuple(replace(q, start=q.start + shift, end=q.end + shift) for q in chosen)


def relevant_documents(
    searcher: Searcher, question: str, terms: Sequence[QueryTerm], documents: int = DOCUMENTS
) -> list[str]:
    """The ``documents`` plans that cover most of the question's terms in one of their top passages.

    Passages are retrieved once over all plans; a plan counts by its best passage's weighted term
    coverage (context included), ties broken by retrieval rank. Plans whose passages share no term
    with the question are left out.
    """
    total = sum(t.weight for t in terms) or 1.0
    best: dict[str, tuple[float, int]] = {}
    for rank, hit in enumerate(searcher.search(question, k=SEARCH_DEPTH)):
        key = _key(f"{hit.chunk.context}\n{hit.chunk.text}")
        coverage = sum(t.weight for t in terms if any(f and f in key for f in t.forms)) / total
        doc_id = hit.chunk.doc_id
        if coverage > 0 and (doc_id not in best or coverage > best[doc_id][0]):
            best[doc_id] = (coverage, best.get(doc_id, (0.0, rank))[1])
    ranked = sorted(best, key=lambda d: (-best[d][0], best[d][1]))
    return ranked[:documents]


def _abbreviates(form: str, name: str) -> bool:
    """Is ``form`` (three characters or more) an abbreviation of part of ``name``: its characters in
    order, close together (银监局 of 中国银监会浙江监管局, 保监局 of 中国银保监会江苏监管局)?"""
    if len(form) < 3:
        return False
    start = name.find(form[0])
    while start >= 0:
        at, limit = start, start + ABBREVIATION_SPAN * len(form)
        for ch in form[1:]:
            at = name.find(ch, at + 1, limit)
            if at < 0:
                break
        else:
            return True
        start = name.find(form[0], start + 1)
    return False


def _named_by(term: QueryTerm, names: str) -> bool:
    """Does ``names`` (``_names``: one key per name, ``|`` between) name ``term``, as written or abbreviated?"""
    return any(f and (f in names or any(_abbreviates(f, n) for n in names.split("|"))) for f in term.forms)


def document_terms(
    terms: Sequence[QueryTerm], names: str, text: str, others: Sequence[str]
) -> tuple[list[QueryTerm], list[QueryTerm]]:
    """The question's terms for this document's column: (its question, what to find in it).

    A word term that names another compared document (``_names``, as written or abbreviated: 「江苏」,
    「保监局」 in the 浙江 column) leaves both lists when this document's ``text`` lacks it, or, when this
    document's names do not hold it, when it is one of a run of two or more question terms in a row
    that all name that document (「CPC/State Council opinions on the … project」: the other plan's
    name as the question spells it, though this plan cites it).
    One in this document's own ``names`` (「北斗」 in 上海北斗行动计划) stays in its question but is no cue
    to which of its passages to show, unless nothing else would remain. Words of what is asked
    (``numeric_cue``: 目标 in a title 「…远景目标纲要」) name no plan. All are matching keys.
    """
    def found(term: QueryTerm, key: str) -> bool:
        return any(f and f in key for f in term.forms)

    def naming(term: QueryTerm) -> bool:  # what the question asks for (目标, 规模) never names a plan
        return term.kind == "word" and not numeric_cue(term.text)

    words = [t for t in terms if t.kind == "word"]
    mentions: set[int] = set()  # terms inside another plan's name as the question spells it
    for other in others:
        run: list[int] = []
        for term in words + [None]:
            if term is not None and naming(term) and _named_by(term, other):
                run.append(id(term))
                continue
            if len(run) >= 2:
                mentions.update(run)
            run = []

    def other_plan(term: QueryTerm) -> bool:
        if not naming(term):
            return False
        if not found(term, text) and any(_named_by(term, o) for o in others):
            return True
        return id(term) in mentions and not _named_by(term, names)

    mine = [t for t in terms if not other_plan(t)]
    content = [t for t in mine if not naming(t) or not _named_by(t, names)]
    return mine, content if any(t.kind == "word" for t in content) else mine


def _names(doc) -> str:
    """What names a document: its title, issuer, region and file name, one matching key each, ``|`` between."""
    names = (doc.title, getattr(doc, "issuer", None), getattr(doc, "region", None), doc.doc_id)
    return "|".join(_key(n) for n in names if n)


def _degree(term: QueryTerm, key: str) -> float:
    """1 when a form of ``term`` is in ``key``; else the share of a long form's words found, halved
    (「消防安全」 partly met by 「消防救援」)."""
    if any(f and f in key for f in term.forms):
        return 1.0
    best = 0.0
    for form in term.forms:
        parts = [w for w in get_tokenizer("search").tokenize(form) if len(w) >= 2 and w != form]
        if parts:
            best = max(best, sum(w in key for w in parts) / len(parts) / 2)
    return best


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if len(s.strip()) >= MIN_SENTENCE]


def rank_passages(hits: Sequence[Hit], terms: Sequence[QueryTerm], question: str = "",
                  encode: Encode | None = None) -> list[Hit]:
    """``hits`` of one document reordered by how much of the question's term weight each holds.

    Term weights are idf inside the document (a term in every passage of this plan tells its
    passages nothing apart); the search's own order adds a small prior. With ``encode``, the first
    ``DENSE_POOL`` passages also score by their sentence nearest to ``question`` (``DENSE_SHARE``):
    an English question whose words the glossary lacks still finds the sentence that says it.
    """
    keys = [_key(f"{h.chunk.context}\n{h.chunk.text}") for h in hits]
    words = [t for t in terms if t.kind == "word"]
    degrees = [[_degree(t, key) for t in words] for key in keys]
    n = len(hits)
    idf = [math.log(1 + (n - df + 0.5) / (df + 0.5))
           for df in (sum(row[j] > 0 for row in degrees) for j in range(len(words)))]
    total = sum(w * t.weight for w, t in zip(idf, words)) or 1.0
    scores = [sum(d * w * t.weight for d, w, t in zip(row, idf, words)) / total + RANK_PRIOR / (i + 1)
              for i, row in enumerate(degrees)]
    order = sorted(range(n), key=lambda i: -scores[i])
    if encode is not None and question and n > 1:
        pool = order[:DENSE_POOL]
        # A passage the dense search scored already says how near its nearest window is; only the
        # others' sentences are encoded (a first comparison encoded ~700 sentences: 88 s of 93 on 2 cores).
        channel = "dense" if detect_language(question) == "zh" else "use"
        near = {i: hits[i].scores.get(channel) for i in pool}
        sentences = [(i, s) for i in pool if near[i] is None for s in _sentences(hits[i].chunk.text)]
        near = {i: float(v) if v is not None else 0.0 for i, v in near.items()}
        if sentences:
            rows = encode([question] + [s for _, s in sentences])
            for (i, _), row in zip(sentences, rows[1:]):
                near[i] = max(near[i], float(row @ rows[0]))
        pool.sort(key=lambda i: -(scores[i] + DENSE_SHARE * near[i]))
        order = pool + order[DENSE_POOL:]
    return [replace(hits[i], rank=rank) for rank, i in enumerate(order, start=1)]


def _without(question: str, terms: Sequence[QueryTerm], kept: Sequence[QueryTerm]) -> str:
    """``question`` with the text of its ``terms`` that are not ``kept`` cut out."""
    kept_forms = {t.forms for t in kept}
    for term in terms:
        if term.forms not in kept_forms and term.text:
            question = question.replace(term.text, "")
    return question


def compare(
    searcher: Searcher,
    question: str,
    doc_ids: Sequence[str] | None = None,
    top: int = 2,
    encode: Encode | None = None,
    source_text: SourceText | None = None,
    documents: int = DOCUMENTS,
    frequencies: tuple[DocumentFrequency, int] | None = None,
) -> Comparison:
    """One column per document: given ``doc_ids``, or else the ``documents`` most relevant ones.

    Each column searches its document with the question less the terms that name the other plans,
    reorders the passages by the question's terms inside that document (``rank_passages``) and picks
    the answer sentence from the best of them. A column without an answer sentence shows
    ``UNSURE_TOP`` passages instead of ``top``, so the reader still sees where the plan speaks of it.

    Args:
        searcher: the engine (``search`` with ``doc_ids`` and ``document``).
        question: what to compare.
        doc_ids: the documents to compare, in column order.
        top: passages shown per column (the answer's passage is always among them).
        encode: sentence encoder for the answer scoring (None: lexical cues only).
        source_text: file name → original text, for exact answer offsets.
        documents: columns when ``doc_ids`` is not given.
        frequencies: document frequencies for idf term weights (see ``answer.answer_question``).

    Raises:
        ValueError: an empty question or ``top`` below 1.
    """
    if not question or not question.strip():
        raise ValueError("empty question: say what to compare, e.g. planqa compare 'PM2.5浓度目标'")
    if top < 1:
        raise ValueError(f"--top must be 1 or more, got {top}")
    asked = query_terms(question, getattr(searcher, "glossary", None))
    terms = [t for t in asked if t.text.lower() not in _COMPARING]
    if frequencies is not None:
        terms = weigh_terms(terms, *frequencies)
    doc_ids = list(doc_ids) if doc_ids else relevant_documents(searcher, question, terms, documents)
    candidates = {d: searcher.search(question, k=PASSAGES, doc_ids=[d]) for d in doc_ids}
    # one key per passage (kept by normalize's cache across requests) rather than one of the joined
    # passages (new every time: 0.15-0.3 s of a comparison's CPU); the key drops the line breaks anyway
    texts = {d: "".join(_key(f"{h.chunk.context}\n{h.chunk.text}") for h in hits) for d, hits in candidates.items()}
    columns = []
    for doc_id in doc_ids:
        doc = searcher.document(doc_id)
        others = [_names(searcher.document(d)) for d in doc_ids if d != doc_id]
        mine, content = document_terms(terms, _names(doc), texts[doc_id], others)
        own = _without(question, asked, mine)
        hits = candidates[doc_id] if own == question else searcher.search(own, k=PASSAGES, doc_ids=[doc_id])
        hits = rank_passages(hits, content, _without(question, asked, content), encode)
        result = None
        for text in dict.fromkeys((_without(question, asked, content), own)) if hits else ():
            result = answer_question(text, hits, encode=encode, source_text=source_text, frequencies=frequencies)
            if result.answer is not None:
                break
        answer = result.answer if result else None
        shown = list(result.hits[:top if answer is not None else max(top, UNSURE_TOP)]) if result else []
        if answer is not None and all(h.chunk.chunk_id != answer.chunk_id for h in shown):
            shown.append(next(h for h in result.hits if h.chunk.chunk_id == answer.chunk_id))
        columns.append(Column(doc_id, doc.title, answer, focus_numbers(answer, mine), tuple(shown)))
    return Comparison(question, tuple(columns))
