"""BM25 over jieba tokens: scores against the Lucene formula by hand, normalisation, filters inside top-k."""

import math

import numpy as np
import pytest

from index.build import build_bm25
from index.config import Config
from index.tokenize import get_tokenizer
from index.types import Chunk
from search.lexical import LexicalRetriever, top_k

TEXTS = [
    "到2025年，食用农产品和食品抽检量达到10批次/千人。",
    "食品评价性抽检合格率保持在99%以上，抽检合格率稳步提升。",
    "持续优化营商环境，推行告知承诺制。",
    "城市空气质量优良天数比率达到90%以上。",
]


def chunk(i: int, text: str, doc_id: str = "d1") -> Chunk:
    return Chunk(f"c{i}", doc_id, "规划", ("规划",), text, "s.txt", 0, len(text))


@pytest.fixture(scope="module")
def retriever():
    tok = get_tokenizer("search")
    chunks = [chunk(i, t) for i, t in enumerate(TEXTS)]
    return LexicalRetriever(build_bm25([tok.tokenize(t) for t in TEXTS], Config()), tok, chunks)


def lucene_bm25(query_tokens, docs_tokens, k1, b):
    """BM25 as Lucene scores it (Kamphuis et al., ECIR 2020), by hand."""
    n = len(docs_tokens)
    avgdl = sum(map(len, docs_tokens)) / n
    scores = []
    for doc in docs_tokens:
        score = 0.0
        for term in query_tokens:
            df = sum(term in d for d in docs_tokens)
            if df == 0:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            tf = doc.count(term)
            score += idf * tf / (tf + k1 * (1 - b + b * len(doc) / avgdl))
        scores.append(score)
    return scores


def test_scores_match_the_lucene_formula(retriever):
    tok = retriever.tokenizer
    query = "食品抽检合格率"
    config = Config()
    expected = lucene_bm25(tok.tokenize(query), [tok.tokenize(t) for t in TEXTS], config.bm25_k1, config.bm25_b)
    assert retriever.scores(query).tolist() == pytest.approx(expected, rel=1e-5)


def test_search_ranks_by_score_and_reports_its_channel(retriever):
    hits = retriever.search("抽检合格率是多少", k=10)
    assert [h.chunk.chunk_id for h in hits] == ["c1", "c0"]
    assert [h.rank for h in hits] == [1, 2]
    assert hits[0].ranks == {"bm25": 1}
    assert hits[0].scores["bm25"] == pytest.approx(hits[0].score)
    assert hits[0].score > hits[1].score > 0


def test_query_is_normalised_like_the_passages(retriever):
    assert retriever.search("優化營商環境", k=1)[0].chunk.chunk_id == "c2"
    assert retriever.search("空气质量优良天数比率９０％", k=1)[0].chunk.chunk_id == "c3"


def test_no_shared_token_returns_nothing(retriever):
    assert retriever.search("海洋渔业", k=5) == []
    assert retriever.search("", k=5) == []


def test_filter_applies_before_the_top_k():
    tok = get_tokenizer("search")
    # nine strong matches in doc "big", one weak one in doc "small": a global top-3 holds no "small" chunk
    texts = ["食品抽检食品抽检食品抽检"] * 9 + ["加强食品监管"]
    chunks = [chunk(i, t, "big") for i, t in enumerate(texts[:9])] + [chunk(9, texts[9], "small")]
    lex = LexicalRetriever(build_bm25([tok.tokenize(t) for t in texts], Config()), tok, chunks)
    assert all(h.chunk.doc_id == "big" for h in lex.search("食品抽检", k=3))
    allowed = np.array([c.doc_id == "small" for c in chunks])
    hits = lex.search("食品抽检", k=3, allowed=allowed)
    assert [h.chunk.chunk_id for h in hits] == ["c9"]


def test_top_k_orders_ties_by_row_and_respects_the_mask():
    scores = np.array([1.0, 3.0, 3.0, 0.0, 2.0])
    assert top_k(scores, 3).tolist() == [1, 2, 4]
    assert top_k(scores, 10, positive=True).tolist() == [1, 2, 4, 0]
    assert top_k(scores, 2, allowed=np.array([True, False, True, True, False])).tolist() == [2, 0]
    assert top_k(scores, 0).tolist() == []


def test_mismatched_index_is_rejected():
    tok = get_tokenizer("search")
    bm25 = build_bm25([tok.tokenize(t) for t in TEXTS], Config())
    with pytest.raises(ValueError, match="holds 4 passages, got 1 chunks"):
        LexicalRetriever(bm25, tok, [chunk(0, TEXTS[0])])
