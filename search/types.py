"""What a query returns: hits, answers, citations, comparisons and quote matches, passed unchanged to the UI."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from index.types import Chunk

_DRAFT_MARKER = re.compile(r"\s*[（(](?:公开)?征求意见稿[)）]\s*$")


def section_trail(section_path: tuple[str, ...], doc_title: str = "") -> tuple[str, ...]:
    """The section path under the document title (the title is cited in 《》 already), without empty parts."""
    return tuple(p for p in section_path if p and p != doc_title)


def join_path(section_path: tuple[str, ...], doc_title: str = "") -> str:
    """A section path as read: ``二、目标 › （二）主要目标``; the one place it is joined."""
    return " › ".join(section_trail(section_path, doc_title))


@dataclass(frozen=True)
class Span:
    """A highlighted range of ``Chunk.text`` (offsets into the text, not the file)."""

    start: int
    end: int
    kind: str = "term"  # term | answer | match | number


@dataclass(frozen=True)
class Citation:
    """Where a passage or sentence comes from: checkable by slicing ``source`` at ``start:end``."""

    doc_id: str
    doc_title: str
    section_path: tuple[str, ...]
    source: str
    start: int
    end: int
    pages: tuple[int, ...] = ()  # PDF pages the range lies on (empty for other formats)
    ocr: bool = False  # the text was read by OCR from a page without a text layer

    @classmethod
    def of(cls, chunk: Chunk, start: int | None = None, end: int | None = None) -> Citation:
        """The citation of ``chunk``, or of the original range ``[start, end)`` inside it; the one builder."""
        return cls(chunk.doc_id, chunk.doc_title, section_trail(chunk.section_path, chunk.doc_title),
                   chunk.source, chunk.start if start is None else start, chunk.end if end is None else end,
                   tuple(getattr(chunk, "pages", ()) or ()), bool(getattr(chunk, "ocr", False)))

    def head(self) -> str:
        """``《title》（征求意见稿）section › subsection, p. N``: what a report cites. A plan is cited by its
        name in 《》; a draft marker ending the title follows it, so a draft never reads as the adopted plan."""
        marker = _DRAFT_MARKER.search(self.doc_title)
        title = self.doc_title[: marker.start()] if marker and marker.start() else self.doc_title
        draft = f"（{marker.group(0).strip().strip('()（）')}）" if marker and marker.start() else ""
        pages = ""
        if self.pages:
            first, last = min(self.pages), max(self.pages)
            pages = f", p. {first}" if first == last else f", pp. {first}–{last}"
        if self.ocr:
            pages += " (OCR)"
        return f"《{title}》{draft}{join_path(self.section_path, self.doc_title)}{pages}"

    def __str__(self) -> str:
        return f"{self.head()} [{self.source}:{self.start}-{self.end}]"


@dataclass(frozen=True, eq=False)
class Hit:
    """A retrieved chunk. ``ranks``/``scores`` keep what each retriever said (None: not retrieved by it)."""

    chunk: Chunk
    score: float
    rank: int
    ranks: dict[str, int | None] = field(default_factory=dict)
    scores: dict[str, float | None] = field(default_factory=dict)
    highlights: tuple[Span, ...] = ()

    def to_dict(self) -> dict:
        """The JSON shape of the CLI: exactly the fields the issue names."""
        c = self.chunk
        return {
            "chunk_id": c.chunk_id,
            "doc_id": c.doc_id,
            "doc_title": c.doc_title,
            "section_path": list(c.section_path),
            "context": c.context,
            "text": c.text,
            "source": c.source,
            "start": c.start,
            "end": c.end,
            "score": round(float(self.score), 6),
            "ranks": dict(self.ranks),
        }


@dataclass(frozen=True)
class Answer:
    """An extractive answer: verbatim sentence(s) of a chunk with their location."""

    text: str
    chunk_id: str
    start: int  # offsets into the original source file
    end: int
    citation: Citation
    score: float
    text_start: int = 0  # offsets into the chunk's text, for highlighting
    text_end: int = 0
    table: TableAnswer | None = None  # when the answer is an indicator-table row
    mapped: tuple[tuple[str, tuple[str, ...]], ...] = ()  # English question word -> Chinese terms matched
    # English questions (search.english_gloss): every question term with the Chinese it was searched as,
    # and the answer's indicator and unit in English where the glossary covers them
    read_as: tuple[tuple[str, tuple[str, ...]], ...] = ()
    gloss: tuple[tuple[str, str], ...] = ()  # ("indicator" | "unit", English)


@dataclass(frozen=True)
class TableAnswer:
    """An answer that is a table row, shown with its header: which cell is the 2025 target, which the base."""

    header: tuple[str, ...]  # column names (指标名称, 单位, 2020年, 2025年, 属性), "" where unknown
    cells: tuple[str, ...]  # the row, one cell per column
    column: int = -1  # the cell that answers the question (-1: none marked)

    def to_dict(self) -> dict:
        return {"header": list(self.header), "cells": list(self.cells), "column": self.column,
                "column_name": self.header[self.column] if 0 <= self.column < len(self.header) else "",
                "value": self.cells[self.column] if 0 <= self.column < len(self.cells) else ""}


@dataclass(frozen=True)
class Quantity:
    """A number with its unit as written in a text (``10批次/千人``, ``低于20微克/立方米`` → ``<20``).

    ``start``/``end`` are offsets into the text it was found in (a ``Chunk.text``).
    """

    number: str  # as written, e.g. "43.36"
    unit: str  # with its magnitude, e.g. "亿元", "微克/立方米", "%"
    comparator: str = ""  # "<", "≤", "≥", ">" or "" (stated as such)
    start: int = 0
    end: int = 0

    @property
    def value(self) -> float:
        return float(self.number.replace(",", ""))

    def __str__(self) -> str:
        return f"{self.comparator}{self.number}{self.unit}"

    def to_dict(self) -> dict:
        return {"text": str(self), "value": self.value, "unit": self.unit, "comparator": self.comparator}


def _spans_dict(spans: tuple[Span, ...]) -> list[dict]:
    return [{"start": s.start, "end": s.end, "kind": s.kind} for s in spans]


def hit_dict(hit: Hit, citation: Citation | None = None) -> dict:
    """A hit as the answer commands print it: ``Hit.to_dict()`` plus highlights and citation."""
    d = hit.to_dict()
    d["highlights"] = _spans_dict(hit.highlights)
    if citation is not None:
        d["citation"] = str(citation)
    return d


def answer_dict(answer: Answer | None) -> dict | None:
    if answer is None:
        return None
    return {
        "text": answer.text,
        "citation": str(answer.citation),
        "chunk_id": answer.chunk_id,
        "start": answer.start,
        "end": answer.end,
        "table": answer.table.to_dict() if answer.table else None,
        "mapped": [{"english": en, "chinese": list(zh)} for en, zh in answer.mapped],
        "read_as": [{"english": en, "chinese": list(zh)} for en, zh in answer.read_as],
        "gloss": [{"field": f, "english": e} for f, e in answer.gloss],
    }


@dataclass(frozen=True, eq=False)
class AskResult:
    """``planqa ask``: the answer sentence(s) (or None, with the reason) and the passages searched."""

    question: str
    answer: Answer | None
    hits: tuple[Hit, ...]
    reason: str = ""  # why there is no answer; empty when there is one
    understood: Any = None  # search.understand.Understood: places, period, aim the answer was chosen by

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": answer_dict(self.answer),
            "reason": self.reason,
            "understood": self.understood.to_dict() if self.understood is not None else None,
            "hits": [hit_dict(h, Citation.of(h.chunk)) for h in self.hits],
        }


@dataclass(frozen=True, eq=False)
class Column:
    """One document of a comparison: its best passages, answer sentence and the quantities in it."""

    doc_id: str
    doc_title: str
    answer: Answer | None
    numbers: tuple[Quantity, ...]
    hits: tuple[Hit, ...]

    def to_dict(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "doc_title": self.doc_title,
            "answer": answer_dict(self.answer),
            "numbers": [q.to_dict() for q in self.numbers],
            "hits": [hit_dict(h, Citation.of(h.chunk)) for h in self.hits],
        }


@dataclass(frozen=True, eq=False)
class Comparison:
    """``planqa compare QUESTION``: one column per document."""

    question: str
    columns: tuple[Column, ...]

    def to_dict(self) -> dict:
        return {"question": self.question, "columns": [c.to_dict() for c in self.columns]}


@dataclass(frozen=True, eq=False)
class ChunkComparison:
    """``planqa compare --chunk A --chunk B``: two passages, shared terms and differing numbers marked.

    The hits' highlights carry the marks: kind ``term`` for shared terms, ``number`` for a quantity
    the other passage does not state.
    """

    left: Hit
    right: Hit
    shared_terms: tuple[str, ...]
    left_numbers: tuple[Quantity, ...]  # stated by the left passage only
    right_numbers: tuple[Quantity, ...]

    def to_dict(self) -> dict:
        return {
            "chunks": [hit_dict(h, Citation.of(h.chunk)) for h in (self.left, self.right)],
            "shared_terms": list(self.shared_terms),
            "differing_numbers": [[q.to_dict() for q in self.left_numbers],
                                  [q.to_dict() for q in self.right_numbers]],
        }


@dataclass(frozen=True)
class QuoteMatch:
    """Where a quote was found: ``source[start:end]`` of the original file is ``matched_text``."""

    doc_id: str
    doc_title: str
    section_path: tuple[str, ...]
    source: str
    start: int
    end: int
    matched_text: str
    similarity: float  # 1.0: the same text up to 繁/简, punctuation, whitespace and width
    passage: Chunk | None = None  # the passage covering the start of the match

    @property
    def citation(self) -> Citation:
        return Citation(self.doc_id, self.doc_title, self.section_path, self.source, self.start, self.end)

    def to_dict(self) -> dict:
        passage = self.passage
        return {
            "doc_id": self.doc_id,
            "doc_title": self.doc_title,
            "section_path": list(self.section_path),
            "source": self.source,
            "start": self.start,
            "end": self.end,
            "matched_text": self.matched_text,
            "similarity": round(float(self.similarity), 4),
            "passage": None if passage is None else {
                "chunk_id": passage.chunk_id, "text": passage.text, "start": passage.start, "end": passage.end
            },
        }


@dataclass(frozen=True)
class QuoteResult:
    """``planqa cite QUOTE``: matches best first; when not ``found``, the nearest candidates."""

    quote: str
    found: bool
    matches: tuple[QuoteMatch, ...]
    reason: str = ""  # when not found: why, e.g. the best similarity and the threshold

    def to_dict(self) -> dict:
        return {
            "quote": self.quote,
            "found": self.found,
            "reason": self.reason,
            "matches": [m.to_dict() for m in self.matches],
        }
