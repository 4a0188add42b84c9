"""The façade over a built index: load (building the default one if needed), search, look up.

Channels are built from the index's config (``Config.channels``) through ``CHANNELS`` (a plain dict: a
new channel is one entry). What each channel searches for a given query, and the fusion weights, come
from ``ROUTING(engine) -> (rewriters, weights)`` (see ``search.hybrid``): by default every channel
searches the query as asked with ``Config.channel_weights``; issue 4 routes English questions there.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from index.config import Config, index_dir
from index.encoders import Encoder, get_encoder
from index.normalize import normalize
from index.store import MANIFEST, IndexLoadError, StoredIndex, load_index
from index.tokenize import get_tokenizer
from index.types import Chunk, Document, Section
from search.crosslingual import bridged_lexical
from search.crosslingual import routing as crosslingual_routing
from search.dense import DenseRetriever
from search.hybrid import HybridRetriever, Retriever, Rewriter, Weights
from search.lexical import LexicalRetriever
from search.types import AskResult, ChunkComparison, Comparison, Hit, QuoteResult

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _lexical(engine: Engine, name: str) -> Retriever:
    tokenizer = get_tokenizer(engine.config.bm25_tokens)
    lexical = LexicalRetriever(engine.stored.bm25, tokenizer, engine.chunks, name=name)
    return bridged_lexical(engine, lexical)  # English questions reach BM25 through the glossary (issue 4)


def _dense(engine: Engine, name: str) -> Retriever:
    dense = engine.stored.dense.get(name)
    if dense is None:
        raise ValueError(
            f"the index at {engine.path} has no {name!r} vectors; rebuild with `planqa build` "
            f"and a config whose channels include {name!r}"
        )
    encoder = engine.encoders.get(name) or get_encoder(dense.encoder)
    return DenseRetriever(dense.index, encoder, engine.chunks, name=name)


# channel name -> factory(engine, name). Names are the keys of Hit.ranks.
CHANNELS: dict[str, Callable[[Engine, str], Retriever]] = {"bm25": _lexical, "dense": _dense, "use": _dense}


def default_routing(engine: Engine) -> tuple[dict[str, Rewriter], Weights]:
    """Every channel searches the query as asked; weights from the config."""
    return {}, dict(engine.config.channel_weights)


# engine -> (per-channel query rewriters, weights or weights-of-query); called once per Engine.
# search.crosslingual.routing: English and mixed questions get per-channel queries and weights (issue 4).
ROUTING: Callable[[Engine], tuple[Mapping[str, Rewriter], Weights]] = crosslingual_routing


def default_paths() -> tuple[str, ...]:
    """``seeds/`` of the working folder, else the one shipped beside the package."""
    return ("seeds",) if Path("seeds").is_dir() else (str(SEEDS),)


class Engine:
    """Search and look-ups over one loaded index. Safe to share between threads."""

    def __init__(
        self,
        stored: StoredIndex,
        encoders: Mapping[str, Encoder] | None = None,
        rewriters: Mapping[str, Rewriter] | None = None,
        weights: Weights | None = None,
    ):
        """Args:
            stored: a loaded index (``index.store.load_index``).
            encoders: encoder objects per dense channel, overriding the ones the manifest names.
            rewriters: per-channel query rewrites; from ``ROUTING`` when None.
            weights: fusion weights (or a function of the query); from ``ROUTING`` when None.
        """
        self.stored = stored
        self.encoders = dict(encoders or {})
        routed_rewriters, routed_weights = ROUTING(self)
        self.rewriters = dict(routed_rewriters if rewriters is None else rewriters)
        self.weights = routed_weights if weights is None else weights
        self._by_id = {c.chunk_id: i for i, c in enumerate(stored.chunks)}
        self._docs = {d.doc_id: d for d in stored.documents}
        self._chunk_docs = np.array([c.doc_id for c in stored.chunks], dtype=object)
        self._retrievers: dict[tuple[str, ...], Retriever] = {}
        self._lock = threading.Lock()
        self._sources = None  # search.citation.SourceTexts, made on first use (answers, quotes)
        self._quotes = None  # (search.quote.QuoteIndex, ChunkLocator), made on first `cite`

    @classmethod
    def load(
        cls,
        index: str | Path | None = None,
        build_if_missing: bool = True,
        paths: Sequence[str | Path] | None = None,
        quiet: bool = False,
        encoders: Mapping[str, Encoder] | None = None,
        config: Config | None = None,
    ) -> Engine:
        """Load the index at ``index`` (``--index``, ``PLANQA_INDEX`` or ``.planqa/index``).

        If there is none and ``build_if_missing``, build it over ``paths`` (default ``seeds/``) first,
        saying so on stderr unless ``quiet``.

        Raises:
            IndexLoadError: no index (and not building one), or a damaged one; the message says to
                rebuild with ``planqa build``.
        """
        path = index_dir(index)
        if not (path / MANIFEST).is_file():
            if not build_if_missing:
                raise IndexLoadError(f"no planqa index at {path}; build one with `planqa build`")
            from index.build import build_index

            paths = tuple(paths or default_paths())
            if not quiet:
                where = ", ".join(f"{p}/" if Path(p).is_dir() else str(p) for p in paths)
                sys.stderr.write(f"No index at {path}; building the default index over {where} …\n")
            build_index(paths, index=path, config=config, encoders=encoders, progress=not quiet)
        return cls(load_index(path), encoders=encoders)

    # --- what the index holds
    @property
    def config(self) -> Config:
        return self.stored.config

    @property
    def path(self) -> Path | None:
        return self.stored.path

    @property
    def documents(self) -> list[Document]:
        return self.stored.documents

    @property
    def sections(self) -> list[Section]:
        return self.stored.sections

    @property
    def chunks(self) -> list[Chunk]:
        return self.stored.chunks

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels searched by default: the config's, in order."""
        return tuple(self.config.channels)

    def chunk(self, chunk_id: str) -> Chunk:
        """The chunk ``chunk_id``; ValueError (not KeyError) with a hint if there is none."""
        row = self._by_id.get(chunk_id)
        if row is None:
            raise ValueError(f"no chunk {chunk_id!r} in the index; `planqa chunks` lists them")
        return self.chunks[row]

    def row(self, chunk_id: str) -> int:
        """Position of a chunk in ``chunks`` (and its vector id)."""
        self.chunk(chunk_id)
        return self._by_id[chunk_id]

    def document(self, doc_id: str) -> Document:
        doc = self._docs.get(doc_id)
        if doc is None:
            raise ValueError(f"no document {doc_id!r} in the index; `planqa docs` lists them")
        return doc

    # --- search
    def retriever(self, channels: Sequence[str] | None = None) -> Retriever:
        """The retriever over ``channels`` (default: the config's); one channel is searched directly."""
        names = tuple(channels or self.channels)
        unknown = [n for n in names if n not in CHANNELS]
        if unknown:
            raise ValueError(f"unknown channel(s) {', '.join(unknown)}; known: {', '.join(CHANNELS)}")
        with self._lock:
            if names not in self._retrievers:
                built = {name: CHANNELS[name](self, name) for name in names}
                if len(built) == 1 and not any(n in self.rewriters for n in names):
                    self._retrievers[names] = built[names[0]]
                else:
                    self._retrievers[names] = HybridRetriever(
                        built,
                        weights=self.weights,
                        rewriters={n: r for n, r in self.rewriters.items() if n in built},
                        candidates=self.config.candidates,
                        rrf_k=self.config.rrf_k,
                    )
            return self._retrievers[names]

    def allowed(
        self, doc_ids: Sequence[str] | None = None, region: str | None = None, year: int | None = None
    ) -> np.ndarray | None:
        """Boolean mask over chunks for the filters (None: no filter).

        ``region`` matches a document whose region or title contains it (after normalisation, so
        深圳 matches 深圳市 and 深圳市罗湖区); ``year`` one whose years span it.
        """
        if not doc_ids and not region and year is None:
            return None
        docs = self.documents
        if doc_ids:
            missing = [d for d in doc_ids if d not in self._docs]
            if missing:
                raise ValueError(f"unknown document id(s) {', '.join(missing)}; `planqa docs` lists them")
            docs = [d for d in docs if d.doc_id in set(doc_ids)]
        if region:
            key = normalize(region).strip()
            docs = [d for d in docs if key in normalize(d.region or "") or key in normalize(d.title)]
        if year is not None:
            docs = [d for d in docs if d.years and d.years[0] <= year <= d.years[1]]
        return np.isin(self._chunk_docs, [d.doc_id for d in docs])

    def search(
        self,
        query: str,
        k: int = 10,
        doc_ids: Sequence[str] | None = None,
        region: str | None = None,
        year: int | None = None,
        channels: Sequence[str] | None = None,
    ) -> list[Hit]:
        """The ``k`` best passages for ``query``; filters act inside retrieval, before the top-k."""
        if not query or not query.strip():
            return []
        allowed = self.allowed(doc_ids, region, year)
        if allowed is not None and not allowed.any():
            return []
        return self.retriever(channels).search(query, k, allowed=allowed)

    # --- answers, comparison, citations, quotes (issue 5). The logic lives in search.answer,
    # search.compare, search.citation and search.quote; these are the entry points over this index.
    def source_text(self, name: str) -> str | None:
        """The original text of source file ``name`` as indexed, or None if it cannot be found unchanged."""
        if self._sources is None:
            from search.citation import SourceTexts

            self._sources = SourceTexts(self.chunks, default_paths(), self.path)
        return self._sources(name)

    def sentence_encoder(self, text: str) -> Encoder | None:
        """The dense encoder for ``text``'s language: the index's m3e for Chinese, USE multilingual otherwise."""
        from search.language import detect_language

        channels = ("dense", "use") if detect_language(text) == "zh" else ("use",)
        for channel in channels:
            dense = self.stored.dense.get(channel)
            if dense is not None:
                return self.encoders.get(channel) or get_encoder(dense.encoder)
        # an English question against a Chinese-only index: the multilingual encoder still compares
        # the question with a few candidate sentences (no index needed for that)
        return None if channels[0] == "dense" else self.encoders.get("use") or get_encoder(self.config.use_encoder)

    def term_frequencies(self):
        """(document frequency of a token, passage count) from the BM25 index: idf for answer scoring."""
        from search.terms import bm25_document_frequency

        return bm25_document_frequency(self.stored.bm25)

    def ask(
        self, question: str, k: int = 10, doc_ids: Sequence[str] | None = None, region: str | None = None
    ) -> AskResult:
        """The sentence(s) of the top passages that answer ``question`` (or None, with the reason)."""
        from search.answer import answer_question

        hits = self.search(question, k, doc_ids=doc_ids, region=region)
        encoder = self.sentence_encoder(question)
        return answer_question(question, hits, encoder.encode if encoder else None, self.source_text,
                               frequencies=self.term_frequencies())

    def compare(self, question: str, doc_ids: Sequence[str] | None = None, top: int = 2) -> Comparison:
        """One column per document (``doc_ids``, or the most relevant few) for ``question``."""
        from search.compare import compare

        encoder = self.sentence_encoder(question)
        return compare(self, question, doc_ids, top, encoder.encode if encoder else None, self.source_text,
                       frequencies=self.term_frequencies())

    def compare_chunks(self, chunk_a: str, chunk_b: str) -> ChunkComparison:
        """Two passages side by side, shared terms and differing numbers marked."""
        from search.compare import compare_chunks

        return compare_chunks(self.chunk(chunk_a), self.chunk(chunk_b))

    def cite(self, quote: str, k: int = 5) -> QuoteResult:
        """Where ``quote`` comes from: exact match first, then approximate; never a confident wrong source."""
        from search.quote import ChunkLocator, lookup, quote_index_for

        with self._lock:
            if self._quotes is None:
                index = quote_index_for(
                    self.documents, self.chunks, self.source_text, self.path, self.stored.corpus_hash
                )
                self._quotes = (index, ChunkLocator(self.chunks))
        index, locator = self._quotes
        return lookup(index, quote, self.source_text, locator, k=k)

    def show(self, chunk_id: str, context: int = 1) -> list[Chunk]:
        """The passage ``chunk_id`` with up to ``context`` passages of its section on each side."""
        from search.citation import neighbours

        self.chunk(chunk_id)  # the engine's error for an unknown id
        return neighbours(self.chunks, chunk_id, context)
