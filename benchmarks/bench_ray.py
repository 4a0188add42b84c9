"""In-process build against a Ray build of the same corpus, in one run: seconds, windows/s, same answers.

Both builds start from an empty embedding cache (each its own), use the same config and write to the
same backend kind (``--backend``); the Ray one runs on a local cluster of ``--cpus`` CPUs with
``--actors`` encoder actors (one thread each), the in-process one on one thread (``PLANQA_THREADS``,
the project default). Then both indexes answer the dev questions (top-5 chunk ids compared). The load
average is recorded: on a shared machine absolute seconds are noise, the ratio of the same run is the
figure. One JSON record, last line.

    .venv/bin/python benchmarks/bench_ray.py [--corpus ../shared/foreign-dev/docs] [--backend milvus]
        [--encoder m3e-small-int8] [--actors 2] [--batch 32] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.config import Config  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", default=str(ROOT.parent / "shared" / "foreign-dev" / "docs"))
    p.add_argument("--backend", choices=("local", "milvus"), default="milvus")
    p.add_argument("--encoder", default="m3e-small-int8")
    p.add_argument("--channels", default="bm25,dense")
    p.add_argument("--actors", type=int, default=2)
    p.add_argument("--batch", type=int, default=Config.embed_batch)
    p.add_argument("--cpus", type=int, default=2)
    p.add_argument("--questions", default=str(ROOT / "tests" / "data" / "dev.jsonl"))
    p.add_argument("--out", help="also write the record to this file")
    args = p.parse_args()

    from index.build import DENSE_CHANNELS, build_index, dense_units
    from index.corpus import read_corpus
    from index.ray_build import ray_build, stop_ray
    from search.engine import Engine

    root = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    config = replace(Config(), encoder=args.encoder, channels=tuple(args.channels.split(",")),
                     backend=args.backend, milvus_uri=str(root / "milvus.db") if args.backend == "milvus" else "")
    corpus = read_corpus([args.corpus], config)
    windows = sum(len(set(dense_units(corpus.chunks, DENSE_CHANNELS[c](config)[1])[0]))
                  for c in config.channels if c in DENSE_CHANNELS)
    load_before = os.getloadavg()

    started = time.perf_counter()
    here = build_index([args.corpus], index=root / "here", config=config, cache=root / "cache-here")
    here_seconds = time.perf_counter() - started

    started = time.perf_counter()
    on_ray = ray_build([args.corpus], index=root / "ray", config=config, actors=args.actors,
                       batch_size=args.batch, num_cpus=args.cpus, cache=root / "cache-ray")
    ray_seconds = time.perf_counter() - started  # includes starting the local cluster
    stop_ray()

    questions = [json.loads(line)["question"] for line in Path(args.questions).read_text(encoding="utf-8")
                 .splitlines() if line.strip()]
    engines = {b: Engine.load(root / b, build_if_missing=False) for b in ("here", "ray")}
    same = sum([h.chunk.chunk_id for h in engines["here"].search(q, k=5)]
               == [h.chunk.chunk_id for h in engines["ray"].search(q, k=5)] for q in questions)
    record = {
        "benchmark": "bench_ray", "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "corpus": args.corpus, "backend": args.backend, "encoder": args.encoder, "channels": list(config.channels),
        "documents": here.documents, "chunks": here.chunks, "windows": windows,
        "cpus": os.cpu_count(), "load_average_before": [round(x, 1) for x in load_before],
        "load_average_after": [round(x, 1) for x in os.getloadavg()],
        "in_process": {"seconds": round(here_seconds, 1), "embedded": here.embedded,
                       "windows_per_s": round(windows / here_seconds, 1), "threads": 1},
        "ray": {"seconds": round(ray_seconds, 1), "stages": {k: round(v, 1) for k, v in on_ray.stages.items()},
                "embedded": on_ray.embedded, "windows_per_s": round(windows / ray_seconds, 1),
                "actors": args.actors, "batch": args.batch, "cluster_cpus": args.cpus},
        "speedup": round(here_seconds / ray_seconds, 2),
        "same_top5": f"{same}/{len(questions)}",
    }
    line = json.dumps(record, ensure_ascii=False)
    if args.out:
        Path(args.out).write_text(line + "\n", encoding="utf-8")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
