"""Numbers with units in plan text: 10批次/千人, 低于20微克/立方米, 98.5%, 5亿件, 43.36亿元, ≥82岁.

Targets are what users compare across plans, so a quantity keeps its comparator (低于20 → ``<20``,
98%以上 → ``≥98%``). A number glued to Latin letters (PM2.5, 5G, O3) is a name, not a quantity; a year
(2025年) and a bare number without a unit are not quantities either, except in a table row, where the
unit sits in its own column ("PM2.5平均浓度 | 微克/立方米 | 25") or in brackets ("社康中心总数(个) | 99").
"""

from __future__ import annotations

import re

from index.normalize import to_simplified
from search.types import Quantity

_MAGNITUDE = "(?:万亿|千亿|百亿|亿|千万|百万|十万|万|千|百)"
# Longest first, so 个百分点 wins over 个 and 万平方米 over 平方米.
_BASE_UNITS = sorted(
    (
        "个百分点 百分点 个工作日 工作日 年一遇 分 批次 人次 标准煤 吨标准煤 微克 毫克 千克 公斤 克 立方米 平方米 "
        "平方公里 平方千米 公里 千米 厘米 毫米 米 千瓦时 千瓦 兆瓦 吉瓦 万千瓦 吨 元 美元 港元 件 个 项 家 人 "
        "户 所 座 条 张 台 辆 套 床 名 位 批 次 天 日 小时 分钟 年 个月 月 周 岁 倍 亩 公顷 升 标箱 艘 架 部 "
        "篇 处 株 种 类 块 宗 笔 届 场 间 栋 层 方面 GW MW kW kWh km km2 kg TEU Gbps Mbps % ％ ‰ ℃"
    ).split(),
    key=len,
    reverse=True,
)
_BASE = "(?:" + "|".join(re.escape(u) for u in _BASE_UNITS) + ")"
_UNIT = f"(?:{_MAGNITUDE}?{_BASE}(?:/{_MAGNITUDE}?{_BASE})?|{_MAGNITUDE}(?![0-9]))"
_NUMBER = r"(?<![A-Za-z0-9.])(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)(?!\d)(?!\.\d)"
_QUANTITY = re.compile(
    r"(?P<sym>[≥≤<>＜＞≧≦]\s*)?" + _NUMBER + r"\s*(?P<unit>" + _UNIT + r")?(?![A-Za-z])"
    r"(?P<after>(?:及|或)?(?:以上|以下|以内|之内))?"
)
_UNIT_ONLY = re.compile(_UNIT)
_BRACKET_UNIT = re.compile(r"[（(](" + _UNIT + r")[)）]")

_BEFORE = (  # comparator words written before the number; longest first so 不低于 beats 低于
    ("不低于", "≥"), ("不少于", "≥"), ("不小于", "≥"), ("至少", "≥"), ("达到", "≥"), ("达", "≥"),
    ("不超过", "≤"), ("不高于", "≤"), ("不大于", "≤"), ("最多", "≤"), ("控制在", "≤"),
    ("低于", "<"), ("少于", "<"), ("小于", "<"), ("不到", "<"), ("不足", "<"),
    ("超过", ">"), ("高于", ">"), ("大于", ">"), ("突破", ">"), ("多于", ">"), ("逾", ">"),
)
_AFTER = {"以上": "≥", "以下": "≤", "以内": "≤", "之内": "≤"}
_SYMBOL = {"≥": "≥", "≧": "≥", "≤": "≤", "≦": "≤", "<": "<", "＜": "<", ">": ">", "＞": ">"}


def _comparator(text: str, start: int, sym: str | None, after: str | None) -> str:
    if sym:
        return _SYMBOL[sym.strip()]
    if after:
        return _AFTER[after[-2:]]
    window = text[max(0, start - 3):start]
    for word, comparator in _BEFORE:
        if window.endswith(word):
            return comparator
    return ""


def _is_year(number: str, unit: str) -> bool:
    return unit == "年" and len(number) == 4 and number[:2] in ("19", "20")


def _nearest_unit(cells: list[str]) -> str:
    """The unit of the last of ``cells`` that is a unit on its own or holds one in brackets, else ""."""
    for cell in reversed(cells):
        cell = cell.strip()
        if cell and _UNIT_ONLY.fullmatch(cell):
            return cell
        bracket = _BRACKET_UNIT.search(cell)
        if bracket:
            return bracket.group(1)
    return ""


def _row_unit(cells: list[str], index: int) -> str:
    """The unit of a bare number in table cell ``index``: the nearest earlier unit cell or (unit)."""
    return _nearest_unit(cells[:index])


def find_numbers(text: str, start: int = 0, end: int | None = None) -> list[Quantity]:
    """Quantities in ``text[start:end]``, in order, with offsets into ``text``.

    Args:
        text: a passage or sentence.
        start: where to start looking.
        end: where to stop (default: the end of ``text``).
    """
    end = len(text) if end is None else end
    found: list[Quantity] = []
    text = to_simplified(text)  # 條/項/億 as 条/项/亿; the same length, so offsets hold
    for m in _QUANTITY.finditer(text, start, end):
        number, unit = m.group("num"), m.group("unit") or ""
        before = text[m.start("num") - 1] if m.start("num") else ""
        if _is_year(number, unit) or before == "第" or (before in "年月" and unit in ("月", "日")):
            continue  # a year, an ordinal (第3), or a date (6月9日)
        if not unit:
            # an indicator row run into one line names its unit in brackets before the value: 社康中心总数(个)99
            bracket = _BRACKET_UNIT.search(text, max(0, m.start("num") - 12), m.start("num"))
            unit = bracket.group(1) if bracket and bracket.end() == m.start("num") else ""
        if not unit:
            unit = _table_unit(text, m.start("num"), m.end("num"))
            if not unit:
                continue
        comparator = _comparator(text, m.start(), m.group("sym"), m.group("after"))
        found.append(Quantity(number=number, unit=unit, comparator=comparator, start=m.start(), end=m.end()))
    return found


def _table_unit(text: str, num_start: int, num_end: int) -> str:
    """For a number that is a whole table cell (``| 25 |``), the unit given elsewhere in its row."""
    line_start = text.rfind("\n", 0, num_start) + 1
    line_end = text.find("\n", num_end)
    line_end = len(text) if line_end < 0 else line_end
    line = text[line_start:line_end]
    if "|" not in line:
        return _column_unit(text, line_start) if line.strip() == text[num_start:num_end] else ""
    cells = line.split("|")
    offset = line_start
    for index, cell in enumerate(cells):
        if offset <= num_start and num_end <= offset + len(cell):
            return _row_unit(cells, index) if cell.strip() == text[num_start:num_end] else ""
        offset += len(cell) + 1
    return ""


COLUMN_LOOKBACK = 3  # cells of a row laid one a line: the unit line sits at most this many lines above


def _column_unit(text: str, line_start: int) -> str:
    """For a number alone on its line (a table laid out one cell a line: 规模以上工业总产值 / 亿元 / 9793),
    the unit of the nearest unit-only line above it."""
    return _nearest_unit(text[:max(0, line_start - 1)].split("\n")[-COLUMN_LOOKBACK:])


_ASKED_UNIT = re.compile(r"(?:多少|(?<!哪)几)\s*(" + _UNIT + ")")  # 哪几个部门 asks which, not how many
_LEADING_MAGNITUDE = re.compile("^" + _MAGNITUDE)


def asked_units(question: str) -> tuple[str, ...]:
    """The units a question asks an amount in: 多少条做法 → 条, 多少平方公里 → 平方公里, 几个领域 → 个 (their
    magnitude left off: 多少亿元 → 元)."""
    units = (unit_base(m.group(1)) for m in _ASKED_UNIT.finditer(to_simplified(question)))
    return tuple(dict.fromkeys(u for u in units if u))


def unit_base(unit: str) -> str:
    """A unit without its magnitude and divisor: 万亿元 → 元, 批次/千人 → 批次."""
    return _LEADING_MAGNITUDE.sub("", unit.split("/")[0]) or unit


def is_unit(text: str) -> bool:
    """Is ``text`` a unit on its own (分钟, 亿元, 批次/千人)?"""
    return bool(_UNIT_ONLY.fullmatch(text))

