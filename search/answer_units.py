"""What an answer unit is, beyond a sentence: a table row laid out one cell a line, and the lines that
only repeat the question (a title line, a heading, an indicator name on its own).

* **Column rows** (:func:`answer_units`): plan tables extracted from PDF or Markdown often come one cell
  a line (``1`` / ``生产安全事故死亡人数`` / ``下降15%`` / ``约束性``). Sentence splitting makes each cell a
  "sentence", so the indicator name wins on coverage and its value, on the next line, is lost. Such a run
  of short lines between bare serial numbers is one unit: the row.
* **Echoes** (:func:`echoes_question`): a line that holds the question's terms and nothing else (the
  document's title line, 15.健全持续规范的产业保障体系。) names what the question asks about; it does not
  answer it. Answer scoring penalises them (``search.answer.ECHO_PENALTY``).
* **Asked kinds** (:func:`asked_kind`, :func:`kind_line`): a question asking for a document number
  (文号, "document number"), a date (哪一天, 成文日期, "on what date") or a length of time (多长时间, "how
  long") is answered by a line of that shape;
  when the chosen sentence lacks it and a line next to it holds it, the answer takes that line too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.normalize import compact_key
from search.terms import QueryTerm

CELL_MAX_CHARS = 30  # a table cell on its own line is short and has no sentence end
ROW_MAX_CELLS = 9
# Han characters a line holds beyond the question's terms and the document's title, at most, to be an
# echo of the question (15.健全持续规范的产业保障体系。 leaves 的; a title line leaves 关于…的通知).
ECHO_MAX_NOVEL = 2
TITLE_LINE_EXTRA = 24  # a line holding the title and at most this many characters more is the title line
KIND_LINES = 3  # a line of the asked kind this many lines from the answer is taken with it
KIND_JOIN_MAX_CHARS = 260
JOIN_MAX_CHARS = 200  # two adjacent sentences are joined only when together they stay this short

_LIST_MARKER = re.compile(r"^[(（]?\d{1,2}[.、)）]?")
_SERIAL = re.compile(r"\s*\d{1,3}\s*")
_SENTENCE_END = re.compile(r"[。；;！!？?]")
_HAN = re.compile(r"[\u3400-\u9fff]")
_KINDS = {
    "doc_number": (re.compile(r"文号|发文字号|document number|reference number", re.IGNORECASE),
                   re.compile(r"[〔\[［【(（]\s*(?:19|20)\d\d\s*[〕\]］】)）]\s*\d+\s*号")),
    "date": (re.compile(r"日期|哪一?天|几月几日|何日|(?:on )?what date|which day", re.IGNORECASE),
             re.compile(r"(?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|(?<!\d)(?:19|20)\d\d([-/.])(?:0?[1-9]|1[0-2])\1"
                        r"(?:0?[1-9]|[12]\d|3[01])(?!\d)|[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月"
                        r"[一二三四五六七八九十]{1,3}日|\d{1,2}\s*月\s*\d{1,2}\s*日")),
    # a length of time (3-5年, 2个工作日, 70分钟), not a calendar year: at most three digits
    # "how long" asks a length of time before a verb (how long will it take, how long do applicants have);
    # before a noun it may ask a length (how long was the metro network)
    "duration": (re.compile(r"多长时间|多久|多少(?:年|天|分钟|小时|个月|个工作日)|几年|几天|how long(?= (?:will|would|does|did|do"
                            r"|should|can|must|may|has|have|had|is it|was it|to|before|after|until)\b)|how long$"
                            r"|how many (?:years|days|months|minutes|hours)", re.IGNORECASE),
                 re.compile(r"(?:(?<![\d.年月])\d{1,3}(?:\s*[-－~～至到]\s*\d{1,3})?|(?<![〇○零一二三四五六七八九十年月])"
                            r"[一二两三四五六七八九十]{1,3})\s*(?:个)?(?:年|个?月|天|日|小时|分钟|个?工作日|周)(?![\d月])")),
}


def answer_units(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` (sentence spans of ``text``, in order) with each column-laid table row merged into one.

    A row is the run of lines from a bare serial number (``3``) up to the next one, when every line of it
    is a short cell (``CELL_MAX_CHARS``, no sentence end) and the passage numbers at least two rows so.
    """
    serials = [i for i, (a, b) in enumerate(spans) if _SERIAL.fullmatch(text[a:b])]
    if len(serials) < 2:
        return list(spans)
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        if i in serials:
            j = i + 1
            while (j < len(spans) and j not in serials and j - i < ROW_MAX_CELLS
                   and _is_cell(text, *spans[j])):
                j += 1
            ends_row = j == len(spans) or j in serials
            if j - i >= 2 and ends_row:
                out.append((spans[i][0], spans[j - 1][1]))
                i = j
                continue
        out.append(spans[i])
        i += 1
    return out


def _is_cell(text: str, start: int, end: int) -> bool:
    line = text[start:end]
    return end - start <= CELL_MAX_CHARS and "\n" not in line.strip() and not _SENTENCE_END.search(line)


def echoes_question(sentence: str, terms: Sequence[QueryTerm], doc_title: str) -> bool:
    """Does ``sentence`` hold nothing beyond the question's terms and the document's title? A line with
    a number states something (a table cell, a quantity) and is never an echo."""
    key = compact_key(sentence)
    if not key or any(ch.isdigit() for ch in _LIST_MARKER.sub("", key)):
        return False
    title = compact_key(doc_title)
    if title and len(title) >= 6 and title in key and len(key) <= len(title) + TITLE_LINE_EXTRA:
        return True  # the document's title line (关于印发…的通知)
    rest = key
    for term in sorted(terms, key=lambda t: -max((len(f) for f in t.forms), default=0)):
        for form in term.forms:
            if form and form in rest:
                rest = rest.replace(form, "")
    return len(_HAN.findall(rest)) <= ECHO_MAX_NOVEL


def asked_kind(question: str) -> str:
    """``doc_number``, ``date``, ``duration`` or "": the shape of answer the question asks for, when it says."""
    for name, (cue, _) in _KINDS.items():
        if cue.search(question):
            return name
    return ""


def holds_kind(text: str, kind: str) -> bool:
    return bool(kind) and bool(_KINDS[kind][1].search(text))


_ASKS_LIST = re.compile(r"哪(?:几|些)(?:类|种|项|个|方面|领域|部门|行业|环节)?|有哪|包括什么|which (?:kinds|types|sectors|fields)",
                        re.IGNORECASE)
_LIST_ITEM = re.compile(r"[\u3400-\u9fffA-Za-z0-9”）)]、[\u3400-\u9fffA-Za-z0-9“（(]")


def asks_list(question: str) -> bool:
    """Does the question ask for several things (哪几类商品, 哪些部门)?"""
    return bool(_ASKS_LIST.search(question))


def holds_list(sentence: str) -> bool:
    """Does the sentence enumerate (食品、家具、服装、电子信息产品: at least three items)?"""
    return len(_LIST_ITEM.findall(sentence)) >= 2


def kind_words(terms: Sequence[QueryTerm], kind: str) -> frozenset[str]:
    """The terms that only say which kind of answer is asked (哪天, 日期, 文号 for ``kind``): a line of that
    kind holds them (2021年6月7日 answers 哪天)."""
    if not kind:
        return frozenset()
    cue = _KINDS[kind][0]
    return frozenset(t.text for t in terms if t.kind == "word" and cue.fullmatch(t.text))


def kind_line(text: str, start: int, end: int, kind: str) -> tuple[int, int]:
    """The answer span ``text[start:end]`` widened to the nearest line (within ``KIND_LINES``) that holds
    the asked ``kind`` when the span itself lacks it; the span as it was otherwise."""
    if not kind or holds_kind(text[start:end], kind):
        return start, end
    lines, at = [], 0
    for line in text.split("\n"):
        lines.append((at, at + len(line)))
        at += len(line) + 1
    here = next((i for i, (a, b) in enumerate(lines) if a <= start <= b), None)
    if here is None:
        return start, end
    last = next((i for i, (a, b) in enumerate(lines) if a <= end <= b), here)
    for distance in range(1, KIND_LINES + 1):
        for i in (last + distance, here - distance):
            if 0 <= i < len(lines) and holds_kind(text[lines[i][0]:lines[i][1]], kind):
                a, b = min(start, lines[i][0]), max(end, lines[i][1])
                return (a, b) if b - a <= KIND_JOIN_MAX_CHARS else lines[i]
    return start, end


def echo_body(text: str, spans: Sequence[tuple[int, int]], start: int, end: int,
              terms: Sequence[QueryTerm]) -> tuple[int, int]:
    """For an echo at ``text[start:end]`` (an item's heading that repeats the question), the first sentence
    after it, in the same passage, holding a question term the echo lacks (15.健全…体系。 → （牵头部门：…）);
    the echo itself when none does."""
    from search.terms import found

    missing = [t for t in terms if t.kind == "word" and not found(compact_key(text[start:end]), t)]
    for a, b in spans:
        if a >= end and missing and any(found(compact_key(text[a:b]), t) for t in missing):
            return a, b
    return start, end


def join_neighbour(text: str, start: int, end: int, terms: Sequence[QueryTerm],
                   min_chars: int = 6) -> tuple[int, int]:
    """The answer ``text[start:end]`` extended by an adjacent sentence of the same line when that one
    holds question terms the answer lacks (both together at most ``JOIN_MAX_CHARS``; the neighbour at
    least ``min_chars``)."""
    from index.text import split_sentences
    from search.terms import found

    spans = split_sentences(text)
    i = next((i for i, (a, b) in enumerate(spans) if a == start and b == end), None)
    if i is None:
        return start, end
    own_key = compact_key(text[start:end])
    missing = [t for t in terms if not found(own_key, t)]
    gains = []
    for j in (i - 1, i + 1):
        if 0 <= j < len(spans):
            a, b = spans[j]
            gain = sum(t.weight for t in missing if found(compact_key(text[a:b]), t))
            joined_start, joined_end = min(a, start), max(b, end)
            # never across a line break: another paragraph, list item or table row is another record
            if "\n" in text[joined_start:joined_end]:
                continue
            if gain > 0 and joined_end - joined_start <= JOIN_MAX_CHARS and b - a >= min_chars:
                gains.append((gain, joined_start, joined_end))
    if not gains:
        return start, end
    _, joined_start, joined_end = max(gains)
    return joined_start, joined_end


# What a plan's title calls it: a question naming one of these with another word of the title names the plan.
DOC_TYPES = ("规划", "计划", "方案", "意见", "通知", "办法", "纲要", "条例", "规定", "细则", "决定", "措施")


def named_terms(doc_title: str, terms: Sequence[QueryTerm], places=()) -> tuple[QueryTerm, ...]:
    """The question's terms the plan titled ``doc_title`` holds, when the question names that plan: a
    document type of the title (行动计划, 规划) and another word of it beyond the places (深圳标准行动计划
    → 标准, 行动计划); () when it does not."""
    from search.terms import found

    title = compact_key(doc_title)
    if not title:
        return ()
    held = [t for t in terms if t.kind == "word" and found(title, t)]
    place_forms = {f for p in places for f in p.forms}
    # the English verb "plan" (does Jilin plan to …) names no document
    typed = [t for t in held if any(f.endswith(DOC_TYPES) for f in t.forms) and t.text.lower() not in ("plan", "plans")]
    other = [t for t in held if t not in typed and not place_forms & set(t.forms)]
    return tuple(held) if typed and other else ()
