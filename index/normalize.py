"""The matching key: traditional → simplified (OpenCC), NFKC (full-width → half-width), lower case,
years in Chinese numerals as digits.

Display and citation keep the original characters; everything that compares text (BM25, quote
lookup, highlighting, evaluation) compares these keys. ``key_with_positions`` also says, for each key
character, which input character it came from, so matches map back to the original.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
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


# Radical forms a PDF text layer puts for ordinary characters (browser-printed pages: 「⾰命⽂物」「意⻅」):
# Kangxi Radicals fold by NFKC; the CJK Radicals Supplement forms do not, so they are mapped here.
_RADICALS = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)}
_RADICALS.update({ord(a): b for a, b in zip("⺠⻅⻓⻔⻛⻄⻝⻩⻢⻜⻰⻋⻉⻬⻚⻥⻦⻳⻆⻙⻌⻏⻖⻗⻘⻤⻨⻭⻮⻯",
                                             "民见长门风西食黄马飞龙车贝齐页鱼鸟龟角韦辶阝阝雨青鬼麦齿齿竜")})


def fold_radicals(text: str) -> str:
    """Radical forms → the ideographs they stand for (one character each, so offsets stay aligned)."""
    return text.translate(_RADICALS)


def to_simplified(text: str) -> str:
    """Traditional → simplified, radical forms folded. OpenCC works on phrases (著作權 → 著作权, not
    着作权); where a phrase rule changes the length we fall back to character-by-character so positions
    stay aligned."""
    if not text or text.isascii():
        return text
    text = fold_radicals(text)
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(_t2s().convert(ch) if len(_t2s().convert(ch)) == 1 else ch for ch in text)


_CN_YEAR = re.compile(r"[〇零一二三四五六七八九]{4}(?=年)")
_CN_DIGIT = str.maketrans("〇零一二三四五六七八九", "00123456789")


def arabic_years(text: str) -> str:
    """二〇三五年 → 2035年, so that a question's 2035 finds a plan's 二〇三五年 (length kept)."""
    return _CN_YEAR.sub(lambda m: m.group(0).translate(_CN_DIGIT), text)


# Passages are keyed again by every request that ranks, highlights or answers from them (a few hundred
# texts each); keying is a Python loop per character, so keys of passage-sized texts are kept. Seeds,
# 8 questions asked twice (cProfile): the second round took 0.8 s of CPU instead of 8.8 s.
CACHED_KEY_CHARS = 2000  # texts up to this long are kept (passages, sentences, contexts; not whole files)
CACHED_KEYS = 16384  # passages of ~500 characters: ~3 KB each (key, positions as 16-bit), ~50 MB in all


def key_with_positions(text: str, drop: str = "") -> tuple[str, list[int]]:
    """The normalised key of ``text`` and, per key character, its index in ``text``.

    Args:
        text: original characters (already cleaned of noise).
        drop: ``"space"`` drops whitespace; ``"punct"`` drops whitespace and punctuation/symbols
            (for quote lookup, where "，" and "," and a lost space must not matter).
    """
    if len(text) <= CACHED_KEY_CHARS:
        key, positions = _cached_key(text, drop)
        return key, list(positions)
    return _key_with_positions(text, drop)


@lru_cache(maxsize=CACHED_KEYS)
def _cached_key(text: str, drop: str) -> tuple[str, array]:
    key, positions = _key_with_positions(text, drop)
    return key, array("H", positions)  # offsets below CACHED_KEY_CHARS fit 16 bits


def _key_with_positions(text: str, drop: str) -> tuple[str, list[int]]:
    simplified = arabic_years(to_simplified(text))
    chars: list[tuple[str, int]] = [(f, i) for i, ch in enumerate(simplified) for f in _fold_char(ch)]
    key: list[str] = []
    positions: list[int] = []
    for f, i in _fold_numbers(chars):
        if drop and (f.isspace() or (drop == "punct" and _is_punct(f))):
            continue
        key.append(f)
        positions.append(i)
    return "".join(key), positions


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or ch == "〇"


def _fold_numbers(chars: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Numbers as one form, whatever the layout did to them: thousands separators dropped
    (「3，600」→ 3600), a middle dot between digits read as the decimal point (「27 · 7％」→ 27.7%), and
    whitespace dropped between CJK characters and digits (「到 2025 年」, 「北 部湾」, 「5 %」), where a PDF
    or converter injected it. Whitespace between Latin words, or between two numbers, stays."""
    out: list[tuple[str, int]] = []
    n = len(chars)
    i = 0
    dropped_at = -1  # len(out) when the last thousands separator was dropped
    while i < n:
        f, pos = chars[i]
        prev = out[-1][0] if out else ""
        if f == "," and prev.isdigit() and i + 3 < n + 1 and all(
                chars[j][0].isdigit() for j in range(i + 1, min(n, i + 4))) and i + 3 < n and (
                i + 4 >= n or not chars[i + 4][0].isdigit()) and _group_ok(out, dropped_at):
            dropped_at = len(out)
            i += 1
            continue
        if f.isspace() or f in "·・･•":
            j = i
            while j < n and (chars[j][0].isspace() or chars[j][0] in "·・･•"):
                j += 1
            run = "".join(c for c, _ in chars[i:j])
            nxt = chars[j][0] if j < n else ""
            dots = sum(c in "·・･•" for c in run)
            if dots == 1 and prev.isdigit() and nxt.isdigit():
                at = next(p for c, p in chars[i:j] if c in "·・･•")
                out.append((".", at))
                i = j
                continue
            if not dots and prev and nxt and (
                    (_is_cjk(prev) or prev.isdigit()) and (_is_cjk(nxt) or nxt.isdigit() or nxt in "%‰")
                    and not (prev.isdigit() and nxt.isdigit())):
                i = j
                continue
        out.append((f, pos))
        i += 1
    return out


def _group_ok(out: list[tuple[str, int]], dropped_at: int) -> bool:
    """The digits before a separator form a thousands group: 1–3 of them, or the 3 after a separator
    just dropped (「12，345，678」), not a longer number."""
    k = len(out)
    while k > 0 and out[k - 1][0].isdigit():
        k -= 1
    return 1 <= len(out) - k <= 3 or dropped_at == len(out) - 3


def _key(text: str, drop: str) -> str:
    """The key alone, from the kept keys when ``text`` is passage-sized (no position list copied)."""
    return (_cached_key(text, drop) if len(text) <= CACHED_KEY_CHARS else _key_with_positions(text, drop))[0]


def normalize(text: str) -> str:
    """The key used for lexical matching (whitespace kept)."""
    return _key(text, "")


def compact_key(text: str) -> str:
    """The matching key with every whitespace removed (spans compared across line breaks)."""
    return _key(text, "space")


def match_key(text: str) -> str:
    """The key used to compare passages and answer spans: noise, whitespace and punctuation removed."""
    return key_with_positions(clean_text(text), drop="punct")[0]


@lru_cache(maxsize=65536)
def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PSZ" or ch in "\u3000"
