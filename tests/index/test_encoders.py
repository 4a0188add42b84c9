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
    assert get_encoder("hash-test") is get_encoder("hash-test") is hash_encoder


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
