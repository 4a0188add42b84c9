"""BM25 from stored token ids: bm25s' own scores, and an add that tokenises only the new chunks yet ranks
exactly as a rebuild does."""

import json
import shutil

import bm25s
import numpy as np
import pytest
from conftest import HashEncoder, write_plans

from index.bm25_tokens import TOKENS_DIR, TokenIds, bm25_of_tokens, stored_token_ids
from index.build import indexed_text
from index.check import verify_index
from index.config import Config
from index.library import add_files, build
from index.store import IndexLoadError, load_index
from index.tokenize import Tokenizer, get_tokenizer
from search.lexical import LexicalRetriever

CONFIG = Config(encoder="hash-test", channels=("bm25", "dense"))
NEW_PLAN = "大连市邮政业规划\n\n一、发展目标\n快递业务量突破5亿件。\n二、主要任务\n建设智能快递柜2000组，推进快递进村。\n"
QUERIES = ("快递业务量", "生态环境 保护", "深圳 规划 目标", "湖州", "智能快递柜 建设")


def _csc_by_term(bm25) -> dict[str, tuple[list[int], list[float]]]:
    indptr, indices, data = (np.asarray(bm25.scores[k]) for k in ("indptr", "indices", "data"))
    return {term: (indices[indptr[i]:indptr[i + 1]].tolist(), data[indptr[i]:indptr[i + 1]].tolist())
            for term, i in bm25.vocab_dict.items() if i < len(indptr) - 1}


def test_scores_equal_bm25s_own_index_of_the_same_tokens(mini_plans):
    tokenizer = get_tokenizer("search")
    lists = [tokenizer.tokenize(line) for f in sorted(mini_plans.iterdir())
             for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index(lists, show_progress=False)
    ours = bm25_of_tokens(lists, 1.2, 0.75)
    assert ours.scores["num_docs"] == reference.scores["num_docs"] == len(lists)
    assert set(ours.vocab_dict) == set(reference.vocab_dict)
    assert _csc_by_term(ours) == _csc_by_term(reference)  # same documents and float32 scores, term by term
    for query in QUERIES:
        tokens = tokenizer.tokenize(query)
        assert np.array_equal(ours.get_scores(tokens), reference.get_scores(tokens))


def test_token_ids_round_trip_in_order_of_first_appearance():
    ids = TokenIds.of_lists([["规划", "目标", "规划"], [], ["目标", "5"]])
    assert ids.vocab == ("规划", "目标", "5")
    assert ids.ids.tolist() == [0, 1, 0, 1, 2] and ids.offsets.tolist() == [0, 3, 3, 5]
    assert [ids.tokens(r) for r in range(len(ids))] == [["规划", "目标", "规划"], [], ["目标", "5"]]


def _ranked(index) -> dict[str, list[tuple[str, str, float]]]:
    stored = load_index(index)
    retriever = LexicalRetriever(stored.bm25, get_tokenizer("search"), stored.chunks)
    return {q: [(h.chunk.source, h.chunk.chunk_id, h.score) for h in retriever.search(q, k=20)] for q in QUERIES}


@pytest.fixture
def grown(tmp_path, mini_plans, monkeypatch):
    """The mini plans' index with NEW_PLAN added (no token cache left: only the index's own ids), the
    number of texts jieba was asked to cut during the add, and a fresh build of the same files."""
    options = {"index": tmp_path / "index", "encoders": {"dense": HashEncoder()}, "cache": tmp_path / "cache"}
    build([mini_plans], config=CONFIG, **options)
    shutil.rmtree(options["cache"])
    new = write_plans(tmp_path / "incoming", {"c.txt": NEW_PLAN}) / "c.txt"
    cut = []
    original = Tokenizer.tokenize
    monkeypatch.setattr(Tokenizer, "tokenize", lambda self, text: cut.append(text) or original(self, text))
    add_files([new], **options)
    monkeypatch.setattr(Tokenizer, "tokenize", original)
    rebuilt = tmp_path / "rebuilt"
    build([mini_plans, new.parent], config=CONFIG, index=rebuilt, encoders={"dense": HashEncoder()},
          cache=tmp_path / "cache2")
    return options["index"], cut, rebuilt


def test_an_add_tokenises_only_the_new_chunks(grown):
    index, cut, _ = grown
    stored = load_index(index)
    new_texts = [indexed_text(c) for c in stored.chunks if c.source == "c.txt"]
    assert len(new_texts) == 3 and sorted(cut) == sorted(new_texts)


def test_an_add_ranks_and_scores_exactly_as_a_rebuild(grown):
    index, _, rebuilt = grown
    ranked, expected = _ranked(index), _ranked(rebuilt)
    assert ranked == expected
    assert ranked["快递业务量"][0][0] == "c.txt"  # the added plan answers its own question
    tokens = stored_token_ids(load_index(index), "search")
    again = stored_token_ids(load_index(rebuilt), "search")
    assert [tokens.tokens(r) for r in range(len(tokens))] == [again.tokens(r) for r in range(len(again))]


def test_an_index_without_token_ids_still_loads_and_adds(tmp_path, mini_plans):
    options = {"index": tmp_path / "index", "encoders": {"dense": HashEncoder()}, "cache": tmp_path / "cache"}
    build([mini_plans], config=CONFIG, **options)
    manifest_file = options["index"] / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    del manifest["bm25"]["token_ids"]  # as an index built before token ids were kept
    manifest["files"] = {k: v for k, v in manifest["files"].items() if not k.startswith(TOKENS_DIR + "/")}
    manifest_file.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    shutil.rmtree(options["index"] / TOKENS_DIR)
    assert stored_token_ids(load_index(options["index"]), "search") is None
    report = add_files([write_plans(tmp_path / "incoming", {"c.txt": NEW_PLAN}) / "c.txt"], **options)
    assert report.added == ("c.txt",)
    assert stored_token_ids(load_index(options["index"]), "search") is not None  # kept from now on


def test_an_edited_token_file_is_refused_and_check_names_it(tmp_path, mini_plans):
    index = tmp_path / "index"
    build([mini_plans], config=CONFIG, index=index, encoders={"dense": HashEncoder()}, cache=tmp_path / "cache")
    ids_file = index / TOKENS_DIR / "ids.npy"
    ids = np.load(ids_file)
    np.save(ids_file, ids[::-1].copy())  # same size, other content
    with pytest.raises(IndexLoadError, match="bm25_tokens/ids.npy does not match its checksum.*planqa build"):
        stored_token_ids(load_index(index), "search")
    report = verify_index(index)
    assert "bm25_tokens/ids.npy: checksum differs (edited or replaced)" in report.problems


def test_token_ids_of_another_mode_are_not_used(tmp_path, mini_plans):
    index = tmp_path / "index"
    build([mini_plans], config=CONFIG, index=index, encoders={"dense": HashEncoder()}, cache=tmp_path / "cache")
    assert stored_token_ids(load_index(index), "bigrams") is None
    assert stored_token_ids(load_index(index), "search") is not None
