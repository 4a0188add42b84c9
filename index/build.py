"""Build an index: read → chunk (``index.corpus``) → tokenize + BM25 → embed (cached) + FAISS → store.

What is indexed is ``indexed_text(chunk)``: the chunk's context (document title, section path, table
header) in front of its text, so that a passage deep in a plan still knows which plan and which section
it belongs to. What is embedded is the same, one sentence window at a time (``dense_units``): a chunk's
dense score is that of its best window, because mean pooling over a whole 500-character passage blurs
the one sentence that answers. Measured on the seeds dev set (Chinese questions, m3e-small, BM25 k1 0.9
b 0.4, RRF): whole chunks give dense Recall@5 0.65 and hybrid MRR 0.71; windows of at most 150 / 80 / 50
characters give dense Recall@5 0.88 / 0.92 / 0.85 and hybrid MRR 0.81 / 0.88 / 0.85, hence
``Config.dense_window = 80``. What is shown and cited stays ``chunk.text``, the source slice.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from index.backend import write_backend
from index.config import Config, cache_dir, index_dir
from index.corpus import Corpus, read_corpus
from index.embed_cache import EmbeddingCache
from index.encoders import CONTEXT_APART, Encoder, PooledEncoder, embed_workers, embedding_text, get_encoder
from index.store import DenseIndex, StoredIndex, save_index
from index.text import SENTENCE_END
from index.tokenize import Tokenizer, get_tokenizer
from index.types import Chunk


@dataclass(frozen=True)
class Windows:
    """How a dense channel cuts a chunk for embedding: sentence windows of at most ``chars`` characters
    (0: the whole chunk), each with the chunk's context line in front or not (``context``); ``apart``:
    the context line embedded on its own and mixed in (``index.encoders.ContextApart``)."""

    chars: int
    context: bool = True
    apart: bool = False


# Dense channels -> (encoder name, windows) from the config. "bm25" is the one lexical channel.
# USE gets longer windows than m3e (Config.use_window): it is slower and English questions paraphrase
# more than they quote.
DENSE_CHANNELS: dict[str, Callable[[Config], tuple[str, Windows]]] = {
    "dense": lambda config: (config.encoder, Windows(config.dense_window, config.dense_context,
                                                     config.dense_context_apart)),
    "use": lambda config: (config.use_encoder, Windows(config.use_window, config.use_context, config.use_context_apart)),
}
LEXICAL_CHANNELS = ("bm25",)


def dense_encoders(config: Config) -> dict[str, str]:
    """Encoder name of each dense channel the config turns on."""
    unknown = [c for c in config.channels if c not in DENSE_CHANNELS and c not in LEXICAL_CHANNELS]
    if unknown:
        known = ", ".join((*LEXICAL_CHANNELS, *DENSE_CHANNELS))
        raise ValueError(f"unknown channel(s) {', '.join(unknown)}; known channels: {known}")
    return {c: DENSE_CHANNELS[c](config)[0] for c in config.channels if c in DENSE_CHANNELS}


def indexed_text(chunk: Chunk) -> str:
    """The string BM25 and the encoders see: context line(s), then the passage."""
    return f"{chunk.context}\n{chunk.text}" if chunk.context else chunk.text


def sentence_windows(text: str, max_chars: int) -> list[str]:
    """Consecutive sentences of ``text`` joined into windows of at most ``max_chars`` characters.

    A longer sentence is cut into ``max_chars`` pieces; ``max_chars <= 0`` gives the whole text.
    The windows, concatenated, are ``text`` again (nothing dropped, nothing repeated).
    """
    if max_chars <= 0 or len(text) <= max_chars:
        return [text]
    sentences, start = [], 0
    for m in SENTENCE_END.finditer(text):
        sentences.append(text[start:m.end()])
        start = m.end()
    if start < len(text):
        sentences.append(text[start:])
    windows: list[str] = []
    current = ""
    for sentence in sentences:
        if current and len(current) + len(sentence) > max_chars:
            windows.append(current)
            current = ""
        while len(current) + len(sentence) > max_chars:
            cut = max_chars - len(current)
            windows.append(current + sentence[:cut])
            current, sentence = "", sentence[cut:]
        current += sentence
    if current:
        windows.append(current)
    return windows


def dense_units(chunks: Sequence[Chunk], windows: Windows | int) -> tuple[list[str], np.ndarray]:
    """The strings to embed (each window, with its chunk's context in front if ``windows.context``, or
    marked to be embedded apart if ``windows.apart``, in simplified characters) and, per string, the row
    of its chunk: the FAISS id of its vector.

    ``windows`` is a channel's ``DENSE_CHANNELS`` entry, or a window size (context in front)."""
    if not isinstance(windows, Windows):
        windows = Windows(int(windows))
    texts: list[str] = []
    rows: list[int] = []
    for row, chunk in enumerate(chunks):
        context = chunk.context if windows.context else ""
        for window in sentence_windows(chunk.text, windows.chars):
            if context and windows.apart:  # a marker inside the text itself would split it at the wrong place
                texts.append(embedding_text(context).replace(CONTEXT_APART, " ") + CONTEXT_APART
                             + embedding_text(window).replace(CONTEXT_APART, " "))
            else:
                texts.append(embedding_text(f"{context}\n{window}" if context else window))
            rows.append(row)
    return texts, np.asarray(rows, dtype=np.int64)


def corpus_hash(sources: Mapping[str, str]) -> str:
    digest = hashlib.sha1()
    for name in sorted(sources):
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha1(sources[name].encode("utf-8")).digest())
    return digest.hexdigest()


def build_bm25(token_lists: Sequence[list[str]], config: Config):
    """A bm25s index (Lucene variant of BM25) over pre-tokenized passages, scored over numpy arrays
    (``index.bm25_tokens``: bm25s' own scores, without its per-document loop) and keeping the token ids."""
    from index.bm25_tokens import bm25_of_tokens

    return bm25_of_tokens(token_lists, config.bm25_k1, config.bm25_b)


def build_faiss(vectors: np.ndarray, factory: str = "Flat", ids: np.ndarray | None = None):
    """An inner-product FAISS index (cosine on normalised vectors) whose ids are chunk rows.

    Args:
        vectors: one row per embedded unit.
        factory: ``"auto"`` (Flat, or IVF+SQ8 past ``index.ann.FLAT_MAX_VECTORS``) or a
            ``faiss.index_factory`` string ("Flat", "HNSW32", "IVF256,SQ8").
        ids: chunk row of each vector (several vectors may share one); default ``0..n-1``.
    """
    from index.ann import build_ann

    return build_ann(vectors, ids, factory)


@dataclass(frozen=True)
class BuildSummary:
    """What a build did, for the CLI's last line and the benchmark record."""

    path: Path
    documents: int
    chunks: int
    seconds: float
    embedded: dict[str, int] = field(default_factory=dict)  # channel -> texts embedded (not cached)
    errors: tuple[str, ...] = ()
    report: tuple[dict, ...] = ()  # one entry per file: file, status (taken | skipped | partial), reason


def build_report(corpus: Corpus) -> list[dict]:
    """One entry per file met: ``{"file", "status", "reason", …}``, status ``taken``, ``skipped`` or
    ``partial`` (read in part, e.g. pages without text), in the reader's order.

    From the reader's per-file reports (``index.reader.FileReport``: format, characters, pages too)
    when the corpus carries them, else from the files read and the skip messages (``file: reason``).
    The file's absolute path is left out: the manifest stays the same wherever the corpus lies.
    """
    if corpus.reports:
        return [{"file": r.name, **{k: v for k, v in r.to_dict().items() if k not in ("name", "path")}}
                for r in corpus.reports]
    report = [{"file": name, "status": "taken", "reason": ""} for name in corpus.sources]
    for error in corpus.errors:
        file, _, reason = error.partition(": ")
        report.append({"file": file, "status": "skipped", "reason": reason or error})
    return report


def _bar(progress: bool, total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="text", disable=not progress, file=sys.stderr, leave=False)


@contextmanager
def _quick_handoff(seconds: float = 0.0002):
    """The GIL handed to a waiting thread after ``seconds`` instead of Python's 5 ms, while this thread
    tokenizes (jieba: pure Python) and the encoder threads, which leave the GIL for every ONNX run and
    numpy product, wait for it again after each. Measured on the seeds, 2 cores: an encoder thread
    beside the tokenizing one took 3.3x (int8 m3e) and 5-6x (USE) its time alone at 5 ms; at 0.2 ms
    about its time alone (m3e) and 1.3x (USE)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, seconds))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _embed_channel(channel: str, encoder: Encoder, chunks: Sequence[Chunk], config: Config,
                   embed_cache, progress: bool, batches: ThreadPoolExecutor
                   ) -> tuple[DenseIndex, int, np.ndarray, np.ndarray]:
    """One dense channel: its windows embedded (through the cache, the batches on ``batches``) and
    the FAISS index over them; also how many texts were embedded, the vectors and their chunk rows."""
    dense_texts, dense_rows = dense_units(chunks, DENSE_CHANNELS[channel](config)[1])
    with _bar(progress, len(dense_texts), f"embedding ({encoder.name})") as bar:
        # one call with every text: the cache sorts what it lacks by length, PooledEncoder cuts it in batches
        pooled = PooledEncoder(encoder, batches, config.embed_batch, bar.update)
        vectors, embedded = embed_cache.embed(pooled, dense_texts, max(1, len(dense_texts)))
    faiss_index = build_faiss(vectors, config.faiss_index, dense_rows)
    return DenseIndex(channel, encoder.name, int(vectors.shape[1]), faiss_index), embedded, vectors, dense_rows


def build_index(
    paths: Iterable[str | Path] = ("seeds",),
    index: str | Path | None = None,
    config: Config | None = None,
    encoders: Mapping[str, Encoder] | None = None,
    cache: str | Path | EmbeddingCache | None = None,
    progress: bool = False,
    tokenizer: Tokenizer | None = None,
    corpus: Corpus | None = None,
    manifest: Mapping[str, object] | None = None,
) -> BuildSummary:
    """Build the index of ``paths`` into ``index`` (default ``.planqa/index``), atomically.

    Args:
        paths: files and folders of plan texts.
        index: target folder; ``PLANQA_INDEX`` or ``.planqa/index`` when None.
        config: all parameters; written into the manifest.
        encoders: encoder objects per dense channel, overriding the ones the config names.
        cache: embedding cache folder (``PLANQA_CACHE`` or ``.planqa/cache`` when None), or an object with
            ``EmbeddingCache.embed`` (``index.library`` passes one that serves the old index's vectors first).
        progress: tqdm bars on stderr.
        tokenizer: BM25 tokenizer; the shared one of ``config.bm25_tokens`` when None.
        corpus: what was already read (``paths`` is then only named in messages).
        manifest: more manifest fields (``index.library`` records its files there).

    Raises:
        ValueError: nothing to index, or a bad configuration.
        FileNotFoundError: a path or a model is missing (the message says how to put it in place).
    """
    started = time.perf_counter()
    config = config or Config()
    target = index_dir(index)
    channels = dense_encoders(config)
    encoders = dict(encoders or {})
    corpus = corpus if corpus is not None else read_corpus(paths, config, progress=progress)
    if not corpus.chunks:
        problems = "; ".join(corpus.errors) or "no text files found"
        raise ValueError(f"nothing to index in {', '.join(map(str, paths))}: {problems}")
    texts = [indexed_text(c) for c in corpus.chunks]

    embed_cache = cache if hasattr(cache, "embed") else EmbeddingCache(cache_dir(cache))
    # The dense channels embed on a pool of embed_workers() threads while this one tokenizes: ONNX Runtime,
    # torch and numpy leave the GIL while they compute and jieba holds it, so on 2 cores the work overlaps
    # (the build takes about the sum of the encoders' CPU time over the cores; benchmarks/bench_build.py).
    with ThreadPoolExecutor(max_workers=max(1, len(channels)), thread_name_prefix="channel") as pool, \
            ThreadPoolExecutor(max_workers=embed_workers(), thread_name_prefix="embed") as batches:
        pending = {channel: pool.submit(_embed_channel, channel, encoders.get(channel) or get_encoder(name),
                                        corpus.chunks, config, embed_cache, progress, batches)
                   for channel, name in channels.items()}
        with _quick_handoff(), _bar(progress, len(texts), "tokenizing") as bar:
            tokenizer = tokenizer or get_tokenizer(config.bm25_tokens)
            token_lists = []
            for text in texts:
                token_lists.append(tokenizer.tokenize(text))
                bar.update()
            bm25 = build_bm25(token_lists, config)
        done = {channel: future.result() for channel, future in pending.items()}
    dense = {channel: d for channel, (d, _, _, _) in done.items()}
    embedded = {channel: n for channel, (_, n, _, _) in done.items()}
    units = {channel: (v, rows) for channel, (_, _, v, rows) in done.items()}  # for the backend

    stored = StoredIndex(
        config=config, documents=corpus.documents, sections=corpus.sections, chunks=corpus.chunks,
        bm25=bm25, dense=dense, corpus_hash=corpus_hash(corpus.sources), sources=corpus.sources,
        pages=corpus.pages,
    )
    backend = write_backend(config, stored, token_lists, units, target)  # {}: the local files only
    seconds = time.perf_counter() - started
    report = build_report(corpus)
    save_index(
        stored, target,
        build_time=datetime.now(UTC).isoformat(timespec="seconds"),
        build_seconds=round(seconds, 3),
        sources=sorted(corpus.sources),
        report=report,
        **({"backend": backend} if backend else {}),
        **dict(manifest or {}),
    )
    return BuildSummary(
        path=target, documents=len(corpus.documents), chunks=len(corpus.chunks),
        seconds=time.perf_counter() - started, embedded=embedded, errors=tuple(corpus.errors),
        report=tuple(report),
    )
