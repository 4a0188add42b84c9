"""What users filter documents by, read from a document's head: its number (文号), issuing body, date
and draft status. Only the head is read (the lines between the title and the body): a body citing an
older document's number (「沪保监发[2013]170号同时废止」) does not make it this document's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.normalize import to_simplified

HEAD_WINDOW = 1500
# 穗府办规〔2024〕13号, 国发〔2021〕36号, 苏银监办〔2005〕235号, 深府函[2015]1号
_DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,12}\s*[〔［\[【(（]\s*(?:19|20)\d\d\s*[〕］\]】)）]\s*(?:第\s*)?\d{1,4}\s*号")
_FIELD = r"(?:文\s*号|发文字号|发文号)\s*[:：]?\s*"
_CN_DIGIT = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")
_DATE = re.compile(
    r"((?:19|20)\d\d|[〇○零一二三四五六七八九]{4})\s*年\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月"
    r"(?:\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*日)?"
    r"|((?:19|20)\d\d)-(\d{1,2})-(\d{1,2})"
)
_DATE_FIELD = re.compile(r"(?:成文日期|发布日期|印发日期|发文日期|日期)\s*\**\s*[:：]\s*\**\s*")
_ISSUER_FIELD = re.compile(r"(?:发布机构|发文机关|发文单位|制定机关|颁布单位)[ \t*]*[:：][ \t*]*([^\n*]{2,40})")
_BODY_SUFFIX = re.compile(r"(?:人民政府|政府|办公厅|办公室|委员会|局|厅|部|院|委|中心|协会|监管局|分局|[會会])$")
_DRAFT = re.compile(r"征求意见稿|送审稿|讨论稿|草案")


@dataclass(frozen=True)
class Metadata:
    issuer: str | None = None
    doc_number: str | None = None
    date: str | None = None  # ISO: 2024-07-26 (or 2021-12 when the day is not given)
    draft: bool = False


def _cn_int(s: str) -> int:
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, units = s.partition("十")
        return (int(tens.translate(_CN_DIGIT)) if tens else 1) * 10 + (int(units.translate(_CN_DIGIT)) if units else 0)
    return int(s.translate(_CN_DIGIT))


def iso_date(m: re.Match) -> str | None:
    if m.group(4):
        year, month, day = m.group(4), m.group(5), m.group(6)
    else:
        year, month, day = m.group(1).translate(_CN_DIGIT), m.group(2), m.group(3)
    try:
        y, mo = int(year), _cn_int(month)
        d = _cn_int(day) if day else None
    except ValueError:
        return None
    if not (1 <= mo <= 12 and (d is None or 1 <= d <= 31)):
        return None
    return f"{y:04d}-{mo:02d}" + (f"-{d:02d}" if d else "")


def _own_line(simple: str, a: int, b: int) -> bool:
    """The match is all its line holds (bar a field name before it, or a signature's spaces)."""
    ls = simple.rfind("\n", 0, a) + 1
    le = simple.find("\n", b)
    le = len(simple) if le < 0 else le
    before = simple[ls:a].strip(" \t\u3000*")
    return not simple[b:le].strip(" \t\u3000*") and (not before or bool(re.fullmatch(r"[^\n]{0,12}[:：]", before)))


def read_metadata(simple: str, start: int, head_end: int, title: str, issuer: str | None = None) -> Metadata:
    """Metadata of the document whose head is ``simple[start:head_end]`` (simplified cleaned text).

    Args:
        simple: the file's cleaned text in simplified characters.
        start, head_end: the document's head (its start to where its body begins).
        title: the document's title (a draft marker in it sets ``draft``).
        issuer: the issuing body already known (from a notice's title), kept when given.
    """
    head_end = min(head_end, start + HEAD_WINDOW)
    number = None
    for m in _DOC_NUMBER.finditer(simple, start, head_end):
        field = re.search(_FIELD + r"$", simple[max(start, m.start() - 8):m.start()])
        if field or _own_line(simple, m.start(), m.end()):
            number = re.sub(r"\s+", "", m.group(0))
            break
    # the date a document was made (成文日期, or signed under the notice) before the date a site
    # published it (发布日期); the first of each kind
    dates: list[tuple[int, str]] = []
    for m in _DATE.finditer(simple, start, head_end):
        field = _DATE_FIELD.search(simple, max(start, m.start() - 10), m.start())
        date = iso_date(m)
        if not date:
            continue
        if field and field.end() == m.start():
            dates.append((0 if field.group(0).startswith(("成文", "印发", "发文")) else 2, date))
        elif _own_line(simple, m.start(), m.end()):
            dates.append((1, date))
            if issuer is None:
                issuer = _signature(simple, start, m.start())
    date = min(dates, key=lambda d: d[0])[1] if dates else None
    if issuer is None:  # 「国家发展改革委关于…的通知」: the body the title names
        t = re.match(r"([^\s关]{2,30}?)\s*关于", to_simplified(title))
        if t and _BODY_SUFFIX.search(t.group(1)):
            issuer = t.group(1)
    if issuer is None:
        f = _ISSUER_FIELD.search(simple, start, head_end)
        if f and f.group(1).strip():
            issuer = f.group(1).strip()
    return Metadata(issuer=issuer, doc_number=number, date=date, draft=bool(_DRAFT.search(title)))


def _signature(simple: str, start: int, date_at: int) -> str | None:
    """The issuing body signed on the line above a date (「中国银监会浙江监管局办公室\\n2018年8月7日」)."""
    line_end = simple.rfind("\n", start, date_at)
    if line_end < 0:
        return None
    line_start = simple.rfind("\n", start, line_end) + 1
    line = simple[line_start:line_end].strip(" \t\u3000")
    if 2 <= len(line) <= 40 and _BODY_SUFFIX.search(line) and not re.search(r"[。，,：:；]", line):
        return re.sub(r"\s+", " ", line)
    return None
