"""Labelled blocks inside a document: tables (pipe tables, and indicator tables run into one line) and
专栏 boxes. A table keeps its title and header row so that every chunk of its rows can carry them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.markers import CN_ITEMS, CN_LADDER

_ATTRIBUTE = re.compile(r"预期性|约束性")
# The column names of a plan's indicator table, one match each (指标名称 · 2020年 · 2025年目标 · 属性): the
# run of them that makes an inline table's header here, the header line a table answer reads its
# columns from (search.table_answer). Longer names first (指标名称和单位 before 指标名称, 目标值 before 目标).
HEADER_TOKEN = re.compile(
    r"序号|指标类别|类别|指标名称和单位|指标名称|核心指标|主要指标|数据来源|指标属性|属性|计量单位|责任单位|单位"
    r"|(?:19|20)\d\d年(?:规划)?[^\S\n]*(?:目标值?|规划值|现状值|基期值)?|目标值|现状值|基期值|规划值"
    r"|“十[三四五]五”|目标"
)
_INLINE_ANCHOR = re.compile(r"序号|指标名称|指标类别")
_TITLE_HINT = re.compile(r"指标|表\s*\d|目标$")
_HEADING_MARK = re.compile(CN_LADDER)
_BOX = re.compile(r"专栏\s*\d+")
_TABLE_LABEL = re.compile(r"表\s*\d+")
# A numbered table whose cells a converter put one per line (「表 1 …主要发展目标」, 指标分类, 序号, 1, …): a
# box of short items, like a 专栏.
_CELL_TABLE = re.compile(r"表\s*\d+[\s:：]")
_ITEM = re.compile(r"[（(]?\d{1,2}(?:[、．.）)](?!\d))")
_SENTENCE_END = re.compile(r"[。！？；!?;]")
_ROW_STOP = re.compile(rf"。|{CN_ITEMS}")  # a numbered row runs up to a full stop or the next 一、/（一）
_MAX_CELL = 30
_BULLET = "¨●■◆▪•·-◇○"
_BOUNDARY = set("\n。！？；!?;")


@dataclass(frozen=True)
class Table:
    start: int  # the title's start (or the header's, with no title)
    end: int
    title: str
    header: str
    rows: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Box:
    start: int
    end: int
    label: str


def _lines(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    out, pos = [], lo
    while pos < hi:
        nl = text.find("\n", pos, hi)
        end = hi if nl < 0 else nl
        out.append((pos, end))
        pos = end + 1
    return out


def pipe_tables(text: str, lo: int, hi: int) -> list[Table]:
    """Runs of lines with two or more '|' cells; the line above is the title when it looks like one."""
    tables: list[Table] = []
    lines = _lines(text, lo, hi)
    i = 0
    while i < len(lines):
        a, b = lines[i]
        if text.count("|", a, b) < 2:
            i += 1
            continue
        j = i
        while j + 1 < len(lines) and text.count("|", *lines[j + 1]) >= 2:
            j += 1
        if j > i:
            start = a
            title = ""
            if i > 0:
                ta, tb = lines[i - 1]
                candidate = text[ta:tb].strip()
                if 0 < len(candidate) <= 60 and _TITLE_HINT.search(candidate) and candidate.count("|") < 2:
                    start, title = ta, candidate
            rows = tuple(lines[k] for k in range(i + 1, j + 1))
            tables.append(Table(start, lines[j][1], title, text[a:b].strip(), rows))
        i = j + 1
    return tables


def inline_tables(text: str, simple: str, lo: int, hi: int) -> list[Table]:
    """Indicator tables whose title, header and rows were run into the text (a title ending in 指标,
    a header of 序号/指标名称/指标属性…, then rows ending in 预期性/约束性 or numbered 1, 2, 3…)."""
    tables: list[Table] = []
    pos = lo
    while True:
        m = _INLINE_ANCHOR.search(simple, pos, hi)
        if not m:
            return tables
        h_end = m.start()
        tokens = 0
        while True:
            t = HEADER_TOKEN.match(simple, h_end)
            if not t:
                break
            h_end, tokens = t.end(), tokens + 1
        t_start = m.start()
        while t_start > lo and simple[t_start - 1] not in _BOUNDARY and m.start() - t_start < 60:
            t_start -= 1
        title = text[t_start:m.start()].strip()
        # a title ending in 核心指标/主要指标 may have lent its last word to the header
        if tokens < 2 or not _TITLE_HINT.search(title + simple[m.start():h_end]):
            pos = m.end()
            continue
        header = simple[m.start():h_end]
        rows = _attribute_rows(simple, h_end, hi) if "属性" in header else _numbered_rows(simple, h_end, hi)
        if len(rows) < 2:
            pos = m.end()
            continue
        tables.append(Table(t_start, rows[-1][1], title, text[m.start():h_end], tuple(rows)))
        pos = rows[-1][1]


def _attribute_rows(simple: str, pos: int, hi: int) -> list[tuple[int, int]]:
    rows = []
    while True:
        m = _ATTRIBUTE.search(simple, pos, min(hi, pos + 160))
        if not m or "。" in simple[pos:m.end()] or _HEADING_MARK.match(simple, pos):
            return rows
        rows.append((pos, m.end()))
        pos = m.end()


def _numbered_rows(simple: str, pos: int, hi: int) -> list[tuple[int, int]]:
    rows: list[tuple[int, int]] = []
    n = 1
    if not simple.startswith("1", pos):
        return rows
    start = pos
    while True:
        nxt = None
        for cand in (n + 1, n + 2):
            for m in re.finditer(re.escape(str(cand)), simple[start + len(str(n)):min(hi, start + 100)]):
                at = start + len(str(n)) + m.start()
                if not simple[at - 1].isdigit() and simple[at - 1] not in ".%" and \
                        not simple[at + len(str(cand)):at + len(str(cand)) + 1].isdigit():
                    nxt = (at, cand)
                    break
            if nxt:
                break
        segment_end = nxt[0] if nxt else _row_end(simple, start, hi)
        if "。" in simple[start:segment_end]:
            return rows
        rows.append((start, segment_end))
        if not nxt:
            return rows
        start, n = nxt


def _row_end(simple: str, start: int, hi: int) -> int:
    limit = min(hi, start + 60)
    m = _ROW_STOP.search(simple, start + 1, limit)
    return m.start() if m else limit


def boxes(text: str, lo: int, hi: int) -> list[Box]:
    """专栏 boxes (and numbered tables flattened one cell per line) on lines of their own: the label line and the item lines after it, up to the next
    heading of the plan, the next box or table, or a line of running prose."""
    found: list[Box] = []
    lines = _lines(text, lo, hi)
    for i, (a, b) in enumerate(lines):
        m = _BOX.match(text, a) or _CELL_TABLE.match(text, a)
        if not m or b - a > 60:
            continue
        end = b
        for c, d in lines[i + 1:]:
            line = text[c:d].strip()
            if not line:
                continue
            if _is_box_item(line):
                end = d
            else:
                break
        label = re.sub(r"\s+", "", text[a:b]).strip("|").rstrip(":：")
        found.append(Box(a, end, label))
    return found


def _is_box_item(line: str) -> bool:
    """A line that belongs to a box: a bullet, a "term: explanation" or 【term】 item, a numbered item,
    or a short cell of a table flattened one cell per line (专栏1's 序号 / 指标 / 预期值 / 属性)."""
    if _HEADING_MARK.match(line) or _BOX.match(line) or _TABLE_LABEL.match(line):
        return False
    colon = max(line.find("："), line.find(":"))
    return (line[:1] in _BULLET or line[:1] == "【" or 0 < colon <= 25 or bool(_ITEM.match(line))
            or len(line) <= _MAX_CELL and not _SENTENCE_END.search(line))


def box_path(text: str, box: Box, headings: list, paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    """A box's section path, ending in its label: the headings in force where it stands. A box between
    a section's last subsection and the next section may sum up the section rather than that subsection
    (「专栏1 七大千亿元产业发展重点」 after （七）造纸…, right before 二、): it goes one level up when its
    label shares more with the section's heading (「壮大一批千亿元产业」) than with the subsection's."""
    stack: list = []
    for h in headings:
        if h.start > box.start:
            break
        while stack and stack[-1].level >= h.level:
            stack.pop()
        stack.append(h)
    following = next((h for h in headings if h.start >= box.end), None)
    if following is not None and len(stack) >= 2 and stack[-1].level > following.level and not \
            text[box.end:following.start].strip() and \
            _shared(box.label, stack[-2].label) > _shared(box.label, stack[-1].label):
        stack = stack[:-1]  # one level up only: the box closes its subsection's parent, no more
    return tuple(h.label for h in stack) + (box.label,)


def _shared(a: str, b: str) -> int:
    """Length of the longest run of characters ``a`` and ``b`` have in common."""
    from difflib import SequenceMatcher

    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size
