"""An answer that is an indicator-table row, as that row under its header with the answering cell marked.

Plan tables come two ways: pipe tables (``每万人高价值发明专利拥有量 | 件 | 10 | |``, header
``类别 | 主要指标 | 单位 | 2025年规划 目标值``) and indicator tables run into one line
(``建筑业总产值(期末)1.32万亿2万亿预期性`` under ``指标名称2020年2025年目标指标属性``). The chunker puts the
table's header in ``Chunk.context`` (its last line). The marked cell is the column the question asks
for: a year it names, else the base-year column for a status question and the target column otherwise,
so nobody has to guess whether 2500 is the 2025 target or the 2020 base.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.blocks import HEADER_TOKEN
from index.types import Chunk
from search.terms import QueryTerm
from search.types import Hit, TableAnswer
from search.understand import Understood

INDICATOR_HITS = 5  # the passages an answer is taken from (search.answer.ANSWER_HITS)
# An indicator name matches when it holds this share of the question's word-term weight (a question
# names the indicator and, besides, its place, year or aim: 深圳 2025年 PM2.5 目标).
INDICATOR_SHARE = 0.4

_YEAR = re.compile(r"(19|20)\d\d")
_ATTRIBUTE = re.compile(r"(预期性|约束性)$")
_VALUE = re.compile(r"[≥≤<>＞＜]?\d+(?:\.\d+)?(?:万亿|亿|万)?(?:%|‰|家|个|件|项|张|人次|人|次|元|亿元|万元|公里|岁)?")
_BRACKET = re.compile(r"[（(]([^()（）]{1,8})[)）]$")
_UNITISH = re.compile(r"[%‰‱]|[^\d\s]{0,4}/[^\s]{1,6}|元|万|亿|个|件|项|岁|人|张|家|次|批次|公里|平方米|吨|天|小时")


def _header(chunk: Chunk) -> str:
    lines = chunk.context.split("\n")
    return lines[-1] if len(lines) >= 3 else ""


def table_header(chunk: Chunk) -> str:
    """The header line of the table ``chunk`` holds ("" when it is not a table passage)."""
    header = _header(chunk)
    if chunk.kind != "table" and not (header and HEADER_TOKEN.search(header)):
        return ""
    return header


def _year_columns(header: list[str]) -> list[int]:
    return [i for i, name in enumerate(header) if _YEAR.search(name) or re.search(r"目标|规划值|现状|基期", name)]


def _column(header: list[str], understood: Understood | None) -> int:
    """The column the question asks for among the year/value columns (-1: none)."""
    columns = _year_columns(header)
    if not columns:
        return -1
    if understood is not None and understood.years:
        for i in columns:
            m = _YEAR.search(header[i])
            if m and int(header[i][m.start():m.start() + 4]) in understood.years:
                return i
    if understood is not None and understood.aim == "status" and len(columns) > 1:
        return columns[0]
    targets = [i for i in columns if "目标" in header[i] or "规划" in header[i]]
    return targets[-1] if targets else columns[-1]


def _pipe_row(header_line: str, row: str, understood: Understood | None) -> TableAnswer | None:
    header = [c.strip() for c in header_line.split("|")]
    cells = [c.strip() for c in row.split("|")]
    while header and not header[-1]:
        header.pop()
    while cells and not cells[-1]:
        cells.pop()
    if len(header) < 2 or len(cells) < 2:
        return None
    if len(cells) < len(header):  # a continuation row leaves its group cell (类别) empty
        cells = [""] * (len(header) - len(cells)) + cells
    cells = cells[:len(header)]
    header = [" ".join(h.split()).replace(" 目标", "目标") for h in header]
    return TableAnswer(tuple(header), tuple(cells), _column(header, understood))


def _run_row(header_line: str, row: str, understood: Understood | None) -> TableAnswer | None:
    names = [m.group().replace(" ", "") for m in HEADER_TOKEN.finditer(header_line)]
    values = [n for n in names if _YEAR.search(n) or n in ("目标值", "现状值", "基期值", "规划值")]
    if not values:
        return None
    rest = row.strip()
    at = rest.find(header_line)
    if at >= 0:  # the table's first row follows its title and header in the same run of text
        rest = rest[at + len(header_line):]
    attribute = ""
    m = _ATTRIBUTE.search(rest)
    if m:
        attribute, rest = m.group(), rest[:m.start()]
    serial = ""
    m = re.match(r"\d{1,2}", rest)
    if m and "序号" in names:
        serial = m.group()
        if len(serial) == 2 and _UNITISH.match(rest[2:3] or " ") and not rest[2:3].isspace():
            serial = serial[:1]  # 55岁以下… is row 5
        rest = rest[len(serial):]
    found: list[str] = []
    end = len(rest)
    while len(found) < len(values):
        tail = [v for v in _VALUE.finditer(rest, 0, end) if v.end() == end and v.start() < end]
        if not tail:
            break
        value = tail[0]
        found.insert(0, value.group())
        end = value.start()
    if not found:
        return None
    indicator = rest[:end].strip()
    if not indicator or _ATTRIBUTE.search(indicator) or re.search("预期性|约束性", indicator):
        return None  # two rows run together: no single row to show
    unit = ""
    b = _BRACKET.search(indicator)
    if b and _UNITISH.search(b.group(1)):
        unit, indicator = b.group(1), indicator[:b.start()]
    found = [""] * (len(values) - len(found)) + found
    header = ["指标", "单位", *values, "属性"]
    cells = [indicator, unit, *found, attribute]
    if serial:
        header, cells = ["序号", *header], [serial, *cells]
    return TableAnswer(tuple(header), tuple(cells), _column(header, understood))


def table_answer(chunk: Chunk, start: int, end: int, understood: Understood | None = None) -> TableAnswer | None:
    """The row ``chunk.text[start:end]`` under its table's header, or None when it is not a table row.

    Args:
        chunk: the passage the answer comes from (its ``context`` ends with the table header).
        start: the answer's start in ``chunk.text``.
        end: its end.
        understood: the question as understood (years asked, target or status), to mark the cell.
    """
    row = chunk.text[start:end]
    header = _header(chunk)
    if chunk.kind != "table" and not (header and HEADER_TOKEN.search(header)):
        return None
    if not header:
        return None
    if "|" in row and "|" in header:
        return _pipe_row(header, row, understood)
    if "|" in row:
        return None
    return _run_row(header, row, understood)


def indicator_name(table: TableAnswer) -> str:
    """The indicator a table row names (its 指标 cell), "" when the header has no such column."""
    for name, cell in zip(table.header, table.cells, strict=True):
        if "指标" in name and "属性" not in name and "类别" not in name and cell:
            return cell
    return ""


def find_indicator(hits: Sequence[Hit], terms: Sequence[QueryTerm], understood: Understood | None = None,
                   depth: int = INDICATOR_HITS) -> str:
    """The indicator-table row name the question asks about ("" when none matches well enough).

    Every row of the top ``depth`` table passages is read under its header; a row's indicator name
    matches when it holds at least ``INDICATOR_SHARE`` of the question's word-term weight, the best
    match wins; a tie goes to the name the question's words fill most, then to the longer name.
    """
    from index.normalize import compact_key
    from index.text import split_sentences
    from search.terms import found

    words = [t for t in terms if t.kind == "word"]
    total = sum(t.weight for t in words)
    if not total:
        return ""
    best: tuple[float, float, int, str] = (0.0, 0.0, 0, "")
    asked_head = asked_heads(compact_key(understood.text), words) if understood is not None else set()
    for hit in hits[:depth]:
        if not _header(hit.chunk):
            continue
        for a, b in split_sentences(hit.chunk.text):
            table = table_answer(hit.chunk, a, b, understood)
            name = indicator_name(table) if table is not None else ""
            if not name:
                continue
            key = compact_key(name)
            held = [t for t in words if found(key, t)]
            if kind_differs(name, asked_head):
                continue  # 食品抽检量 asks an amount: not the row of 食品评价性抽检合格率, a rate
            share = sum(t.weight for t in held) / total
            # of names holding as much of the question, the one the question's words fill most: 社康中心总数
            # over 社康中心用房自有率 for "total number of community health centres"
            filled = _filled(key, held)
            if share >= INDICATOR_SHARE and (share, filled, len(name)) > best[:3]:
                best = (share, filled, len(name), name)
    return best[3]


# The last character of an indicator name says what kind of figure it is: a rate (合格率), an amount
# (抽检量), a count (总数), a sum (总额), a share (比重 → 重 is not one: only these), a degree (满意度).
_HEADS = "率量数额度"
_BRACKET_END = re.compile(r"[（(][^）)]*[）)]$")


def figure_head(name: str) -> str:
    """The kind of figure an indicator name ends in (食品评价性抽检合格率(%) → 率), "" when it names none."""
    key = _BRACKET_END.sub("", name.strip())
    return key[-1] if key and key[-1] in _HEADS else ""


def kind_differs(name: str, asked: set[str]) -> bool:
    """The question asks another kind of figure (``asked_heads``) than the indicator ``name`` is."""
    head = figure_head(name)
    return bool(asked) and bool(head) and head not in asked


def asked_heads(question: str, words: Sequence[QueryTerm]) -> set[str]:
    """The kinds of figure a question (a compact key) writes right after one of its words (食品抽检量 →
    {量}); empty when it writes none (深圳2025年PM2.5目标), so that any row may match."""
    asked = set()
    for term in words:
        for form in term.forms:
            at = question.find(form) if form else -1
            end = after = at + len(form)
            while at >= 0 and end < len(question) and question[end] in _HEADS:
                end += 1  # 企业数量: the kind is the run's last character, 量
            if end > after:
                asked.add(question[end - 1])
    return asked


def _filled(key: str, terms: Sequence[QueryTerm]) -> float:
    """Share of the characters of ``key`` (an indicator name) covered by the forms of ``terms`` it holds."""
    covered = [False] * len(key)
    for term in terms:
        for form in term.forms:
            at = key.find(form) if form else -1
            if at >= 0:
                covered[at:at + len(form)] = [True] * len(form)
                break
    return round(sum(covered) / (len(key) or 1), 3)
