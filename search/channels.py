"""The retrieval channels an index can be searched by, and the retriever over a set of them.

``CHANNELS`` maps a channel name (the keys of ``Hit.ranks``) to a factory ``(engine, name) -> Retriever``:
a new channel is one entry. A backend other than the index's own files (``index.backend``) supplies its
own lexical and dense retrievers (``search.backends``); English questions reach BM25 through the
glossary (``search.crosslingual.BridgedLexical``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from index.backend import dense_entries
from index.encoders import get_encoder
from index.tokenize import get_tokenizer
from search.backends import backend_dense, backend_lexical
from search.crosslingual import BridgedLexical
from search.dense import DenseRetriever
from search.hybrid import HybridRetriever, Retriever
from search.lexical import LexicalRetriever
from search.memo import RememberingEncoder

if TYPE_CHECKING:
    from search.engine import Engine


QUERY_VECTORS = 2000  # query texts whose vectors a dense channel keeps


def lexical_channel(engine: Engine, name: str) -> Retriever:
    tokenizer = get_tokenizer(engine.config.bm25_tokens)
    lexical = (backend_lexical(engine.stored, tokenizer, name)  # None: the index's own bm25s files
               or LexicalRetriever(engine.stored.bm25, tokenizer, engine.chunks, name=name))
    return BridgedLexical(lexical, engine.router)


def dense_channel(engine: Engine, name: str) -> Retriever:
    dense = dense_entries(engine.stored).get(name)  # index None: the vectors are in the backend
    if dense is None:
        raise ValueError(
            f"the index at {engine.path} has no {name!r} vectors; rebuild with `planqa build` "
            f"and a config whose channels include {name!r}"
        )
    # the query's vector, remembered: a comparison searches each of its plans with the same question
    # (3-7 encodings of 20-70 ms each for one request, profiled on the seeds)
    encoder = RememberingEncoder(engine.encoders.get(name) or get_encoder(dense.encoder), size=QUERY_VECTORS)
    return backend_dense(engine.stored, encoder, name) or DenseRetriever(dense.index, encoder, engine.chunks, name=name)


CHANNELS: dict[str, Callable[[Engine, str], Retriever]] = {
    "bm25": lexical_channel, "dense": dense_channel, "use": dense_channel,
}


def make_retriever(engine: Engine, names: Sequence[str]) -> Retriever:
    """The retriever over channels ``names`` of ``engine``'s index: one channel is searched directly,
    several are fused (``search.hybrid``) with the search config's weights, candidates and ``rrf_k``.

    Raises:
        ValueError: a name that is not a channel.
    """
    unknown = [n for n in names if n not in CHANNELS]
    if unknown:
        raise ValueError(f"unknown channel(s) {', '.join(unknown)}; known: {', '.join(CHANNELS)}")
    built = {name: CHANNELS[name](engine, name) for name in names}
    if len(built) == 1:
        return built[names[0]]
    config = engine.search_config
    return HybridRetriever(built, weights=dict(config.channel_weights), candidates=config.candidates,
                           rrf_k=config.rrf_k)
