"""Quote lookup: accuracy on damaged quotes sampled from the seeds, and speed at 1× and 100×.

Samples ``n`` spans of the seeds' documents (10 to ~800 characters), damages each one the way quotes
get damaged when copied into a report, looks it up, and counts it right when the lookup says ``found``
and a returned match covers the true span (overlap ≥ 80% of both). Damage kinds, in turn:

- ``exact``: copied as is;
- ``simplified``: converted to simplified Chinese, punctuation swapped between full and half width;
- ``lost2``: two characters deleted;
- ``changed2``: two characters replaced by other characters;
- ``mixed``: whitespace and line breaks dropped, one character lost, one changed (long quotes get one
  more of each per 200 characters).

Negative controls (shuffled real text and made-up sentences) must come back ``found: false``.
Speed: median lookup time over the damaged quotes on the seeds and on the seeds' key repeated 100
times (the same index structure, 100× the postings), against the peer this index replaces: aligning
the quote against every document in turn (the per-query scan the issue rules out), on the seeds only.

    .venv/bin/python benchmarks/bench_quote.py [--n 50] [--seed 5] [--scale 100] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.clean import clean  # noqa: E402
from index.corpus import read_corpus  # noqa: E402
from index.normalize import to_simplified  # noqa: E402
from index.quote_index import SEPARATOR, QuoteIndex, semi_global  # noqa: E402
from search.quote import ChunkLocator, document_text, lookup, quote_key  # noqa: E402

KINDS = ("exact", "simplified", "lost2", "changed2", "mixed")
LENGTHS = (10, 16, 24, 40, 60, 100, 160, 300, 500, 800)
_SWAP = str.maketrans("，。；：！？（）", ",.;:!?()") | str.maketrans(",.;:!?()", "，。；：！？（）")
_FILLER = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理"


def damage(text: str, kind: str, rng: random.Random) -> str:
    chars = list(text)
    extra = len(text) // 200

    def drop(n: int) -> None:
        for _ in range(n):
            if len(chars) > 4:
                del chars[rng.randrange(1, len(chars) - 1)]

    def change(n: int) -> None:
        for _ in range(n):
            i = rng.randrange(len(chars))
            chars[i] = rng.choice(_FILLER)

    if kind == "simplified":
        return to_simplified(text).translate(_SWAP)
    if kind == "lost2":
        drop(2)
    elif kind == "changed2":
        change(2)
    elif kind == "mixed":
        chars = [c for c in chars if not c.isspace()]
        drop(1 + extra)
        change(1 + extra)
    return "".join(chars)


def sample_spans(corpus, n: int, rng: random.Random) -> list[tuple[str, int, int]]:
    """(source, start, end) of ``n`` original spans inside documents, mostly text (not table debris)."""
    spans = []
    docs = [d for d in corpus.documents if d.end - d.start > 2000]
    while len(spans) < n:
        doc = rng.choice(docs)
        length = LENGTHS[len(spans) % len(LENGTHS)]
        cleaned = clean(corpus.sources[doc.source][doc.start:doc.end])
        if len(cleaned.text) < length + 10:
            continue
        at = rng.randrange(0, len(cleaned.text) - length)
        piece = cleaned.text[at:at + length]
        if len(quote_key(piece)) < max(8, 0.6 * length) or "|" in piece:
            continue
        start, end = cleaned.span_to_original(at, at + length)
        spans.append((doc.source, doc.start + start, doc.start + end))
    return spans


def overlaps(match, original: str, source: str, start: int, end: int) -> bool:
    """Does the match cover the true span? Counted in key characters (no punctuation, whitespace or
    noise), so a match that rightly leaves out a leading "。" or a watermark is not held against it."""
    if match.source != source:
        return False

    def key_chars(a: int, b: int) -> int:
        return len(quote_key(original[a:b])) if b > a else 0

    common = key_chars(max(start, match.start), min(end, match.end))
    return common >= 0.8 * key_chars(start, end) and common >= 0.8 * key_chars(match.start, match.end)


def tile(index: QuoteIndex, times: int) -> QuoteIndex:
    """The index of a corpus made of ``times`` copies of the indexed one (same shape, ×times postings)."""
    starts = np.concatenate([index.doc_starts + i * len(index.key) for i in range(times)])
    return QuoteIndex.from_key(index.key * times, np.tile(index.origin, times), starts, index.documents * times)


def scan_lookup(index: QuoteIndex, qkey: str) -> float:
    """The peer: align the quote against every document's key, keep the best similarity."""
    best = 0.0
    for doc_key in index.key.split(SEPARATOR):
        if doc_key:
            a, b, distance = semi_global(qkey, doc_key)
            best = max(best, 1.0 - distance / max(len(qkey), b - a, 1))
    return best


def main(n: int = 50, seed: int = 5, scale: int = 100, repeats: int = 3,
         seeds: str = str(ROOT / "seeds"), out: str = str(ROOT / "benchmarks" / "results")) -> dict:
    rng = random.Random(seed)
    corpus = read_corpus([seeds])
    by_doc: dict[str, list] = {}
    for chunk in corpus.chunks:
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    started = time.perf_counter()
    index = QuoteIndex.build(corpus.documents,
                             lambda d: document_text(d, by_doc.get(d.doc_id, []), corpus.sources[d.source]))
    build_seconds = time.perf_counter() - started
    locator = ChunkLocator(corpus.chunks)

    cases = []
    for i, (source, start, end) in enumerate(sample_spans(corpus, n, rng)):
        kind = KINDS[i % len(KINDS)]
        original = clean(corpus.sources[source][start:end]).text
        cases.append({"kind": kind, "source": source, "start": start, "end": end, "chars": len(original),
                      "quote": damage(original, kind, rng)})
    negatives = []
    for case in cases[:10]:
        chars = list(case["quote"])
        rng.shuffle(chars)
        negatives.append("".join(chars))
    negatives += ["火星殖民地的建设将在二〇三五年前完成首批十万人的移民安置工作",
                  "全市建成太空电梯十二座，月球基地通勤率达到百分之八十以上"]

    results = []
    for case in cases:
        result = lookup(index, case["quote"], corpus.sources.get, locator)
        top = result.matches[0] if result.matches else None
        truth = (corpus.sources[case["source"]], case["source"], case["start"], case["end"])
        right = result.found and any(overlaps(m, *truth) for m in result.matches)
        results.append({**{k: v for k, v in case.items() if k != "quote"}, "found": result.found, "right": right,
                        "top1_right": bool(result.found and top and overlaps(top, *truth)),
                        "similarity": round(top.similarity, 4) if top else None})
    false_found = [q for q in negatives if lookup(index, q, corpus.sources.get, locator).found]

    def timings_ms(run) -> tuple[float, float]:
        """Median and maximum over the quotes of the best of ``repeats`` runs, in ms."""
        times = []
        for case in cases:
            best = float("inf")
            for _ in range(repeats):
                t = time.perf_counter()
                run(case["quote"])
                best = min(best, time.perf_counter() - t)
            times.append(best)
        return round(1000 * statistics.median(times), 3), round(1000 * max(times), 3)

    ms_1x, max_1x = timings_ms(lambda q: index.locate(quote_key(q)))
    scan_ms, scan_max = timings_ms(lambda q: scan_lookup(index, quote_key(q)))
    started = time.perf_counter()
    big = tile(index, scale)
    tile_seconds = time.perf_counter() - started
    ms_big, max_big = timings_ms(lambda q: big.locate(quote_key(q)))

    per_kind = {k: f"{sum(r['right'] for r in results if r['kind'] == k)}/{sum(r['kind'] == k for r in results)}"
                for k in KINDS}
    record = {
        "benchmark": "bench_quote",
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_average": list(os.getloadavg())},
        "params": {"n": n, "seed": seed, "scale": scale, "repeats": repeats, "seeds": seeds,
                   "documents": len(corpus.documents), "key_chars": len(index.key)},
        "accuracy": {
            "right": sum(r["right"] for r in results), "top1_right": sum(r["top1_right"] for r in results),
            "n": len(results), "per_kind": per_kind,
            "negatives_found": len(false_found), "negatives": len(negatives),
        },
        "speed": {
            "build_seconds_1x": round(build_seconds, 3),
            "lookup_median_ms_1x": ms_1x,
            "lookup_max_ms_1x": max_1x,
            f"lookup_median_ms_{scale}x": ms_big,
            f"lookup_max_ms_{scale}x": max_big,
            f"index_build_seconds_{scale}x_from_key": round(tile_seconds, 2),
            "scan_peer_median_ms_1x": scan_ms,
            "scan_peer_max_ms_1x": scan_max,
            "peer_over_index_1x": round(scan_ms / max(ms_1x, 1e-6), 1),
            f"index_{scale}x_over_1x": round(ms_big / max(ms_1x, 1e-6), 1),
        },
        "cases": results,
        "misses": [r for r in results if not r["right"]],
    }
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"bench_quote-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    summary = {k: record[k] for k in ("params", "accuracy", "speed", "misses")}
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    print(f"written to {path}", file=sys.stderr)
    return record


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seeds", default=str(ROOT / "seeds"))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    main(**vars(parser.parse_args()))
