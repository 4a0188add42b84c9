"""An engine whose heavy calls run in worker processes forked from the loaded one (``WorkerEngine``).

One server process answers its requests on threads that share one interpreter lock: the encoders and
numpy release it, but tokenising, fusion and answer choice are Python. The engine is read-only once
loaded, so ``fork`` gives each worker the whole loaded index and models copy-on-write, at no load time.
A call is sent over the worker's pipe (name and arguments, pickled) and its result, the same frozen
dataclasses, comes back the same way; an exception raised in the worker is raised again in the caller.
Look-ups that cost nothing (``chunk``, ``document``, ``allowed``, ``documents``...) stay in this process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import stat
import threading
import time
from typing import Any

logger = logging.getLogger(__name__)

# the engine's calls that compute (encoders, retrieval, answer choice, the chunk table's walk)
IN_WORKERS = ("ask", "compare", "compare_chunks", "cite", "show", "search", "focus")


class WorkerError(RuntimeError):
    """A worker process stopped while answering (it was killed or ran out of memory)."""


def default_workers() -> int:
    """``PLANQA_WORKERS``: worker processes per loaded index; 0 answers in the server process itself."""
    value = os.environ.get("PLANQA_WORKERS", "").strip()
    if not value:
        return DEFAULT_WORKERS
    if not value.isdigit():
        raise ValueError(f"PLANQA_WORKERS must be a whole number (0 = no worker processes), not {value!r}")
    return int(value)


# bench_serve, 100 users with every request new, one server after another on the 2-core machine (load
# average 1.3-3.9 from other work): no workers 17.7-18.5 requests/s (p95 7.4-7.5 s: the server held below
# one core by its interpreter lock while 81 requests waited), 2 workers 22.2-31.2 (p95 2.4-5.7 s), 3 workers
# 18.9 (p95 6.3 s: three processes and the server's own thread contend for two cores). Each worker
# adds ~90 MB of its own pages (PSS of server and 2 workers 694 MB against 513 MB for one process, seeds).
DEFAULT_WORKERS = 2
STOP_WAIT = 5.0  # seconds a stopped worker has to finish before it is killed


def forkable(engine: Any) -> bool:
    """Whether ``engine`` may be forked: an index of local files. A backend's client (Milvus: gRPC
    channels and their threads) does not survive a fork."""
    stored = getattr(engine, "stored", None)
    manifest = getattr(stored, "manifest", None)
    if not isinstance(manifest, dict):
        return False
    return (manifest.get("backend") or {}).get("name", "local") == "local"


def _release_inherited(keep: tuple[int, ...]) -> None:
    """Point every socket and pipe this forked worker inherited, but ``keep``, at /dev/null.

    A fork copies every descriptor of the server: its clients' connections (a worker forked by a hot
    swap would otherwise hold them open, so a connection the server closes never ends for its client),
    the other workers' pipes (a worker would not see its pipe close) and the pipes of the server's own
    child processes (one that waits for its input to end, as a browser driver does, would never end).
    dup2 rather than close: the server's objects copied into this process still own those numbers and
    may close them later. Also multiprocessing's pipe that tells the server this worker ended goes: so
    ``_Worker.stop`` polls the process instead of waiting on that pipe. Linux only (/proc)."""
    try:
        descriptors = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in descriptors:
            if fd in (0, 1, 2, null, *keep):
                continue
            try:
                mode = os.fstat(fd).st_mode
                if stat.S_ISSOCK(mode) or stat.S_ISFIFO(mode):
                    os.dup2(null, fd)
            except OSError:  # the descriptor listdir itself used, now closed
                continue
    finally:
        os.close(null)


def _serve(engine: Any, conn) -> None:
    """A worker's loop: one call at a time until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which closes the pipes
    parent = getattr(multiprocessing.current_process(), "_parent_sentinel", None)  # the server's end-of-life pipe
    _release_inherited((conn.fileno(),) if parent is None else (conn.fileno(), parent))
    while True:
        try:
            name, args, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", getattr(engine, name)(*args, **kwargs))
        except Exception as exc:  # raised again in the caller, as the in-process engine would
            reply = ("error", exc)
        try:
            conn.send(reply)
        except Exception as exc:  # a result or an exception that does not pickle
            conn.send(("error", WorkerError(f"the result of {name} could not be sent back ({exc!r})")))


class _Worker:
    def __init__(self, engine: Any):
        parent, child = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("fork").Process(target=_serve, args=(engine, child), daemon=True)
        self.process.start()
        child.close()
        self.conn = parent

    def call(self, name: str, args: tuple, kwargs: dict) -> Any:
        self.conn.send((name, args, kwargs))
        status, value = self.conn.recv()
        if status == "error":
            raise value
        return value

    def stop(self) -> None:
        self.conn.close()  # the worker's recv ends, it returns
        deadline = time.monotonic() + STOP_WAIT
        while self.process.is_alive() and time.monotonic() < deadline:  # is_alive reaps; join(t) waits on a pipe
            time.sleep(0.02)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


class WorkerEngine:
    """``engine`` with its computing calls (``IN_WORKERS``) answered by ``workers`` forked processes.

    A call waits for a free worker. A worker that dies while answering is replaced by a new fork and the
    call raises ``WorkerError`` (the request is not retried: it may be what killed the worker).
    ``close()`` stops the workers once their calls in flight have finished (after a hot swap).
    """

    def __init__(self, engine: Any, workers: int = DEFAULT_WORKERS):
        if workers < 1:
            raise ValueError(f"WorkerEngine needs at least one worker, not {workers}")
        self.engine = engine
        self.workers = workers
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(workers):
            self._start()

    def _start(self) -> None:
        worker = _Worker(self.engine)
        with self._lock:
            self._all.append(worker)
        self._idle.put(worker)

    def pids(self) -> list[int]:
        """The workers' process ids (tests, monitoring)."""
        with self._lock:
            return [w.process.pid for w in self._all]

    def __getattr__(self, name: str):
        attribute = getattr(self.engine, name)
        if name not in IN_WORKERS:
            return attribute

        def in_worker(*args, **kwargs):
            return self._call(name, args, kwargs)

        return in_worker

    def _call(self, name: str, args: tuple, kwargs: dict) -> Any:
        if self._closed:  # a request that started on an index swapped out since: answer it here
            return getattr(self.engine, name)(*args, **kwargs)
        worker = self._take()
        if worker is None:
            return getattr(self.engine, name)(*args, **kwargs)
        try:
            result = worker.call(name, args, kwargs)
        except (EOFError, OSError) as exc:
            worker.process.join(1)  # reaped, so its exit code is known
            code = worker.process.exitcode
            self._replace(worker)
            raise WorkerError(f"the engine worker stopped while answering {name} (exit code {code}); a new "
                              f"one was started: try the request again") from exc
        except Exception:  # the engine's own error, or a reply that did not unpickle: the pipe is in step
            self._release(worker)
            raise
        except BaseException:  # interrupted while the worker computes: its late reply must not answer the next call
            self._replace(worker)
            raise
        self._release(worker)
        return result

    def _take(self) -> _Worker | None:
        while not self._closed:
            try:
                return self._idle.get(timeout=1.0)
            except queue.Empty:
                continue
        return None

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed:
                self._idle.put(worker)
                return
        worker.stop()

    def _replace(self, worker: _Worker) -> None:
        logger.warning("planqa: engine worker %s stopped (exit code %s); starting another",
                       worker.process.pid, worker.process.exitcode)
        worker.stop()
        with self._lock:
            self._all.remove(worker)
        if not self._closed:
            self._start()

    def close(self) -> None:
        """Stop the idle workers now and the busy ones when their call returns."""
        with self._lock:
            self._closed = True
        while True:
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                return
