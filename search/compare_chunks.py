"""Two passages against each other: the terms they share, the quantities only one of them states."""

from __future__ import annotations

from collections.abc import Sequence

from index.tokenize import get_tokenizer
from index.types import Chunk
from search.highlight import find_forms
from search.numbers import find_numbers
from search.types import ChunkComparison, Hit, Quantity, Span


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
