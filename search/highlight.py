"""Highlight spans of query terms in a passage, and rendering as HTML or terminal text.

Matching is done on the normalised key (繁→简, full→half width, lower case) and mapped back to the
original characters through ``key_with_positions``, so a simplified query highlights traditional
text ("经济" marks 經濟) and offsets always refer to ``Chunk.text`` as written.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Iterable, Sequence

from index.normalize import key_with_positions
from search.terms import QueryTerm
from search.types import Span


def _merge(spans: Iterable[tuple[int, int]], kind: str) -> list[Span]:
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [Span(a, b, kind) for a, b in merged]


def find_forms(text: str, forms: Iterable[str], kind: str = "term") -> list[Span]:
    """Where any of ``forms`` (normalised keys) occurs in ``text``, as merged spans of ``text``."""
    key, positions = key_with_positions(text, drop="space")
    found: list[tuple[int, int]] = []
    for form in forms:
        if not form:
            continue
        i = key.find(form)
        while i >= 0:
            found.append((positions[i], positions[i + len(form) - 1] + 1))
            i = key.find(form, i + 1)
    return _merge(found, kind)


def term_spans(text: str, terms: Sequence[QueryTerm]) -> list[Span]:
    """Highlight spans of the query terms found in ``text`` (offsets into ``text``)."""
    return find_forms(text, [f for t in terms for f in t.forms])


def _segments(text: str, spans: Sequence[Span]) -> list[tuple[str, tuple[str, ...]]]:
    """``text`` cut where highlight kinds change: (piece, kinds covering it)."""
    cuts = sorted({0, len(text)} | {max(0, min(len(text), x)) for s in spans for x in (s.start, s.end)})
    pieces = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        kinds = tuple(sorted({s.kind for s in spans if s.start <= a and b <= s.end}))
        pieces.append((text[a:b], kinds))
    return pieces


def render_html(text: str, spans: Sequence[Span]) -> str:
    """``text`` HTML-escaped, highlighted ranges wrapped in ``<mark class="KIND…">``."""
    out = []
    for piece, kinds in _segments(text, spans):
        escaped = html.escape(piece, quote=True)
        out.append(f'<mark class="{" ".join(kinds)}">{escaped}</mark>' if kinds else escaped)
    return "".join(out)


_ANSI = {"term": "\x1b[1;33m", "answer": "\x1b[4;32m", "match": "\x1b[1;36m", "number": "\x1b[1;35m"}
_BRACKETS = {"term": ("[", "]"), "answer": ("«", "»"), "match": ("{", "}"), "number": ("<", ">")}


def render_terminal(text: str, spans: Sequence[Span], color: bool | None = None) -> str:
    """``text`` with highlights in bold/colour (on a TTY) or in brackets: [term], «answer», <number>.

    Args:
        text: the passage.
        spans: highlight spans into ``text``.
        color: force ANSI colours on or off (default: on when standard output is a terminal).
    """
    if color is None:
        color = sys.stdout.isatty()
    if color:
        out = []
        for piece, kinds in _segments(text, spans):
            codes = "".join(_ANSI.get(k, "\x1b[1m") for k in kinds)
            out.append(f"{codes}{piece}\x1b[0m" if kinds else piece)
        return "".join(out)
    # Brackets: open/close at span edges so nested answer/term marks read «… [term] …».
    opens: dict[int, list[str]] = {}
    closes: dict[int, list[str]] = {}
    for s in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        left, right = _BRACKETS.get(s.kind, ("[", "]"))
        opens.setdefault(s.start, []).append(left)
        closes.setdefault(s.end, []).insert(0, right)
    out = []
    for i in range(len(text) + 1):
        out += closes.get(i, [])
        out += opens.get(i, [])
        if i < len(text):
            out.append(text[i])
    return "".join(out)
