"""The index config: what a build depends on (chunking, encoders, tokenizer, channels built).

Written into every index manifest and read back with ``Config.from_dict``; changing it means a rebuild.
What ranking and answering depend on is ``search.config.SearchConfig``, changeable at load.
"""

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


# What a manifest written before a field existed was built with (not the field's default now).
BEFORE_FIELDS = {"dense_context_apart": False, "use_context_apart": False}


@dataclass(frozen=True)
class Config:
    # chunking
    chunk_chars: int = 500  # body text per chunk, at most
    chunk_hard_max: int = 800  # nothing longer, ever
    table_rows: int = 6  # rows of a table per chunk
    # encoders and dense index
    # int8 ONNX m3e-small (index/onnx_encoder.py), about 3x the windows per CPU-second of torch fp32 at the
    # same dev and blind metrics (benchmarks/records/bench_build-*); "m3e-small" is the fp32 model
    encoder: str = "m3e-small-int8"
    use_encoder: str = "use-multilingual"  # the encoder of the "use" channel
    # sentence windows for the "use" channel too: USE alone, English questions (dev / 38 extra),
    # whole chunks R@5 0.13 / 0.50, MRR 0.07 / 0.31; 120-character windows 0.25 / 0.63, 0.28 / 0.46
    use_window: int = 120
    faiss_index: str = "auto"  # "auto" (Flat, then IVF+SQ8 by size: index/ann.py) or a faiss.index_factory string
    embed_batch: int = 32
    dense_window: int = 80  # characters per embedded sentence window of a chunk (0: the whole chunk)
    dense_context: bool = True  # each m3e window embedded with its chunk's context line
    # that context line embedded apart and mixed in (index.encoders.CONTEXT_WEIGHT) rather than in front of
    # each window: half the characters to embed (index/encoders.py gives the measurements)
    dense_context_apart: bool = True
    use_context: bool = True  # the same for the "use" channel's windows
    # not for USE: seeds en_blind R@5 0.933 apart vs 0.950 in front (USE CPU 14.9 vs 26 s a cold build)
    use_context_apart: bool = False
    # lexical: Anserini's BM25 defaults (k1 0.9, b 0.4; Lin et al., Pyserini, SIGIR 2021), which also beat
    # 1.5/0.75 on the seeds dev set once dense search uses sentence windows (Chinese MRR 0.88 vs 0.86)
    bm25_k1: float = 0.9
    bm25_b: float = 0.4
    bm25_tokens: str = "search"  # "words" (jieba cut), "search" (cut_for_search), "bigrams" (+ CJK bigrams)
    # retrieval channels: names as in Hit.ranks; dense ones are embedded at build time
    channels: tuple[str, ...] = ("bm25", "dense", "use")  # "use": USE multilingual, for English questions
    # where lexical and dense search run (index/backend.py): "local" (bm25s + FAISS files) or "milvus"
    backend: str = "local"
    milvus_uri: str = ""  # a milvus-lite file or http://host:19530; "" beside the index folder

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, params: dict) -> Config:
        """Read back a manifest's config; unknown keys (from a newer planqa) are ignored."""
        known = {f.name for f in fields(cls)}
        params = {**BEFORE_FIELDS, **params}
        return cls(**{k: _frozen(v) for k, v in params.items() if k in known})


def _frozen(value):
    """JSON gives lists back; the dataclass holds tuples (so configs compare equal after a round trip)."""
    return tuple(_frozen(v) for v in value) if isinstance(value, list) else value
