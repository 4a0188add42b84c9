"""Scale: build, load and query an index of N synthetic chunks; one JSON record, printed as the last line.

The corpus (``benchmarks/scale_corpus.py``) is made of the sentences of the seeds and of
``../shared/foreign-dev/docs`` recombined, 100 chunks to a document; BM25 sees real tokens. Dense vectors
are the real encoder's (one per chunk) up to ``--real-max`` chunks; beyond, clustered synthetic vectors
labelled ``synthetic_vectors: true``. The index is a real planqa index folder (``save_index``), loaded and
queried in a child process so that ``peak_rss_mb`` is what loading and searching cost.

    .venv/bin/python benchmarks/bench_scale.py --chunks N [--out DIR]

Query times exclude query encoding (vectors of the dev questions are encoded once) except
``hybrid_p50_ms_with_encoding``. ``ann_recall_at_10``: top-10 overlap of the chosen index with exact
(Flat) search over the same vectors, for the dev questions (1.0 when the chosen index is Flat);
``ann_recall_at_10_synthetic``: the same for 500 vectors drawn like the corpus's. ``add_doc_s``: one more
100-chunk document into the built index, in this process: its chunks tokenised and embedded, appended to
the FAISS index (an IVF one stays trained), BM25 scored again from the stored token ids.

``planqa_add_s`` (up to ``--product-add-max`` chunks): the same document as a file through the real
command line, ``planqa add FILE --index … --json`` in a fresh process (wall time: Python start, imports,
load, read, chunk, embed, write), on a copy of the built index whose manifest records its files as
``planqa build`` does, with an empty embedding cache; ``planqa_add_s_without_embedding``: the same command
on another copy with the new windows' vectors already in the cache (no BM25 tokens cached: they are
tokenised again), so nothing is embedded; ``planqa_add_cpu_s*``: the command's CPU seconds (user + system,
less sensitive than wall time to other work on the machine). The ``planqa_add_over_build*`` ratios set these against the
cold build of this run (``_with_embedding``: both sides embedding, the build's at the add's measured rate).
"""

from __future__ import annotations

import argparse
import json
import os
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

from scale_ann import exact_top10, ivf_sweep, recall_at_10  # noqa: E402
from scale_corpus import CHUNKS_PER_DOC, make_corpus, synthetic_vectors  # noqa: E402

from index.config import Config, cache_dir  # noqa: E402
from index.encoders import embedding_text, get_encoder  # noqa: E402

QUESTIONS = ROOT.parent / "shared" / "eval" / "dev.jsonl"
SYNTHETIC_QUERIES = 500


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


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def part_bytes(folder: Path) -> dict[str, int]:
    """Bytes of each top-level part of the index folder (``sources``, ``quote``, one FAISS file, …)."""
    parts: dict[str, int] = {}
    for f in folder.rglob("*"):
        if f.is_file():
            top = f.relative_to(folder).parts[0]
            parts[top] = parts.get(top, 0) + f.stat().st_size
    return dict(sorted(parts.items()))


def synthetic_queries(encoder_name: str, dim: int) -> np.ndarray:
    """Query vectors drawn like the corpus's (another seed): recall where the questions are few."""
    return synthetic_vectors(SYNTHETIC_QUERIES, dim, encoder_name, seed=1)


def add_document(texts: list[str], config: Config, encoder, ann, tokens) -> tuple[dict, object]:
    """One more document of ``texts`` (its chunks' indexed texts) into the built index, timed by part."""
    from index.bm25_tokens import bm25_of_ids
    from index.tokenize import get_tokenizer

    parts, first = {}, len(tokens)
    started = time.perf_counter()
    tokenizer = get_tokenizer(config.bm25_tokens)
    grown = tokens.extended([tokenizer.tokenize(t) for t in texts])
    parts["tokenise_new"] = time.perf_counter() - started
    started = time.perf_counter()
    vectors = np.concatenate([encoder.encode([embedding_text(t) for t in texts[i:i + 32]])
                              for i in range(0, len(texts), 32)])
    parts["embed_new"] = time.perf_counter() - started
    started = time.perf_counter()
    ann.add_with_ids(vectors, np.arange(first, first + len(texts)))  # an IVF index stays trained
    parts["faiss_append"] = time.perf_counter() - started
    started = time.perf_counter()
    bm25 = bm25_of_ids(grown, config.bm25_k1, config.bm25_b)
    parts["bm25_rescore"] = time.perf_counter() - started
    return {k: round(v, 2) for k, v in parts.items()}, bm25


def planqa_add(index: Path, texts: list[str], folder: Path) -> dict:
    """The document as a file through ``planqa add`` in a fresh process: with an empty embedding cache, then
    on a second copy of the index with the new windows' vectors cached (its tokens not)."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    file = folder / "added-plan.txt"
    file.write_text("\n\n".join(texts), encoding="utf-8")
    out = {}
    for run, cache in (("", folder / "cache-empty"), ("_without_embedding", folder / "cache-warm")):
        copy = folder / f"index{run or '_with_embedding'}"
        shutil.copytree(index, copy)
        if run:
            shutil.copytree(folder / "cache-empty", cache, ignore=shutil.ignore_patterns("tokens"))
        before = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))["files"]
        os.sync()  # the copy's 1.1 GB written out first: its writeback would slow the add's own writes
        env = {**os.environ, "PLANQA_CACHE": str(cache)}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run([str(Path(sys.executable).parent / "planqa"), "add", str(file), "--index", str(copy),
                               "--json"], capture_output=True, text=True, check=True, env=env, cwd=ROOT)
        wall = time.perf_counter() - started
        after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after_children.ru_utime + after_children.ru_stime) - (children.ru_utime + children.ru_stime)
        report = json.loads(done.stdout)
        after = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))["files"]
        written = sum(e["bytes"] for name, e in after.items() if before.get(name) != e)
        out.update({f"planqa_add_s{run}": round(wall, 2), f"planqa_add_cpu_s{run}": round(cpu, 2),
                    f"planqa_add_in_process_s{run}": round(report["seconds"], 2),
                    f"planqa_add_embed_s{run}": round(report["embed_seconds"], 2),
                    f"planqa_add_embedded{run}": report["embedded"], f"planqa_add_appended{run}": report["appended"],
                    f"planqa_add_written_bytes{run}": written})
        out["planqa_add_chunks"] = report["chunks"]
        shutil.rmtree(copy, ignore_errors=True)
    return out


def library_of(documents, sources: dict[str, str]) -> dict:
    """The file records ``planqa build`` keeps in the manifest (one file per source, no path to rescan)."""
    import hashlib

    from index.catalog import LibraryFile
    from index.reuse import code_version

    doc_ids: dict[str, list[str]] = {}
    for doc in documents:
        doc_ids.setdefault(doc.source, []).append(doc.doc_id)
    files = [LibraryFile(name, hashlib.sha256(sources[name].encode("utf-8")).hexdigest(), "", tuple(ids)).to_dict()
             for name, ids in doc_ids.items()]
    return {"roots": [], "excluded": [], "code_version": code_version(), "files": files}


def main(chunks: int, out: str | None, real_max: int, encoder_name: str, keep: str | None,
         quote_max: int = 100_000, product_add_max: int = 200_000) -> dict:
    import faiss

    from index.ann import build_ann, factory_for, nprobe_for
    from index.bm25_tokens import bm25_of_ids
    from index.build import corpus_hash, indexed_text
    from index.quote_index import QuoteIndex
    from index.store import DenseIndex, StoredIndex, save_index

    faiss.omp_set_num_threads(1)
    # one window a chunk, the whole indexed text (context line and passage): the vector each chunk has here,
    # so an update (``product_add``) finds every stored vector under the text it would embed
    config = Config(encoder=encoder_name, channels=("bm25", "dense"), dense_window=0, dense_context=True)
    encoder = get_encoder(encoder_name)
    tmp = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="planqa-scale-"))
    index = tmp / "index"
    parts: dict[str, float] = {}
    started = time.perf_counter()
    documents, sections, chunk_list, tokens, sources = make_corpus(chunks, config)
    parts["corpus_synthesis"] = time.perf_counter() - started
    started = time.perf_counter()
    bm25 = bm25_of_ids(tokens, config.bm25_k1, config.bm25_b)
    parts["bm25"] = time.perf_counter() - started
    started = time.perf_counter()
    synthetic = chunks > real_max
    if synthetic:
        vectors = synthetic_vectors(chunks, encoder.dim, encoder_name)
    else:
        from index.embed_cache import EmbeddingCache

        # through the embedding cache: a rerun embeds nothing, and larger runs take these as centres
        texts = [embedding_text(indexed_text(c)) for c in chunk_list]
        vectors, _ = EmbeddingCache(cache_dir()).embed(encoder, texts)
    parts["vectors"] = time.perf_counter() - started
    started = time.perf_counter()
    ann = build_ann(vectors, np.arange(chunks), "auto")
    parts["faiss"] = time.perf_counter() - started
    factory = factory_for(chunks)
    dev = encoder.encode([embedding_text(q) for q in query_texts()])
    drawn = synthetic_queries(encoder_name, int(vectors.shape[1]))
    (dev_exact, flat_ms), (drawn_exact, _) = exact_top10(vectors, dev, drawn)
    recall, ann_ms = recall_at_10(ann, dev, dev_exact)
    recall_drawn, _ = recall_at_10(ann, drawn, drawn_exact)
    comparison = {"flat_ms": round(flat_ms, 2), "chosen_ms": round(ann_ms, 2)}
    if factory == "Flat" and chunks >= 20_000:  # the IVF it would take, over the same vectors
        started = time.perf_counter()
        from index.ann import nlist_for

        ivf = build_ann(vectors, factory=f"IVF{nlist_for(chunks)},SQ8")
        comparison["ivf"] = {"factory": f"IVF{nlist_for(chunks)},SQ8",
                             "build_s": round(time.perf_counter() - started, 1)}
    else:
        ivf = ann if factory != "Flat" else None
    if ivf is not None:
        nlist = faiss.extract_index_ivf(faiss.downcast_index(ivf.index)).nlist
        comparison["nprobe"] = nprobe_for(nlist)
        comparison["sweep_dev"] = ivf_sweep(ivf, dev, dev_exact, nprobe_for(nlist))
        comparison["sweep_synthetic"] = ivf_sweep(ivf, drawn, drawn_exact, nprobe_for(nlist))
    del ivf
    quoted = documents if chunks <= quote_max else documents[:max(1, quote_max // CHUNKS_PER_DOC)]
    started = time.perf_counter()
    quote = QuoteIndex.of_sources(quoted, sources)
    parts["quote"] = (time.perf_counter() - started) * len(documents) / len(quoted)
    started = time.perf_counter()
    stored = StoredIndex(config=config, documents=documents, sections=sections, chunks=chunk_list, bm25=bm25,
                         sources=sources, quote=quote, corpus_hash=corpus_hash(sources),
                         dense={"dense": DenseIndex("dense", encoder_name, int(vectors.shape[1]), ann)})
    save_index(stored, index, build_time=datetime.now(UTC).isoformat(timespec="seconds"),
               sources=sorted(sources), library=library_of(documents, sources))
    parts["save"] = time.perf_counter() - started
    build_s = sum(v for k, v in parts.items() if k != "corpus_synthesis" and (k != "vectors" or not synthetic))
    build_peak = peak_rss_mb()
    new_texts = [indexed_text(c) for c in chunk_list[:CHUNKS_PER_DOC]]
    add_parts, _ = add_document(new_texts, config, encoder, ann, tokens)
    embed_estimate = add_parts["embed_new"] / len(new_texts) * chunks if synthetic else 0.0
    del vectors, ann, stored, bm25, chunk_list, tokens, sources, quote
    result = subprocess.run([sys.executable, __file__, "--probe", str(index), "--encoder", encoder_name],
                            capture_output=True, text=True, check=True)
    probed = json.loads(result.stdout.strip().splitlines()[-1])
    index_bytes, index_parts = folder_bytes(index), part_bytes(index)
    added = planqa_add(index, new_texts, tmp / "added") if chunks <= product_add_max else {}
    if added:
        with_embedding = build_s + embed_estimate
        added.update({
            "planqa_add_over_build": round(added["planqa_add_s"] / build_s, 4),
            "planqa_add_over_build_without_embedding": round(added["planqa_add_s_without_embedding"] / build_s, 4),
            "planqa_add_over_build_with_embedding": round(added["planqa_add_s"] / with_embedding, 4)})
    record = {
        "benchmark": "bench_scale", "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "chunks": chunks, "vectors": chunks, "vectors_per_chunk": 1, "encoder": encoder_name,
        "faiss_index": factory, "synthetic_vectors": synthetic,
        "quote_index": ("all documents" if chunks <= quote_max else
                        f"first {len(quoted)} of {len(documents)} documents; build time scaled up linearly"),
        "build_s": round(build_s, 1), "build_parts_s": {k: round(v, 1) for k, v in parts.items()},
        "index_bytes": index_bytes, "index_parts_bytes": index_parts,
        "ann_recall_at_10": recall, "ann_recall_at_10_synthetic": recall_drawn, "ann_vs_flat": comparison,
        **probed,
        "add_doc_s": round(sum(add_parts.values()), 2), "add_doc_parts_s": add_parts,
        "add_doc_over_build": round(sum(add_parts.values()) / build_s, 4),
        # the cold build's vectors are synthetic, so it embeds nothing while the add embeds its 100 chunks:
        # the same ratio with both sides embedding (the build's at the add's measured rate), and with neither
        "build_s_with_embedding_estimate": round(build_s + embed_estimate, 1),
        "add_doc_over_build_with_embedding": round(sum(add_parts.values()) / (build_s + embed_estimate), 4),
        "add_doc_over_build_without_embedding": round((sum(add_parts.values()) - add_parts["embed_new"]) / build_s, 4),
        **added,
        "build_peak_rss_mb": build_peak, "cpus": os.cpu_count(), "load_average": list(os.getloadavg()),
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


def add_again(index: Path, build_record: Path, out: str | None, repeats: int = 3) -> dict:
    """``planqa add`` timed again (``repeats`` times each way) on an index this script built and kept
    (``--keep``), against the cold build of the run that built it (its record): for a change to the add path
    measured without building again. The ratios are then not of one run, and the record says so."""
    import tempfile

    from index.build import indexed_text
    from index.store import load_index

    built = json.loads(build_record.read_text(encoding="utf-8"))
    texts = [indexed_text(c) for c in load_index(index).chunks[:CHUNKS_PER_DOC]]
    runs = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="planqa-add-", dir=index.parent) as tmp:
            runs.append(planqa_add(index, texts, Path(tmp)))
    record = {"benchmark": "bench_scale_add", "time": datetime.now(UTC).isoformat(timespec="seconds"),
              "chunks": built["chunks"], "build_record": build_record.name, "build_s": built["build_s"],
              "build_s_with_embedding_estimate": built["build_s_with_embedding_estimate"],
              "build_load_average": built["load_average"], "runs": runs}
    for key in ("planqa_add_s", "planqa_add_s_without_embedding", "planqa_add_embed_s", "planqa_add_cpu_s",
                "planqa_add_cpu_s_without_embedding"):
        record[f"{key}_median"] = statistics.median(r[key] for r in runs)
    record.update({
        "planqa_add_over_build": round(record["planqa_add_s_median"] / built["build_s"], 4),
        "planqa_add_over_build_without_embedding": round(record["planqa_add_s_without_embedding_median"]
                                                         / built["build_s"], 4),
        "planqa_add_over_build_with_embedding": round(record["planqa_add_s_median"]
                                                      / built["build_s_with_embedding_estimate"], 4),
        "note": "the cold build is the build record's (another run, same machine); the adds ran now",
        "cpus": os.cpu_count(), "load_average": list(os.getloadavg())})
    if out:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        (Path(out) / f"bench_scale_add-{built['chunks']}-{stamp}.json").write_text(json.dumps(record, indent=2),
                                                                                 encoding="utf-8")
    print(json.dumps(record, ensure_ascii=False))
    return record


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--out", default=None, help="folder for the JSON record (also printed)")
    parser.add_argument("--real-max", type=int, default=10_000, help="real encoder vectors up to this many chunks")
    parser.add_argument("--encoder", default="m3e-small-int8")
    parser.add_argument("--keep", default=None, help="build the index in this folder and keep it")
    parser.add_argument("--quote-max", type=int, default=100_000,
                        help="above this many chunks the quote index covers a sample of documents")
    parser.add_argument("--product-add-max", type=int, default=200_000,
                        help="time `planqa add` (the command line) up to this many chunks")
    parser.add_argument("--add-to", default=None,
                        help="only time `planqa add` again on an index kept by --keep (its folder's index/)")
    parser.add_argument("--build-record", default=None, help="with --add-to: the record of the run that built it")
    parser.add_argument("--repeats", type=int, default=3, help="with --add-to: adds timed each way")
    parser.add_argument("--probe", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.add_to:
        add_again(Path(args.add_to), Path(args.build_record), args.out, args.repeats)
    elif args.probe:
        print(json.dumps(probe(Path(args.probe), args.encoder)))
    else:
        main(args.chunks, args.out, args.real_max, args.encoder, args.keep, args.quote_max, args.product_add_max)
