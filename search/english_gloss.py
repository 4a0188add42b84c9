"""English for a Chinese answer, so a reader of an English question can check it: the indicator a table
row names and its unit, glossed back through the glossary (issue 12, item 5).

An indicator name is cut greedily (longest rendering first) into the glossary's renderings and each piece
replaced by the English term it renders (:meth:`search.glossary.Glossary.english`): 每万人发明专利拥有量 →
"invention patents holdings per 10,000 people" ("per …" pieces go last, as English writes them). The gloss
is given only when the glossary covers most of the name (``MIN_COVERED`` of its Han characters); what it
cannot cover it leaves out rather than guesses. Units are a closed class and are glossed from their own
table (``search/data/units_en.tsv``: 亿元 is "100 million yuan", which the glossary, matching questions,
also lets "billion yuan" reach).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from search.glossary import Expansion, Glossary

UNITS = Path(__file__).parent / "data" / "units_en.tsv"
# Share of an indicator name's Han characters the glossary must cover for a gloss to be given. On the
# 75 indicator/project names of the seeds' table rows (benchmarks/bench_gloss.py): 0.75 glosses 77% of
# them, and of a sample of 40 read by hand the glossed ones keep their head word (基本药物抽检合格率 →
# "… sampling pass rate", 每万人高价值发明专利拥有量 → "high-value patents per 10,000 people"); 0.5 glosses 96% but lets through heads-only glosses (省级工法 →
# "provincial", 知识产权全链条“一件事”改革 → "ip reform"); 0.9 glosses 52%.
MIN_COVERED = 0.75
_HAN = re.compile(r"[\u3400-\u9fff]")
_LONGEST = 8  # renderings longer than this are phrases, not parts of an indicator name
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")


def gloss_chinese(text: str, glossary: Glossary) -> tuple[str, float]:
    """``text`` in the glossary's English, piece by piece, and the share of its Han characters covered."""
    english = glossary.english()
    parts: list[str] = []
    per: list[str] = []
    covered = 0
    i = 0
    while i < len(text):
        for n in range(min(_LONGEST, len(text) - i), 0, -1):
            piece = text[i : i + n]
            word = english.get(piece)
            # a lone character inside a longer name (数, 率, 量) is a suffix, not a word of it
            if word is None or not _HAN.search(piece) or (n == 1 and len(text) > 2):
                continue
            (per if word.startswith("per ") else parts).append(word)
            covered += len(_HAN.findall(piece))
            i += n
            break
        else:
            i += 1
    total = len(_HAN.findall(text))
    return " ".join(dict.fromkeys(parts + per)), (covered / total if total else 0.0)


def indicator_english(name: str, glossary: Glossary) -> str:
    """The English of an indicator's name, "" when the glossary covers less than ``MIN_COVERED`` of it.

    A bracketed part (the unit, 约束性) is left out: ``食品抽检覆盖率(批次/千人)`` is glossed as 食品抽检覆盖率.
    """
    bare = _BRACKETS.sub("", name).strip()
    english, covered = gloss_chinese(bare, glossary)
    return english if english and covered >= MIN_COVERED else ""


@lru_cache(maxsize=2)
def unit_table(path: Path = UNITS) -> dict[str, str]:
    """Chinese unit → English (``units_en.tsv``: ``中文<TAB>English`` a line, ``#`` comments)."""
    table: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        chinese, sep, english = line.partition("\t")
        if not sep or not chinese.strip() or not english.strip():
            raise ValueError(f"{path}:{number}: expected '中文单位<TAB>English unit', got {line!r}")
        table[chinese.strip()] = english.strip()
    return table


def unit_english(unit: str) -> str:
    """The English of a unit as plan tables write it (亿元, 批次/千人, %, 微克/立方米); "" when unknown.

    A compound unit is glossed part by part around its slash: 批次/千人 → "batches per 1,000 people".
    """
    unit = _BRACKETS.sub("", unit).strip() or unit.strip("()（） ")
    table = unit_table()
    if unit in table:
        return table[unit]
    if "/" in unit:
        top, _, bottom = unit.partition("/")
        a, b = table.get(top.strip()), table.get(bottom.strip())
        if a and b:
            return f"{a} per {b.removeprefix('per ')}"
    return ""


def table_gloss(header: tuple[str, ...], cells: tuple[str, ...], glossary: Glossary) -> tuple[tuple[str, str], ...]:
    """``(("indicator", English), ("unit", English))`` for a table row, each only where glossed.

    The indicator is the 指标/项目 column's cell; the unit is the 单位 column's, or the bracket that ends
    the indicator's name (社康中心总数(个) → "number").
    """
    indicator = unit = ""
    for name, cell in zip(header, cells, strict=False):
        if not indicator and cell and ("指标" in name or "项目" in name) and "属性" not in name and "类别" not in name:
            indicator = cell
        elif not unit and cell and "单位" in name:
            unit = cell
    if not indicator and cells:
        indicator = next((c for c in cells if _HAN.search(c)), "")
    if not unit and indicator:
        bracket = re.search(r"[（(]([^）)]+)[）)]\s*$", indicator)
        unit = bracket.group(1) if bracket else ""
    out = []
    english = indicator_english(indicator, glossary) if indicator else ""
    if english:
        out.append(("indicator", english))
    english = unit_english(unit) if unit else ""
    if english:
        out.append(("unit", english))
    return tuple(out)


def question_mapping(expansion: Expansion | None, limit: int = 3) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Every English term of a question with the Chinese it was searched as (at most ``limit``
    renderings), in question order, repeats dropped: what an answer card shows as "read as", whether or
    not the answer sentence holds the term (``Answer.mapped`` lists only those it holds). () for a
    Chinese question (no expansion)."""
    if expansion is None:
        return ()
    seen: dict[str, tuple[str, ...]] = {}
    for english, renderings in expansion.terms:
        key = english.lower()
        if key not in seen:
            seen[key] = (english, tuple(renderings[:limit]))
    return tuple(seen.values())


def answer_gloss(answer, glossary: Glossary, indicator: str = "") -> tuple[tuple[str, str], ...]:
    """``(("indicator", English), ("unit", English), …)`` for an answer a reader of an English question
    checks: a table row's indicator and unit (:func:`table_gloss`); for a sentence, the indicator the
    question named (``Understood.indicator``) and the units of the quantities it states, each only where
    glossed, repeats dropped."""
    from search.numbers import find_numbers

    if answer.table is not None and answer.table.cells:
        return table_gloss(answer.table.header, answer.table.cells, glossary)
    out: list[tuple[str, str]] = []
    english = indicator_english(indicator, glossary) if indicator else ""
    if english:
        out.append(("indicator", english))
    for quantity in find_numbers(answer.text):
        english = unit_english(quantity.unit) if quantity.unit else ""
        if english and ("unit", english) not in out:
            out.append(("unit", english))
    return tuple(out)

