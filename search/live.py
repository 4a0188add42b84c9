"""The engine of a running server, swapped for a rebuilt index without a restart.

``planqa build`` / ``add`` / ``remove`` replace the index folder atomically (a rename), so its
``manifest.json`` changes identity. ``LiveEngine.current`` looks at it at most every ``interval``
seconds (one ``stat``); when it changed, one background thread loads the new index while requests go
on with the old engine, and the new one replaces it in a single assignment. A request holds the engine
it started with, so in-flight requests finish on the old index. With ``workers``, each loaded engine's
computing calls run in that many processes forked from it (``search.workers.WorkerEngine``); a swap forks
new ones from the new engine and stops the old ones once their calls in flight have returned.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from index.store import MANIFEST

logger = logging.getLogger(__name__)


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        st = (path / MANIFEST).stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


class LiveEngine:
    """Holds the current ``Engine`` of an index folder and swaps in a rebuilt one."""

    def __init__(self, engine, loader: Callable[[Path], object] | None = None, interval: float = 2.0,
                 memo: int = 0, workers: int = 0):
        """Args:
            engine: the loaded ``search.engine.Engine`` (its ``path`` is watched).
            loader: path → a new engine; ``Engine.load(path, build_if_missing=False)`` with the same
                encoders when None.
            interval: seconds between two looks at the manifest.
            memo: results remembered per loaded index (``search.memo.RememberingEngine``); 0: none.
            workers: worker processes per loaded index (``search.workers.WorkerEngine``); 0: none.
        """
        self.memo = memo
        self.workers = workers
        self._pool = None  # the current engine's WorkerEngine, closed when it is swapped out
        self._engine = engine
        self._serve(self._remembering(engine))
        self.path = Path(engine.path)
        if loader is None:
            from search.engine import Engine

            encoders = dict(engine.encoders)

            def loader(path: Path):
                return Engine.load(path, build_if_missing=False, quiet=True, encoders=encoders)

        self._loader = loader
        self.interval = interval
        self._seen = _identity(self.path)
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self._loading: threading.Thread | None = None
        self.error: str = ""  # why the last reload failed (the old engine keeps serving)

    def _remembering(self, engine):
        """``engine`` behind its worker processes (if any) and its memo (if any), the memo in front."""
        from search.memo import RememberingEngine
        from search.workers import WorkerEngine, forkable

        if isinstance(engine, RememberingEngine):
            return engine
        if self.workers and forkable(engine):
            engine = WorkerEngine(engine, self.workers)
        return RememberingEngine(engine, self.memo) if self.memo else engine

    def _serve(self, engine) -> None:
        """Answer with ``engine`` from now on; the old engine's workers stop when their calls return."""
        from search.memo import RememberingEngine

        old, pool = self._pool, engine.engine if isinstance(engine, RememberingEngine) else engine
        self._engine = engine
        self._pool = pool if hasattr(pool, "close") else None
        if old is not None and old is not self._pool:
            old.close()

    @property
    def current(self):
        """The engine to answer this request with (never blocks on a reload)."""
        now = time.monotonic()
        if now - self._checked >= self.interval:
            with self._lock:
                if now - self._checked >= self.interval and self._loading is None:
                    self._checked = now
                    seen = _identity(self.path)
                    if seen is not None and seen != self._seen:
                        self._loading = threading.Thread(target=self._reload, args=(seen,), daemon=True)
                        self._loading.start()
        return self._engine

    def _reload(self, seen) -> None:
        try:
            engine = self._remembering(self._loader(self.path))
        except Exception as exc:  # a half-replaced or damaged folder: keep serving the old index
            logger.warning("planqa: the rebuilt index at %s did not load (%s); still serving the old one",
                           self.path, exc)
            self.error = str(exc)
        else:
            self._serve(engine)
            self.error = ""
            logger.info("planqa: now serving the index built %s", getattr(engine, "build_time", ""))
        finally:
            with self._lock:
                self._seen = seen
                self._loading = None

    def swap(self, engine) -> None:
        """Serve ``engine`` from now on (e.g. after an upload rebuilt the index in this process)."""
        engine = self._remembering(engine)
        with self._lock:
            self._serve(engine)
            self._seen = _identity(self.path)

    def reload(self) -> None:
        """Load the index from its folder now (it was just rebuilt)."""
        self.swap(self._loader(self.path))

    def close(self) -> None:
        """Stop the current engine's worker processes (when the server stops); calls after it are
        answered in this process."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def wait(self, timeout: float = 30.0) -> None:
        """Wait for a reload in progress (tests and benchmarks)."""
        thread = self._loading
        if thread is not None:
            thread.join(timeout)
