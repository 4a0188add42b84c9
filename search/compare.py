"""Side-by-side comparison: one column per plan for a question, or two passages against each other.

A column is the document's best passages for the question, its answer sentence (same scoring as
``ask``, restricted to that document) and the quantities of that sentence that sit next to the
question's terms, so "PM2.5: 深圳 <20微克/立方米 · 湖州 25微克/立方米" reads across the columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from index.normalize import compact_key
from index.text import clauses
from index.tokenize import get_tokenizer
from index.types import Chunk
from search.answer import ANSWER_HITS, Encode, answer_question
from search.citation import SourceText
from search.highlight import find_forms
from search.numbers import find_numbers
from search.terms import DocumentFrequency, QueryTerm, query_terms, weigh_terms
from search.types import Answer, ChunkComparison, Column, Comparison, Hit, Quantity, Span

DOCUMENTS = 3  # columns when no document is named: the most relevant few
SEARCH_DEPTH = 30  # passages searched to find the most relevant documents


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
    terms = query_terms(question)
    if frequencies is not None:
        terms = weigh_terms(terms, *frequencies)
    doc_ids = list(doc_ids) if doc_ids else relevant_documents(searcher, question, terms, documents)
    columns = []
    for doc_id in doc_ids:
        doc = searcher.document(doc_id)
        hits = searcher.search(question, k=max(top, ANSWER_HITS), doc_ids=[doc_id])
        result = (answer_question(question, hits, encode=encode, source_text=source_text, frequencies=frequencies)
                  if hits else None)
        answer = result.answer if result else None
        shown = list(result.hits[:top]) if result else []
        if answer is not None and all(h.chunk.chunk_id != answer.chunk_id for h in shown):
            shown.append(next(h for h in result.hits if h.chunk.chunk_id == answer.chunk_id))
        columns.append(Column(doc_id, doc.title, answer, focus_numbers(answer, terms), tuple(shown)))
    return Comparison(question, tuple(columns))


def _content_words(text: str) -> set[str]:
    return {w for w in get_tokenizer("words").tokenize(text) if len(w) >= 2 and not w.isdigit()}


def _same(q: Quantity, others: Sequence[Quantity]) -> bool:
    return any(q.value == o.value and q.unit == o.unit and q.comparator == o.comparator for o in others)


def compare_chunks(left: Chunk, right: Chunk, max_terms: int = 30) -> ChunkComparison:
    """Two passages side by side: terms they share, quantities only one of them states.

    The returned hits carry the marks as highlights (``term`` for shared terms, ``number`` for
    differing quantities); ``shared_terms`` lists the longest ``max_terms`` shared words.
    """
    shared = sorted(_content_words(left.text) & _content_words(right.text), key=lambda w: (-len(w), w))
    shared = shared[:max_terms]
    numbers_left, numbers_right = find_numbers(left.text), find_numbers(right.text)
    only_left = tuple(q for q in numbers_left if not _same(q, numbers_right))
    only_right = tuple(q for q in numbers_right if not _same(q, numbers_left))

    def marked(chunk: Chunk, only: tuple[Quantity, ...], rank: int) -> Hit:
        spans = find_forms(chunk.text, shared) + [Span(q.start, q.end, "number") for q in only]
        return Hit(chunk=chunk, score=0.0, rank=rank, highlights=tuple(sorted(spans, key=lambda s: s.start)))

    return ChunkComparison(marked(left, only_left, 1), marked(right, only_right, 2), tuple(shared),
                           only_left, only_right)
