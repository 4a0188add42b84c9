"""Shared fixtures: the seeds index built once per run (real model), and a tiny corpus with a fake encoder.

``engine`` / ``built_index``: the seeds index, built once per test session into a temporary folder; the
embedding cache is the shared ``.planqa/cache`` so re-runs only embed what changed. Tests that use them
load m3e-small: mark them ``@pytest.mark.model``.

``hash_encoder`` / ``mini_plans`` / ``mini_index``: model-free fixtures for unit tests. The hash encoder
embeds character unigrams and bigrams of the normalised text (deterministic, L2-normalised), which is
enough for exact expectations on a handful of passages.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

from index.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED_CACHE = ROOT / ".planqa" / "cache"


class HashEncoder:
    """A model-free encoder for tests: hashed character unigrams + bigrams, L2-normalised."""

    name = "hash-test"
    dim = 256

    def __init__(self) -> None:
        self.calls = 0  # texts encoded, to check the cache

    def encode(self, texts) -> np.ndarray:
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            key = "".join(normalize(text).split())
            for gram in [*key, *(key[i:i + 2] for i in range(len(key) - 1))]:
                out[row, zlib.crc32(gram.encode()) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


MINI_PLANS = {
    "a.txt": (
        "深圳市食品安全“十四五”规划\n\n"
        "一、主要目标\n"
        "到2025年，食用农产品和食品抽检量达到10批次/千人，食品评价性抽检合格率保持在99%以上。\n"
        "二、重点任务\n"
        "（一）强化风险防控\n"
        "建立食品安全风险监测体系，完善抽检监测制度，推动检验检测机构能力提升。\n"
        "（二）优化营商环境\n"
        "深化“放管服”改革，推行告知承诺制，将食品经营许可办理时限压缩至5个工作日。\n"
    ),
    "b.txt": (
        "湖州市質量發展“十四五”規劃\n\n"
        "一、發展目標\n"
        "到2025年，城市空氣質量優良天數比率達到90%以上，PM2.5年均濃度控制在25微克/立方米以內。\n"
        "二、主要任務\n"
        "推進綠色工廠建設，累計建成國家級綠色工廠44家、綠色供應鏈企業17家。\n"
    ),
}


def write_plans(folder: Path, plans: dict[str, str] = MINI_PLANS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in plans.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def hash_encoder() -> HashEncoder:
    return HashEncoder()


@pytest.fixture
def register_hash_encoder(monkeypatch):
    """Makes ``--encoder hash-test`` / ``Config(encoder="hash-test")`` resolve to a HashEncoder."""
    from index import encoders

    encoder = HashEncoder()
    monkeypatch.setitem(encoders.ENCODERS, "hash-test", lambda: encoder)
    return encoder


@pytest.fixture
def mini_plans(tmp_path) -> Path:
    """A folder with two tiny plans: one simplified (深圳), one traditional (湖州)."""
    return write_plans(tmp_path / "plans")


@pytest.fixture(scope="module")
def mini_index(tmp_path_factory) -> Path:
    """The mini plans indexed with the hash encoder (no model), once per module."""
    from index.build import build_index
    from index.config import Config

    root = tmp_path_factory.mktemp("mini")
    plans = write_plans(root / "plans")
    # the context line in front of each window: one hash-encoder call per window, as the counts expect
    build_index([plans], index=root / "index", config=Config(encoder="hash-test", dense_context_apart=False),
                encoders={"dense": HashEncoder(), "use": HashEncoder()}, cache=root / "cache")
    return root / "index"


@pytest.fixture(scope="module")
def mini_engine(mini_index):
    from search.engine import Engine

    return Engine.load(mini_index, build_if_missing=False, encoders={"dense": HashEncoder(), "use": HashEncoder()})


@pytest.fixture(scope="session")
def built_index(tmp_path_factory) -> Path:
    """The seeds index with the default configuration (m3e-small), built once per test session."""
    from index.build import build_index

    path = tmp_path_factory.mktemp("planqa") / "index"
    build_index([SEEDS], index=path, cache=SHARED_CACHE)
    return path


@pytest.fixture(scope="session")
def engine(built_index):
    """An Engine over the session's seeds index."""
    from search.engine import Engine

    return Engine.load(built_index, build_if_missing=False)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(engine):
    """The app over the session's seeds engine, served from this process on a free port."""
    import os

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no network here
    import app_serve

    port = free_port()
    demo = app_serve.serve(engine, host="127.0.0.1", port=port, block=False, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture
def local_and_milvus(tmp_path, register_hash_encoder) -> dict[str, Path]:
    """The mini plans built twice with the hash encoder (bm25 + dense): ``local`` and ``milvus`` (a
    milvus-lite file beside it), from one embedding cache; ``encoders`` to load them with."""
    from dataclasses import replace

    from index.build import build_index
    from index.config import Config

    plans = write_plans(tmp_path / "plans")
    config = Config(encoder="hash-test", channels=("bm25", "dense"))
    encoders = {"dense": register_hash_encoder}
    milvus = replace(config, backend="milvus", milvus_uri=str(tmp_path / "m.db"))
    for name, built in (("local", config), ("milvus", milvus)):
        build_index([plans], index=tmp_path / name, config=built, encoders=encoders, cache=tmp_path / "cache")
    return {"local": tmp_path / "local", "milvus": tmp_path / "milvus", "encoders": encoders}
