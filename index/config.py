"""All defaults in one place. Written into every index manifest and read back with ``Config(**params)``."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

DEFAULT_INDEX_DIR = Path(".planqa/index")
DEFAULT_MODELS_DIR = Path(".planqa/models")
DEFAULT_CACHE_DIR = Path(".planqa/cache")


def index_dir(override: str | os.PathLike | None = None) -> Path:
    """The index folder: ``--index`` beats ``PLANQA_INDEX`` beats ``.planqa/index``."""
    return Path(override or os.environ.get("PLANQA_INDEX") or DEFAULT_INDEX_DIR)


def models_dir() -> Path:
    return Path(os.environ.get("PLANQA_MODELS") or DEFAULT_MODELS_DIR)


def cache_dir(override: str | os.PathLike | None = None) -> Path:
    """The embedding cache: ``override`` beats ``PLANQA_CACHE`` beats ``.planqa/cache``."""
    return Path(override or os.environ.get("PLANQA_CACHE") or DEFAULT_CACHE_DIR)


@dataclass(frozen=True)
class Config:
    # chunking
    chunk_chars: int = 500  # body text per chunk, at most
    chunk_hard_max: int = 800  # nothing longer, ever
    table_rows: int = 6  # rows of a table per chunk
    # encoders and dense index
    encoder: str = "m3e-small"
    use_encoder: str = "use-multilingual"  # the encoder of the "use" channel
    # sentence windows for the "use" channel too: USE alone, English questions (dev / 38 extra),
    # whole chunks R@5 0.13 / 0.50, MRR 0.07 / 0.31; 120-character windows 0.25 / 0.63, 0.28 / 0.46
    use_window: int = 120
    faiss_index: str = "auto"  # "auto" (Flat, then IVF+SQ8 by size: index/ann.py) or a faiss.index_factory string
    embed_batch: int = 32
    dense_window: int = 80  # characters per embedded sentence window of a chunk (0: the whole chunk)
    # lexical: Anserini's BM25 defaults (k1 0.9, b 0.4; Lin et al., Pyserini, SIGIR 2021), which also beat
    # 1.5/0.75 on the seeds dev set once dense search uses sentence windows (Chinese MRR 0.88 vs 0.86)
    bm25_k1: float = 0.9
    bm25_b: float = 0.4
    bm25_tokens: str = "search"  # "words" (jieba cut), "search" (cut_for_search), "bigrams" (+ CJK bigrams)
    # fusion (Cormack et al., SIGIR 2009)
    rrf_k: int = 60
    candidates: int = 100  # per-retriever depth fed to fusion
    # retrieval channels: names as in Hit.ranks; dense ones are embedded at build time
    channels: tuple[str, ...] = ("bm25", "dense", "use")  # "use": USE multilingual, for English (issue 4)
    # fusion weight per channel (default 1.0). m3e at 0.35 for Chinese questions: BM25 is the stronger
    # channel on plan text and m3e breaks its ties. Measured on 86 Chinese questions (dev 26 + zh_blind
    # 60): MRR 0.932 vs 0.914 at equal weights (dev 0.894 vs 0.888); flat over 0.3–0.45, falls below 0.2.
    channel_weights: tuple[tuple[str, float], ...] = (("bm25", 1.0), ("dense", 0.35))
    # English and mixed queries (issue 4; search/crosslingual.py): the glossary bridges them to BM25
    glossary: str = ""  # English→Chinese glossary file; "" = the packaged search/data/glossary_en_zh.tsv
    english_dense: str = "expansion"  # what "dense" searches for English: expansion | raw | off
    use_for_chinese: bool = False  # whether the "use" channel also searches Chinese queries
    english_names: bool = True  # unknown capitalised words that spell a corpus word in pinyin (Deqing → 德清)
    # en/mixed fusion weights (issue 4); channels other than bm25 are scaled by (1 - share of the
    # question the glossary covered) ** english_coverage_power (0: fixed weights). Power 0.5, not 2:
    # on 106 English questions (dev 8, en_extra 38, en_blind 60) MRR 0.862 vs 0.815, blind 0.821 vs 0.770
    # (dev alone 0.823 vs 0.917: one question); with 2 a 75%-covered question left m3e and USE 3% weight.
    english_weights: tuple[tuple[str, float], ...] = (("bm25", 1.0), ("dense", 0.5), ("use", 0.5))
    english_coverage_power: float = 0.5

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, params: dict) -> Config:
        """Read back a manifest's config; unknown keys (from a newer planqa) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: _frozen(v) for k, v in params.items() if k in known})


def _frozen(value):
    """JSON gives lists back; the dataclass holds tuples (so configs compare equal after a round trip)."""
    return tuple(_frozen(v) for v in value) if isinstance(value, list) else value
