"""bench_serve: its fresh mode repeats nothing, and its client reads Gradio's chunked event stream."""

from __future__ import annotations

import asyncio
import itertools
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import bench_serve  # noqa: E402
import serve_client  # noqa: E402


def test_the_fresh_mode_never_sends_the_same_request_twice():
    quotes = [f"第{i}句引文。" for i in range(30)]
    numbers = itertools.count(1)
    plans = [bench_serve.user_plan(random.Random(i), quotes, numbers) for i in range(20)]
    requests = [step for plan in plans for step in plan]
    assert len(requests) == 100 and len(set(requests)) == 100
    assert [api for api, _ in plans[0]] == ["ask", "ask", "cite", "ask", "compare"]
    assert plans[0][0][1].endswith("（1）") and plans[0][1][1].endswith(" (2)")  # English gets ASCII brackets
    assert plans[0][2][1] == "第29句引文。" and len(quotes) == 10  # each quote drawn once
    repeated = bench_serve.user_plan(random.Random(0), quotes[:])
    assert repeated[0][1] in bench_serve.QUESTIONS_ZH and repeated[1][1] in bench_serve.QUESTIONS_EN


def test_the_client_reads_a_chunked_event_stream_line_by_line():
    async def read(raw: bytes, chunked: bool) -> list[str]:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        return [line async for line in serve_client.body_lines(reader, chunked)]

    events = 'data: {"msg": "estimation", "queue_size": 3}\n\ndata: {"msg": "process_completed", "success": true}\n\n'
    body = events.encode()
    chunked = b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[:17], body[17:60], body[60:]))
    expected = ['data: {"msg": "estimation", "queue_size": 3}', "",
                'data: {"msg": "process_completed", "success": true}', ""]
    assert asyncio.run(read(chunked + b"0\r\n\r\n", True)) == expected
    assert asyncio.run(read(body, False)) == expected
