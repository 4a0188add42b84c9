"""One contract for every search backend: the seeds indexed into the local one (bm25s + FAISS) and into
Milvus (milvus-lite 2.5, the real core, in-process), the same tokens, vectors, queries and filters.

BM25 top-5 sets overlap by at least 0.8 (the engines' IDF variants may differ); dense results are equal
(both indexes are exact here: FAISS Flat, Milvus FLAT); filters are exact; a deleted document is gone
and stays gone when the backend is reopened. Vectors come from the hash encoder (no model): the
contract is about the engines, not the encoder.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import SEEDS, HashEncoder

from index.backend import Filters
from index.build import dense_units, indexed_text
from index.config import Config
from index.corpus import read_corpus
from index.tokenize import get_tokenizer
from search.backends import LocalBackend

pytestmark = pytest.mark.milvus

pytest.importorskip("milvus_lite", reason="the cluster extras: pip install -e '.[cluster]'")

DEV = Path(__file__).resolve().parent.parent / "data" / "dev.jsonl"
DRAFT_DOC = "000_67948c9818ef1510-08"  # 深圳市食品药品安全 (征求意见稿): the one deleted


def _questions() -> list[str]:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if r["lang"] == "zh"]


@pytest.fixture(scope="module")
def seeds():
    config = replace(Config(), channels=("bm25", "dense"), encoder="hash-test")
    corpus = read_corpus([SEEDS], config)
    tokenizer = get_tokenizer(config.bm25_tokens)
    tokens = [tokenizer.tokenize(indexed_text(c)) for c in corpus.chunks]
    texts, rows = dense_units(corpus.chunks, config.dense_window)
    encoder = HashEncoder()
    units = {"dense": (encoder.encode(texts), rows)}
    return config, corpus, tokens, units, tokenizer, encoder


@pytest.fixture(scope="module")
def backends(seeds, tmp_path_factory):
    from index.milvus_backend import MilvusBackend

    config, corpus, tokens, units, _, _ = seeds
    root = tmp_path_factory.mktemp("backends")
    local = LocalBackend(config)
    local.add(corpus.chunks, tokens, units, corpus.documents)
    milvus_config = replace(config, backend="milvus", milvus_uri=str(root / "milvus.db"))
    milvus = MilvusBackend.create(root / "index", milvus_config, {"dense": int(units["dense"][0].shape[1])})
    milvus.add(corpus.chunks, tokens, units, corpus.documents)
    return {"local": local, "milvus": milvus, "root": root}


def _rows(ranked) -> list[int]:
    return [row for row, _ in ranked]


def test_bm25_top5_overlap(backends, seeds):
    tokenizer = seeds[4]
    overlaps = []
    for question in _questions():
        tokens = tokenizer.tokenize(question)
        local, milvus = (set(_rows(backends[b].lexical(tokens, 5))) for b in ("local", "milvus"))
        assert len(local) == len(milvus) == 5
        overlaps.append(len(local & milvus) / 5)
    assert len(overlaps) >= 20
    assert np.mean(overlaps) >= 0.8
    assert min(overlaps) >= 0.6


def test_dense_equal(backends, seeds):
    encoder = seeds[5]
    for question in _questions():
        vector = encoder.encode([question])[0]
        local, milvus = (backends[b].dense("dense", vector, 10) for b in ("local", "milvus"))
        assert _rows(local)[:5] == _rows(milvus)[:5]
        np.testing.assert_allclose([s for _, s in local], [s for _, s in milvus], atol=1e-4)


def _docs_of(ranked, chunks) -> set[str]:
    return {chunks[row].doc_id for row, _ in ranked}


@pytest.mark.parametrize("filters", [
    Filters(doc_ids=("004_bcf92bb41f96abcb",)),
    Filters(region="深圳市"),
    Filters(year=2018),
    Filters(draft=True, region="深圳市"),
])
def test_filters_exact(backends, seeds, filters):
    config, corpus, _, _, tokenizer, encoder = seeds
    documents = {d.doc_id: d for d in corpus.documents}
    admitted = {d for d, doc in documents.items() if filters.admits(doc)}
    assert admitted
    question = "到2025年食品抽检量达到多少批次"
    tokens, vector = tokenizer.tokenize(question), encoder.encode([question])[0]
    results = {}
    for name in ("local", "milvus"):
        lexical = backends[name].lexical(tokens, 20, filters=filters)
        dense = backends[name].dense("dense", vector, 20, filters=filters)
        assert lexical and dense
        assert _docs_of(lexical, corpus.chunks) <= admitted
        assert _docs_of(dense, corpus.chunks) <= admitted
        results[name] = dense
    assert _rows(results["local"]) == _rows(results["milvus"])


def test_row_mask_as_the_engine_makes_it(backends, seeds):
    """``Engine.allowed`` gives a bool mask over rows: whole documents, or any rows."""
    _, corpus, _, _, tokenizer, encoder = seeds
    doc_of_row = np.array([c.doc_id for c in corpus.chunks], dtype=object)
    whole = np.isin(doc_of_row, ["003_79343c809ff40c02", "001_aba122246e41847e"])
    some = np.zeros(len(corpus.chunks), dtype=bool)
    some[::7] = True
    vector = encoder.encode(["城市空气质量优良天数比率"])[0]
    for mask in (whole, some):
        allowed = set(np.flatnonzero(mask).tolist())
        found = {b: backends[b].dense("dense", vector, 10, allowed=mask) for b in ("local", "milvus")}
        assert set(_rows(found["milvus"])) <= allowed
        assert _rows(found["local"]) == _rows(found["milvus"])
        lexical = backends["milvus"].lexical(tokenizer.tokenize("空气质量"), 10, allowed=mask)
        assert lexical and set(_rows(lexical)) <= allowed


def test_delete_then_reopen(backends, seeds):
    from index.milvus_backend import MilvusBackend, release

    config, corpus, _, _, tokenizer, encoder = seeds
    tokens = tokenizer.tokenize("深圳市食品药品安全抽检")
    vector = encoder.encode(["深圳市食品药品安全抽检"])[0]
    before = _docs_of(backends["milvus"].lexical(tokens, 10), corpus.chunks)
    assert DRAFT_DOC in before
    gone = sum(1 for c in corpus.chunks if c.doc_id == DRAFT_DOC)
    for name in ("local", "milvus"):
        assert backends[name].delete([DRAFT_DOC]) == gone
        assert DRAFT_DOC not in _docs_of(backends[name].lexical(tokens, 10), corpus.chunks)
        assert DRAFT_DOC not in _docs_of(backends[name].dense("dense", vector, 10), corpus.chunks)
    expected = {b: (backends[b].lexical(tokens, 10), backends[b].dense("dense", vector, 10))
                for b in ("local", "milvus")}

    backends["local"].save(backends["root"] / "local")
    local = LocalBackend.load(backends["root"] / "local", config, corpus.chunks, corpus.documents)
    entry = backends["milvus"].manifest()
    release(entry["uri"])  # milvus-lite's server stops; the next open reads the file again
    milvus = MilvusBackend.open(json.loads(json.dumps(entry)), corpus.chunks, corpus.documents)
    for name, backend in (("local", local), ("milvus", milvus)):
        lexical, dense = backend.lexical(tokens, 10), backend.dense("dense", vector, 10)
        assert _rows(lexical) == _rows(expected[name][0])
        assert _rows(dense) == _rows(expected[name][1])
        assert DRAFT_DOC not in _docs_of(lexical, corpus.chunks) | _docs_of(dense, corpus.chunks)
    backends["milvus"] = milvus


def test_engine_over_a_milvus_index(local_and_milvus):
    """`build --backend milvus` → the manifest names it → search runs in Milvus, ranks kept per channel,
    and gives the local index's results."""
    from search.engine import Engine

    tmp_path, encoders = local_and_milvus["local"].parent, local_and_milvus["encoders"]
    manifest = json.loads((tmp_path / "milvus" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["backend"]["name"] == "milvus"
    # the vectors live only in Milvus: no FAISS file in the folder, the encoder named in the entry
    assert manifest["encoders"] == [] and not list((tmp_path / "milvus").glob("*.faiss"))
    assert manifest["backend"]["encoders"] == {"dense": "hash-test"}
    engines = {b: Engine.load(tmp_path / b, build_if_missing=False, encoders=encoders) for b in ("local", "milvus")}
    assert type(engines["milvus"].retriever(["dense"])).__name__ == "BackendDense"
    for question in ("食品抽检量", "PM2.5年均浓度", "绿色工厂"):
        hits = {b: engines[b].search(question, k=3) for b in engines}
        assert [h.chunk.chunk_id for h in hits["milvus"]] == [h.chunk.chunk_id for h in hits["local"]]
        assert [h.ranks for h in hits["milvus"]] == [h.ranks for h in hits["local"]]
    region = engines["milvus"].search("到2025年", k=5, region="湖州")
    assert region and {h.chunk.doc_id for h in region} == {"b"}


def test_library_updates_reuse_the_vectors_in_milvus(tmp_path, register_hash_encoder):
    """add/remove on a Milvus index read the kept windows' vectors back from Milvus (nothing embedded
    again, no embedding cache), and the updated index searches as a local one of the same files."""
    from conftest import MINI_PLANS, write_plans

    from index.library import add_files, remove
    from index.library import build as build_library
    from search.engine import Engine

    plans = write_plans(tmp_path / "plans", {"a.txt": MINI_PLANS["a.txt"]})
    extra = write_plans(tmp_path / "extra", {"b.txt": MINI_PLANS["b.txt"]})
    config = Config(encoder="hash-test", channels=("bm25", "dense"), dense_context_apart=False, backend="milvus",
                    milvus_uri=str(tmp_path / "m.db"))
    encoders = {"dense": register_hash_encoder}
    build_library([plans], index=tmp_path / "milvus", config=config, encoders=encoders, cache=tmp_path / "c1")
    windows_a = register_hash_encoder.calls
    added = add_files([extra / "b.txt"], index=tmp_path / "milvus", encoders=encoders, cache=tmp_path / "c2")
    assert added.added == ("b.txt",)
    windows_b = register_hash_encoder.calls - windows_a
    assert added.embedded == {"dense": windows_b} and 0 < windows_b  # a.txt's came back from Milvus
    removed = remove("a.txt", index=tmp_path / "milvus", encoders=encoders, cache=tmp_path / "c3")
    assert removed.embedded == {"dense": 0} and register_hash_encoder.calls == windows_a + windows_b

    local = replace(config, backend="local", milvus_uri="")
    build_library([extra], index=tmp_path / "local", config=local, encoders=encoders, cache=tmp_path / "c1")
    engines = {b: Engine.load(tmp_path / b, build_if_missing=False, encoders=encoders) for b in ("local", "milvus")}
    assert engines["milvus"].stored.manifest["backend"]["name"] == "milvus"
    for question in ("PM2.5年均浓度", "绿色工厂", "食品抽检量"):
        hits = {b: [h.chunk.chunk_id for h in engines[b].search(question, k=3)] for b in engines}
        assert hits["milvus"] == hits["local"], question
