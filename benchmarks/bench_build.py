"""Cold seeds builds, one per variant, in one run: seconds (per encoder too), vectors and retrieval metrics.

Every variant builds the seeds with a fresh, empty embedding cache (what a fresh clone pays), then is
evaluated on the dev set and the blind sets (R@1, R@5, MRR per language). Also, on a sample of seeds
windows: windows/s of torch fp32 and of ONNX int8 at 1 and 2 threads, query encoding ms, and the mean
cosine of int8 to fp32 vectors. Ratios and metric deltas are against the variant named ``fp32`` (else the first) of the same run.

    .venv/bin/python benchmarks/bench_build.py [--variant NAME:key=value,...]... [--out benchmarks/results]
        [--keep DIR]   # the indexes stay in DIR/index-NAME, to measure their answers too (bench_answers.py)

The default variants are ``fp32`` (torch m3e-small, its windows with the context line in front: the path
before int8 became the default), ``int8-front`` (int8, the same windows) and ``default`` (the Config defaults).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import fields, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index import encoders as encoders_module  # noqa: E402
from index.build import build_index, dense_encoders, dense_units  # noqa: E402
from index.config import Config  # noqa: E402
from index.corpus import read_corpus  # noqa: E402
from index.encoders import cache_name, embedding_text, get_encoder  # noqa: E402
from index.models import m3e_path  # noqa: E402
from index.onnx_encoder import OnnxEncoder  # noqa: E402
from search.engine import Engine  # noqa: E402
from search.evaluate import evaluate, read_questions  # noqa: E402

EVAL_SETS = {"dev": ROOT.parent / "shared" / "eval" / "dev.jsonl",
             "zh_blind": ROOT / "benchmarks" / "data" / "zh_blind.jsonl",
             "en_blind": ROOT / "benchmarks" / "data" / "en_blind.jsonl"}
DEFAULT_VARIANTS = ("fp32:encoder=m3e-small,dense_context_apart=false",
                    "int8-front:encoder=m3e-small-int8,dense_context_apart=false", "default:")
REFERENCE = "fp32"  # the variant the ratios and metric deltas are against (else the first one)
# what a variant's record names of its config (all of it is in each index's manifest)
RECORDED = ("encoder", "use_encoder", "dense_window", "use_window", "dense_context", "use_context", "dense_context_apart",
            "use_context_apart", "channels")


class Timed:
    """An encoder that adds up the seconds spent in ``encode`` (the cache sees the same name)."""

    def __init__(self, encoder):
        self.inner, self.name, self.seconds, self.cpu_seconds, self.texts = encoder, encoder.name, 0.0, 0.0, 0
        self.cache_name = cache_name(encoder)

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode(self, texts):
        # thread CPU time: batches of several channels run at once, each on one thread (compute_threads() 1)
        start, cpu = time.perf_counter(), time.thread_time()
        out = self.inner.encode(texts)
        self.seconds += time.perf_counter() - start
        self.cpu_seconds += time.thread_time() - cpu
        self.texts += len(texts)
        return out


def parse_variant(spec: str) -> tuple[str, Config]:
    name, _, params = spec.partition(":")
    types = {f.name: f.type for f in fields(Config)}
    overrides = {}
    for item in filter(None, params.split(",")):
        key, _, value = item.partition("=")
        if key not in types:
            raise ValueError(f"variant {name!r}: {key!r} is not a Config field")
        kind = types[key]
        overrides[key] = int(value) if kind == "int" else float(value) if kind == "float" else (
            value == "true" if kind == "bool" else value)
    return name, replace(Config(), **overrides)


def quality(index: Path) -> dict:
    engine = Engine.load(index, build_if_missing=False)
    out = {}
    for name, path in EVAL_SETS.items():
        if path.is_file():
            groups = evaluate(engine, read_questions(path)).to_dict()["groups"]
            out[name] = {lang: {"r@1": m["recall@1"], "r@5": m["recall@5"], "mrr": m["mrr"]}
                         for lang, m in groups.items() if lang != "all"}
    return out


def quality_delta(quality: dict, reference: dict) -> dict:
    """Per eval set and language: the metrics minus the reference's, and the largest drop of R@5 and MRR."""
    delta = {name: {lang: {m: round(v - reference[name][lang][m], 4) for m, v in metrics.items()}
                    for lang, metrics in langs.items()} for name, langs in quality.items()}
    drops = [-d[m] for langs in delta.values() for d in langs.values() for m in ("r@5", "mrr")]
    return {"delta": delta, "worst_r5_mrr_drop": round(max([0.0, *drops]), 4)}


def encoder_speed(sample_size: int = 300) -> dict:
    """Windows/s and query ms of torch fp32 and ONNX int8 (1 and 2 threads) on seeds windows."""
    texts, _ = dense_units(read_corpus([ROOT / "seeds"], Config()).chunks, Config().dense_window)
    sample = sorted(texts[:: max(1, len(texts) // sample_size)][:sample_size], key=len, reverse=True)
    questions = [embedding_text(q["question"]) for q in read_questions(EVAL_SETS["dev"])][:30]
    encoders = {"torch_fp32": get_encoder("m3e-small"),
                **{f"onnx_int8_{t}t": OnnxEncoder(f"int8-{t}", m3e_path(), threads=t) for t in (1, 2)}}
    out, vectors = {}, {}
    for name, encoder in encoders.items():
        encoder.encode(["预热"])
        start, cpu = time.perf_counter(), time.process_time()
        vectors[name] = np.concatenate([encoder.encode(sample[i:i + 32]) for i in range(0, len(sample), 32)])
        rate, cpu_rate = len(sample) / (time.perf_counter() - start), len(sample) / (time.process_time() - cpu)
        query_ms = []
        for q in questions:
            start = time.perf_counter()
            encoder.encode([q])
            query_ms.append((time.perf_counter() - start) * 1000)
        out[name] = {"windows_per_s": round(rate, 1), "windows_per_cpu_s": round(cpu_rate, 1), "query_p50_ms": round(statistics.median(query_ms), 2)}
    for name in out:
        cos = (vectors[name] * vectors["torch_fp32"]).sum(axis=1)
        out[name]["cosine_to_fp32_mean"] = round(float(cos.mean()), 4)
        out[name]["cosine_to_fp32_min"] = round(float(cos.min()), 4)
    out["sample_windows"] = len(sample)
    return out


def cold_build(name: str, config: Config, tmp: Path, cache: str | None = None) -> dict:
    for folder in (tmp / f"index-{name}", tmp / f"cache-{name}"):  # a kept folder (--keep) from an earlier run
        shutil.rmtree(folder, ignore_errors=True)
    # fresh encoder objects, as in a new process: each variant loads its models, and USE's shared line
    # prefixes (index.use_encoder) are not those of the variant before
    encoders_module._registered.cache_clear()
    encoders_module._sentence_transformer.cache_clear()
    encoders = {c: Timed(get_encoder(n)) for c, n in dense_encoders(config).items()}
    load_before = list(os.getloadavg())
    cpu = time.process_time()  # CPU seconds: on a shared machine wall time mostly measures the neighbours
    summary = build_index([ROOT / "seeds"], index=tmp / f"index-{name}", config=config, encoders=encoders,
                          cache=cache or tmp / f"cache-{name}")
    chunks, cpu = summary.chunks, time.process_time() - cpu
    manifest = json.loads((summary.path / "manifest.json").read_text(encoding="utf-8"))
    vectors = {e["channel"]: e["vectors"] for e in manifest["encoders"]}
    return {
        "config": {k: getattr(config, k) for k in RECORDED},
        "load_average_before": load_before, "load_average_after": list(os.getloadavg()),
        "build_s": round(summary.seconds, 1), "build_cpu_s": round(cpu, 1), "chunks": chunks,
        "encode_s": {c: round(e.seconds, 1) for c, e in encoders.items()},
        "encode_cpu_s": {c: round(e.cpu_seconds, 1) for c, e in encoders.items()},
        "vectors": vectors, "vectors_per_chunk": {c: round(v / chunks, 2) for c, v in vectors.items()},
        "quality": quality(tmp / f"index-{name}"),
    }


def main(variants: list[str], out: str, speed: bool = True, cache: str | None = None, keep: str | None = None) -> dict:
    record = {"benchmark": "bench_build", "cold": cache is None, "time": datetime.now(UTC).isoformat(timespec="seconds"),
              "cpus": os.cpu_count(), "load_average": list(os.getloadavg()),
              "threads": os.environ.get("PLANQA_THREADS", "1"), "variants": {}}
    if speed:
        record["encoders"] = encoder_speed()
    with tempfile.TemporaryDirectory(prefix="planqa-bench-build-") as tmp:
        work = Path(keep) if keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for spec in variants:
            name, config = parse_variant(spec)
            record["variants"][name] = cold_build(name, config, work, cache)
            print(json.dumps({name: record["variants"][name]}, ensure_ascii=False), file=sys.stderr)
    if keep:
        record["indexes"] = {name: str(Path(keep) / f"index-{name}") for name in record["variants"]}
    reference = record["reference"] = REFERENCE if REFERENCE in record["variants"] else next(iter(record["variants"]))
    first = record["variants"][reference]
    record["speedup_vs_reference"] = {n: round(first["build_s"] / v["build_s"], 2)
                                      for n, v in record["variants"].items()}
    record["cpu_speedup_vs_reference"] = {n: round(first["build_cpu_s"] / v["build_cpu_s"], 2)
                                          for n, v in record["variants"].items()}
    record["quality_vs_reference"] = {n: quality_delta(v["quality"], first["quality"])
                                      for n, v in record["variants"].items() if n != reference}
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"bench_build-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(record, ensure_ascii=False))
    return record


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", dest="variants", action="append", help="NAME:key=value,... (Config fields)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--no-speed", dest="speed", action="store_false", help="skip the encoder micro-benchmark")
    parser.add_argument("--cache", default=None,
                        help="one embedding cache for every variant (not cold: to compare metrics quickly)")
    parser.add_argument("--keep", metavar="DIR", default=None,
                        help="build the indexes (index-NAME) and their caches in DIR and keep them, to measure them more")
    args = parser.parse_args()
    main(args.variants or list(DEFAULT_VARIANTS), args.out, args.speed, args.cache, args.keep)
