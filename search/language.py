"""Which language a query is in: ``zh``, ``en`` or ``mixed``, by counting scripts.

Users ask in Chinese or English over Chinese sources. The language picks the channels: a Chinese query
goes to BM25 and m3e as it is; an English one is bridged to Chinese by the glossary and also searched
with the multilingual USE encoder; a mixed one ("Shenzhen PM2.5 目标") gets both.

Numbers, units and the Latin tokens Chinese plan texts use themselves (PM2.5, GDP, 5G, CO2, R&D, km)
are neutral: "深圳PM2.5目标" is Chinese, "PM2.5 target" is English.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Language = Literal["zh", "en", "mixed"]

# A Latin token: letters and digits with inner joiners (R&D, PM2.5, Shenzhen's, e-commerce).
_LATIN_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[&.'’\-][A-Za-z0-9]+)*")
# Units and abbreviations that Chinese plan texts write in Latin letters themselves.
_NEUTRAL_WORDS = frozenset(
    "km km2 m m2 m3 kg g mg t kw kwh mw gw gwh kv kva mu ha l ml cm mm h s min mbps gbps gb tb pb"
    " ppm ug μg vs no".split()
)
# An all-capitals acronym (GDP, ICT, R&D, AI, CPI, PPP) reads the same in a Chinese sentence.
_ACRONYM = re.compile(r"[A-Z][A-Z&]{0,7}s?")


@dataclass(frozen=True)
class LanguageProfile:
    """The script counts behind a decision, for logs, the manifest of a run and tests."""

    language: Language
    han: int  # Han characters
    latin_words: int  # Latin words that are not neutral
    neutral: int  # numbers, units, acronyms, tokens with digits (PM2.5, 5G)


def _is_han(ch: str) -> bool:
    # CJK Unified Ideographs, extension A, compatibility ideographs; also 〇 used in years (二〇三五).
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x2FA1F
        or ch == "〇"
    )


def _is_neutral(token: str) -> bool:
    if any(ch.isdigit() for ch in token):  # 2025, 10,000, PM2.5, 5G, CO2, 14th
        return True
    if token.lower() in _NEUTRAL_WORDS:
        return True
    return bool(_ACRONYM.fullmatch(token))


def profile_language(query: str) -> LanguageProfile:
    """Count the scripts of ``query`` and decide its language.

    Rules: no Han character and some Latin letter → ``en`` (acronyms included: "GDP 2025" is English);
    Han characters and at least one non-neutral Latin word → ``mixed``; otherwise ``zh`` (also the
    answer for an empty query or numbers only, so such a query takes the unchanged Chinese path).
    """
    text = unicodedata.normalize("NFKC", query or "")
    han = sum(1 for ch in text if _is_han(ch))
    latin_words = neutral = 0
    for m in _LATIN_TOKEN.finditer(text):
        if _is_neutral(m.group()):
            neutral += 1
        else:
            latin_words += 1
    has_letters = any("a" <= ch.lower() <= "z" for ch in text)
    if han == 0:
        language: Language = "en" if has_letters else "zh"
    elif latin_words:
        language = "mixed"
    else:
        language = "zh"
    return LanguageProfile(language=language, han=han, latin_words=latin_words, neutral=neutral)


def detect_language(query: str) -> Language:
    """``"zh"``, ``"en"`` or ``"mixed"`` for a query (see :func:`profile_language` for the rules).

    Examples:
        >>> detect_language("深圳到2025年食品抽检要达到什么水平")
        'zh'
        >>> detect_language("Shenzhen 2025 food sampling target")
        'en'
        >>> detect_language("Shenzhen PM2.5 目标")
        'mixed'
    """
    return profile_language(query).language
