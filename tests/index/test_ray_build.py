"""A build on a real local Ray cluster (2 CPUs, no dashboard) gives the in-process build's corpus, vectors
(cosine > 0.9999, m3e-small) and answers. The head of one seed plan (about 20 chunks) keeps it short."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import SEEDS, SHARED_CACHE

from index.config import Config

pytest.importorskip("ray", reason="the cluster extras: pip install -e '.[cluster]'")
pytestmark = pytest.mark.model

DEV = Path(__file__).resolve().parent.parent / "data" / "dev.jsonl"
SEED = SEEDS / "004_bcf92bb41f96abcb.txt"  # 湖州市质量发展“十四五”规划
OTHER = SEEDS / "001_aba122246e41847e.txt"  # 国家发展改革委关于推广借鉴深圳经济特区创新举措…的通知 (traditional)
HEAD_CHARS = 5000


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ray-plan")
    (folder / SEED.name).write_text(SEED.read_text(encoding="utf-8")[:HEAD_CHARS], encoding="utf-8")
    (folder / OTHER.name).write_text(OTHER.read_text(encoding="utf-8")[:HEAD_CHARS // 5], encoding="utf-8")
    return folder / SEED.name


@pytest.fixture(scope="module")
def cluster():
    from index.ray_build import start_ray, stop_ray

    start_ray("local", num_cpus=2)
    yield
    stop_ray()


@pytest.fixture(scope="module")
def config() -> Config:
    return replace(Config(), channels=("bm25", "dense"))


def test_corpus_equals_in_process(cluster, config, plan):
    from index.corpus import read_corpus
    from index.ray_build import read_on_ray

    on_ray, here = read_on_ray([plan], config), read_corpus([plan], config)
    assert on_ray.chunks == here.chunks
    assert on_ray.documents == here.documents and on_ray.sections == here.sections
    assert on_ray.sources == here.sources


def test_pdf_pages_kept_as_in_process(cluster, config, tmp_path):
    """A PDF read on the cluster keeps its file and page map, as the in-process read does (the viewer's
    original pages and the citations' page numbers of a Ray-built index)."""
    from pdf_fixture import plan_pdf

    from index.corpus import read_corpus
    from index.ray_build import read_on_ray

    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(plan_pdf())
    on_ray, here = read_on_ray([pdf], config), read_corpus([pdf], config)
    assert list(on_ray.pages) == list(here.pages) == ["plan.pdf"]
    assert on_ray.pages["plan.pdf"].map == here.pages["plan.pdf"].map
    assert on_ray.pages["plan.pdf"].map.page_count == 2
    assert on_ray.pages["plan.pdf"].original == pdf
    assert on_ray.chunks == here.chunks


def test_vectors_equal_the_in_process_encoder(cluster, config, plan):
    from index.build import dense_units
    from index.corpus import read_corpus
    from index.encoders import get_encoder
    from index.ray_build import embed_on_ray

    texts = dense_units(read_corpus([plan], config).chunks, config.dense_window)[0][:64]
    on_ray = embed_on_ray(texts, config.encoder, actors=2, batch_size=16)
    here = np.asarray(get_encoder(config.encoder).encode(texts), dtype=np.float32)
    cosine = np.sum(on_ray * here, axis=1) / (np.linalg.norm(on_ray, axis=1) * np.linalg.norm(here, axis=1))
    assert on_ray.shape == here.shape
    assert cosine.min() > 0.9999


def test_ray_index_answers_as_the_in_process_one(cluster, config, plan, tmp_path):
    from index.build import build_index
    from index.ray_build import ray_build
    from search.engine import Engine

    summary = ray_build([plan], index=tmp_path / "ray", config=config, actors=2, batch_size=32)
    assert summary.embedded["dense"] > 0 and set(summary.stages) == {"read_chunk", "embed:dense", "write"}
    build_index([plan], index=tmp_path / "here", config=config, cache=SHARED_CACHE)
    engines = {b: Engine.load(tmp_path / b, build_if_missing=False) for b in ("ray", "here")}
    assert engines["ray"].stored.manifest["ray"]["actors"] == 2
    questions = [json.loads(line)["question"] for line in DEV.read_text(encoding="utf-8").splitlines() if line]
    for question in questions:
        ray_hits, here_hits = (engines[b].search(question, k=5) for b in ("ray", "here"))
        assert [h.chunk.chunk_id for h in ray_hits] == [h.chunk.chunk_id for h in here_hits], question


def test_ray_build_records_the_library(cluster, config, plan, tmp_path):
    """A Ray build records its files as a build through index.library does, so add/remove work after it."""
    from index.library import add_files, remove
    from index.library import build as build_library
    from index.ray_build import ray_build
    from index.store import load_index

    folder = plan.parent
    ray_build([folder], index=tmp_path / "ray", config=config, actors=2, batch_size=32, cache=SHARED_CACHE)
    build_library([folder], index=tmp_path / "here", config=config, cache=SHARED_CACHE)
    ray, here = (load_index(tmp_path / b).manifest["library"] for b in ("ray", "here"))
    assert ray == here
    assert sorted(f["source"] for f in ray["files"]) == sorted([SEED.name, OTHER.name])

    removed = remove(OTHER.name, index=tmp_path / "ray", cache=SHARED_CACHE)
    assert removed.removed == (OTHER.name,) and removed.embedded == {"dense": 0}
    assert {d.source for d in load_index(tmp_path / "ray").documents} == {SEED.name}
    added = add_files([folder / OTHER.name], index=tmp_path / "ray", cache=SHARED_CACHE)
    assert added.added == (OTHER.name,)
    assert {d.source for d in load_index(tmp_path / "ray").documents} == {SEED.name, OTHER.name}
