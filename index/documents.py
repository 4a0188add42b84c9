"""Split a source file into the plans it holds, and read each plan's title, region and years.

A document starts at a plan title that is followed by what only a document start has: its own front
matter ((征求意见稿), an issuing body and date), a table of contents, 前言, or the first heading of a
fresh ladder (一、/第一章/第一篇); or a title standing on its own line with such a start soon after.
A title followed by a contents page that runs straight into another title is a compilation's contents
header, not a document. Titles quoted in 《》, or running on into a sentence, are references.
Nothing here knows any particular plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.markers import CN_LADDER
from index.metadata import read_metadata
from index.normalize import to_simplified
from index.titles import issued_plan, join_split_title, notice_issuer
from index.toc import TOC_START, Toc, find_tocs
from index.tokenize import quiet_jieba

# a heading, a bracket, a number, a box, a table or an annex label opens no title
_NOT_A_TITLE = re.compile(rf"(?:{CN_LADDER}|[（(]|\d|专栏|表|附件)")

_KEYWORD = re.compile(r"(?:规划|纲要|行动计划|计划|实施方案|方案|通知|意见|办法|规定|条例|细则|决定)")
_ISSUES = re.compile(r"(?:印发|发布|转发|颁布)《")  # a notice's title names the plan it issues in 《》
_DRAFT = re.compile(r"[ \t]{0,2}(?:研究)?[ \t]{0,2}[（(](?:公开)?征求意见稿[)）]")
_PERIOD = re.compile(r"[ \t]{0,2}[（(]\d{4}\s*[—\-~～－至到]+\s*\d{4}\s*年?[)）]")
_FIRST_HEADING = re.compile(r"(?:第一篇|第一章|一、|前\s*言)")
_ISSUER_DATE = re.compile(
    r"(?:[\u4e00-\u9fff]{2,24}?(?:局|委员会|委|人民政府|政府|办公室|办公厅|厅|中心)\s*)?"
    r"(?:\d{4}\s*(?:年\s*\d{1,2}\s*月|[.\-/]\d{1,2}[.\-/]\d{1,2})|[二〇一三四五六七八九十]{4}年|日期\s*[:：])"
)
_BOUNDARY = set("\n。！？；!?;：:，,》")
_RESTART_WINDOW = 4000
_MIN_BODY = 1200  # a "document" shorter than this, with no heading ladder, is front matter of the next
_REGION = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,7}?(?:省|自治区|自治州|市|地区|盟|县|区|旗|镇|乡)(?![\u4e00-\u9fff]{0,1}(?:域|级)))"
    r"(?:[\u4e00-\u9fff]{2,5}?(?:区|县|镇|乡|旗)(?!域))?"
)
# words jieba tags as places that name no place in particular
_GENERIC_PLACES = {"城市", "全国", "国家", "地方", "农村", "城乡", "海外", "国际", "境外", "全省", "全市", "中国",
                   "各地", "省市", "城镇", "乡村", "沿海", "内地", "中央"}
_YEARS = re.compile(r"((?:19|20)\d\d)\s*[—\-~～－至到]+\s*((?:19|20)\d\d)")
_FIVE_YEAR = {"十二五": (2011, 2015), "十三五": (2016, 2020), "十四五": (2021, 2025), "十五五": (2026, 2030),
              "第十四个五年": (2021, 2025), "第十三个五年": (2016, 2020), "第十五个五年": (2026, 2030)}


@dataclass
class DocSpan:
    """A document's place in the cleaned text of its file."""

    title: str
    start: int
    end: int
    title_end: int
    tocs: list[Toc] = field(default_factory=list)
    strong: bool = False
    title_start: int = -1  # where the title line (or, for a notice issuing a plan, the notice's) starts
    issuer: str | None = None
    doc_number: str | None = None
    date: str | None = None
    draft: bool = False


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int  # end of the title (with its suffixes)
    signal_at: int  # where the start signal begins
    strong: bool  # draft/issuer-date/TOC/heading right after the title
    line_title: bool


def _title_start(simple: str, key_start: int, floor: int) -> int:
    i = key_start
    while i > floor and simple[i - 1] not in _BOUNDARY and key_start - i < 60:
        i -= 1
    while i < key_start and simple[i] in " \t\u3000\n":
        i += 1
    return _trim_to_place(simple, i, key_start)


def _trim_to_place(simple: str, start: int, key_start: int) -> int:
    """A title that runs on from a sentence without punctuation ("…给予处分韶关市应急管理规划"):
    start it at the place name that follows the last verb or particle."""
    if start == 0 or simple[start - 1] == "\n":
        return start
    quiet_jieba()
    import jieba.posseg as pseg

    words = list(pseg.cut(simple[start:key_start]))
    pos = start
    cut_at = None
    seen_clause = False
    for w in words:
        if w.flag in ("v", "uj", "ul", "c", "p", "d", "x") and w.word not in "“”\"":
            seen_clause = True
        elif w.flag == "ns" and seen_clause:
            cut_at = pos
            seen_clause = False
        pos += len(w.word)
    return cut_at if cut_at is not None else start


def _candidates(simple: str, tocs: list[Toc]) -> list[_Candidate]:
    found: list[_Candidate] = []
    last_end = 0
    for m in _KEYWORD.finditer(simple):
        end = m.end()
        strong = False
        d = _DRAFT.match(simple, end)
        if d:
            end, strong = d.end(), True
        p = _PERIOD.match(simple, end)
        if p:
            end = p.end()
        nxt = simple[end:end + 1]
        if nxt == "》" and simple.rfind("《", 0, end) > simple.rfind("》", 0, end) and _ISSUES.search(
                simple, max(0, simple.rfind("\n", 0, simple.rfind("\n", 0, m.start())) + 1), end):
            end += 1  # 「…印发《关于…的意见》」: the issued name closes the notice's title
            nxt = simple[end:end + 1]
        if nxt in ("》", "”", "\"", ".", "。", ",", "，", "、", "；"):
            continue
        g = end
        while g < len(simple) and simple[g] in " \t\u3000":
            g += 1
        floor = max([last_end] + [t.end for t in tocs if t.end <= m.start()])
        start = join_split_title(simple, _title_start(simple, m.start(), floor), quoted_only=True)
        line_at = simple.rfind("\n", 0, m.start()) + 1
        if line_at >= floor and _ISSUES.search(simple, line_at, end) and not re.search("[。；，]", simple[line_at:end]):
            start = line_at  # 「…关于印发《X》的通知」: the quoted name is part of the title line
        title = simple[start:end]
        if len(title) < 6 or "《" in title and not _ISSUES.search(title) or "“" in title and "”" not in title:
            continue
        if _NOT_A_TITLE.match(title):
            continue
        line_start = start == 0 or simple[start - 1] == "\n"
        at_line_end = g >= len(simple) or simple[g] == "\n"
        if not strong:
            strong = bool(TOC_START.match(simple, g) or _FIRST_HEADING.match(simple, g)
                          or _ISSUER_DATE.match(simple, g))
        if not strong and not (line_start and at_line_end):
            continue
        found.append(_Candidate(start, end, g, strong, line_start and at_line_end))
        last_end = end
    return found


def _has_restart(simple: str, pos: int) -> bool:
    window = simple[pos:pos + _RESTART_WINDOW]
    return bool(re.search(r"(?:^|\n|[。”])\s*(?:第一篇|第一章|一、|前\s*言)|目\s{0,3}录", window))


def split_documents(text: str) -> list[DocSpan]:
    """The documents of one file's cleaned text, in order (at least one for non-empty text)."""
    simple = to_simplified(text)
    tocs = find_tocs(simple)
    cands = [c for c in _candidates(simple, tocs) if c.strong or _has_restart(simple, c.end)]
    # contents headers: a title whose contents page runs straight into another title
    starts = {c.start for c in cands}
    kept: list[_Candidate] = []
    for c in cands:
        toc = next((t for t in tocs if t.start == c.signal_at), None)
        if toc is not None:
            after = toc.end
            while after < len(simple) and simple[after] in " \t\n\u3000":
                after += 1
            if after in starts:
                continue
        kept.append(c)
    if not kept:
        return [DocSpan(title=_fallback_title(text), start=0, end=len(text), title_end=0, tocs=tocs)]
    spans: list[DocSpan] = []
    for i, c in enumerate(kept):
        end = kept[i + 1].start if i + 1 < len(kept) else len(text)
        spans.append(DocSpan(title=text[c.start:c.end].strip(), start=c.start, end=end, title_end=c.end,
                             strong=c.strong, title_start=c.start))
    spans = _merge_front_matter(simple, spans)
    if len(spans) == 1:
        spans[0].start, spans[0].end = 0, len(text)
    _assign_tocs(simple, spans, tocs)
    for span in spans:
        _read_title(text, simple, span)
    return spans


def _read_title(text: str, simple: str, span: DocSpan) -> None:
    """The document's own title (a split title joined, a notice's plan) and its head's metadata."""
    if span.title_start < 0:  # no title line found: the fallback title stays
        return
    start = join_split_title(text, span.title_start)
    title = issued_plan(text, simple, start, span.title_end, span.end)
    span.title, span.title_start = title.text, start
    issuer = title.issuer or notice_issuer(text, simple, title.text, title.end, min(span.end, title.end + 1500))
    meta = read_metadata(simple, span.start, max(title.end, span.title_end) + 600, title.text, issuer)
    span.issuer, span.doc_number, span.date, span.draft = meta.issuer, meta.doc_number, meta.date, meta.draft


def _merge_front_matter(simple: str, spans: list[DocSpan]) -> list[DocSpan]:
    """A notice that issues a plan, and the plan right after it, are one document (the notice's title)."""
    merged: list[DocSpan] = []
    for span in spans:
        if merged:
            prev = merged[-1]
            body = simple[prev.title_end:span.start]
            if len(body) < _MIN_BODY and not re.search(r"(?:^|\n|[。])\s*(?:一、|第一章|第一篇)", body):
                prev.end = span.end
                continue
        merged.append(span)
    return merged


def _assign_tocs(simple: str, spans: list[DocSpan], tocs: list[Toc]) -> None:
    """Give each contents page to the document whose body holds most of its entries (labels lie)."""
    for toc in tocs:
        best, best_hits = None, 0
        for span in spans:
            body = simple[max(span.start, toc.end):span.end]
            hits = sum(1 for e in toc.entries if e.title and e.title in body)
            if hits > best_hits:
                best, best_hits = span, hits
        if best is not None and best_hits >= max(2, len(toc.entries) // 2):
            best.tocs.append(toc)


def _fallback_title(text: str) -> str:
    for line in text.split("\n"):
        if len(line.strip()) >= 4:
            return line.strip()[:60]
    return text[:60]


def region_of(title: str, body: str = "") -> str | None:
    """The place a plan is for: the administrative prefix of its title (深圳市罗湖区, 吉林省), else the
    place its title names (深圳 → 深圳市 if the text says 深圳市)."""
    simple = to_simplified(title)
    from collections import Counter

    quiet_jieba()
    import jieba.posseg as pseg

    m = _REGION.match(simple)
    # a prefix that only ends like a place (「浙江银行业服务乡」) holds verbs or long common nouns
    if m and not any(w.flag in ("v", "vn", "a", "ad") or w.flag == "n" and len(w.word) >= 3
                     for w in pseg.cut(m.group(0)[:-1])):
        return m.group(0)

    head = to_simplified(body[:5000])

    def places_in(text: str) -> list[str]:
        found = []
        for w in pseg.cut(text):
            if w.flag not in ("ns", "nt"):
                continue
            word = re.sub(r"(?:经济特区|特区|新区|人民政府|政府|市委|党委)$", "", w.word)
            if w.flag == "nt" and word == w.word:
                continue  # an organisation, not a place
            if len(word) >= 2 and word not in _GENERIC_PLACES:
                found.append(word)
        return found

    places = places_in(simple)
    from_title = bool(places)
    if not places:  # the title names no place: the place the text names most
        counts = Counter(places_in(head[:3000]))
        places = [counts.most_common(1)[0][0]] if counts else []
    for place in places[:1]:
        for suffix in ("市", "省", "区", "县", "州"):
            if place.endswith(suffix):
                return place
            if place + suffix in simple or place + suffix in head:
                return place + suffix
        # a word of the body jieba calls a place (「关联」「英雄」) is one only with its suffix
        return place if from_title else None
    return None


def years_of(title: str, head: str = "") -> tuple[int, int] | None:
    """The plan period stated in the title or the first lines: (2021, 2025)."""
    for text in (to_simplified(title), to_simplified(head)):
        m = _YEARS.search(text)
        if m and int(m.group(1)) <= int(m.group(2)):
            return int(m.group(1)), int(m.group(2))
        for word, years in _FIVE_YEAR.items():
            if word in text:
                return years
    return None
