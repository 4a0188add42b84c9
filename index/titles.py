"""A document's own title: a title split over two lines joined, Markdown marks dropped, and a notice
that issues a plan (关于印发《X》的通知) titled by the plan it issues, as the plan names itself.

Works on the file's cleaned text and its length-aligned simplified form; nothing here knows any
particular plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.markers import CN_LADDER

# A notice that issues, re-issues or forwards a plan: 「…关于印发X的通知」, 「…印发《X》」.
_ISSUING = r"(?:重新)?(?:印发|发布|转发|颁布|公布|下发|修订)"
_NOTICE = re.compile(rf"^(?P<issuer>.*?)关于{_ISSUING}(?P<plan>.+?)的(?:通知|决定)$")
_NOTICE_QUOTED = re.compile(rf"^(?P<issuer>.*?)(?:关于)?{_ISSUING}《(?P<plan>[^》]+)》(?:的通知)?$")
# What a title line never holds: sentence punctuation, the words of a notice's body.
_NOT_TITLE_LINE = re.compile(r"[。；;！？!?:：]|现将|印发|通知|请认真|遵照|如下")
_LINE_PUNCT = re.compile(r"[。，,：:；;！？!?、]")
_TITLE_END = re.compile(r"(?:规划|纲要|计划|方案|通知|意见|办法|规定|条例|细则|规则|决定|措施|指引|》|”)\s*$")
_NOT_TITLE_HEAD = re.compile(
    rf"^\s*(?:[#*\-]|【|{CN_LADDER}|[（(]|\d"
    r"|索引号|发布|成文|来源|原文|文号|日期|主题|分类)")
_MARKDOWN = re.compile(r"^[#*\s]+|[*\s]+$")
# The plan naming itself in its preface: 「科学编制和有效实施《X》…制定本规划」 (not 根据/依据《Y》).
_SELF_NAMED = re.compile(r"(?:编制|制定|实施|出台)(?:和|并|好)?(?:有效)?(?:实施)?《([^》]{6,60})》")
_PLAN_WINDOW = 4000  # the plan's own title follows its notice within this many characters
_MAX_TITLE_LINE = 80


@dataclass(frozen=True)
class Title:
    """A document's title (original characters) and where it stands in the cleaned text."""

    text: str
    start: int
    end: int
    issuer: str | None = None  # from a notice's title: 「广州市人民政府办公厅」关于印发…
    notice: str | None = None  # the notice's own title, when the document is a notice issuing a plan


def _squeeze(s: str) -> str:
    return re.sub(r"\s+", "", s)


def join_split_title(text: str, start: int, quoted_only: bool = False) -> int:
    """The start of a title whose first half stands on the line before (「上海保险分支机构高级管理人员」
    over 「任职资格考试管理办法」): that line's start, else ``start``. With ``quoted_only``, only a line
    that leaves a 《 open (「…印发《关于实施…的」 over 「意见》」) counts."""
    if start <= 0 or text[start - 1] != "\n":
        return start
    prev_start = text.rfind("\n", 0, start - 1) + 1
    prev = text[prev_start:start - 1].strip()
    if prev.count("《") > prev.count("》") and len(prev) <= 60 and "。" not in prev:
        return prev_start + (len(text[prev_start:start - 1]) - len(text[prev_start:start - 1].lstrip()))
    if quoted_only or not 2 <= len(prev) <= 30 or _LINE_PUNCT.search(prev) or _TITLE_END.search(prev):
        return start
    if _NOT_TITLE_HEAD.match(prev) or not re.search(r"[\u4e00-\u9fff]", prev) or re.search(r"[\dA-Za-z]", prev):
        return start
    return prev_start + (len(text[prev_start:start - 1]) - len(text[prev_start:start - 1].lstrip()))


def strip_marks(text: str, start: int, end: int) -> tuple[int, int]:
    """A title without the Markdown marks around it (``# 标题``, ``**标题**``)."""
    m = _MARKDOWN.match(text, start, end)
    if m:
        start = m.end()
    while end > start and text[end - 1] in "*# \t":
        end -= 1
    return start, end


def _lines(simple: str, lo: int, hi: int) -> list[tuple[int, int]]:
    out, pos = [], lo
    while pos < hi:
        nl = simple.find("\n", pos, hi)
        end = hi if nl < 0 else nl
        a, b = pos, end
        while a < b and simple[a] in " \t\u3000":
            a += 1
        while b > a and simple[b - 1] in " \t\u3000":
            b -= 1
        if a < b:
            out.append((a, b))
        pos = end + 1
    return out


def _plan_title_line(simple: str, plan: str, lo: int, hi: int) -> tuple[int, int] | None:
    """Where the issued plan names itself: a title line (or two) holding the plan's name."""
    key = _squeeze(plan)
    lines = _lines(simple, lo, hi)
    for i, (a, b) in enumerate(lines):
        candidates = [(a, b)]
        if i + 1 < len(lines) and b - a <= 30 and not _LINE_PUNCT.search(simple, a, b) and not re.search(
                r"\d", simple[a:b]) and key not in _squeeze(simple[lines[i + 1][0]:lines[i + 1][1]]):
            candidates.append((a, lines[i + 1][1]))
        for ca, cb in candidates:
            line = simple[ca:cb]
            if cb - ca > _MAX_TITLE_LINE or _NOT_TITLE_LINE.search(line) or "《" in line:
                continue
            if key in _squeeze(line).replace("《", "").replace("》", ""):
                return ca, cb
    return None


def issued_plan(text: str, simple: str, start: int, end: int, hi: int) -> Title:
    """The title of a document whose title line is ``text[start:end]``: the plan a notice issues
    (its own title line when it has one within the next few thousand characters, else the name the
    notice gives it), or the title line itself."""
    start, end = strip_marks(text, start, end)
    line = _squeeze(simple[start:end])
    m = _NOTICE_QUOTED.match(line) or _NOTICE.match(line)
    own = Title(re.sub(r"\s*\n\s*", "", text[start:end]).strip(), start, end)
    if not m:
        return _self_named(text, simple, own, min(hi, end + _PLAN_WINDOW))
    plan = m.group("plan").strip("《》")
    if len(plan) < 4:
        return own
    notice = re.sub(r"\s*\n\s*", "", text[start:end]).strip()
    found = _plan_title_line(simple, plan, end, min(hi, end + _PLAN_WINDOW))
    if found is not None:
        a, b = found
        title = re.sub(r"\s*\n\s*", "", text[a:b]).strip()
        return Title(title, a, b, issuer=_issuer_text(text, simple, start, end), notice=notice)
    at = simple.find(plan[:2], start, end)
    shown = _plan_text(text, simple, start, end, plan)
    return Title(shown or plan, at if at >= 0 else start, end, issuer=_issuer_text(text, simple, start, end),
                 notice=notice)


def _plan_text(text: str, simple: str, start: int, end: int, plan: str) -> str:
    """The plan's name in the notice title's original characters (繁體 kept)."""
    flat = [(i, ch) for i, ch in enumerate(simple[start:end], start) if not ch.isspace()]
    joined = "".join(ch for _, ch in flat)
    at = joined.find(plan)
    if at < 0:
        return ""
    return "".join(text[i] for i, _ in flat[at:at + len(plan)])


def _issuer_text(text: str, simple: str, start: int, end: int) -> str | None:
    """The issuing body before 关于/印发 in a notice's title (「中共中央办公厅 国务院办公厅」)."""
    m = re.search(rf"关于|{_ISSUING}", simple[start:end])
    issuer = re.sub(r"\s+", " ", text[start:start + m.start()]).strip() if m else ""
    return issuer or None


def _self_named(text: str, simple: str, own: Title, hi: int) -> Title:
    """A title line contradicted by the name the plan gives itself in its preface (the line says
    「广西…“十三五”规划」, the preface 「编制…《北部湾经济区…“十三五”规划》…制定本规划」): the preface's
    name, when the two share their ending (the same kind of plan for the same period)."""
    line = _squeeze(simple[own.start:own.end])
    for m in _SELF_NAMED.finditer(simple, own.end, hi):
        name = _squeeze(m.group(1))
        if name == line or name in line or line in name:
            return own
        shared = 0
        while shared < min(len(name), len(line)) and name[-1 - shared] == line[-1 - shared]:
            shared += 1
        if shared >= 8 and re.search(r"本(?:规划|计划|方案)", simple[m.end():m.end() + 400]):
            shown = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", text[m.start(1):m.end(1)])
            return Title(shown, own.start, own.end, own.issuer, own.notice)
    return own


def notice_issuer(text: str, simple: str, title: str, lo: int, hi: int) -> str | None:
    """The issuing body of a notice inside the document's head that issues the plan ``title``
    (「国务院关于印发\\n“十四五”国家应急体系规划的通知」 under a page's own title line)."""
    key = _squeeze(title)
    lines = _lines(simple, lo, hi)
    for i, (a, b) in enumerate(lines):
        for end in (b, lines[i + 1][1] if i + 1 < len(lines) else b):
            line = _squeeze(simple[a:end])
            m = _NOTICE_QUOTED.match(line) or _NOTICE.match(line)
            if m and _squeeze(m.group("plan").strip("《》")) in key:
                return _issuer_text(text, simple, a, end)
    return None
