"""PDF through pypdfium2: per-page text, running headers/footers and page numbers out, wrapped lines joined.

Lines come with their boxes, so the layout decides: a line that reaches the page's right margin is
wrapped and joins the next (also across a page break, once the page number between them is gone),
unless the next line is indented or opens a numbered heading after a full stop. Lines repeated at the
top or bottom of most pages (digits ignored) are running headers or footers; a line that is only a
page number (``3``, ``- 3 -``, ``第3页``, ``3/12``) at either end of a page is dropped. Pages without a
text layer are OCR'd with tesseract (``chi_sim+eng``) when it is installed, and marked as OCR; its
word boxes give the lines, which join as on text pages. Every line kept records where it was printed
(``PageSpan.lines``, fractions of the page), so ``index.page_map`` can mark a passage on the page.
"""

from __future__ import annotations

import io
import re
import statistics
import subprocess
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass

from index.formats.common import Extracted, LineBox, PageSpan, SourceError, join_wrapped, missing_tool, tidy
from index.markers import LADDER

_PAGE_NUMBER = re.compile(
    r"^[-—–－·\s]*(第\s*)?[0-9０-９]{1,4}(\s*页)?(\s*[/／]\s*(共\s*)?[0-9０-９]{1,4}\s*页?)?[-—–－·\s]*$"
    r"|^\s*(page\s*)?\d{1,4}\s*(of\s*\d{1,4})?\s*$", re.IGNORECASE)
_MARKER = re.compile(rf"^\s*(?:{LADDER}|专栏|附件|表\s*\d)")  # a line that starts a heading, box or table
_FIRST_WORD = re.compile(r"[（(“《\[]?[0-9A-Za-z０-９.．,%％\-－—/]+[)）]?")
_SENTENCE_END = "。！？；：!?;:”"
# Fonts that map CJK glyphs to radical code points: Kangxi radicals fold under NFKC; these simplified
# forms from the CJK Radicals Supplement have no decomposition, so they are mapped here (the
# characters a browser-printed gov.cn page produced: ⺠⻅⻓⻔⻛⻄).
_RADICALS = str.maketrans("⺠⻄⻅⻆⻉⻋⻑⻓⻔⻚⻛⻜⻢⻥⻦⻧⻨⻩⻬⻮⻰⻳", "民西见角贝车長长门页风飞马鱼鸟卤麦黄齐齿龙龟")
_OCR_LANGS = "chi_sim+eng"
_OCR_DPI = 300
_HEADER_BAND = 0.1  # top/bottom tenth of the page
# PDFium is not thread-safe (pypdfium2 adds no locking): the reader and the app's page renderer take turns.
PDFIUM_LOCK = threading.RLock()


@dataclass(frozen=True)
class _Line:
    text: str
    left: float
    right: float
    top: float
    bottom: float
    size: float  # median character width


def fix_glyphs(text: str) -> str:
    """Kangxi and supplement radicals that stand for ordinary characters become those characters."""
    out = [unicodedata.normalize("NFKC", ch) if "\u2f00" <= ch <= "\u2fd5" else ch for ch in text]
    return "".join(out).translate(_RADICALS)


def _page_lines(page) -> list[_Line]:
    textpage = page.get_textpage()
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count) if count else ""
    lines: list[_Line] = []
    start = 0
    for i in range(len(text) + 1):
        if i < len(text) and text[i] not in "\r\n":
            continue
        if i > start:
            boxes = [textpage.get_charbox(j) for j in range(start, i) if not text[j].isspace()]
            body = tidy(fix_glyphs(text[start:i])).strip()
            if boxes and body:
                widths = [b[2] - b[0] for b in boxes if b[2] > b[0]] or [1.0]
                lines.append(_Line(body, min(b[0] for b in boxes), max(b[2] for b in boxes),
                                   max(b[3] for b in boxes), min(b[1] for b in boxes),
                                   statistics.median(widths)))
        start = i + 1
    textpage.close()
    return lines


def _has_images(page) -> bool:
    # 3 = image, 5 = form XObject (which may hold a scanned image)
    return any(obj.type in (3, 5) for obj in page.get_objects())


def _ocr(page) -> list[_Line]:
    """The page rendered and read by tesseract, as lines with their boxes (in pixels, y downwards:
    only widths and left/right edges are compared), so wrapped lines join as on text pages."""
    image = page.render(scale=_OCR_DPI / 72).to_pil()
    png = io.BytesIO()
    image.save(png, format="PNG")
    done = subprocess.run(["tesseract", "stdin", "stdout", "-l", _OCR_LANGS, "tsv"], input=png.getvalue(),
                          capture_output=True, timeout=300)
    if done.returncode != 0:
        raise SourceError(done.stderr.decode("utf-8", "replace").strip()[-300:])
    words: dict[tuple[str, str, str], list[tuple[str, float, float, float, float]]] = {}
    for row in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        left, top, width, height = map(float, cols[6:10])
        words.setdefault((cols[2], cols[3], cols[4]), []).append((tidy(cols[11]).strip(), left, left + width,
                                                                  top, top + height))
    lines = []
    for key in sorted(words, key=lambda k: tuple(map(int, k))):
        found = words[key]
        text = ""
        for word, *_ in found:  # tesseract's chi_sim splits Chinese into one-character words
            text = join_wrapped(text, word)
        sizes = [(b[2] - b[1]) / max(1, len(b[0])) for b in found]
        lines.append(_Line(text, min(b[1] for b in found), max(b[2] for b in found), -min(b[3] for b in found),
                           -max(b[4] for b in found), statistics.median(sizes)))
    return lines


def _ocr_engine() -> str | None:
    """``None`` if tesseract with Chinese is there, else why not, with the install line."""
    problem = missing_tool("tesseract", "tesseract-ocr tesseract-ocr-chi-sim")
    if problem:
        return "no OCR engine is installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)"
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout.split()
    if "chi_sim" not in langs:
        return "tesseract has no Chinese model (apt-get install tesseract-ocr-chi-sim)"
    return None


def _furniture(pages: list[list[_Line]], heights: list[float]) -> list[list[_Line]]:
    """Pages without running headers, footers and page numbers."""
    def key(line: _Line) -> str:
        return re.sub(r"[0-9０-９]+", "#", re.sub(r"\s+", "", line.text))

    def in_band(line: _Line, height: float) -> bool:
        return line.top > height * (1 - _HEADER_BAND) or line.bottom < height * _HEADER_BAND

    seen: Counter[str] = Counter()
    for lines, height in zip(pages, heights):
        ends = {key(x) for x in lines[:2] + lines[-2:] if in_band(x, height)}
        seen.update(ends)
    with_text = sum(1 for lines in pages if lines)
    running = {k for k, n in seen.items() if n >= 2 and n >= 0.5 * with_text}
    out: list[list[_Line]] = []
    for lines, height in zip(pages, heights):
        kept = [x for i, x in enumerate(lines)
                if not ((i < 2 or i >= len(lines) - 2) and in_band(x, height) and key(x) in running)]
        while kept and _PAGE_NUMBER.match(kept[-1].text):
            kept.pop()
        while kept and _PAGE_NUMBER.match(kept[0].text):
            kept.pop(0)
        out.append(kept)
    return out


def _joins(prev: _Line, line: _Line, right_margin: float, left_margin: float, size: float) -> bool:
    """Does ``line`` continue ``prev`` (a hard wrap) rather than start a new paragraph?"""
    # A wrapped line ends at the right margin, or short of it by the width of the next line's first
    # word when that did not fit (「…工程」 then 「（2018－2022 年）」 on the next line).
    first = _FIRST_WORD.match(line.text)
    fits = 1.5 + (min(8, len(first.group())) if first else 0)
    if prev.right < right_margin - fits * size:
        return False
    if prev.left > left_margin + 3 * size:  # centred or right-aligned (a signature, a date)
        return False
    # indented: a new paragraph (measured in body characters: a bracket's glyph sits right in its box)
    if line.left > left_margin + 1.5 * size:
        return False
    return not (prev.text[-1] in _SENTENCE_END and _MARKER.match(line.text))


def _margins(lines: list[_Line]) -> tuple[float, float, float]:
    """The body's right and left margins and character width over the whole document (its pages
    share one layout)."""
    long = [x for x in lines if len(x.text) >= 8] or lines or [_Line("", 0, 0, 0, 0, 1)]
    rights = sorted(x.right for x in long)
    lefts = sorted(x.left for x in long)
    # with few lines a percentile is one of them: the widest line is the margin then
    right = rights[int(0.9 * (len(rights) - 1))] if len(rights) >= 10 else rights[-1]
    return (right, lefts[int(0.1 * (len(lefts) - 1))],
            sorted(x.size for x in long)[int(0.75 * (len(long) - 1))])  # Chinese characters' width


def _placer(page, ocr: bool):
    """A line's box as fractions of the page as shown (top left origin), or None on a rotated page."""
    if page.get_rotation() % 360:
        return None
    left, bottom, right, top = page.get_bbox()
    width, height = max(right - left, 1e-6), max(top - bottom, 1e-6)
    if ocr:  # pixels of the page rendered at _OCR_DPI, y downwards and negated (_ocr)
        scale = 72 / _OCR_DPI
        return lambda x: (x.left * scale / width, -x.top * scale / height, x.right * scale / width,
                          -x.bottom * scale / height)
    return lambda x: ((x.left - left) / width, (top - x.top) / height, (x.right - left) / width,
                      (top - x.bottom) / height)


def read_pdf(raw: bytes, name: str) -> Extracted:
    """The text of a PDF's bytes with its pages and their line boxes (``PageSpan.lines``)."""
    with PDFIUM_LOCK:
        return _read_pdf(raw, name)


def _read_pdf(raw: bytes, name: str) -> Extracted:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as exc:
        raise SourceError(f"{name}: is not a readable PDF ({exc}); re-export it as PDF") from exc
    try:
        pages = [pdf[i] for i in range(len(pdf))]
        heights = [p.get_height() for p in pages]
        page_lines = _furniture([_page_lines(p) for p in pages], heights)
        parts: list[str] = []  # text so far; the last part may still be joined
        spans: list[PageSpan] = []
        notes: list[str] = []
        empty: list[int] = []
        ocr_problem: str | None = None
        length = 0
        prev: _Line | None = None
        margins = _margins([x for lines in page_lines for x in lines])
        for number, (page, lines) in enumerate(zip(pages, page_lines), start=1):
            start, ocr = length, False
            if sum(len(x.text) for x in lines) < 5:
                empty.append(number)
                if not _has_images(page):
                    continue  # a blank page
                ocr_problem = ocr_problem or _ocr_engine()
                if ocr_problem:
                    notes.append(f"page {number} has no text layer and {ocr_problem}")
                    continue
                lines = _ocr(page)
                if not lines:
                    notes.append(f"page {number} has no text layer and OCR found no text on it")
                    continue
                empty.pop()
                prev, ocr = None, True  # pixels, not points: no join across the page break
            page_margins = _margins(lines) if ocr else margins
            place, boxes = _placer(page, ocr), []
            for i, line in enumerate(lines):
                if prev is not None and _joins(prev, line, *page_margins):
                    joined = join_wrapped(parts[-1], line.text)
                    length += len(joined) - len(parts[-1])
                    parts[-1] = joined
                    if i == 0:
                        start = length - len(line.text)
                else:
                    if parts and not parts[-1].endswith("\n"):
                        parts[-1] += "\n"
                        length += 1
                        if i == 0:
                            start = length
                    parts.append(line.text)
                    length += len(line.text)
                if place:
                    boxes.append(LineBox(length - len(line.text), length, *(round(v, 4) for v in place(line))))
                prev = line
            spans.append(PageSpan(start, length, number, ocr=ocr, lines=tuple(boxes)))
            if ocr:
                prev = None
        text = "".join(parts)
        if text and not text.endswith("\n"):
            text += "\n"
        count = len(pages)
    finally:
        pdf.close()
    if not text.strip():
        reason = "; ".join(notes) or "it holds no text"
        raise SourceError(f"{name}: no text could be read from this PDF ({reason})")
    return Extracted(text=text, fmt="pdf", encoding="pdf", pages=tuple(spans), notes=tuple(notes),
                     partial=bool(notes), page_count=count, pages_empty=tuple(empty))
