"""The search config: what ranking and answering depend on, changeable without a rebuild.

The index config (``index.config.Config``) holds what a build depends on and is saved in the manifest;
this one is passed to ``Engine.load`` and defaults here. Any field can be overridden without touching
code: ``PLANQA_SEARCH_<FIELD>`` in the environment (``PLANQA_SEARCH_RRF_K=30``) or ``--set field=value``
on the command line; a pair list is written ``bm25:1,dense:0.35``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

ENV_PREFIX = "PLANQA_SEARCH_"


@dataclass(frozen=True)
class SearchConfig:
    k: int = 10  # passages returned when the caller does not say (CLI, app, API)
    # fusion (Cormack et al., SIGIR 2009)
    rrf_k: int = 60
    candidates: int = 100  # per-retriever depth fed to fusion
    # fusion weight per channel (default 1.0). m3e at 0.35 for Chinese questions: BM25 is the stronger
    # channel on plan text and m3e breaks its ties. Measured on 86 Chinese questions (dev 26 + zh_blind
    # 60): MRR 0.932 vs 0.914 at equal weights (dev 0.894 vs 0.888); flat over 0.3–0.45, falls below 0.2.
    channel_weights: tuple[tuple[str, float], ...] = (("bm25", 1.0), ("dense", 0.35))
    # English and mixed questions (search/crosslingual.py): the glossary bridges them to BM25
    glossary: str = ""  # English→Chinese glossary file; "" = the packaged search/data/glossary_en_zh.tsv
    english_dense: str = "expansion"  # what "dense" searches for English: expansion | raw | off
    use_for_chinese: bool = False  # whether the "use" channel also searches Chinese queries
    english_names: bool = True  # unknown capitalised words that spell a corpus word in pinyin (Deqing → 德清)
    # en/mixed fusion weights; channels other than bm25 are scaled by (1 - share of the question the
    # glossary covered) ** english_coverage_power (0: fixed weights). Power 0.5, not 2: on 106 English
    # questions (dev 8, en_extra 38, en_blind 60) MRR 0.862 vs 0.815, blind 0.821 vs 0.770 (dev alone
    # 0.823 vs 0.917: one question); with 2 a 75%-covered question left m3e and USE 3% weight.
    english_weights: tuple[tuple[str, float], ...] = (("bm25", 1.0), ("dense", 0.5), ("use", 0.5))
    english_coverage_power: float = 0.5
    rerank: bool = True  # second stage over the fused passages (search/rerank.py; its measurements)

    def with_overrides(self, values: Mapping[str, str]) -> SearchConfig:
        """A copy with ``values`` (field name → text, as typed on a command line) applied.

        Raises:
            ValueError: an unknown field or a value that does not parse, naming the field.
        """
        known = {f.name: f for f in fields(self)}
        changes = {}
        for name, text in values.items():
            field = known.get(name)
            if field is None:
                raise ValueError(f"unknown search setting {name!r}; known: {', '.join(known)}")
            changes[name] = _parse(name, field.type, text)
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SearchConfig:
        """The defaults with every ``PLANQA_SEARCH_<FIELD>`` of the environment applied."""
        environ = os.environ if environ is None else environ
        values = {key[len(ENV_PREFIX):].lower(): value for key, value in environ.items()
                  if key.startswith(ENV_PREFIX)}
        return cls().with_overrides(values)


def _parse(name: str, kind: str, text: str):
    text = text.strip()
    try:
        if kind == "bool":
            if text.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(text)
            return text.lower() in ("1", "true", "yes")
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind.startswith("tuple[tuple[str, float]"):
            pairs = [p.split(":") for p in text.split(",") if p.strip()]
            return tuple((channel.strip(), float(weight)) for channel, weight in pairs)
    except ValueError as exc:
        raise ValueError(f"search setting {name}: cannot read {text!r} as {kind}") from exc
    return text
