"""The cost of adding one plan to an existing index, against a full rebuild in the same run.

The corpus (seeds/ and ../shared/foreign-dev/docs by default) is copied without the plan and indexed
once (``index.library.build``, over the project's embedding cache). Then, ``--repeats`` times:

- **add**: ``index.library.add_files`` of the plan to a copy of that index, with an embedding cache
  folder holding no vectors (the old ones must come from the index itself) but the BM25 tokens the
  base build left (they live in the cache folder, beside the vectors);
- **rebuild**: ``index.build.build_index`` over corpus + plan into a new folder, the way a build works
  without the library: every file read, chunked and tokenised again. To be fair it knows every old
  vector (served from memory, as a warm embedding cache would), so both sides embed exactly the
  plan's new windows with the same models; the time the embedding takes is in both.

Models and the jieba dictionary are loaded before anything is timed. ``--cold`` adds one rebuild over
an empty cache (every window of the corpus embedded: what a fresh machine pays; slow, minutes). The
record compares the chunks of both results and reports medians, the seconds spent in the encoders
(the plan's own windows, the same on both sides), the rest, and the rebuild/add ratios of both; its
JSON is the last line printed.

    .venv/bin/python benchmarks/bench_add.py [--plan FILE] [--corpus DIR …] [--repeats 3] [--cold]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
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
from index.embed_cache import EmbeddingCache  # noqa: E402
from index.encoders import get_encoder  # noqa: E402
from index.library import add_files, build  # noqa: E402
from index.reuse import KnownVectors, stored_vectors  # noqa: E402
from index.store import load_index  # noqa: E402
from index.tokenize import get_tokenizer  # noqa: E402

FOREIGN = ROOT.parent / "shared" / "foreign-dev" / "docs"
CORPUS = (str(ROOT / "seeds"), str(FOREIGN))
PLAN = str(FOREIGN / "十四五国家应急体系规划.md")


class TimedEncoder:
    """An encoder that adds up the seconds its ``encode`` takes, to tell embedding from the rest."""

    def __init__(self, encoder):
        self.inner, self.name, self.dim, self.seconds = encoder, encoder.name, encoder.dim, 0.0

    def encode(self, texts):
        started = time.perf_counter()
        try:
            return self.inner.encode(texts)
        finally:
            self.seconds += time.perf_counter() - started


def _copy_without(folders: list[Path], plan: Path, into: Path) -> list[Path]:
    roots = []
    for folder in folders:
        root = into / folder.name
        shutil.copytree(folder, root, ignore=lambda d, names: [n for n in names if (Path(d) / n).resolve() == plan])
        roots.append(root)
    return roots


def _chunk_keys(index: Path) -> list[tuple]:
    return sorted((c.doc_title, c.text, c.start, c.end, c.section_path) for c in load_index(index).chunks)


def _reset(encoders) -> None:
    for encoder in encoders.values():
        encoder.seconds = 0.0


def _seconds(encoders) -> float:
    return sum(encoder.seconds for encoder in encoders.values())


def main(plan: str = PLAN, corpus: tuple[str, ...] = CORPUS, repeats: int = 3,
         cache: str = str(ROOT / DEFAULT_CACHE_DIR), cold: bool = False) -> dict:
    plan_path = Path(plan).resolve()
    with tempfile.TemporaryDirectory(prefix="planqa-bench-add-") as tmp:
        tmp = Path(tmp)
        roots = _copy_without([Path(c).resolve() for c in corpus], plan_path, tmp / "corpus")
        new = tmp / "new" / plan_path.name
        new.parent.mkdir()
        shutil.copy(plan_path, new)
        base = build(roots, index=tmp / "base", cache=cache)
        stored = load_index(tmp / "base")
        config = stored.config
        encoders = {c.channel: TimedEncoder(get_encoder(c.encoder)) for c in stored.dense.values()}
        for encoder in encoders.values():  # load the models before timing
            encoder.encode(["规划"])
        get_tokenizer(config.bm25_tokens).tokenize("规划")
        known = {encoders[c].name: stored_vectors(stored, c) for c in encoders}
        tokens = Path(cache) / "tokens"

        adds, rebuilds = [], []
        for i in range(repeats):
            index, add_cache = tmp / f"add-{i}", tmp / f"add-cache-{i}"
            shutil.copytree(tmp / "base", index)
            if tokens.is_dir():
                shutil.copytree(tokens, add_cache / "tokens")
            _reset(encoders)
            started = time.perf_counter()
            report = add_files([new], index=index, encoders=encoders, cache=add_cache)
            adds.append((time.perf_counter() - started, report, _seconds(encoders)))

            full = tmp / f"full-{i}"
            _reset(encoders)
            started = time.perf_counter()
            summary = build_index([*roots, new], index=full, config=config, encoders=encoders,
                                  cache=KnownVectors(known, EmbeddingCache(tmp / f"full-cache-{i}")))
            rebuilds.append((time.perf_counter() - started, summary, _seconds(encoders)))
            same = _chunk_keys(index) == _chunk_keys(full)
            for folder in (full, tmp / f"full-cache-{i}", add_cache) + ((index,) if i else ()):
                shutil.rmtree(folder, ignore_errors=True)

        cold_build = None
        if cold:
            started = time.perf_counter()
            cold_summary = build_index([*roots, new], index=tmp / "cold", config=config, encoders=encoders,
                                       cache=tmp / "cold-cache")
            cold_build = {"seconds": round(time.perf_counter() - started, 2), "embedded": cold_summary.embedded}
        plan_chunks = sum(c.source == new.name for c in load_index(tmp / "add-0").chunks)

    add_s, add_embed_s = (statistics.median(run[j] for run in adds) for j in (0, 2))
    rebuild_s, rebuild_embed_s = (statistics.median(run[j] for run in rebuilds) for j in (0, 2))
    add_other = statistics.median(run[0] - run[2] for run in adds)
    rebuild_other = statistics.median(run[0] - run[2] for run in rebuilds)
    record = {
        "benchmark": "bench_add",
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_average": [round(x, 2) for x in os.getloadavg()]},
        "params": {"plan": plan, "plan_bytes": plan_path.stat().st_size, "corpus": list(corpus),
                   "repeats": repeats, "channels": list(config.channels)},
        "base": {"documents": base.documents, "chunks": base.chunks, "files": len(base.added) + len(base.unchanged)
                 + len(base.replaced), "seconds": round(base.seconds, 2)},
        "add": {"median_s": round(add_s, 2), "runs_s": [round(run[0], 2) for run in adds],
                "embed_median_s": round(add_embed_s, 2), "other_median_s": round(add_other, 2),
                "embedded": adds[0][1].embedded, "plan_chunks": plan_chunks, "documents": adds[0][1].documents,
                "chunks": adds[0][1].chunks},
        "rebuild": {"median_s": round(rebuild_s, 2), "runs_s": [round(run[0], 2) for run in rebuilds],
                    "embed_median_s": round(rebuild_embed_s, 2), "other_median_s": round(rebuild_other, 2),
                    "embedded": rebuilds[0][1].embedded, "documents": rebuilds[0][1].documents,
                    "chunks": rebuilds[0][1].chunks},
        "cold_rebuild": cold_build,
        "same_chunks": same,
        "ratio_rebuild_over_add": round(rebuild_s / max(add_s, 1e-9), 2),
        # the part that grows with the corpus: everything but the plan's own embedding, which both pay
        "ratio_rebuild_over_add_without_embedding": round(rebuild_other / max(add_other, 1e-9), 2),
    }
    print(json.dumps(record, ensure_ascii=False))
    return record


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", default=PLAN, help="the file to add (left out of the base index)")
    parser.add_argument("--corpus", nargs="+", default=list(CORPUS), help="folders of the base index")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache", default=str(ROOT / DEFAULT_CACHE_DIR), help="embedding cache of the base build")
    parser.add_argument("--cold", action="store_true", help="also one rebuild over an empty cache (minutes)")
    args = parser.parse_args()
    main(plan=args.plan, corpus=tuple(args.corpus), repeats=args.repeats, cache=args.cache, cold=args.cold)
