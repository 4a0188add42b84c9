"""What every format reader returns: the text as it will be cited, and a map back to the original.

A reader turns a file's bytes into ``Extracted``: ``text`` is what chunks slice and citations quote;
``pages`` says which page of a PDF each character range came from (and whether it was OCR'd);
``blocks`` names the paragraph or table cell of a DOCX/HTML file each range came from. ``notes`` are
problems in plain words (a page without a text layer, lines a converter garbled); ``partial`` says some
of the file could not be read.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from dataclasses import dataclass, field


class SourceError(ValueError):
    """A file that cannot be read as a document; the message names the file and the fix."""


@dataclass(frozen=True)
class LineBox:
    """Characters ``[start, end)`` of the extracted text are one printed line, inside the box
    ``left, top, right, bottom`` given as fractions of the page (origin top left, as the page is shown)."""

    start: int
    end: int
    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class PageSpan:
    """Characters ``[start, end)`` of the extracted text came from page ``page`` (1-based); ``lines``
    place them on the page (empty when the reader could not: a rotated page)."""

    start: int
    end: int
    page: int
    ocr: bool = False
    lines: tuple[LineBox, ...] = ()


@dataclass(frozen=True)
class Block:
    """Characters ``[start, end)`` of the extracted text are one paragraph, heading or table row.

    ``where`` locates it in the original: ``p12`` (the 12th body paragraph), ``t2r3`` (table 2,
    row 3); ``level`` is a heading's level from its style (1 = Heading 1 / h1), else 0.
    """

    start: int
    end: int
    kind: str  # paragraph | heading | row
    where: str
    level: int = 0


@dataclass(frozen=True)
class Extracted:
    text: str
    fmt: str  # text | markdown | pdf | docx | doc | html
    encoding: str = "utf-8"
    pages: tuple[PageSpan, ...] = ()
    blocks: tuple[Block, ...] = ()
    title_hint: str | None = None
    notes: tuple[str, ...] = ()
    partial: bool = False
    page_count: int = 0
    pages_empty: tuple[int, ...] = ()  # pages no text was read from (no text layer, OCR unavailable or blank)


@dataclass
class TextBuilder:
    """Appends lines of extracted text, recording the block each came from."""

    parts: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    length: int = 0

    def line(self, text: str, kind: str = "paragraph", where: str = "", level: int = 0) -> None:
        text = text.rstrip()
        if not text.strip():
            return
        start = self.length
        self.parts.append(text + "\n")
        self.length += len(text) + 1
        self.blocks.append(Block(start, start + len(text), kind, where, level))

    @property
    def text(self) -> str:
        return "".join(self.parts)


_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufeff\ufffe\u200b\u00ad]")


def tidy(text: str) -> str:
    """Control characters, soft hyphens and zero-width spaces out; runs of non-breaking and other
    spaces become one space. Ideographic spaces (U+3000) are kept: plan text indents with them and
    the outline reads them."""
    return _SPACES.sub(" ", _CONTROL.sub("", text))


def join_wrapped(left: str, right: str) -> str:
    """Join a hard-wrapped line to the next: no space between CJK characters, one between Latin
    words, none after a hyphen."""
    if not left or not right:
        return left + right
    a, b = left[-1], right[0]
    if a.isascii() and a.isalnum() and b.isascii() and b.isalnum() or a in ",;:.)" and b.isascii() and b.isalpha():
        return left + " " + right
    return left + right


def odd_share(text: str) -> float:
    """Share of characters that are no part of Chinese plan text: Latin-1 and Latin Extended letters,
    spacing modifiers, symbols from the Windows-1252 upper half (‡ ƒ ˆ), private-use and replacement
    characters. Converter output that misreads a Word file's pieces is full of them."""
    chars = [ch for ch in text if not ch.isspace()]
    if not chars:
        return 0.0
    return sum(_odd(ch) for ch in chars) / len(chars)


_PLAN_SYMBOLS = set("·×÷°±²³µ")  # Latin-1 symbols plan text does use (27 · 7％, 50×50, 25°C)


def _odd(ch: str) -> bool:
    code = ord(ch)
    if (0x80 <= code <= 0x2FF and ch not in _PLAN_SYMBOLS) or 0xE000 <= code <= 0xF8FF or ch == "\ufffd":
        return True
    return ch in "‡†ƒˆ‰‹›™" or unicodedata.category(ch) in ("Co", "Cn")


def missing_tool(tool: str, package: str) -> str | None:
    """``None`` if ``tool`` is on PATH, else the message that says how to install it."""
    if shutil.which(tool):
        return None
    return f"{tool} is not installed (apt-get install {package}, or `make system`)"
