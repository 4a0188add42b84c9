"""Scale: build, load and query an index of N synthetic chunks; one JSON record, printed as the last line.

The corpus is made of the sentences of the seeds and of ``../shared/foreign-dev/docs`` recombined:
each chunk is a real document's context line and ~300 characters of sentences drawn at random, 100
chunks to a document. BM25 sees real tokens (each sentence tokenized once by the project tokenizer).
Dense vectors are the real encoder's (one per chunk) up to ``--real-max`` chunks; beyond, clustered
synthetic vectors (real seed-window vectors from the embedding cache, or random centres, plus noise),
labelled ``synthetic_vectors: true``. The index is a real planqa index folder (``save_index``),
loaded and queried in a child process so that ``peak_rss_mb`` is what loading and searching cost.

    .venv/bin/python benchmarks/bench_scale.py --chunks N [--out DIR]

Query times exclude query encoding (vectors of the dev questions are encoded once) except
``hybrid_p50_ms_with_encoding``. ``ann_recall_at_10``: top-10 overlap of the chosen index with exact
(Flat) search over the same vectors, for the dev questions (1.0 when the chosen index is Flat).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.config import Config, cache_dir  # noqa: E402
from index.encoders import embedding_text, get_encoder  # noqa: E402

CORPORA = (ROOT / "seeds", ROOT.parent / "shared" / "foreign-dev" / "docs")
QUESTIONS = ROOT.parent / "shared" / "eval" / "dev.jsonl"
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


def make_corpus(n: int, config: Config, seed: int = 0):
    """``n`` chunks in ``n / 100`` documents, their BM25 token lists and the documents' texts."""
    from index.tokenize import get_tokenizer
    from index.types import Chunk, Document, Section

    sentences, contexts = sentence_pool(config)
    tokenizer = get_tokenizer(config.bm25_tokens)
    sentence_tokens = [tokenizer.tokenize(s) for s in sentences]
    context_tokens = [tokenizer.tokenize(c) for c in contexts]
    rng = np.random.default_rng(seed)
    per_chunk = max(1, CHUNK_CHARS // max(1, int(statistics.mean(len(s) for s in sentences))))
    documents, sections, chunks, token_lists, sources = [], [], [], [], {}
    for d in range((n + CHUNKS_PER_DOC - 1) // CHUNKS_PER_DOC):
        doc_id, context_row = f"synthetic-{d:06d}", int(rng.integers(len(contexts)))
        title, source = contexts[context_row].split("\n")[0][:60], f"synthetic-{d:06d}.txt"
        pieces, offset = [], 0
        for i in range(min(CHUNKS_PER_DOC, n - d * CHUNKS_PER_DOC)):
            rows = rng.integers(len(sentences), size=per_chunk)
            text = "".join(sentences[r] for r in rows)
            chunks.append(Chunk(chunk_id=f"{doc_id}-{i:03d}", doc_id=doc_id, doc_title=title, section_path=(title,),
                                text=text, source=source, start=offset, end=offset + len(text),
                                context=contexts[context_row]))
            token_lists.append(context_tokens[context_row] + [t for r in rows for t in sentence_tokens[r]])
            pieces.append(text)
            offset += len(text) + 1
        sources[source] = "\n".join(pieces)
        end = len(sources[source])
        documents.append(Document(doc_id=doc_id, title=title, source=source, start=0, end=end))
        sections.append(Section(doc_id=doc_id, heading=title, level=1, path=(title,), start=0, end=end))
    return documents, sections, chunks, token_lists, sources


def synthetic_vectors(n: int, dim: int, encoder_name: str, seed: int = 0, noise: float = 0.35) -> np.ndarray:
    """Clustered unit vectors: real cached vectors of ``encoder_name`` or m3e-small (else random
    centres), each plus Gaussian noise of norm ``noise``."""
    from index.embed_cache import EmbeddingCache

    cache = EmbeddingCache(cache_dir())
    # the fp32 model's cached seeds windows serve as well (cosine 0.997 to int8)
    shards = cache._shards(encoder_name) or cache._shards("m3e-small")
    rng = np.random.default_rng(seed)
    centres = (np.concatenate([np.asarray(v) for _, _, v in shards]) if shards
               else rng.standard_normal((4096, dim)).astype(np.float32))
    centres = centres / np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):  # in blocks: the noise of 1M × 512 at once would be another 2 GB
        size = min(100_000, n - start)
        block = centres[rng.integers(len(centres), size=size)]
        block += rng.standard_normal((size, dim), dtype=np.float32) * (noise / np.sqrt(dim))
        out[start:start + size] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def query_texts() -> list[str]:
    from search.evaluate import read_questions

    return [q["question"] for q in read_questions(QUESTIONS)]


class CachedQueries:
    """The real encoder, remembering every query vector: timed searches then exclude encoding."""

    def __init__(self, encoder):
        self.inner, self.name, self._seen = encoder, encoder.name, {}

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode(self, texts):
        missing = [t for t in texts if t not in self._seen]
        if missing:
            for t, v in zip(missing, self.inner.encode(missing), strict=True):
                self._seen[t] = v
        return np.stack([self._seen[t] for t in texts])


def p50_ms(run, queries: list[str], repeats: int = 3) -> tuple[float, float]:
    for q in queries:
        run(q)  # warm
    times = []
    for q in queries:
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            run(q)
            runs.append((time.perf_counter() - start) * 1000)
        times.append(min(runs))
    times.sort()
    return round(statistics.median(times), 2), round(times[min(len(times) - 1, int(0.95 * len(times)))], 2)


def probe(index: Path, encoder_name: str) -> dict:
    """In a fresh process: load the index, time searches; peak RSS of this process."""
    import faiss

    from search.dense import DenseRetriever
    from search.engine import Engine

    faiss.omp_set_num_threads(1)
    start = time.perf_counter()
    real = get_encoder(encoder_name)
    cached = CachedQueries(real)
    engine = Engine.load(index, build_if_missing=False, encoders={"dense": cached})
    load_s = time.perf_counter() - start
    queries = query_texts()
    bm25 = p50_ms(lambda q: engine.search(q, k=10, channels=("bm25",)), queries)
    dense_retriever = DenseRetriever(engine.stored.dense["dense"].index, cached, engine.chunks)
    dense = p50_ms(lambda q: dense_retriever.search(q, k=10), queries)
    hybrid = p50_ms(lambda q: engine.search(q, k=10), queries)
    with_encoding = Engine(engine.stored, encoders={"dense": real})
    hybrid_enc = p50_ms(lambda q: with_encoding.search(q + "？", k=10), queries, repeats=1)  # new strings: encoded
    return {"load_s": round(load_s, 2), "bm25_p50_ms": bm25[0], "bm25_p95_ms": bm25[1],
            "dense_p50_ms": dense[0], "dense_p95_ms": dense[1], "hybrid_p50_ms": hybrid[0],
            "hybrid_p95_ms": hybrid[1], "hybrid_p50_ms_with_encoding": hybrid_enc[0],
            "peak_rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's high-water RSS (``VmHWM``; ``ru_maxrss`` would carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def ann_recall(vectors: np.ndarray, queries: np.ndarray, index) -> float:
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    _, exact = flat.search(queries, 10)
    _, approx = index.search(queries, 10)
    return round(float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx, strict=True)])), 4)


def ivf_sweep(vectors: np.ndarray, queries: np.ndarray) -> dict:
    """IVF(4·√n),SQ8 over the same vectors whatever the chosen index: recall@10 against Flat and ms a
    query at several nprobe (what ``index.ann.DEFAULT_NPROBE`` is chosen from)."""
    import faiss

    from index.ann import build_ann, nlist_for, set_nprobe

    started = time.perf_counter()
    ivf = build_ann(vectors, factory=f"IVF{nlist_for(len(vectors))},SQ8")
    out = {"factory": f"IVF{nlist_for(len(vectors))},SQ8", "build_s": round(time.perf_counter() - started, 1)}
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    started = time.perf_counter()
    _, exact = flat.search(queries, 10)
    out["flat_ms"] = round((time.perf_counter() - started) * 1000 / len(queries), 2)
    for nprobe in (8, 16, 32, 64):
        set_nprobe(ivf, nprobe)
        started = time.perf_counter()
        _, approx = ivf.search(queries, 10)
        ms = (time.perf_counter() - started) * 1000 / len(queries)
        recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx, strict=True)])
        out[f"nprobe_{nprobe}"] = {"recall_at_10": round(float(recall), 4), "ms": round(ms, 2)}
    return out


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def main(chunks: int, out: str | None, real_max: int, encoder_name: str, keep: str | None) -> dict:
    import faiss

    from index.ann import build_ann, factory_for
    from index.build import build_bm25, indexed_text
    from index.store import DenseIndex, StoredIndex, save_index

    faiss.omp_set_num_threads(1)
    config = Config(encoder=encoder_name, channels=("bm25", "dense"))
    encoder = get_encoder(encoder_name)
    tmp = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="planqa-scale-"))
    index = tmp / "index"
    started = time.perf_counter()
    documents, sections, chunk_list, token_lists, sources = make_corpus(chunks, config)
    corpus_s = time.perf_counter() - started
    started = time.perf_counter()
    bm25 = build_bm25(token_lists, config)
    bm25_s = time.perf_counter() - started
    del token_lists
    started = time.perf_counter()
    synthetic = chunks > real_max
    if synthetic:
        vectors = synthetic_vectors(chunks, encoder.dim, encoder_name)
    else:
        from index.embed_cache import EmbeddingCache

        # through the embedding cache: a rerun embeds nothing, and larger runs take these as centres
        texts = [embedding_text(indexed_text(c)) for c in chunk_list]
        vectors, _ = EmbeddingCache(cache_dir()).embed(encoder, texts)
    vectors_s = time.perf_counter() - started
    started = time.perf_counter()
    ann = build_ann(vectors, np.arange(chunks), "auto")
    ann_s = time.perf_counter() - started
    queries = encoder.encode([embedding_text(q) for q in query_texts()])
    recall = ann_recall(vectors, queries, ann)
    sweep = ivf_sweep(vectors, queries) if chunks >= 20_000 else None
    stored = StoredIndex(config=config, documents=documents, sections=sections, chunks=chunk_list, bm25=bm25,
                         sources=sources,
                         dense={"dense": DenseIndex("dense", encoder_name, int(vectors.shape[1]), ann)})
    started = time.perf_counter()
    save_index(stored, index, build_time=datetime.now(UTC).isoformat(timespec="seconds"))
    save_s = time.perf_counter() - started
    build_s = bm25_s + ann_s + save_s + (0.0 if synthetic else vectors_s)
    # One more 100-chunk document: its chunks embedded, added to the trained index without retraining;
    # BM25 (bm25s has no incremental add) re-indexed over all token lists.
    new_texts = [embedding_text(indexed_text(c)) for c in chunk_list[:CHUNKS_PER_DOC]]
    started = time.perf_counter()
    new_vectors = np.concatenate([encoder.encode(new_texts[i:i + 32]) for i in range(0, len(new_texts), 32)])
    ann.add_with_ids(new_vectors, np.arange(chunks, chunks + len(new_texts)))
    add_ann_s = time.perf_counter() - started
    del vectors, ann, stored
    result = subprocess.run([sys.executable, __file__, "--probe", str(index), "--encoder", encoder_name],
                            capture_output=True, text=True, check=True)
    probed = json.loads(result.stdout.strip().splitlines()[-1])
    record = {
        "benchmark": "bench_scale", "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "chunks": chunks, "vectors": chunks, "vectors_per_chunk": 1, "encoder": encoder_name,
        "faiss_index": factory_for(chunks), "synthetic_vectors": synthetic,
        "build_s": round(build_s, 1),
        "build_parts_s": {"corpus_synthesis": round(corpus_s, 1), "bm25": round(bm25_s, 1),
                          "vectors": round(vectors_s, 1), "faiss": round(ann_s, 1), "save": round(save_s, 1)},
        "index_bytes": folder_bytes(index), "ann_recall_at_10": recall, "ivf_sweep": sweep,
        **probed,
        "add_doc_s": round(add_ann_s + bm25_s, 2),
        "add_doc_parts_s": {"embed_and_faiss_add": round(add_ann_s, 2), "bm25_reindex": round(bm25_s, 2)},
        "build_peak_rss_mb": peak_rss_mb(), "cpus": os.cpu_count(), "load_average": list(os.getloadavg()),
    }
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        (Path(out) / f"bench_scale-{chunks}-{stamp}.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    if not keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(record, ensure_ascii=False))
    return record


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--out", default=None, help="folder for the JSON record (also printed)")
    parser.add_argument("--real-max", type=int, default=10_000, help="real encoder vectors up to this many chunks")
    parser.add_argument("--encoder", default="m3e-small-int8")
    parser.add_argument("--keep", default=None, help="build the index in this folder and keep it")
    parser.add_argument("--probe", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe(Path(args.probe), args.encoder)))
    else:
        main(args.chunks, args.out, args.real_max, args.encoder, args.keep)
