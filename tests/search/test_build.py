"""Building: what is indexed, the embedding cache (unchanged corpus embeds nothing), bad input."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from index.build import DENSE_CHANNELS, Windows, build_index, dense_encoders, dense_units, indexed_text
from index.config import Config
from index.embed_cache import EmbeddingCache, encoder_slug
from index.encoders import PooledEncoder, embed_workers
from index.store import load_index
from index.types import Chunk


def build(plans, target, encoder, **config):
    config = {"encoder": "hash-test", "channels": ("bm25", "dense"), **config}  # no USE in unit tests
    return build_index([plans], index=target, config=Config(**config),
                       encoders={"dense": encoder}, cache=target.parent / "cache")


def test_summary_counts_documents_and_chunks(mini_plans, tmp_path, hash_encoder):
    summary = build(mini_plans, tmp_path / "index", hash_encoder)
    assert (summary.documents, summary.errors) == (2, ())
    assert summary.chunks >= 4 and summary.path == tmp_path / "index"
    contexts = {c.context for c in load_index(summary.path).chunks if c.context}
    # every window, then every distinct context line once, apart (index.encoders.ContextApart)
    assert summary.embedded == {"dense": summary.chunks} and hash_encoder.calls == summary.chunks + len(contexts)


def test_unchanged_rebuild_embeds_nothing_and_a_new_document_only_its_chunks(mini_plans, tmp_path, hash_encoder):
    first = build(mini_plans, tmp_path / "index", hash_encoder)
    calls = hash_encoder.calls
    again = build(mini_plans, tmp_path / "index", hash_encoder)
    assert again.embedded == {"dense": 0} and hash_encoder.calls == calls
    (mini_plans / "c.txt").write_text("大连市邮政业规划\n\n一、发展目标\n快递业务量突破5亿件。\n", encoding="utf-8")
    grown = build(mini_plans, tmp_path / "index", hash_encoder)
    assert grown.documents == 3
    assert grown.embedded == {"dense": grown.chunks - first.chunks} and 0 < grown.embedded["dense"] <= 2


def test_indexed_text_puts_the_context_in_front():
    chunk = Chunk("c", "d", "规划", ("一、目标",), "抽检量达到10批次/千人", "s.txt", 0, 9, context="规划\n一、目标")
    assert indexed_text(chunk) == "规划\n一、目标\n抽检量达到10批次/千人"
    assert indexed_text(Chunk("c", "d", "规划", (), "正文", "s.txt", 0, 2)) == "正文"


def test_the_context_makes_a_passage_findable_by_its_title(mini_engine):
    # "湖州" is only in the title, not in the passage about green factories
    hits = mini_engine.search("湖州 绿色工厂", k=1, channels=["bm25"])
    assert "綠色工廠" in hits[0].chunk.text and "湖州" not in hits[0].chunk.text


def test_a_bad_file_is_reported_and_the_rest_indexed(mini_plans, tmp_path, hash_encoder):
    (mini_plans / "broken.txt").write_bytes(bytes(range(1, 9)) * 100)
    summary = build(mini_plans, tmp_path / "index", hash_encoder)
    assert summary.documents == 2 and len(summary.errors) == 1 and "broken.txt" in summary.errors[0]


def test_nothing_to_index_is_a_clear_error(tmp_path, hash_encoder):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="nothing to index"):
        build(tmp_path / "empty", tmp_path / "index", hash_encoder)


def test_channels_come_from_the_config():
    assert dense_encoders(Config()) == {"dense": "m3e-small-int8", "use": "use-multilingual"}
    assert dense_encoders(Config(channels=("bm25",))) == {}
    assert dense_encoders(Config(encoder="m3e-small", channels=("bm25", "dense", "use"))) == {
        "dense": "m3e-small", "use": "use-multilingual"}
    with pytest.raises(ValueError, match="unknown channel"):
        dense_encoders(Config(channels=("bm25", "sparkle")))


def test_bm25_only_build_has_no_vectors(mini_plans, tmp_path, hash_encoder):
    summary = build(mini_plans, tmp_path / "index", hash_encoder, channels=("bm25",))
    assert summary.embedded == {} and not list((tmp_path / "index").glob("*.faiss"))


def test_cache_returns_exactly_what_was_embedded(tmp_path, hash_encoder):
    cache = EmbeddingCache(tmp_path)
    texts = ["食品抽检", "营商环境", "食品抽检"]
    vectors, embedded = cache.embed(hash_encoder, texts, batch_size=1)
    assert embedded == 2 and hash_encoder.calls == 2  # the repeat is embedded once
    again, embedded_again = cache.embed(hash_encoder, list(reversed(texts)))
    assert embedded_again == 0
    np.testing.assert_array_equal(again, vectors[::-1])
    np.testing.assert_array_equal(vectors[0], hash_encoder.encode(["食品抽检"])[0])


def test_cache_ignores_a_damaged_shard(tmp_path, hash_encoder):
    cache = EmbeddingCache(tmp_path)
    cache.embed(hash_encoder, ["食品抽检"])
    for vectors_file in cache.folder("hash-test").glob("*.npy"):
        if not vectors_file.name.endswith(".keys.npy"):
            vectors_file.write_bytes(b"garbage")
    vectors, embedded = cache.embed(hash_encoder, ["食品抽检"])
    assert embedded == 1 and vectors.shape == (1, 256)


def test_encoder_names_that_are_paths_get_safe_distinct_folders():
    assert encoder_slug("m3e-small") == "m3e-small"
    a, b = encoder_slug("/models/a/m3e"), encoder_slug("/models/b/m3e")
    assert a != b and "/" not in a


def test_cache_shards_are_merged_past_the_limit(tmp_path, hash_encoder, monkeypatch):
    from index import embed_cache

    monkeypatch.setattr(embed_cache, "MAX_SHARDS", 3)
    cache = EmbeddingCache(tmp_path)
    texts = [f"第{i}条" for i in range(5)]
    for text in texts[:3]:
        cache.embed(hash_encoder, [text])
    assert len(list(cache.folder("hash-test").glob("*.keys.npy"))) == 3
    cache.embed(hash_encoder, [texts[3]])  # a fourth shard: merged into one
    assert len(list(cache.folder("hash-test").glob("*.keys.npy"))) == 1
    vectors, embedded = cache.embed(hash_encoder, texts[:4])
    assert embedded == 0
    np.testing.assert_allclose(vectors, hash_encoder.encode(texts[:4]), rtol=1e-6)


def test_windows_carry_the_context_line_or_not():
    chunks = [Chunk("c0", "d", "規劃", (), "甲句。乙句。", "s.txt", 0, 6, context="規劃"),
              Chunk("c1", "d", "規劃", (), "丙句。", "s.txt", 6, 9)]
    texts, rows = dense_units(chunks, Windows(3, context=False))
    assert texts == ["甲句。", "乙句。", "丙句。"] and rows.tolist() == [0, 0, 1]
    assert dense_units(chunks, 3)[0] == dense_units(chunks, Windows(3))[0] == ["规划\n甲句。", "规划\n乙句。", "丙句。"]
    assert dense_units(chunks, Windows(3, apart=True))[0] == ["规划\x1f甲句。", "规划\x1f乙句。", "丙句。"]
    marked = [Chunk("c2", "d", "规划", (), "甲\x1f句。", "s.txt", 0, 4, context="规\x1f划")]  # the marker in the text
    assert dense_units(marked, Windows(9, apart=True))[0] == ["规 划\x1f甲 句。"]
    assert DENSE_CHANNELS["dense"](Config(dense_window=3, dense_context=False))[1] == Windows(3, False, apart=True)
    assert DENSE_CHANNELS["use"](Config(use_window=7, use_context=True))[1] == Windows(7, True, apart=False)


def test_a_context_apart_is_embedded_once_and_mixed_in(hash_encoder):
    from index.encoders import CONTEXT_WEIGHT, ContextApart, l2_normalise

    encoder = ContextApart(hash_encoder)
    vectors = encoder.encode(["规划\x1f甲句。", "规划\x1f乙句。", "问题"])
    assert hash_encoder.calls == 4  # the two windows, the question, then the context line once
    window, context, question = (hash_encoder.encode([t]) for t in ("甲句。", "规划", "问题"))
    np.testing.assert_allclose(vectors[0], l2_normalise((1 - CONTEXT_WEIGHT) * window + CONTEXT_WEIGHT * context)[0],
                               rtol=1e-6)
    np.testing.assert_allclose(vectors[2], question[0], rtol=1e-6)  # a text without the marker, as it is


def test_an_index_written_before_context_apart_reads_back_as_built():
    old = {k: v for k, v in Config().to_dict().items() if k not in ("dense_context_apart", "use_context_apart")}
    assert (Config.from_dict(old).dense_context_apart, Config.from_dict(Config().to_dict()).dense_context_apart) == (
        False, True)


def test_a_build_embeds_the_windows_its_config_names(mini_plans, tmp_path, hash_encoder):
    seen = []

    class Recording(type(hash_encoder)):
        def encode(self, texts):
            seen.extend(texts)
            return super().encode(texts)

    summary = build(mini_plans, tmp_path / "index", Recording(), dense_context=False, dense_window=20)
    chunks = load_index(summary.path).chunks
    assert sorted(seen) == sorted(set(dense_units(chunks, Windows(20, False))[0]))
    assert set(seen).isdisjoint(dense_units(chunks, Windows(20, True))[0])  # every chunk here has a context


def test_pooled_encoder_keeps_the_order_of_its_batches(hash_encoder):
    texts = ["食品抽检", "营商环境", "绿色工厂", "快递业务量", "机场"]
    done = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        pooled = PooledEncoder(hash_encoder, pool, batch_size=2, progress=done.append)
        vectors = pooled.encode(texts)
        assert pooled.encode([]).shape == (0, hash_encoder.dim)
    np.testing.assert_array_equal(vectors, hash_encoder.encode(texts))
    assert sorted(done) == [1, 2, 2] and pooled.name == hash_encoder.name
    assert 1 <= embed_workers() <= 8
