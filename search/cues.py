"""What a sentence says beyond the question's terms: its aim (target or status), whether it is a
heading, and whether it states a quantity next to a question term. Answer scoring reads these."""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.markers import LADDER
from search.highlight import find_forms
from search.numbers import find_numbers
from search.terms import QueryTerm

NEAR_CHARS = 12  # a quantity this close to a question term is about it
HEADING_MAX_CHARS = 40
# the heading ladder (index/markers.py) and 第X部分, which plans use for their top parts
_HEADING = re.compile(rf"(?:{LADDER}|第[一二三四五六七八九十\d]+部分)")
_TARGET_SENTENCE = re.compile(r"到20(?:2[1-9]|3\d)|力争|预计|规划期末|20(?:2[1-9]|3\d)年目标")
_STATUS_SENTENCE = re.compile(r"截至|截止|已经|已|累计|完成|20(?:1\d|20)年(?:底|末)?[,，]?[^到]{0,12}(?:达|为|完成|实现|超过)")


# A multiple said in words is a quantity too: 在二〇二〇年基础上翻一番 (doubles), 翻两番.
_MULTIPLE = re.compile(r"翻[一两二三]?番|[一两二三四五六七八九十]+倍")


def number_near_terms(text: str, start: int, end: int, terms: Sequence[QueryTerm]) -> bool:
    """Does the sentence state a quantity within ``NEAR_CHARS`` of a question term (食品抽检量达到10批次/千人,
    32个行政村)? In a table row (cells split by |) the whole row is near: its unit and value cells belong
    to the indicator the row names."""
    quantities = [(q.start, q.end) for q in find_numbers(text, start, end)]
    # a multiple closes its clause (经济总量、人均地区生产总值在二〇二〇年基础上翻一番): it is near a
    # term anywhere in that clause
    quantities += [(_clause_start(text, start, m.start()), m.end()) for m in _MULTIPLE.finditer(text, start, end)]
    if not quantities:
        return False
    spans = find_forms(text[start:end], [f for t in terms if t.kind == "word" for f in t.forms])
    if "|" in text[start:end]:
        return bool(spans)
    return any(max(q_start - start - s.end, s.start - (q_end - start)) <= NEAR_CHARS
               for q_start, q_end in quantities for s in spans)


def _clause_start(text: str, start: int, at: int) -> int:
    """Where the clause holding ``text[at]`` begins (after the last ，,;；：: before it), not before ``start``."""
    return max([start, *(text.rfind(p, start, at) + 1 for p in "，,;；：:。")])


def is_heading(text: str, start: int, end: int) -> bool:
    """Is ``text[start:end]`` a heading line: a whole line opened by a section or list marker (一、, (三),
    7、, 第二节), without a sentence end, of at most ``HEADING_MAX_CHARS``?"""
    line_start = start == 0 or text[start - 1] == "\n"
    line_end = end == len(text) or text[end:end + 1] == "\n"
    return (line_start and line_end and end - start <= HEADING_MAX_CHARS and bool(_HEADING.match(text, start))
            and text[end - 1] not in "。；;！!？?")


def sentence_aim(sentence: str) -> str:
    """``target``, ``status`` or "" (both or neither: a table row states base and target alike)."""
    target = bool(_TARGET_SENTENCE.search(sentence))
    status = bool(_STATUS_SENTENCE.search(sentence))
    return "" if target == status else ("target" if target else "status")
