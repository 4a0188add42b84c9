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


@dataclass(frozen=True)
class Config:
    # chunking
    chunk_chars: int = 500  # body text per chunk, at most
    chunk_hard_max: int = 800  # nothing longer, ever
    table_rows: int = 6  # rows of a table per chunk
    # encoders and dense index
    encoder: str = "m3e-small"
    faiss_index: str = "Flat"  # a faiss.index_factory string: "Flat", "HNSW32", "IVF256,Flat"
    # lexical
    bm25_k1: float = 1.5
    bm25_b: float = 0.75
    # fusion (Cormack et al., SIGIR 2009)
    rrf_k: int = 60
    candidates: int = 100  # per-retriever depth fed to fusion

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, params: dict) -> Config:
        """Read back a manifest's config; unknown keys (from a newer planqa) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in params.items() if k in known})
