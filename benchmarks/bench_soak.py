"""Memory under a long run: a real ``planqa serve``, N mixed requests without think time.

The requests are bench_serve's mix (ask in Chinese and English, cite, compare); the server's resident
memory is sampled every 250 answered requests. Memory is flat when the second half of the run adds
(next to) nothing per request. One JSON record, last line.

    python benchmarks/bench_soak.py --index /tmp/me/index [--requests 10000] [--clients 4] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

from bench_serve import Server, sample_quotes, user_plan
from serve_client import Api


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def soak(index: str, requests: int, clients: int = 4, every: int = 250, seed: int = 0) -> dict:
    """``requests`` mixed requests from ``clients`` users without think time; the server's resident
    memory sampled every ``every`` answered requests. Flat memory: the slope over the second half."""
    server = Server(index, {})
    try:
        api = Api(server.url)
        quotes = sample_quotes(index)
        rng = random.Random(seed)
        plan = [step for _ in range(requests // 5 + 1) for step in user_plan(rng, quotes)][:requests]
        lock, samples, failed = threading.Lock(), [(0, rss_mb(server.proc.pid))], []
        done = [0]

        def client(steps) -> None:
            for api_name, text in steps:
                ok, _, error = api.request(api_name, text)
                with lock:
                    done[0] += 1
                    if not ok:
                        failed.append(error)
                    if done[0] % every == 0:
                        samples.append((done[0], rss_mb(server.proc.pid)))
                        print(f"{done[0]} requests, {samples[-1][1]:.0f} MB, {time.perf_counter() - started:.0f} s",
                              file=sys.stderr, flush=True)

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(plan[i::clients],)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        half = [s for s in samples if s[0] >= requests // 2]
        slope = ((half[-1][1] - half[0][1]) * 1024 / (half[-1][0] - half[0][0])
                 if len(half) >= 2 and half[-1][0] > half[0][0] else None)
        return {"requests": requests, "clients": clients, "failed": len(failed), "wall_s": round(wall, 1),
                "rss_mb": [[n, round(mb, 1)] for n, mb in samples],
                "rss_first_mb": round(samples[0][1], 1), "rss_last_mb": round(samples[-1][1], 1),
                "second_half_kb_per_request": round(slope, 2) if slope is not None else None,
                "load_average": os.getloadavg()[0]}
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", required=True, help="an index folder (planqa build --index DIR)")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4, help="users sending at once, without think time")
    parser.add_argument("--out", help="also write the JSON record here")
    a = parser.parse_args()
    record = {"benchmark": "bench_soak", "index": a.index, "cpus": os.cpu_count(),
              **soak(a.index, a.requests, a.clients)}
    text = json.dumps(record, ensure_ascii=False)
    if a.out:
        Path(a.out).write_text(text + "\n", encoding="utf-8")
    print(text)
