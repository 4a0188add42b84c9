"""The matching key: traditional → simplified (OpenCC), NFKC (full-width → half-width), lower case,
years in Chinese numerals as digits.

Display and citation keep the original characters; everything that compares text (BM25, quote
lookup, highlighting, evaluation) compares these keys. ``key_with_positions`` also says, for each key
character, which input character it came from, so matches map back to the original.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from index.clean import clean_text


@lru_cache(maxsize=1)
def _t2s():
    try:
        import opencc
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise ImportError("opencc is missing: pip install opencc") from exc
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch).lower()


def to_simplified(text: str) -> str:
    """Traditional → simplified. OpenCC works on phrases (著作權 → 著作权, not 着作权); where a phrase
    rule changes the length we fall back to character-by-character so positions stay aligned."""
    if not text or text.isascii():
        return text
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(_t2s().convert(ch) if len(_t2s().convert(ch)) == 1 else ch for ch in text)


_CN_YEAR = re.compile(r"[〇零一二三四五六七八九]{4}(?=年)")
_CN_DIGIT = str.maketrans("〇零一二三四五六七八九", "00123456789")


def arabic_years(text: str) -> str:
    """二〇三五年 → 2035年, so that a question's 2035 finds a plan's 二〇三五年 (length kept)."""
    return _CN_YEAR.sub(lambda m: m.group(0).translate(_CN_DIGIT), text)


def key_with_positions(text: str, drop: str = "") -> tuple[str, list[int]]:
    """The normalised key of ``text`` and, per key character, its index in ``text``.

    Args:
        text: original characters (already cleaned of noise).
        drop: ``"space"`` drops whitespace; ``"punct"`` drops whitespace and punctuation/symbols
            (for quote lookup, where "，" and "," and a lost space must not matter).
    """
    simplified = arabic_years(to_simplified(text))
    key: list[str] = []
    positions: list[int] = []
    for i, ch in enumerate(simplified):
        folded = _fold_char(ch)
        for f in folded:
            if drop and (f.isspace() or (drop == "punct" and _is_punct(f))):
                continue
            key.append(f)
            positions.append(i)
    return "".join(key), positions


def normalize(text: str) -> str:
    """The key used for lexical matching (whitespace kept)."""
    return key_with_positions(text)[0]


def match_key(text: str) -> str:
    """The key used to compare passages and answer spans: noise, whitespace and punctuation removed."""
    return key_with_positions(clean_text(text), drop="punct")[0]


@lru_cache(maxsize=65536)
def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PSZ" or ch in "\u3000"
