"""Web-page furniture around a plan copied from a site: navigation and counters before it, copyright,
contact and "share / download / close window" lines after it. Kept out of the chunks, like tables of
contents: the text stays in the document (offsets and citations are untouched), it is just never a passage.

Only a document's edges are looked at (the head before its title or just after it, the last
``TAIL_WINDOW`` characters), and only with markers a plan's own prose does not use: a plan may well
mention a 服务热线, but it does not end in 版权所有 or 关闭窗口. Works on the simplified text.
"""

from __future__ import annotations

import re

TAIL_WINDOW = 1200  # a site footer is a few lines; a plan's last section is not searched further up
HEAD_AFTER_TITLE = 120  # counters such as 浏览次数 sit on the title's line

# Markers that end the plan: whatever follows them in the tail is page furniture.
_TAIL = re.compile(
    r"版权所有|copyright|icp备|关闭窗口|打印本页|【\s*打印|contact\s+us|扫码获取全文|直接下载全文|"
    r"点击[^。\n]{0,6}链接|分享到\s*[:：]|相关阅读\s*$|\*\*更新时间\*\*",
    re.IGNORECASE,
)
# Markers of a site header: text before the title holding one of them is navigation, not the plan.
_HEAD = re.compile(r"服务热线|浏览次数|首页\s*[>›]|当前位置|products|字号\s*[:：]?\s*[大中小]", re.IGNORECASE)
# Fields of a page's info line next to the title ("浏览次数: 17", "字号: 大 中 小"), ASCII ? for lost glyphs.
_HEAD_FIELD = re.compile(r"(?:浏览次数|点击数|阅读次数)\s*[:：]\s*\d*\s*\?*|字号\s*[:：]?\s*大\s*中\s*小")
# A page's metadata block around the title: one "field: value" line each (索引号：…, **发布日期**: …,
# - **文档类型**：…, 【法宝引证码】 CLI.…). The document number (文号) is the document's own and stays.
_META_LINE = re.compile(
    r"[ \t]*(?:[-*][ \t]+)?\**[ \t]*(?:索引号|分类|主题分类|发布机构|发文机关|成文日期|发布日期|印发日期|来源|主题词"
    r"|文档类型|名称|有效性|时效性|生效日期|废止日期|原文链接|更新时间|【法宝引证码】)[ \t]*\**[ \t]*(?:[:：]|\s)[^\n]*",
)
META_WINDOW = 1500  # a page's metadata block sits within this many characters of the title
_SENTENCE = re.compile(r"[\u4e00-\u9fff][^。！？\n]{18,}[。！？]")  # a real sentence of the plan


def page_furniture(simple: str, start: int, title_start: int, title_end: int, end: int) -> list[tuple[int, int]]:
    """Ranges of ``simple[start:end]`` (one document) that are web-page furniture, sorted.

    Args:
        simple: the file's cleaned text in simplified characters (same offsets as the cleaned text).
        start, end: the document's range.
        title_start, title_end: where its title stands.
    """
    ranges: list[tuple[int, int]] = []
    if start < title_start and _HEAD.search(simple, start, title_start):
        ranges.append((start, title_start))
    for m in _HEAD_FIELD.finditer(simple, title_end, min(end, title_end + HEAD_AFTER_TITLE)):
        ranges.append(m.span())
    ranges += _meta_lines(simple, start, min(end, title_end + META_WINDOW))
    cut = _tail_start(simple, max(title_end, end - TAIL_WINDOW), end)
    if cut is not None:
        ranges.append((cut, end))
    return _merge(simple, sorted(ranges))


def _meta_lines(simple: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Lines of a page's metadata block between ``lo`` and ``hi`` (each line whole)."""
    out = []
    pos = lo
    while pos < hi:
        nl = simple.find("\n", pos, hi)
        line_end = hi if nl < 0 else nl
        m = _META_LINE.fullmatch(simple, pos, line_end)
        if m and line_end - pos <= 120 and "。" not in simple[pos:line_end]:
            out.append((pos, line_end))
        pos = line_end + 1
    return out


def _merge(simple: str, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Ranges with only whitespace between them as one."""
    out: list[tuple[int, int]] = []
    for a, b in ranges:
        if out and (a <= out[-1][1] or not simple[out[-1][1]:a].strip()):
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _tail_start(simple: str, window_start: int, end: int) -> int | None:
    """Where the footer begins: the first tail marker after which the plan says nothing more."""
    for m in _TAIL.finditer(simple, window_start, end):
        if _SENTENCE.search(simple, m.end(), end):
            continue  # prose follows: the marker is the plan's own words
        line_start = max(simple.rfind("\n", window_start, m.start()) + 1, window_start)
        # A footer line ("![]() | 版权所有: …") goes whole; in running text cut at the marker. Either way
        # the blank lines, lost-glyph '?' and brackets just before it go too.
        cut = m.start() if re.search(r"[\u4e00-\u9fff]", simple[line_start:m.start()]) else line_start
        while cut > window_start and simple[cut - 1] in " \t\n?？【[-":
            cut -= 1
        return cut
    return None
