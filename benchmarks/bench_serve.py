"""Serving under load: a real ``planqa serve`` on 127.0.0.1, simulated users, abandoned requests.

Each simulated user is one open page (one browser session) and sends 5 mixed requests (ask in Chinese
and English, compare, cite) through Gradio's browser protocol (``queue/join`` + the ``queue/data`` event
stream), thinking 1–2 s between them. All users are coroutines of one asyncio loop on raw HTTP
connections, so the client takes next to nothing of the cores it shares with the server.
Two modes: ``repeated`` draws the questions from fixed lists (a server that remembers results answers
most from memory); ``fresh`` makes every question a numbered variant and every quote a new one, so
every request is computed.
Reported per level: answered share, p50/p95 latency, requests/s, server CPU seconds per request, the
longest queue the server reported. Then
30 abandoned requests (joined, stream closed at once, as a closed browser tab does) and the latency of
one normal ask right after them.

Two servers in one run: the baseline (``--baseline-env``, by default one shared worker pair and an
unbounded queue and no sentence memory, the settings before bounded serving) and the candidate (the
app's defaults, or ``--candidate-env``).
The ratio of their throughputs at ``--ratio-users`` is the comparable number; absolute times on a
shared machine are noise. Questions are generic plan questions written for this benchmark; quotes are
sentences drawn from the index's own chunks. One JSON record, last line.

    python benchmarks/bench_serve.py --index /tmp/me/index [--users 1,10,50,100] [--out FILE.json]
        [--baseline-root OLD_CHECKOUT --baseline-index OLD_INDEX]   # the baseline served by older code
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from serve_client import Api

ROOT = Path(__file__).resolve().parent.parent

QUESTIONS_ZH = [
    "2025年的主要目标是什么", "绿色建筑占新建建筑的比例", "食品安全抽检合格率", "人才引进的措施",
    "空气质量优良天数比率", "研发投入占地区生产总值比重", "知识产权保护", "养老服务设施建设",
    "数字经济核心产业增加值", "城市更新的重点任务", "质量强市的保障措施", "标准化工作的目标",
]
QUESTIONS_EN = [
    "green building targets", "food safety inspection rate", "intellectual property protection",
    "air quality goals", "elderly care services", "digital economy output",
]
COMPARE = ["2025年主要目标", "PM2.5浓度目标", "保障措施"]
QUOTES = 40  # quotes of the repeated mode
# the settings before bounded serving: two requests at a time, an unbounded queue, no sentence memory
BASELINE_ENV = {"PLANQA_CONCURRENCY": "2", "PLANQA_QUEUE": "0", "PLANQA_SENTENCE_CACHE": "0"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``planqa serve`` in a child process on a free port; stopped by its process id."""

    def __init__(self, index: str, env: dict[str, str], ready_timeout: float = 600.0, root: Path = ROOT):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        # another checkout (``--baseline-root``) serves its own code: before app_serve.py, search.cli served
        entry = "from app_serve import cli" if (root / "app_serve.py").exists() else "from search.cli import main as cli"
        code = (f"import sys; sys.path.insert(0, {str(root)!r}); {entry}; "
                f"sys.exit(cli(['serve', '--index', {index!r}, '--port', '{self.port}']))")
        self.log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_serve_{self.port}.log", "w")
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=root, env={**os.environ, **env},
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait(ready_timeout)

    def _wait(self, timeout: float) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"planqa serve exited ({self.proc.returncode}); see {self.log.name}")
            try:
                if httpx.get(self.url + "gradio_api/info", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise TimeoutError(f"planqa serve not ready after {timeout:.0f} s; see {self.log.name}")

    def cpu_seconds(self) -> float:
        """CPU seconds of the server and of its living child processes (the engine's workers)."""
        total, pending = 0, [self.proc.pid]
        while pending:
            pid = pending.pop()
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                pending += [int(c) for task in Path(f"/proc/{pid}/task").iterdir()
                            for c in (task / "children").read_text().split()]
            except OSError:  # it ended meanwhile
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def user_plan(rng: random.Random, quotes: list[str], fresh: itertools.count | None = None) -> list[tuple[str, str]]:
    """A user's 5 requests. ``fresh``: every question a numbered variant, never asked before in the run,
    and every quote drawn once (``quotes`` must then be long enough), so no result can be remembered."""
    plan = [("ask", rng.choice(QUESTIONS_ZH)), ("ask", rng.choice(QUESTIONS_EN)), ("cite", rng.choice(quotes)),
            ("ask", rng.choice(QUESTIONS_ZH)), ("compare", rng.choice(COMPARE))]
    if fresh is None:
        return plan
    return [(api, quotes.pop() if api == "cite" else f"{text}（{next(fresh)}）" if api != "ask" or
             re.search(r"[\u4e00-\u9fff]", text) else f"{text} ({next(fresh)})") for api, text in plan]


def run_level(api: Api, server: Server, users: int, quotes: list[str], seed: int, cap: float,
              fresh: itertools.count | None = None) -> dict:
    results: list[tuple[bool, float, str]] = []
    stop_at = time.monotonic() + cap
    api.queue_seen = 0

    async def user(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        session = uuid.uuid4().hex[:11]  # a user is one open page: its requests share the browser session
        await asyncio.sleep(rng.uniform(0, 1.5))  # users arrive over the first think time
        for api_name, text in user_plan(rng, quotes, fresh):
            if time.monotonic() > stop_at:
                results.append((False, 0.0, "not sent: level time cap"))
            else:
                results.append(await api.call(api_name, text, timeout=max(1.0, stop_at - time.monotonic()),
                                              session=session))
            await asyncio.sleep(rng.uniform(1.0, 2.0))

    async def everyone() -> None:
        await asyncio.gather(*(user(i) for i in range(users)))

    cpu0, client0, started = server.cpu_seconds(), time.process_time(), time.perf_counter()
    asyncio.run(everyone())
    wall = time.perf_counter() - started
    answered = [s for ok, s, _ in results if ok]
    errors: dict[str, int] = {}
    for ok, _, error in results:
        if not ok:
            errors[error] = errors.get(error, 0) + 1
    q = statistics.quantiles(answered, n=20) if len(answered) >= 2 else [answered[0]] * 19 if answered else [0] * 19
    return {
        "users": users, "requests": users * 5, "answered": len(answered),
        "answered_share": round(len(answered) / (users * 5), 3),
        "p50_s": round(statistics.median(answered), 3) if answered else None, "p95_s": round(q[18], 3),
        "requests_per_s": round(len(answered) / wall, 2), "wall_s": round(wall, 1),
        "server_cpu_s_per_request": round((server.cpu_seconds() - cpu0) / max(1, len(answered)), 3),
        # the simulated users share the machine: their CPU is taken from the server's
        "client_cpu_s": round(time.process_time() - client0, 1), "load_average": os.getloadavg()[0],
        "longest_queue": api.queue_seen, "errors": errors,
    }


def abandoned(api: Api, numbers: itertools.count, count: int = 30) -> dict:
    """``count`` asks joined and dropped at once, then one normal ask (its latency is the number); all
    numbered variants, new to the server, so none is answered from memory."""

    async def drop_all() -> None:
        await asyncio.gather(*(api.call("ask", f"{QUESTIONS_ZH[i % len(QUESTIONS_ZH)]}（{next(numbers)}）",
                                        abandon=True) for i in range(count)))

    asyncio.run(drop_all())
    time.sleep(0.5)
    ok, seconds, error = api.request("ask", f"深圳2025年食品安全目标（{next(numbers)}）")
    return {"abandoned": count, "next_ask_answered": ok, "next_ask_s": round(seconds, 3), "error": error}


def sample_quotes(index: str, count: int = 40, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    rows = [json.loads(line) for line in open(Path(index) / "chunks.jsonl", encoding="utf-8")]
    sentences = [s for r in rows for s in re.split(r"(?<=[。；])", r["text"]) if 20 <= len(s) <= 120]
    return rng.sample(sentences, min(count, len(sentences)))


def measure(index: str, env: dict[str, str], levels: list[int], quotes: list[str], cap: float,
            with_abandoned: bool, root: Path = ROOT, modes: tuple[str, ...] = ("repeated",)) -> dict:
    """Levels on one server, in each mode: ``repeated`` (the question lists; a server that remembers
    results answers most from memory) then ``fresh`` (every request new to it: ``user_plan``'s ``fresh``)."""
    server = Server(index, env, root=root)
    try:
        api = Api(server.url)
        api.request("ask", "深圳2025年目标")  # warm
        numbers, spare = itertools.count(1), quotes[QUOTES:]
        out = {"env": env, "root": str(root), "index": index, "levels": []}
        for mode in modes:
            for n in levels:
                level = run_level(api, server, n, spare if mode == "fresh" else quotes[:QUOTES], seed=n, cap=cap,
                                  fresh=numbers if mode == "fresh" else None)
                out["levels"].append({"mode": mode, **level})
        if with_abandoned:
            out["abandoned"] = abandoned(api, numbers)
        return out
    finally:
        server.stop()


def main(index: str, users: tuple[int, ...] = (1, 10, 50, 100), ratio_users: int = 50,
         baseline_env: dict[str, str] | None = None, cap: float = 240.0, out: str | None = None,
         candidate_env: dict[str, str] | None = None, baseline: bool = True,
         baseline_root: Path | None = None, baseline_index: str | None = None,
         modes: tuple[str, ...] = ("repeated", "fresh")) -> dict:
    # the repeated mode's 40 quotes, then one unseen quote per user of every fresh level
    quotes = sample_quotes(index, count=QUOTES + sum(users) + 10)
    if baseline:
        baseline = measure(baseline_index or index, baseline_env or BASELINE_ENV, [ratio_users], quotes, cap,
                           with_abandoned=True, root=baseline_root or ROOT)
    else:  # exploring candidate settings only: no ratio
        baseline = {"env": baseline_env or BASELINE_ENV, "levels": [{"requests_per_s": 0}]}
    candidate = measure(index, candidate_env or {}, list(users), quotes, cap, with_abandoned=True, modes=modes)
    base_rate = baseline["levels"][0]["requests_per_s"]
    record = {
        "benchmark": "bench_serve", "index": index, "machine": {"cpus": os.cpu_count(),
                                                                "python": platform.python_version()},
        "baseline": baseline, "candidate": candidate,
        # per mode: the candidate's answered requests/s at ratio_users over the baseline's
        "throughput_ratio": {r["mode"]: round(r["requests_per_s"] / base_rate, 2) for r in candidate["levels"]
                             if r["users"] == ratio_users} if base_rate else None,
    }
    text = json.dumps(record, ensure_ascii=False)
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
    print(text)
    return record


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", required=True, help="an index folder (planqa build --index DIR)")
    parser.add_argument("--users", default="1,10,50,100", help="simulated users per level")
    parser.add_argument("--ratio-users", type=int, default=50)
    parser.add_argument("--baseline-env", default=json.dumps(BASELINE_ENV), help="JSON env of the baseline server")
    parser.add_argument("--candidate-env", default="{}", help="JSON env of the candidate server")
    parser.add_argument("--no-baseline", action="store_true", help="measure the candidate only")
    parser.add_argument("--cap", type=float, default=240.0, help="seconds per level at most")
    parser.add_argument("--baseline-root", type=Path,
                        help="another checkout (e.g. a git worktree of an older commit) to serve as the baseline")
    parser.add_argument("--baseline-index", help="the baseline's index (built by its own code); default --index")
    parser.add_argument("--out", help="also write the JSON record here")
    parser.add_argument("--modes", default="repeated,fresh", help="repeated (the question lists), fresh (all new)")
    a = parser.parse_args()
    main(a.index, tuple(int(u) for u in a.users.split(",")), a.ratio_users, json.loads(a.baseline_env), a.cap,
         a.out, json.loads(a.candidate_env), not a.no_baseline, a.baseline_root, a.baseline_index,
         tuple(a.modes.split(",")))
