"""Cut one document into chunks: never across the document, preferably not across a section, long
sections at sentence ends, headings kept with their body, tables a few rows at a time with their title
and header carried in ``context``.

Works in cleaned-text coordinates; ``corpus`` maps the results back to original offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.blocks import Box, Table, box_path
from index.outline import Heading, section_paths
from index.text import CLAUSE_END, SENTENCE_END

_MIN_LEAD = 60  # a lead shorter than this never becomes a chunk of its own
_HEADING_ONLY = 60  # a piece no longer than this that holds only its heading joins the next piece


@dataclass(frozen=True)
class Piece:
    """A span of cleaned text with its section path, kind and (for tables) title and header."""

    start: int
    end: int
    path: tuple[str, ...]
    kind: str = "text"
    table_title: str = ""
    table_header: str = ""


def _path_at(pos: int, headings: list[Heading], paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    path: tuple[str, ...] = ()
    for h, p in zip(headings, paths):
        if h.start > pos:
            break
        path = p
    return path


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def pieces(text: str, lo: int, hi: int, headings: list[Heading], tables: list[Table], boxes: list[Box],
           excluded: list[tuple[int, int]]) -> list[Piece]:
    """The document ``text[lo:hi]`` as sections, boxes and tables, in order, without excluded ranges."""
    paths = section_paths(headings)
    cuts = {lo, hi}
    cuts.update(h.start for h in headings)
    for blk in [*tables, *boxes]:
        cuts.update((blk.start, blk.end))
    for a, b in excluded:
        cuts.update((a, b))
    bounds = sorted(c for c in cuts if lo <= c <= hi)
    out: list[Piece] = []
    for a, b in zip(bounds, bounds[1:]):
        if any(ea <= a < eb for ea, eb in excluded):
            continue
        a, b = _trim(text, a, b)
        if a >= b:
            continue
        path = _path_at(a, headings, paths)
        table = next((t for t in tables if t.start <= a < t.end), None)
        box = next((x for x in boxes if x.start <= a < x.end), None)
        if table is not None:
            label = table.title or "表"
            out.append(Piece(a, b, path + (label,), "table", table.title, table.header))
        elif box is not None:
            out.append(Piece(a, b, box_path(text, box, headings, paths), "box"))
        else:
            out.append(Piece(a, b, path))
    return _join_headings(text, out, headings)


def _join_headings(text: str, found: list[Piece], headings: list[Heading]) -> list[Piece]:
    """A heading with no body of its own ("二、指导思想和主要目标" right before "（一）…") stays with
    the body that follows, under the deeper path."""
    starts = {h.start: h for h in headings}
    out: list[Piece] = []
    carry: Piece | None = None
    for p in found:
        own_start = p.start  # where this piece's own heading stands, before a carried one is joined
        if carry is not None:
            gap = text[carry.end:p.start]
            if p.kind == "text" and not gap.strip():
                p = Piece(carry.start, p.end, p.path, p.kind)
            else:
                out.append(carry)
            carry = None
        h = starts.get(own_start)
        # heading-only again ("三、主要任务" + "（一）…" before "1.…"): carry both down
        if p.kind == "text" and h is not None and p.end - h.label_end <= 2 and p.end - p.start <= 2 * _HEADING_ONLY:
            carry = p
            continue
        out.append(p)
    if carry is not None:
        out.append(carry)
    return out


def _split_points(text: str, a: int, b: int, pattern: re.Pattern) -> list[int]:
    return [m.end() for m in pattern.finditer(text, a, b) if a < m.end() < b]


def split_text(text: str, a: int, b: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut ``text[a:b]`` into spans of at most ``max_chars``, at sentence ends where possible, then at
    clause ends, then anywhere."""
    if b - a <= max_chars:
        return [(a, b)]
    spans: list[tuple[int, int]] = []
    ends = _split_points(text, a, b, SENTENCE_END) + [b]
    start = a
    last_ok = None
    for e in ends:
        if e - start <= max_chars:
            last_ok = e
            continue
        # flush what fits, unless it is a short lead (a heading line) before a sentence too long to
        # stand alone: then the lead goes with that sentence's first clauses (headings stay with their body)
        if last_ok is not None and last_ok > start and (e - last_ok <= max_chars or last_ok - start >= _MIN_LEAD):
            spans.append((start, last_ok))
            start = last_ok
        if e - start > max_chars:  # one sentence too long: cut it at clause ends
            inner = _split_points(text, start, e, CLAUSE_END) + [e]
            s = start
            prev = None
            for c in inner:
                if c - s > max_chars:
                    if prev is None or prev <= s:
                        prev = s + max_chars
                    spans.append((s, prev))
                    s = prev
                    while c - s > max_chars:
                        spans.append((s, s + max_chars))
                        s += max_chars
                prev = c
            start = s
        last_ok = e
    if start < b:
        spans.append((start, b))
    return [_trim(text, x, y) for x, y in spans if _trim(text, x, y)[0] < _trim(text, x, y)[1]]


def table_spans(table: Table, a: int, b: int, rows_per_chunk: int, max_chars: int) -> list[tuple[int, int]]:
    """Groups of a few rows of ``table`` inside ``[a, b)``; the first group starts at the title."""
    rows = [r for r in table.rows if a <= r[0] < b]
    spans: list[tuple[int, int]] = []
    start = a
    count = 0
    for i, (ra, rb) in enumerate(rows):
        count += 1
        last = i == len(rows) - 1
        nxt_end = rows[i + 1][1] if not last else rb
        if last or count >= rows_per_chunk or nxt_end - start > max_chars:
            spans.append((start, rb if not last else b))
            start = rows[i + 1][0] if not last else b
            count = 0
    if not rows:
        spans.append((a, b))
    return spans
