"""The façade over a built index: load (building the default one if needed), search, look up.

Channels are built from the index's config (``Config.channels``) through ``CHANNELS`` (a plain dict: a
new channel is one entry). A question becomes one :class:`~search.query.Query` (``Engine.query``: its
language, what each channel searches and the fusion weights, from the search config), made once per
request and handed to retrieval, answers and comparison.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.config import Config, index_dir
from index.encoders import Encoder, get_encoder
from index.normalize import normalize
from index.store import (
    FORMAT_VERSION,
    MANIFEST,
    REBUILD,
    IndexLoadError,
    StoredIndex,
    load_index,
    read_source,
)
from index.tokenize import get_tokenizer
from index.types import Chunk, Document, Section
from search.backends import backend_dense, backend_lexical
from search.config import SearchConfig
from search.crosslingual import BridgedLexical, CrossLingual, NameBridge
from search.dense import DenseRetriever
from search.hybrid import HybridRetriever, Retriever
from search.lexical import LexicalRetriever
from search.limits import Limits
from search.query import Query
from search.types import AskResult, ChunkComparison, Comparison, Hit, QuoteResult

if TYPE_CHECKING:
    from search.rerank import Focus
    from search.understand import Understood

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _lexical(engine: Engine, name: str) -> Retriever:
    tokenizer = get_tokenizer(engine.config.bm25_tokens)
    lexical = (backend_lexical(engine.stored, tokenizer, name)  # None: the index's own bm25s files
               or LexicalRetriever(engine.stored.bm25, tokenizer, engine.chunks, name=name))
    return BridgedLexical(lexical, engine.router)  # English questions reach BM25 through the glossary


def _dense(engine: Engine, name: str) -> Retriever:
    dense = engine.stored.dense.get(name)
    if dense is None:
        raise ValueError(
            f"the index at {engine.path} has no {name!r} vectors; rebuild with `planqa build` "
            f"and a config whose channels include {name!r}"
        )
    encoder = engine.encoders.get(name) or get_encoder(dense.encoder)
    return backend_dense(engine.stored, encoder, name) or DenseRetriever(dense.index, encoder, engine.chunks, name=name)


# channel name -> factory(engine, name). Names are the keys of Hit.ranks.
CHANNELS: dict[str, Callable[[Engine, str], Retriever]] = {"bm25": _lexical, "dense": _dense, "use": _dense}


def _outdated_default(path: Path, paths: Sequence[str | Path]) -> bool:
    """Whether the default index is of an older format and holds only files of ``paths`` (the seeds), so
    that rebuilding it loses nothing; any other old index is left for the user to rebuild."""
    import json

    from index.reader import walk

    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if manifest.get("format_version") == FORMAT_VERSION or not manifest.get("sources"):
        return False
    available = {Path(name).name for _, name in walk(paths)[0]} if paths else set()
    return all(Path(name).name in available for name in manifest["sources"])


def default_paths() -> tuple[str, ...]:
    """``seeds/`` of the working folder, else the one shipped beside the package."""
    return ("seeds",) if Path("seeds").is_dir() else (str(SEEDS),)


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
        """Load the index at ``index`` (``--index``, ``PLANQA_INDEX`` or ``.planqa/index``).

        Only the default index (``.planqa/index``, neither ``index`` nor ``PLANQA_INDEX`` given) is
        built when missing (with ``build_if_missing``, over ``paths``, default ``seeds/``; said on stderr
        unless ``quiet``): a mistyped path is an error that creates nothing, never the demo corpus.

        Raises:
            IndexLoadError: no index there (and not the default one to build), or a damaged one; the
                message names the path and the command that builds it.
        """
        path = index_dir(index)
        default = index is None and not os.environ.get("PLANQA_INDEX")
        paths = tuple(paths or default_paths())
        if build_if_missing and default and _outdated_default(path, paths):
            if not quiet:
                sys.stderr.write(f"The index at {path} was made by an older planqa; rebuilding it over the same files …\n")
            from index.build import build_index

            build_index(paths, index=path, config=config, encoders=encoders, progress=not quiet)
        if not (path / MANIFEST).is_file():
            if not (build_if_missing and default):
                where = "" if default else f" --index {path}"
                raise IndexLoadError(f"no planqa index at {path.absolute()}; build one with "
                                     f"`planqa build{where} PATH…` (or check the --index / PLANQA_INDEX path)")
            from index.build import build_index

            if not quiet:
                where = ", ".join(f"{p}/" if Path(p).is_dir() else str(p) for p in paths)
                sys.stderr.write(f"No index at {path}; building the default index over {where} …\n")
            build_index(paths, index=path, config=config, encoders=encoders, progress=not quiet)
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
        unknown = [n for n in names if n not in CHANNELS]
        if unknown:
            raise ValueError(f"unknown channel(s) {', '.join(unknown)}; known: {', '.join(CHANNELS)}")
        with self._lock:
            if names not in self._retrievers:
                built = {name: CHANNELS[name](self, name) for name in names}
                if len(built) == 1:
                    self._retrievers[names] = built[names[0]]
                else:
                    self._retrievers[names] = HybridRetriever(
                        built,
                        weights=dict(self.search_config.channel_weights),
                        candidates=self.search_config.candidates,
                        rrf_k=self.search_config.rrf_k,
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

    def focus(self, question: str, understood: Understood | None = None) -> Focus:
        """What the second stage and answers read of ``question`` (``search.rerank.focus_of``), once."""
        from search.rerank import focus_of

        return focus_of(question, self.documents, self.term_frequencies(), understood)

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

        encoder = self._sentence_encoder(text)
        size = int(os.environ.get("PLANQA_SENTENCE_CACHE", "20000") or 0)  # vectors kept per encoder; 0: none
        if encoder is None or size <= 0:
            return encoder
        with self._lock:
            if encoder.name not in self._remembering:
                self._remembering[encoder.name] = RememberingEncoder(encoder, size)
            return self._remembering[encoder.name]

    def _sentence_encoder(self, text: str) -> Encoder | None:
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

        self.limits.check_k(k)
        self.limits.check_question(question)
        focus = self.focus(question)  # once per request: priors and terms for rerank and answer
        hits = self.search(focus.understood.text, k, doc_ids=doc_ids, region=region, focus=focus)
        encoder = self.sentence_encoder(question)
        return answer_question(question, hits, encoder.encode if encoder else None, self.source_text,
                               focus=focus)

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
