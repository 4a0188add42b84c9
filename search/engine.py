"""The façade over a built index: load (building the default one if needed), search, look up.

Channels are built from the index's config (``Config.channels``) through ``search.channels.CHANNELS`` (a
plain dict: a new channel is one entry). A question becomes one :class:`~search.query.Query` (``Engine.query``: its
language, what each channel searches and the fusion weights, from the search config), made once per
request and handed to retrieval, answers and comparison.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.config import Config
from index.encoders import Encoder
from index.store import REBUILD, IndexLoadError, StoredIndex, load_index, read_source
from index.types import Chunk, Document, Section
from search.channels import make_retriever
from search.config import SearchConfig
from search.crosslingual import CrossLingual, NameBridge
from search.default_index import locate_index
from search.dense import sentence_encoder_for
from search.filters import allowed_chunks
from search.hybrid import Retriever
from search.limits import Limits
from search.query import Query
from search.types import AskResult, ChunkComparison, Comparison, Hit, QuoteResult

if TYPE_CHECKING:
    from search.rerank import Focus
    from search.understand import Understood

class Engine:
    """Search and look-ups over one loaded index. Safe to share between threads."""

    def __init__(
        self,
        stored: StoredIndex,
        encoders: Mapping[str, Encoder] | None = None,
        search_config: SearchConfig | None = None,
    ):
        """Args:
            stored: a loaded index (``index.store.load_index``).
            encoders: encoder objects per dense channel, overriding the ones the manifest names.
            search_config: fusion, ranking and answer settings; default ``SearchConfig.from_env()``.
        """
        self.stored = stored
        self.encoders = dict(encoders or {})
        self.search_config = search_config or SearchConfig.from_env()
        vocabulary = stored.bm25.vocab_dict
        self.router = CrossLingual(self.search_config, names=NameBridge(lambda: vocabulary))
        self._by_id = {c.chunk_id: i for i, c in enumerate(stored.chunks)}
        self._docs = {d.doc_id: d for d in stored.documents}
        self._chunk_docs = np.array([c.doc_id for c in stored.chunks], dtype=object)
        self._retrievers: dict[tuple[str, ...], Retriever] = {}
        self._lock = threading.Lock()
        self._sources: dict[str, str] = {}  # source name -> original text, read on first use and verified
        self._quotes = None  # (index.quote_index.QuoteIndex, ChunkLocator), loaded on first `cite`
        self.limits = Limits.from_env()
        self._remembering: dict[str, object] = {}  # encoder name -> search.memo.RememberingEncoder

    @classmethod
    def load(
        cls,
        index: str | Path | None = None,
        build_if_missing: bool = True,
        paths: Sequence[str | Path] | None = None,
        quiet: bool = False,
        encoders: Mapping[str, Encoder] | None = None,
        config: Config | None = None,
        search_config: SearchConfig | None = None,
    ) -> Engine:
        """Load the index at ``index`` (``--index``, ``PLANQA_INDEX`` or ``.planqa/index``); the default
        index is built over ``paths`` (default ``seeds/``) when missing (``search.default_index``).

        Raises:
            IndexLoadError: no index there (and not the default one to build), or a damaged one; the
                message names the path and the command that builds it.
        """
        path = locate_index(index, build_if_missing, paths, quiet, encoders, config)
        return cls(load_index(path), encoders=encoders, search_config=search_config)

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
    def build_id(self) -> str:
        return str(self.stored.manifest.get("build_id", ""))

    @property
    def build_time(self) -> str:
        return str(self.stored.manifest.get("build_time", ""))

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

    def document(self, doc_id: str) -> Document:
        doc = self._docs.get(doc_id)
        if doc is None:
            raise ValueError(f"no document {doc_id!r} in the index; `planqa docs` lists them")
        return doc

    # --- search
    def retriever(self, channels: Sequence[str] | None = None) -> Retriever:
        """The retriever over ``channels`` (default: the config's); one channel is searched directly."""
        names = tuple(channels or self.channels)
        with self._lock:
            if names not in self._retrievers:
                self._retrievers[names] = make_retriever(self, names)
            return self._retrievers[names]

    def allowed(
        self, doc_ids: Sequence[str] | None = None, region: str | None = None, year: int | None = None
    ) -> np.ndarray | None:
        """Boolean mask over chunks for the filters (None: no filter): ``search.filters``."""
        return allowed_chunks(self.documents, self._chunk_docs, doc_ids, region, year, known=self._docs)

    def query(self, text: str) -> Query:
        """The :class:`~search.query.Query` of a question: made once per request, handed down."""
        return self.router.route(text)

    def search(
        self,
        query: str | Query,
        k: int = 10,
        doc_ids: Sequence[str] | None = None,
        region: str | None = None,
        year: int | None = None,
        channels: Sequence[str] | None = None,
        focus: Focus | None = None,
    ) -> list[Hit]:
        """The ``k`` best passages for ``query``; filters act inside retrieval, before the top-k.

        Over the default channels the fused passages get the second stage (``search.rerank``: place,
        period and aim priors, question-term coverage) unless the search config's ``rerank`` is off;
        ``focus`` is the question's (``Engine.focus``) when the caller made it already.

        Raises:
            ValueError: ``k`` outside 1…100 or a question over the length limit (``search.limits``).
        """
        text = query.text if isinstance(query, Query) else query or ""
        self.limits.check_k(k)
        self.limits.check_question(text)
        if not text.strip():
            return []
        allowed = self.allowed(doc_ids, region, year)
        if allowed is not None and not allowed.any():
            return []
        query = query if isinstance(query, Query) else self.query(text)
        if channels is not None or not self.search_config.rerank:
            return self.retriever(channels).search(query, k, allowed=allowed)
        from search.rerank import rerank

        focus = focus or self.focus(text)
        return rerank(self.retriever().search(query, max(k, focus.depth), allowed=allowed), focus)[:k]

    def focus(self, question: str, understood: Understood | None = None, ignore: Sequence[str] = ()) -> Focus:
        """What the second stage and answers read of ``question`` (``search.rerank.focus_of``), once;
        ``ignore``: facets of the understood question to leave out (``search.understand.IGNORABLE``).

        Raises:
            ValueError: ``ignore`` names something that is not a facet.
        """
        from search.rerank import focus_of
        from search.understand import analyse

        if ignore:
            understood = (understood or analyse(question, self.documents)).ignoring(tuple(ignore))
        return focus_of(question, self.documents, self.term_frequencies(), understood, self.glossary)

    # --- answers, comparison, citations, quotes. The logic lives in search.answer,
    # search.compare, search.citation and search.quote; these are the entry points over this index.
    def source_text(self, name: str) -> str | None:
        """The original text of source file ``name``, from the index's ``sources/`` (sha256-checked).

        Raises:
            IndexLoadError: the file was edited or removed since the build (rebuild the index).
        """
        text = self._sources.get(name)
        if text is None:
            text = read_source(self.stored, name)
            with self._lock:
                self._sources[name] = text
        return text

    def sentence_encoder(self, text: str) -> Encoder | None:
        """The dense encoder for ``text``'s language: the index's m3e for Chinese, USE multilingual otherwise;
        it remembers the vectors of the sentences it encoded (``search.memo``)."""
        from search.memo import RememberingEncoder

        encoder = sentence_encoder_for(self.stored, self.encoders, text)
        size = int(os.environ.get("PLANQA_SENTENCE_CACHE", "20000") or 0)  # vectors kept per encoder; 0: none
        if encoder is None or size <= 0:
            return encoder
        with self._lock:
            if encoder.name not in self._remembering:
                self._remembering[encoder.name] = RememberingEncoder(encoder, size)
            return self._remembering[encoder.name]

    @property
    def glossary(self):
        """The glossary English questions are bridged through (``SearchConfig.glossary``), for retrieval
        and for the terms answers and comparisons look for alike."""
        return self.router.glossary

    def term_frequencies(self):
        """(document frequency of a token, passage count) from the BM25 index: idf for answer scoring."""
        from search.terms import bm25_document_frequency

        return bm25_document_frequency(self.stored.bm25)

    def ask(
        self, question: str, k: int = 10, doc_ids: Sequence[str] | None = None, region: str | None = None,
        ignore: Sequence[str] = (),
    ) -> AskResult:
        """The sentence(s) of the top passages that answer ``question`` (or None, with the reason).

        ``ignore``: what the question was understood to ask about that the user set aside ("places",
        "period", "indicator": the app's removable chips), left out of ranking and answer choice.
        """
        from search.answer import ANSWER_HITS, answer_question

        self.limits.check_k(k)
        self.limits.check_question(question)
        focus = self.focus(question, ignore=ignore)  # once per request: priors and terms for rerank and answer
        # The answer is chosen among the top ANSWER_HITS passages whatever the number shown (the app's page
        # of 5 answered the English PM2.5 question from 5 passages, the command line's 10 from 10).
        hits = self.search(focus.understood.text, max(k, ANSWER_HITS), doc_ids=doc_ids, region=region, focus=focus)
        from search.page_view import narrow_pages

        encoder = self.sentence_encoder(question)
        result = answer_question(question, hits, encoder.encode if encoder else None, self.source_text, focus=focus)
        return narrow_pages(self, self._in_english(_shown(result, k), focus))

    def _in_english(self, result: AskResult, focus: Focus) -> AskResult:
        """An English question's answer with what a reader checks it by (``search.english_gloss``): the
        Chinese each question term was searched as, and the indicator and unit in English."""
        if result.answer is None or not focus.english:
            return result
        from dataclasses import replace

        from search.english_gloss import answer_gloss, question_mapping

        routed = self.query(focus.understood.text)
        answer = replace(result.answer, read_as=question_mapping(routed.expansion),
                         gloss=answer_gloss(result.answer, self.glossary, focus.understood.indicator))
        return replace(result, answer=answer)

    def compare(self, question: str, doc_ids: Sequence[str] | None = None, top: int = 2) -> Comparison:
        """One column per document (``doc_ids``, or the most relevant few) for ``question``."""
        from search.compare import compare

        encoder = self.sentence_encoder(question)
        return compare(self, question, doc_ids, top, encoder.encode if encoder else None, self.source_text,
                       frequencies=self.term_frequencies())

    def compare_chunks(self, chunk_a: str, chunk_b: str) -> ChunkComparison:
        """Two passages side by side, shared terms and differing numbers marked."""
        from search.compare_chunks import compare_chunks

        return compare_chunks(self.chunk(chunk_a), self.chunk(chunk_b))

    def cite(self, quote: str, k: int = 5) -> QuoteResult:
        """Where ``quote`` comes from: exact match first, then approximate; never a confident wrong source."""
        from search.quote import ChunkLocator, load_quote_index, lookup

        self.limits.check_k(k)
        self.limits.check_quote(quote)
        with self._lock:
            if self._quotes is None:
                try:
                    index = load_quote_index(self.path, self.stored.corpus_hash)
                except (OSError, ValueError) as exc:
                    raise IndexLoadError(f"the quote index of {self.path} is missing or damaged ({exc}); "
                                         f"{REBUILD}") from exc
                self._quotes = (index, ChunkLocator(self.chunks))
        index, locator = self._quotes
        return lookup(index, quote, self.source_text, locator, k=k)

    def show(self, chunk_id: str, context: int = 1) -> list[Chunk]:
        """The passage ``chunk_id`` with up to ``context`` passages of its section on each side."""
        from search.citation import neighbours

        self.chunk(chunk_id)  # the engine's error for an unknown id
        return neighbours(self.chunks, chunk_id, context)


def _shown(result: AskResult, k: int) -> AskResult:
    """``result`` with its first ``k`` passages, the answer's own among them (last, when it ranked lower)."""
    if len(result.hits) <= k:
        return result
    from dataclasses import replace

    shown = list(result.hits[:k])
    if result.answer is not None and all(h.chunk.chunk_id != result.answer.chunk_id for h in shown):
        own = next((h for h in result.hits if h.chunk.chunk_id == result.answer.chunk_id), None)
        if own is not None:
            shown[-1] = own
    return replace(result, hits=tuple(shown))

