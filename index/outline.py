"""The section ladder of one document: which headings there are, where each starts and ends.

Headings are found on lines of their own (003, 002) and inline, where a heading runs straight into its
body ("（一）发展成就“十三五”期间…", 000). A marker counts as a heading only where a heading can stand
(start of a line, after a sentence, right after the previous heading) and only in sequence ((三) after
(二)), which keeps out cross-references and list items inside sentences. Where a heading runs into its
body, its end comes from the document's contents page when it has one, else from punctuation, the next
marker, a standard heading phrase or a body opener; when none of them is sure, the label is cut short
and marked with "…" rather than risk a wrong one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.markers import (
    ANNEX,
    LEVEL_CN,
    LEVEL_NUM,
    LEVEL_PAREN_NUM,
    LEVEL_PIAN,
    LEVEL_TIAO,
    LEVEL_ZHANG,
    MARKER,
    PREFACE,
    canonical_marker,
    marker_info,
)
from index.toc import Toc
from index.tokenize import quiet_jieba

_HEADING_POSITION = set("\n。！？；!?;")
_STOP = re.compile(r"[。；！？!?;]")
_SEPARATOR = re.compile(r"——|[：:]")
# Phrases that open a body paragraph, not a heading (general plan prose).
_OPENER = re.compile(
    r"(?:“十[一二三四五]五”(?:期间|时期|以来|末|是|,)|十[三四五]五(?:期间|时期)|五年来|到20\d\d年|20\d\d年|截至|截止|从国际|从国内|从全球|从全国"
    r"|以习近平|全面贯彻|深入贯彻|认真贯彻|坚持以|围绕|聚焦|按照|根据|近年来|当前|目前|今后|未来五年|一是|首先"
    r"|我[国省市区县镇]|全[国省市区县镇]|进一步|通过|依托|着力|大力|各级|各有关|各部门|各区|[市省]、[区县市])"
)
# Headings plans use everywhere; one of these followed by more text ends there.
_STANDARD_HEADINGS = sorted(
    """指导思想 基本原则 发展目标 主要目标 总体目标 具体目标 发展思路 总体思路 基本思路 总体要求 主要任务 重点任务
    保障措施 实施保障 组织保障 发展成就 发展基础 发展环境 发展形势 面临形势 面临挑战 发展机遇 存在问题 存在的问题
    存在的主要问题 主要问题 基本情况 现状与形势 机遇与挑战 面临的机遇 面临的挑战 重大工程 重点工程 重大项目
    规划实施 发展战略 发展定位 战略定位 空间布局 总体布局 指标体系 工作目标 工作措施 主要成效 发展现状""".split(),
    key=len, reverse=True,
)
# An enumeration opening the body ("（二）服务美丽乡村建设行动，促进生态宜居。一要围绕…"): the sentence
# before it, commas and all, is the heading.
_ENUMERATION = re.compile(r"[一1][是要]|一方面|首先|第一[，,、]")
_MAX_INLINE = 40
_MAX_ITEM_TITLE = 20  # an unpositioned numbered item's title: short, ending at a full stop


@dataclass(frozen=True)
class Heading:
    """A heading in cleaned-text coordinates: the label spans ``[start, label_end)``."""

    start: int
    label_end: int
    level: int
    number: int
    label: str
    kind: str = "heading"


def _format_label(marker: str, title: str, level: int) -> str:
    title = re.sub(r"\s+", " ", title).strip().rstrip("。").strip()
    marker = canonical_marker(marker)
    if level < LEVEL_CN:
        return f"{marker} {title}".strip()
    return marker + title


def _at_heading_position(simple: str, pos: int, lo: int, last_end: int, extra: set[int]) -> bool:
    if pos == lo or pos == last_end or pos in extra:
        return True
    if last_end == lo and pos - lo < 40 and not _STOP.search(simple, lo, pos):  # after the title's front matter
        return True
    prev = simple[pos - 1]
    if prev in _HEADING_POSITION or prev in " \t\u3000" and (pos - 2 < lo or simple[pos - 2] == "\n"):
        return True
    return prev in "”’" and pos - 2 >= lo and simple[pos - 2] in "。！？"


def _first_words(simple: str, a: int, limit: int) -> int:
    """End of the first jieba words of ``simple[a:]`` that make at least four characters."""
    pos = a
    for word in quiet_jieba().cut(simple[a:a + limit]):
        pos += len(word)
        if pos - a >= 4:
            break
    return pos


def _label_end(simple: str, m: re.Match, level: int, toc_titles: dict[str, list[str]], hi: int
               ) -> tuple[int, bool] | None:
    """(end of the heading's label, whether it was cut short) or None if this is not a heading."""
    a = m.end()
    if level == LEVEL_TIAO:  # an article is labelled by its number; what follows is its text
        return a, False
    while a < hi and simple[a] in " \t\u3000":
        a += 1
    for title in toc_titles.get(canonical_marker(m.group(0)), ()):
        if simple.startswith(title, a):
            return a + len(title), False
    line_start = m.start() == 0 or simple[m.start() - 1] == "\n" or simple[m.start() - 1] in " \u3000"
    nl = simple.find("\n", a, hi)
    line_end = hi if nl < 0 else nl
    if line_start and line_end - a <= 60 and not _STOP.search(simple, a, line_end - 1 if line_end > a else a):
        line = simple[a:line_end]
        comma = "," in line or "，" in line
        inner = any(marker_info(x)[0] > level for x in MARKER.finditer(simple, a + 2, line_end))
        if line and not inner and (not comma or (len(line) <= 30 and not _STOP.search(line))):
            return line_end, False
    limit = min(hi, a + _MAX_INLINE + 20, line_end)
    stop = _STOP.search(simple, a, limit)
    stop_at = stop.start() if stop else None
    if level >= LEVEL_NUM:  # a numbered lead sentence: up to its full stop, commas and all
        if stop_at is not None and stop_at - a <= 60:
            return stop_at, False
        nxt = MARKER.search(simple, a + 2, limit)
        return (nxt.start(), False) if nxt and nxt.start() - a <= _MAX_INLINE else None
    for b in range(a + 2, min(limit, a + _MAX_INLINE)):
        seg = simple[a:b]
        if stop_at == b and _ENUMERATION.match(simple, b + 1):
            return b, False
        if "," in seg or "，" in seg:
            nxt = MARKER.match(simple, b)
            if nxt and marker_info(nxt)[0] > level:
                return b, False
            continue
        if stop_at == b:
            if b - a > 20:
                break
            quote = seg.find("“", 4)
            return (a + quote, True) if quote > 0 else (b, False)
        if _SEPARATOR.match(simple, b):
            return b, False
        nxt = MARKER.match(simple, b)
        if nxt and not simple[b - 1].isdigit() and marker_info(nxt)[0] > level:
            return b, False
        if _OPENER.match(simple, b):
            return b, False
    for phrase in _STANDARD_HEADINGS:
        if simple.startswith(phrase, a) and simple[a + len(phrase):a + len(phrase) + 1] not in "和与及的、之,":
            return a + len(phrase), False
    return _first_words(simple, a, 20), True


def find_headings(text: str, simple: str, lo: int, hi: int, tocs: list[Toc],
                  excluded: list[tuple[int, int]], after: set[int] | None = None) -> list[Heading]:
    """Headings of the document body ``text[lo:hi]`` (``simple`` is its length-aligned simplified form).

    ``excluded`` ranges (contents pages, tables) hold no headings; a heading may stand at any offset in
    ``after`` (the ends of tables)."""
    extra = after or set()
    toc_titles: dict[str, list[str]] = {}
    for toc in tocs:
        for e in toc.entries:
            if e.title:
                toc_titles.setdefault(e.marker, []).append(e.title)
    for titles in toc_titles.values():
        titles.sort(key=len, reverse=True)

    def is_excluded(pos: int) -> bool:
        return any(a <= pos < b for a, b in excluded)

    headings: list[Heading] = []
    last_number: dict[int, int] = {}
    last_seen: dict[int, int] = {}
    last_end = lo
    for m in _heading_markers(simple, lo, hi):
        pos = m.start()
        if is_excluded(pos):
            continue
        if m.re is MARKER:
            level, number = marker_info(m)
            previous = last_number.get(level, 0)
            # 第X章 numbers run on across 篇, so a chapter may continue the last one seen anywhere
            # … and so do articles (第X条) across chapters
            in_sequence = number == previous + 1 or (
                level in (LEVEL_ZHANG, LEVEL_TIAO) and number == last_seen.get(level, -1) + 1)
            if not (in_sequence or (number == 1 and level != LEVEL_PIAN)):
                continue
            if level > LEVEL_TIAO and LEVEL_TIAO in last_number:
                continue  # an article's items ((一), 1.) are cited as the article's, not sections
            if level >= LEVEL_NUM and not headings:
                continue  # numbered items with no ladder above them are a list, not sections
            if level == LEVEL_CN and number == 1 and previous and not any(
                    h.level < LEVEL_CN for h in headings[-50:]):
                continue  # 一、 again without a new chapter: a list, not a new ladder
            # the next number of a running ladder may stand where a full stop was lost
            continuing = previous > 0 and number == previous + 1 and level <= LEVEL_CN + 1
            # … and so may a numbered item (2. after 1.) whose short title ends at a full stop, where a
            # flattened responsibility column ran into it ("…省农业农村厅等有关部门2.先进制造业标准体系。")
            item = previous > 0 and number == previous + 1 and level == LEVEL_NUM
            positioned = _at_heading_position(simple, pos, lo, last_end, extra)
            if not positioned and not continuing and not item:
                continue
            found = _label_end(simple, m, level, toc_titles, hi)
            if found is None or (not positioned and found[1]):
                continue
            if item and not positioned and not (
                    found[0] - m.end() <= _MAX_ITEM_TITLE and simple[found[0]:found[0] + 1] == "。"):
                continue
            end, cut = found
            label = _format_label(m.group(0), text[m.end():end], level) + ("…" if cut else "")
            for deeper in [lv for lv in last_number if lv > level]:
                del last_number[deeper]
            last_number[level] = number
            last_seen[level] = number
        else:  # 前言 / 附件: a line of its own
            if not _at_heading_position(simple, pos, lo, last_end, extra):
                continue
            nl = simple.find("\n", m.end(), hi)
            line_end = hi if nl < 0 else nl
            if m.re is ANNEX and (not headings or line_end - m.end() > 30):
                continue
            if m.re is PREFACE and simple[m.end():line_end].strip():
                if line_end - m.end() > 2 and not (pos == lo or last_end == pos):
                    continue
                line_end = m.end()
            level, number = 0, 0
            end = line_end if m.re is ANNEX else m.end()
            label = "前言" if m.re is PREFACE else re.sub(r"\s+", "", text[pos:end]).rstrip(":：")
            last_number.clear()
        headings.append(Heading(pos, end, level, number, label))
        last_end = end
    return _resolve_levels(headings)


def _heading_markers(simple: str, lo: int, hi: int) -> list[re.Match]:
    found = list(MARKER.finditer(simple, lo, hi))
    found += [m for m in PREFACE.finditer(simple, lo, hi)]
    found += [m for m in ANNEX.finditer(simple, lo, hi)]
    found.sort(key=lambda m: (m.start(), -len(m.group(0))))
    return found


def _resolve_levels(headings: list[Heading]) -> list[Heading]:
    """前言 and 附件 (level 0) sit at the top level of the ladder the document uses."""
    used = [h.level for h in headings if h.level > 0]
    top = min(used) if used else LEVEL_CN
    return [Heading(h.start, h.label_end, top, h.number, h.label, h.kind) if h.level == 0 else h
            for h in headings]


def section_paths(headings: list[Heading]) -> list[tuple[str, ...]]:
    """The path (outermost first) in force from each heading on."""
    stack: list[Heading] = []
    paths: list[tuple[str, ...]] = []
    for h in headings:
        while stack and stack[-1].level >= h.level:
            stack.pop()
        stack.append(h)
        paths.append(tuple(x.label for x in stack))
    return paths


__all__ = ["Heading", "find_headings", "section_paths", "LEVEL_PAREN_NUM"]
