"""The synthetic corpus of ``bench_scale``: real sentences recombined into N chunks, their BM25 token ids
made as numpy arrays, and clustered synthetic vectors.

Each chunk is a real document's context line and ~300 characters of sentences drawn at random from the
seeds and ``../shared/foreign-dev/docs``, 100 chunks to a document. Every sentence and context line is
tokenised once by the project tokenizer; a chunk's token ids are its context's then its sentences' ids,
gathered with one numpy index (no per-chunk token list: at 1M chunks those lists alone were ~8 GB of
Python objects).
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import numpy as np

from index.bm25_tokens import TokenIds
from index.config import Config, cache_dir

ROOT = Path(__file__).resolve().parent.parent
CORPORA = (ROOT / "seeds", ROOT.parent / "shared" / "foreign-dev" / "docs")
CHUNKS_PER_DOC = 100
CHUNK_CHARS = 300
_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]*")


def sentence_pool(config: Config) -> tuple[list[str], list[str]]:
    """Sentences (≥ 8 characters) and context lines of the real corpora."""
    from index.corpus import read_corpus

    corpus = read_corpus([p for p in CORPORA if p.exists()], config)
    sentences = sorted({s.strip() for c in corpus.chunks for s in _SENTENCE.findall(c.text) if len(s.strip()) >= 8})
    contexts = sorted({c.context for c in corpus.chunks if c.context})
    return sentences, contexts


def gather(pool: TokenIds, segments: np.ndarray) -> TokenIds:
    """Token ids of rows made of pool rows: row ``i`` is the concatenation of ``pool`` rows ``segments[i]``."""
    starts, lengths = pool.offsets[segments].ravel(), np.diff(pool.offsets)[segments].ravel()
    ends = np.cumsum(lengths)
    ids = pool.ids[np.repeat(starts - (ends - lengths), lengths) + np.arange(int(ends[-1]) if len(ends) else 0)]
    per_row = lengths.reshape(segments.shape).sum(axis=1)
    return TokenIds(ids.astype(np.int32), np.concatenate([[0], np.cumsum(per_row)]).astype(np.int64), pool.vocab)


def make_corpus(n: int, config: Config, seed: int = 0):
    """``n`` chunks in ``n / 100`` documents, their BM25 token ids and the documents' texts."""
    from index.tokenize import get_tokenizer
    from index.types import Chunk, Document, Section

    sentences, contexts = sentence_pool(config)
    tokenizer = get_tokenizer(config.bm25_tokens)
    pool = TokenIds.of_lists([tokenizer.tokenize(c) for c in contexts] + [tokenizer.tokenize(s) for s in sentences])
    rng = np.random.default_rng(seed)
    per_chunk = max(1, CHUNK_CHARS // max(1, int(statistics.mean(len(s) for s in sentences))))
    segments = np.empty((n, per_chunk + 1), dtype=np.int64)
    documents, sections, chunks, sources = [], [], [], {}
    for d in range((n + CHUNKS_PER_DOC - 1) // CHUNKS_PER_DOC):
        doc_id, context_row = f"synthetic-{d:06d}", int(rng.integers(len(contexts)))
        title, source = contexts[context_row].split("\n")[0][:60], f"synthetic-{d:06d}.txt"
        pieces, offset = [], 0
        first = d * CHUNKS_PER_DOC
        rows = rng.integers(len(sentences), size=(min(CHUNKS_PER_DOC, n - first), per_chunk))
        segments[first:first + len(rows), 0] = context_row
        segments[first:first + len(rows), 1:] = rows + len(contexts)
        for i, picked in enumerate(rows.tolist()):
            text = "".join(sentences[r] for r in picked)
            chunks.append(Chunk(chunk_id=f"{doc_id}-{i:03d}", doc_id=doc_id, doc_title=title, section_path=(title,),
                                text=text, source=source, start=offset, end=offset + len(text),
                                context=contexts[context_row]))
            pieces.append(text)
            offset += len(text) + 1
        sources[source] = "\n".join(pieces)
        end = len(sources[source])
        documents.append(Document(doc_id=doc_id, title=title, source=source, start=0, end=end))
        sections.append(Section(doc_id=doc_id, heading=title, level=1, path=(title,), start=0, end=end))
    return documents, sections, chunks, gather(pool, segments), sources


def vector_centres(encoder_name: str, dim: int, rng: np.random.Generator) -> np.ndarray:
    """Real cached vectors of ``encoder_name`` or m3e-small (else random centres), unit length."""
    from index.embed_cache import EmbeddingCache

    cache = EmbeddingCache(cache_dir())
    # the fp32 model's cached seeds windows serve as well (cosine 0.997 to int8)
    shards = cache._shards(encoder_name) or cache._shards("m3e-small")
    centres = (np.concatenate([np.asarray(v) for _, _, v in shards]) if shards
               else rng.standard_normal((4096, dim)).astype(np.float32))
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


def synthetic_vectors(n: int, dim: int, encoder_name: str, seed: int = 0, noise: float = 0.35) -> np.ndarray:
    """Clustered unit vectors: a random centre (``vector_centres``) each, plus Gaussian noise of norm ``noise``."""
    rng = np.random.default_rng(seed)
    centres = vector_centres(encoder_name, dim, rng)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):  # in blocks: the noise of 1M × 512 at once would be another 2 GB
        size = min(100_000, n - start)
        block = centres[rng.integers(len(centres), size=size)]
        block += rng.standard_normal((size, dim), dtype=np.float32) * (noise / np.sqrt(dim))
        out[start:start + size] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out
