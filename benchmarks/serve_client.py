"""bench_serve's client: Gradio's browser protocol (``queue/join`` + the ``queue/data`` event stream) on
raw asyncio connections, so that a hundred simulated users take next to nothing of the cores they share
with the server."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
import uuid


async def http(host: str, port: int, method: str, path: str, body: bytes = b""):
    """One HTTP/1.1 request on its own connection: ``(status, reader, writer)`` after the headers, and
    whether the body is chunked. Raw asyncio streams: a client that costs the shared cores next to nothing
    (httpx, a client and a thread per request, took 0.13 CPU-s a request, half the server's own)."""
    reader, writer = await asyncio.open_connection(host, port)
    head = (f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    writer.write(head.encode() + body)
    status = int((await reader.readline()).split()[1])
    chunked = False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        chunked |= name.strip().lower() == "transfer-encoding" and "chunked" in value.lower()
    return status, reader, writer, chunked


async def body_lines(reader: asyncio.StreamReader, chunked: bool):
    """The body's lines as they arrive (an event stream is chunked)."""
    buffer = b""
    while True:
        if chunked:
            size = int((await reader.readline()).strip() or b"0", 16)
            if size == 0:
                break
            data = await reader.readexactly(size + 2)
            buffer += data[:-2]
        else:
            data = await reader.read(65536)
            if not data:
                break
            buffer += data
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            yield line.decode("utf-8").rstrip("\r")
    if buffer:
        yield buffer.decode("utf-8")


class Api:
    """Gradio's browser protocol for named endpoints: defaults for every parameter but the first."""

    def __init__(self, url: str):
        import httpx

        self.url = url
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        config = httpx.get(url + "config", timeout=30).json()
        info = httpx.get(url + "gradio_api/info", timeout=30).json()["named_endpoints"]
        self.fn = {d.get("api_name"): d["id"] for d in config["dependencies"] if d.get("api_name")}
        self.defaults = {name.strip("/"): [p.get("parameter_default") for p in e["parameters"]]
                         for name, e in info.items()}
        self.queue_seen = 0  # the longest queue the server reported (its "estimation" messages)

    async def call(self, api: str, first: str, timeout: float = 120.0, abandon: bool = False,
                   session: str | None = None) -> tuple[bool, float, str]:
        """(answered, seconds, error) of one call; ``abandon``: close the stream right after joining.

        ``session``: the browser session (one per open page); a new one when None."""
        started = time.perf_counter()
        try:
            return await asyncio.wait_for(self._call(api, first, abandon, started, session or uuid.uuid4().hex[:11]),
                                          timeout)
        except TimeoutError:
            return False, time.perf_counter() - started, "timeout"
        except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
            return False, time.perf_counter() - started, type(exc).__name__

    async def _call(self, api: str, first: str, abandon: bool, started: float, session: str) -> tuple[bool, float, str]:
        body = json.dumps({"data": [first, *self.defaults[api][1:]], "event_data": None, "fn_index": self.fn[api],
                           "trigger_id": None, "session_hash": session}).encode()
        status, reader, writer, chunked = await http(self.host, self.port, "POST", "/gradio_api/queue/join", body)
        text = "".join([line async for line in body_lines(reader, chunked)])
        writer.close()
        if status != 200:
            return False, time.perf_counter() - started, f"join {status}: {text[:80]}"
        status, reader, writer, chunked = await http(self.host, self.port, "GET",
                                                     f"/gradio_api/queue/data?session_hash={session}")
        try:
            if abandon:
                return False, time.perf_counter() - started, "abandoned"
            async for line in body_lines(reader, chunked):
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("msg") == "estimation":
                    self.queue_seen = max(self.queue_seen, msg.get("queue_size") or 0)
                if msg.get("msg") == "process_completed":
                    ok = bool(msg.get("success"))
                    return ok, time.perf_counter() - started, "" if ok else str(msg.get("output"))[:80]
            return False, time.perf_counter() - started, "stream ended"
        finally:
            writer.close()

    def request(self, api: str, first: str, timeout: float = 120.0, abandon: bool = False) -> tuple[bool, float, str]:
        """``call`` for threaded callers (bench_soak)."""
        return asyncio.run(self.call(api, first, timeout, abandon))
