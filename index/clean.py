"""Noise removal that never loses the way back to the original text.

``clean(original)`` returns the cleaned text and, for each of its characters, the offset of the
original character it came from. Cleaning is local: cleaning ``original[a:b]`` for ``a``/``b`` on kept
characters gives the same characters as the whole-text cleaning gives between them, which is what
lets a chunk carry ``start``/``end`` into the original file and still reproduce its ``text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Watermarks such as [公*#~&文%思享公众号]: a short bracketed run whose characters are scrambled with
# ASCII symbols. Two or more of the symbols, or the 公众号 signature, make it noise.
_WATERMARK = re.compile(r"\[([^\[\]\n]{2,24})\]")
_WATERMARK_SYMBOLS = set("*#~&%^@$!+=")
# Pinyin annotations after a character: 發(fā)展, 經(jīng)濟 (also after mojibake). A tone mark is
# required, so that ordinary bracketed Latin text ("(CNAS)", "(PM2.5)") is left alone.
_PINYIN = re.compile(r"(?<=\S)\(([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7})\)")
_TONE = re.compile(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ]")
_INVISIBLE = set("\ufffd\ufeff\u200b\u200c\u200d\u2060\u00ad")
_SPACES = set(" \t\r\f\v\u3000\u00a0")


def _is_watermark(inner: str) -> bool:
    symbols = sum(ch in _WATERMARK_SYMBOLS for ch in inner)
    letters = inner.translate({ord(c): None for c in _WATERMARK_SYMBOLS})
    if "公众号" in letters or (symbols and "公众" in letters):
        return True
    return symbols >= 2 and len(letters) <= 12 and not any(ch.isdigit() for ch in letters)


def _is_stray_question(text: str, i: int) -> bool:
    """A run of ASCII '?' between two non-ASCII characters stands for lost characters."""
    a, b = i, i
    while a > 0 and text[a - 1] == "?":
        a -= 1
    while b < len(text) - 1 and text[b + 1] == "?":
        b += 1
    return 0 < a and b < len(text) - 1 and ord(text[a - 1]) > 127 and ord(text[b + 1]) > 127


def noise_spans(original: str) -> list[tuple[int, int]]:
    """Ranges of ``original`` that are noise (watermarks, pinyin annotations), sorted."""
    spans = [m.span() for m in _WATERMARK.finditer(original) if _is_watermark(m.group(1))]
    spans += [m.span() for m in _PINYIN.finditer(original) if _TONE.search(m.group(1))]
    return sorted(spans)


@dataclass(frozen=True)
class Cleaned:
    """Cleaned text with ``offsets[i]`` = offset in the original of ``text[i]``."""

    text: str
    offsets: tuple[int, ...]

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a non-empty cleaned range ``[start, end)`` to the original range it was cut from."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"bad cleaned span {start}:{end} (text has {len(self.text)} characters)")
        return self.offsets[start], self.offsets[end - 1] + 1


def clean(original: str) -> Cleaned:
    """Remove noise, fold whitespace runs that hold a line break into one newline, drop other
    leading/trailing line whitespace, and strip the ends."""
    keep = [True] * len(original)
    for a, b in noise_spans(original):
        for i in range(a, b):
            keep[i] = False
    for i, ch in enumerate(original):
        if ch in _INVISIBLE or (ch == "?" and _is_stray_question(original, i)):
            keep[i] = False

    out: list[str] = []
    offsets: list[int] = []
    pending_ws: list[tuple[str, int]] = []  # whitespace seen since the last kept character
    for i, ch in enumerate(original):
        if not keep[i]:
            continue
        if ch == "\n" or ch in _SPACES:
            pending_ws.append((ch, i))
            continue
        if pending_ws and out:
            newline = next((j for c, j in pending_ws if c == "\n"), None)
            if newline is not None:
                out.append("\n")
                offsets.append(newline)
            else:
                for c, j in pending_ws:
                    out.append(c)
                    offsets.append(j)
        pending_ws = []
        out.append(ch)
        offsets.append(i)
    return Cleaned("".join(out), tuple(offsets))


def clean_text(original: str) -> str:
    return clean(original).text
