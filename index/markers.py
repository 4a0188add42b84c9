"""The heading ladder of Chinese plans: the markers, their levels and their numbers.

第X篇/第X编 > 第X章 > 第X节 > 第X条 > 一、 > （一） > 1./1、/1． > （1）. ``前言`` and ``附件`` take the
level of the top heading around them. Regulations number their articles (第X条) across chapters; an
article's label is its number alone, its text is body. ``一）`` at a line start is ``（一）`` whose opening
bracket a PDF text layer lost. Markers are shown in one canonical form (full-width brackets), as plans print them.
"""

from __future__ import annotations

import re

_CN = "[一二三四五六七八九十百]{1,4}"

_CN_LONG = "[一二三四五六七八九十百零〇]{1,7}"  # article numbers run past a hundred: 第一百零五条

LEVEL_PIAN, LEVEL_ZHANG, LEVEL_JIE, LEVEL_TIAO, LEVEL_CN, LEVEL_PAREN_CN, LEVEL_NUM, LEVEL_PAREN_NUM = range(1, 9)

# One pattern, one named group per level; order matters (longest forms first).
MARKER = re.compile(
    rf"(?P<pian>第{_CN}[篇编])|(?P<zhang>第{_CN}章)|(?P<jie>第{_CN}节)|(?P<tiao>第{_CN_LONG}条)"
    rf"|(?P<cn>{_CN}、)"
    rf"|(?P<paren_cn>(?:[（(]|(?<![^\n])){_CN}[）)])"
    r"|(?P<paren_num>[（(]\d{1,2}[）)])"
    r"|(?P<num>(?<![\d.．])\d{1,2}(?:[、．]|\.(?!\d)))"
)
_GROUP_LEVEL = {
    "pian": LEVEL_PIAN, "zhang": LEVEL_ZHANG, "jie": LEVEL_JIE, "tiao": LEVEL_TIAO, "cn": LEVEL_CN,
    "paren_cn": LEVEL_PAREN_CN, "num": LEVEL_NUM, "paren_num": LEVEL_PAREN_NUM,
}
# The same ladder as text to compose into other patterns ("does this line start with a heading?"):
# ``CN_ITEMS`` the Chinese-numbered items (X、, （X）), ``CN_LADDER`` those and the 第X篇/编/章/节/条
# rungs (第3章 too, as PDFs print it), ``LADDER`` all of them and the Arabic ones (1. 1、 （1）).
CN_ITEMS = rf"{_CN}、|[（(]{_CN}[）)]"
CN_LADDER = rf"第(?:{_CN_LONG}|\d{{1,3}})[篇编章节条]|{CN_ITEMS}"
LADDER = rf"{CN_LADDER}|[（(]\d{{1,2}}[）)]|\d{{1,2}}(?:[、．]|\.(?!\d))"
PREFACE = re.compile(r"前\s*言")
ANNEX = re.compile(r"附\s*件\s*\d{0,2}")


def cn_number(s: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十三 → 23, 一百 → 100."""
    digits = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    total, current = 0, 0
    for ch in s:
        if ch in digits:
            current = digits[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def marker_info(m: re.Match) -> tuple[int, int]:
    """(level, number) of a MARKER match."""
    group = m.lastgroup or ""
    text = m.group(0)
    level = _GROUP_LEVEL[group]
    inner = re.sub(r"[第篇编章节条、（()）.．]", "", text)
    number = int(inner) if inner.isdigit() else cn_number(inner)
    return level, number


def canonical_marker(text: str) -> str:
    """(二) → （二）, (3) → （3）, 1． → 1., 一） → （一）; other markers unchanged."""
    text = text.replace("(", "（").replace(")", "）").replace("．", ".")
    if text.endswith("）") and not text.startswith("（"):
        text = "（" + text
    return text
