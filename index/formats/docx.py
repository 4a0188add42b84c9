"""DOCX through python-docx: paragraphs and tables in body order, Word's automatic numbering rendered.

Numbers such as 一、/（一）/1. are often not in the text but in the numbering definitions
(``numbering.xml``: a format and a label pattern per list level); they are rendered here as Word shows
them, so the outline sees the ladder. docx2python renders numbering too, but only Western formats (its
``chineseCounting`` list items come out as decimal digits), and python-docx is already the reference
extractor of the development corpus. Tables become one ``| a | b |`` line per row, header row first
(what ``index.blocks.pipe_tables`` reads); a one-column table (a text box drawn as a table) becomes
its paragraphs.
"""

from __future__ import annotations

import io
import re
import zipfile

from index.formats.common import Extracted, SourceError, TextBuilder, tidy

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DIGITS = "零一二三四五六七八九"
_HEADING_STYLE = re.compile(r"^(heading|标题)\s*(\d)$", re.IGNORECASE)


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 15 → 十五, 21 → 二十一, 105 → 一百零五 (Word's chineseCounting)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if not rest else ("零" + _DIGITS[rest] if rest < 10 else
                                    ("一" + chinese_number(rest) if rest < 20 else chinese_number(rest)))
        return _DIGITS[n // 100] + "百" + tail
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                           (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def _letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


_FORMATS = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    "decimalFullWidth2": lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    "decimalEnclosedCircle": lambda n: chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n),
    "decimalEnclosedCircleChinese": lambda n: chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n),
    "decimalEnclosedParen": lambda n: chr(0x2474 + n - 1) if 1 <= n <= 20 else f"({n})",
    "chineseCounting": chinese_number,
    "chineseCountingThousand": chinese_number,
    "chineseLegalSimplified": lambda n: chinese_number(n).translate(str.maketrans("一二三四五六七八九十百", "壹贰叁肆伍陆柒捌玖拾佰")),
    "japaneseCounting": chinese_number,
    "taiwaneseCounting": chinese_number,
    "taiwaneseCountingThousand": chinese_number,
    "ideographTraditional": lambda n: "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10],
    "ideographZodiac": lambda n: "子丑寅卯辰巳午未申酉戌亥"[(n - 1) % 12],
    "lowerLetter": _letters,
    "upperLetter": lambda n: _letters(n).upper(),
    "lowerRoman": _roman,
    "upperRoman": lambda n: _roman(n).upper(),
    "none": lambda n: "",
}


class Numbering:
    """Word's list numbering: renders the label of each numbered paragraph, counting as Word does."""

    def __init__(self, element) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int, bool]]] = {}  # abstract id -> level -> def
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # num id -> (abstract id, start overrides)
        self.counters: dict[str, dict[int, int]] = {}
        if element is None:
            return
        for abstract in element.iter(f"{_W}abstractNum"):
            levels = {}
            for lvl in abstract.iter(f"{_W}lvl"):
                fmt = _val(lvl.find(f"{_W}numFmt")) or "decimal"
                text = _val(lvl.find(f"{_W}lvlText")) or ""
                start = int(_val(lvl.find(f"{_W}start")) or 1)
                levels[int(lvl.get(f"{_W}ilvl", 0))] = (fmt, text, start, lvl.find(f"{_W}isLgl") is not None)
            self.levels[abstract.get(f"{_W}abstractNumId")] = levels
        for num in element.iter(f"{_W}num"):
            abstract = _val(num.find(f"{_W}abstractNumId"))
            overrides = {int(o.get(f"{_W}ilvl", 0)): int(_val(o.find(f"{_W}startOverride")))
                         for o in num.iter(f"{_W}lvlOverride") if o.find(f"{_W}startOverride") is not None}
            self.nums[num.get(f"{_W}numId")] = (abstract, overrides)

    def label(self, num_id: str, ilvl: int) -> str:
        if num_id not in self.nums or num_id == "0":
            return ""
        abstract, overrides = self.nums[num_id]
        levels = self.levels.get(abstract, {})
        if ilvl not in levels:
            return ""
        # lists sharing a definition continue one count unless a list restarts it
        key = num_id if overrides else abstract
        counters = self.counters.setdefault(key, {})
        start = overrides.get(ilvl, levels[ilvl][2])
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        fmt, pattern, _, legal = levels[ilvl]
        if fmt == "bullet":
            return ""

        def level_text(match: re.Match) -> str:
            k = int(match.group(1)) - 1
            if k not in levels:
                return ""
            n = counters.get(k, overrides.get(k, levels[k][2]))
            k_fmt = "decimal" if legal and k != ilvl else levels[k][0]
            return _FORMATS.get(k_fmt, str)(n)

        return re.sub(r"%(\d)", level_text, pattern)


def _val(el) -> str | None:
    return None if el is None else el.get(f"{_W}val")


def _style_chain(style):
    while style is not None:
        yield style
        style = style.base_style


_CHAINS: dict[tuple[int, str | None], list] = {}


def _styles(paragraph) -> list:
    """The paragraph's style and those it is based on. python-docx looks a style up by scanning every
    style (18 ms a paragraph on a 57-paragraph file), so chains are kept per document and style id."""
    ppr = paragraph._p.pPr
    style_id = ppr.pStyle.val if ppr is not None and ppr.pStyle is not None else None
    key = (id(paragraph.part), style_id)
    if key not in _CHAINS:
        try:
            _CHAINS[key] = list(_style_chain(paragraph.style))
        except (KeyError, ValueError):
            _CHAINS[key] = []
    return _CHAINS[key]


def _num_pr(paragraph) -> tuple[str, int] | None:
    """(numId, level) from the paragraph, else from its style (and the styles it is based on)."""
    ppr = paragraph._p.pPr
    num_pr = ppr.numPr if ppr is not None else None
    num_id = ilvl = None
    if num_pr is not None:
        num_id = _val(num_pr.find(f"{_W}numId"))
        ilvl = _val(num_pr.find(f"{_W}ilvl"))
    if num_id is None:
        for style in _styles(paragraph):
            spr = style.element.pPr
            snum = spr.numPr if spr is not None else None
            if snum is not None and _val(snum.find(f"{_W}numId")) is not None:
                num_id = _val(snum.find(f"{_W}numId"))
                ilvl = ilvl or _val(snum.find(f"{_W}ilvl"))
                break
    return (num_id, int(ilvl or 0)) if num_id is not None else None


def _heading_level(paragraph) -> int:
    for style in _styles(paragraph):
        name = style.name or ""
        if name.lower() == "title":
            return 1
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(2))
    return 0


def _with_label(label: str, text: str) -> str:
    if not label:
        return text
    if label[-1].isascii() and label[-1].isalnum() and text[:1].isascii() and text[:1].isalnum():
        return f"{label} {text}"
    return label + text


def read_docx(raw: bytes, name: str) -> Extracted:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SourceError(f"{name}: is not a readable Word document ({exc}); open and re-save it in Word") from exc
    try:
        numbering = Numbering(document.part.numbering_part.element)
    except (KeyError, NotImplementedError):
        numbering = Numbering(None)
    out = TextBuilder()
    counts = {"p": 0, "t": 0}
    titles: list[str] = []

    def paragraph_text(paragraph) -> str:
        text = tidy(paragraph.text).replace("\n", " ").strip()
        num = _num_pr(paragraph)
        label = numbering.label(*num) if num and text else ""
        return _with_label(label, text)

    def walk(parent_element, parent) -> None:
        for child in parent_element.iterchildren():
            if child.tag == f"{_W}p":
                counts["p"] += 1
                paragraph = Paragraph(child, parent)
                level = _heading_level(paragraph)
                if level and _styles(paragraph) and (_styles(paragraph)[0].name or "").lower() == "title" \
                        and paragraph.text.strip():
                    titles.append(tidy(paragraph.text).strip())
                out.line(paragraph_text(paragraph), "heading" if level else "paragraph", f"p{counts['p']}", level)
            elif child.tag == f"{_W}tbl":
                counts["t"] += 1
                table(Table(child, parent), counts["t"])
            elif child.tag == f"{_W}sdt":
                content = child.find(f"{_W}sdtContent")
                if content is not None:
                    walk(content, parent)

    def table(tbl, number: int) -> None:
        rows = []
        for row in tbl.rows:
            cells, seen = [], set()
            for cell in row.cells:
                if id(cell._tc) in seen:  # a merged cell is listed once per grid column it spans
                    continue
                seen.add(id(cell._tc))
                cells.append(" ".join(t for t in (paragraph_text(p) for p in cell.paragraphs) if t)
                             .replace("|", "｜"))
            rows.append(cells)
        if all(len(cells) <= 1 for cells in rows):
            for r, cells in enumerate(rows, start=1):
                for cell in cells:
                    out.line(cell, "paragraph", f"t{number}r{r}")
            return
        for r, cells in enumerate(rows, start=1):
            if any(cells):
                out.line("| " + " | ".join(cells) + " |", "row", f"t{number}r{r}")

    try:
        walk(document.element.body, document)
    finally:
        for key in [k for k in _CHAINS if k[0] == id(document.part)]:
            del _CHAINS[key]
    text = out.text
    if not text.strip():
        raise SourceError(f"{name}: the Word document holds no text")
    return Extracted(text=text, fmt="docx", encoding="docx", blocks=tuple(out.blocks),
                     title_hint=titles[0] if titles else None)
