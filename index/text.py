"""The text layer every stage shares: what a Han character is, where sentences and clauses end.

Plan texts end sentences with 。；！？ (and their half-width forms) and put one table row, heading or
list item per line, so a line break ends a sentence too. Chunking (``index.chunker``), the embedded
sentence windows (``index.build``) and answers (``search.answer``) all cut at these ends, as offsets
into the text they were given, so citations stay exact. Some "sentences" run for a whole paragraph of
comma-joined clauses (target lists such as 主要目标); answers cut those at commas into pieces of at most
``max_chars`` so an answer stays a readable span rather than a paragraph.
"""

from __future__ import annotations

import re

# Han characters: CJK Unified Ideographs with extension A and the compatibility block.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = re.compile(f"[{HAN}]")

# Sentence end: terminal punctuation with any closing quotes/brackets that follow it, or a line break.
SENTENCE_END = re.compile(r"[。；;！!？?]+[”’」』）)]*|\n")
# For answers also the end of an indicator-table row run into the text ("…5约束性13食品评价性…":
# 预期性/约束性 before the next row's number, or before the next row's name when rows carry no number
# and the attribute follows a value: "…4.5预期性健康服务…"), so that a row can be an answer on its own.
# Not inside prose: 约束性指标, 预期性和约束性相结合, 预期性的… (seeds and foreign-dev: 11
# attribute-then-Han cases, 10 of them row ends).
_ROW_VALUE_END = r"[\d%‰)）元万亿个件项张人次岁家所米里吨天时上下]"
_END = re.compile(SENTENCE_END.pattern + r"|(?<=预期性|约束性)(?=\d)"
                  + rf"|(?<={_ROW_VALUE_END}预期性|{_ROW_VALUE_END}约束性)(?=(?![指和与的及或要目等相])[{HAN}])")
CLAUSE_END = re.compile(r"[，,、：:]")
_CLAUSE_OR_SENTENCE_END = re.compile(CLAUSE_END.pattern + "|" + SENTENCE_END.pattern)
_SPACE = " \t\r\f\v\u3000\u00a0\n"


def has_han(text: str) -> bool:
    """Whether ``text`` holds a Han character."""
    return _HAN_CHAR.search(text) is not None


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _SPACE:
        start += 1
    while end > start and text[end - 1] in _SPACE:
        end -= 1
    return start, end


def _pieces(text: str, pattern: re.Pattern[str], start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    begin = start
    for m in pattern.finditer(text, start, end):
        a, b = _trim(text, begin, m.end())
        if b > a and not text[a:b].isspace():
            spans.append((a, b))
        begin = m.end()
    a, b = _trim(text, begin, end)
    if b > a:
        spans.append((a, b))
    return spans


def clauses(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Comma-separated clauses of ``text[start:end]`` as ``(start, end)`` offsets into ``text``."""
    return _pieces(text, _CLAUSE_OR_SENTENCE_END, start, end)


def split_sentences(text: str, max_chars: int = 240) -> list[tuple[int, int]]:
    """Sentences of ``text`` as ``(start, end)`` offsets, whitespace trimmed, in order.

    Args:
        text: a passage (``Chunk.text``).
        max_chars: a sentence longer than this is cut at clause boundaries into pieces of at most
            this length (a clause longer than that stays whole).
    """
    spans: list[tuple[int, int]] = []
    for a, b in _pieces(text, _END):
        if b - a <= max_chars:
            spans.append((a, b))
            continue
        piece_start, piece_end = a, a
        for ca, cb in clauses(text, a, b):
            if piece_end > piece_start and cb - piece_start > max_chars:
                spans.append(_trim(text, piece_start, piece_end))
                piece_start = ca
            piece_end = cb
        if piece_end > piece_start:
            spans.append(_trim(text, piece_start, piece_end))
    return spans
