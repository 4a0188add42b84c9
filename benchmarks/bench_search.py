"""Search and build speed over the seeds: one JSON record per run.

Builds the seeds index cold (an empty embedding cache: every encoder embeds every passage), then over the
project's cache (which embeds what it lacks), then an unchanged rebuild, which the cache makes cheap, then times ``Engine.search`` over the dev questions, warm, per channel set:
BM25 only (the peer), dense only, hybrid. Reports median and p95 per query, the hybrid/BM25 ratio,
build seconds and chunks/s, and the retrieval metrics of each channel set. Absolute times on a shared
machine are noise; compare ratios within one record.

    .venv/bin/python benchmarks/bench_search.py [--repeats 3] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.build import build_index  # noqa: E402
from index.config import DEFAULT_CACHE_DIR  # noqa: E402
from search.engine import Engine  # noqa: E402
from search.evaluate import evaluate, read_questions  # noqa: E402

CHANNEL_SETS = {"bm25": ("bm25",), "dense": ("dense",), "hybrid": None}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_searches(engine: Engine, questions: list[str], channels, k: int, repeats: int) -> dict:
    for q in questions:  # warm: models loaded, caches filled
        engine.search(q, k=k, channels=channels)
    per_query = []
    for q in questions:
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            engine.search(q, k=k, channels=channels)
            runs.append(time.perf_counter() - start)
        per_query.append(statistics.median(runs))
    ms = [t * 1000 for t in per_query]
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(percentile(ms, 0.95), 2),
            "mean_ms": round(statistics.fmean(ms), 2)}


def main(seeds: str = str(ROOT / "seeds"), questions: str = str(ROOT / "tests" / "data" / "dev.jsonl"),
         k: int = 10, repeats: int = 3, out: str = str(ROOT / "benchmarks" / "results"),
         cache: str = str(ROOT / DEFAULT_CACHE_DIR), cold: bool = True) -> dict:
    rows = read_questions(questions)
    with tempfile.TemporaryDirectory(prefix="planqa-bench-") as tmp:
        index = Path(tmp) / "index"
        # cold: every passage embedded by every encoder (an empty cache), what a fresh clone pays once
        cold_build = build_index([seeds], index=Path(tmp) / "cold", cache=Path(tmp) / "cache") if cold else None
        first = build_index([seeds], index=index, cache=cache)
        again = build_index([seeds], index=index, cache=cache)
        engine = Engine.load(index, build_if_missing=False)
        search = {name: time_searches(engine, [r["question"] for r in rows], channels, k, repeats)
                  for name, channels in CHANNEL_SETS.items()}
        quality = {name: evaluate(engine, rows, k=k, channels=channels).to_dict()["groups"]
                   for name, channels in CHANNEL_SETS.items()}
    record = {
        "benchmark": "bench_search",
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_average": list(os.getloadavg())},
        "params": {"seeds": seeds, "questions": questions, "n_questions": len(rows), "k": k, "repeats": repeats,
                   "config": engine.config.to_dict()},
        "build": {
            "documents": first.documents, "chunks": first.chunks,
            "cold_seconds": round(cold_build.seconds, 2) if cold_build else None,
            "cold_chunks_per_s": round(cold_build.chunks / cold_build.seconds, 1) if cold_build else None,
            "cold_embedded": cold_build.embedded if cold_build else None,
            "first_seconds": round(first.seconds, 2), "first_embedded": first.embedded,
            "unchanged_rebuild_seconds": round(again.seconds, 2), "unchanged_rebuild_embedded": again.embedded,
            "unchanged_rebuild_chunks_per_s": round(again.chunks / again.seconds, 1),
        },
        "search": search,
        "ratios": {"hybrid_p50_over_bm25_p50": round(search["hybrid"]["p50_ms"] / max(search["bm25"]["p50_ms"], 1e-6), 1),
                   "dense_p50_over_bm25_p50": round(search["dense"]["p50_ms"] / max(search["bm25"]["p50_ms"], 1e-6), 1)},
        "quality": quality,
    }
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"bench_search-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(record, ensure_ascii=False, indent=2))
    print(f"written to {path}", file=sys.stderr)
    return record


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=str(ROOT / "seeds"))
    parser.add_argument("--questions", default=str(ROOT / "tests" / "data" / "dev.jsonl"))
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--cache", default=str(ROOT / DEFAULT_CACHE_DIR))
    parser.add_argument("--no-cold", dest="cold", action="store_false", help="skip the cold build (empty cache)")
    main(**vars(parser.parse_args()))
