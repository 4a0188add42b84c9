"""Ingestion speed per format: reading (extraction) alone and reading + chunking, characters and pages per second.

Reads every file under the given folders (default: seeds/ and ../shared/foreign-dev/docs) ``--runs``
times, takes the median per file, and sums per format. The peer in the same run is plain text: each
format's characters per second is also given as a ratio to the text reader's, since absolute times on
a shared machine are noise. OCR is timed on one generated page without a text layer (when tesseract is
installed), as it costs seconds a page where text layers cost milliseconds.

    .venv/bin/python benchmarks/bench_ingest.py [PATHS…] [--runs 3] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.config import Config  # noqa: E402
from index.corpus import ingest_file  # noqa: E402
from index.reader import SourceError, read_file, walk  # noqa: E402

DEFAULT_PATHS = [ROOT / "seeds", ROOT.parent / "shared" / "foreign-dev" / "docs"]


def _timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def ocr_page_seconds() -> float | None:
    from index.formats import pdf as pdf_format

    if pdf_format._ocr_engine() is not None:
        return None
    sys.path.insert(0, str(ROOT / "tests" / "index"))
    from test_formats_pdf import FONT, _image_of_text, make_pdf

    if not FONT.exists():
        return None
    raw = make_pdf([], _image_of_text())
    seconds, _ = _timed(lambda: pdf_format.read_pdf(raw, "scan.pdf"), 1)
    return round(seconds, 2)


def main(paths: list[str], runs: int, out: str) -> dict:
    config = Config()
    per_format: dict[str, dict] = {}
    skipped: list[str] = []
    found, refused = walk(paths)
    skipped += [r.message for r in refused]
    for path, name in found:
        try:
            read_s, src = _timed(lambda: read_file(path, name), runs)
        except SourceError as exc:
            skipped.append(str(exc))
            continue
        chunk_s, parts = _timed(lambda: ingest_file(src, config), runs)
        row = per_format.setdefault(src.fmt, {"files": 0, "chars": 0, "pages": 0, "read_s": 0.0,
                                              "read_chunk_s": 0.0, "chunks": 0})
        row["files"] += 1
        row["chars"] += len(src.text)
        row["pages"] += src.page_count
        row["read_s"] += read_s
        row["read_chunk_s"] += read_s + chunk_s
        row["chunks"] += len(parts[2])
    base = per_format.get("text")
    base_rate = base["chars"] / base["read_s"] if base and base["read_s"] else None
    for row in per_format.values():
        row["chars_per_s"] = round(row["chars"] / row["read_s"]) if row["read_s"] else None
        row["chars_per_s_with_chunking"] = round(row["chars"] / row["read_chunk_s"]) if row["read_chunk_s"] else None
        row["pages_per_s"] = round(row["pages"] / row["read_s"], 1) if row["pages"] and row["read_s"] else None
        row["read_rate_vs_text"] = round(row["chars_per_s"] / base_rate, 3) if base_rate and row["chars_per_s"] else None
        row["read_s"], row["read_chunk_s"] = round(row["read_s"], 3), round(row["read_chunk_s"], 3)
    record = {"benchmark": "bench_ingest", "time": datetime.now(UTC).isoformat(timespec="seconds"),
              "cpus": os.cpu_count(), "load_average": list(os.getloadavg()), "runs": runs,
              "paths": [str(p) for p in paths], "formats": per_format, "ocr_page_s": ocr_page_seconds(),
              "skipped": skipped}
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"bench_ingest-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(record, ensure_ascii=False))
    return record


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(p) for p in DEFAULT_PATHS])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args()
    main(args.paths, args.runs, args.out)
