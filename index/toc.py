"""Tables of contents: found, parsed into entries, and kept out of the chunks.

A table of contents starts at ``目录`` and is a run of entries, each a heading marker (or 前言/附件) with a
short title and, in most plans, a page number. It works both when entries sit one per line (003, 004)
and when a whole contents page has been run into one line (000). An entry list stops at the first thing
that is not an entry, or where the first entry comes round again (the body starting).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.markers import ANNEX, MARKER, PREFACE, canonical_marker, marker_info

TOC_START = re.compile(r"目\s{0,3}录")
_MAX_TITLE = 40
_ENTRY_END = re.compile(r"[。；！？!?;]")
_PAGE = re.compile(r"[ \t\u3000]*\d{1,3}(?!\d)")


@dataclass(frozen=True)
class TocEntry:
    marker: str  # canonical marker, "前言" or "附件1"
    title: str
    level: int  # 0 for 前言/附件 (they take their neighbours' level)


@dataclass(frozen=True)
class Toc:
    start: int  # offset of 目录 in the (cleaned) text
    end: int  # just after the last entry (and its page number)
    entries: tuple[TocEntry, ...]


def _entry_marker(text: str, pos: int) -> tuple[str, int, int] | None:
    """(canonical marker, level, end) of an entry marker at ``pos``."""
    m = PREFACE.match(text, pos)
    if m:
        return "前言", 0, m.end()
    m = ANNEX.match(text, pos)
    if m:
        return re.sub(r"\s", "", m.group(0)), 0, m.end()
    m = MARKER.match(text, pos)
    if m:
        return canonical_marker(m.group(0)), marker_info(m)[0], m.end()
    return None


def _next_marker(text: str, pos: int, limit: int) -> int:
    """Offset of the next entry marker in ``text[pos:limit]`` (or ``limit``)."""
    for i in range(pos, limit):
        if text[i] == "\n":
            return i
        if text[i] in "第一二三四五六七八九十（(前附0123456789" and _entry_marker(text, i):
            # an Arabic number only starts an entry marker after something that is not a digit
            if text[i].isdigit() and i > pos and (text[i - 1].isdigit() or text[i - 1] in ".．"):
                continue
            if text[i] in "一二三四五六七八九十" and i > pos and text[i - 1] in "第一二三四五六七八九十":
                continue
            return i
    return limit


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def parse_toc(text: str, start: int, body_hint: str | None = None) -> Toc | None:
    """Parse the entries after a ``目录`` at ``start``; None if fewer than three entries follow."""
    m = TOC_START.match(text, start)
    if not m:
        return None
    pos = m.end()
    entries: list[TocEntry] = []
    end = pos
    paged = 0
    while True:
        p = pos
        while p < len(text) and text[p] in " \t\n\u3000":
            p += 1
        found = _entry_marker(text, p)
        if not found:
            break
        marker, level, after = found
        if entries and marker == entries[0].marker and paged == 0 and len(entries) > 2:
            break  # the first entry again: the body has begun
        limit = min(len(text), after + _MAX_TITLE + 8)
        stop = _next_marker(text, after + 1, limit)
        title_text = text[after:stop]
        page = None
        for pm in _PAGE.finditer(title_text):
            # a page number: digits that end the entry (before the next marker, a newline or the end),
            # or any digits once this contents page is known to carry page numbers
            if pm.end() == len(title_text) or paged:
                page = pm
                break
        if page is not None and (page.start() > 0 or level == 0):
            title = title_text[: page.start()]
            stop = after + page.end()
            paged += 1
        else:
            title = title_text
        title = title.strip()
        if marker == "前言" or marker.startswith("附件"):
            title = title if len(title) <= 20 and not _ENTRY_END.search(title) else ""
        elif not title or len(title) > _MAX_TITLE or _ENTRY_END.search(title) or stop >= limit:
            # an entry that runs into the body (contents run together with text, no page numbers):
            # its title is what it shares with the same heading later in the body
            later = text.find(text[p:after] + title[:4], stop) if len(title) >= 4 else -1
            if later < 0:
                break
            title = _common_prefix(title, text[later + (after - p):later + (after - p) + _MAX_TITLE]).strip()
            if len(title) < 2:
                break
            entries.append(TocEntry(marker, title, level))
            end = after + len(title)
            break
        entries.append(TocEntry(marker, title, level))
        end = stop
        pos = stop
    if len(entries) < 3:
        return None
    return Toc(start=start, end=end, entries=tuple(entries))


def find_tocs(text: str) -> list[Toc]:
    """Every table of contents in ``text``, in order."""
    tocs: list[Toc] = []
    for m in TOC_START.finditer(text):
        if tocs and m.start() < tocs[-1].end:
            continue
        toc = parse_toc(text, m.start())
        if toc:
            tocs.append(toc)
    return tocs
