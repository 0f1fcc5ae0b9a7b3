"""One request at a time per API host, on the whole machine, at most one per interval.

arXiv asks for no more than one request every 3 seconds from a machine. A lock held
inside one process cannot promise that when several ``arxref`` runs (a Makefile with
``-j``, an editor plugin and a CI job) share a cache, so the turn is taken through a
file: an exclusive ``flock`` on ``<dir>/<host>.lock`` is held for the whole request
(no two requests ever overlap), and the file holds the wall-clock time the previous
request ended, so the next one starts at least ``interval`` seconds later.

Wall-clock time is used because the file outlives reboots (a monotonic clock restarts).
A timestamp in the future (the clock was set back) is treated as "just now": the wait
is never longer than one interval.

:class:`RequestInterval` is the in-process variant with the same ``turn``, for callers (and
tests) that bring their own clock and sleep.
"""

from __future__ import annotations

import os
import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Callable, Iterator
from urllib.parse import urlsplit

try:  # POSIX; elsewhere the gate degrades to one process (see RequestGate.machine_wide)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def lock_name(api_url: str) -> str:
    """The lock file's name for an API endpoint: one per host and port (``export.arxiv.org.lock``)."""
    parts = urlsplit(api_url)
    host = parts.hostname or "local"
    if parts.port:
        host = f"{host}_{parts.port}"
    return _UNSAFE.sub("_", host).strip(".") + ".lock"


class RequestGate:
    """Hands out turns for requests to one API host, machine-wide.

    ``turn(at_least)`` waits until the previous request (from any process or thread
    using the same lock directory) ended ``interval`` seconds ago, and at least
    ``at_least`` seconds (a backoff), then holds the turn while the caller sends its
    request; leaving the block records the end time.
    """

    _thread_locks: dict[str, threading.Lock] = {}
    _thread_locks_guard = threading.Lock()

    def __init__(self, lock_dir: str | os.PathLike[str] | None, api_url: str, interval: float, *,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time) -> None:
        self.interval = max(float(interval), 0.0)
        self.path = Path(lock_dir) / lock_name(api_url) if lock_dir is not None else None
        self._sleep = sleep
        self._clock = clock
        key = str(self.path) if self.path is not None else f"memory:{api_url}"
        with self._thread_locks_guard:
            self._thread_lock = self._thread_locks.setdefault(key, threading.Lock())
        self._memory_last_end: float | None = None
        self.on_wait: Callable[[float], None] | None = None
        """Told how long a turn waits before it sleeps (progress displays show it)."""

    @property
    def machine_wide(self) -> bool:
        return self.path is not None and fcntl is not None

    @contextmanager
    def turn(self, at_least: float = 0.0) -> Iterator[None]:
        """Hold the only turn for this host; sleep first so the interval and ``at_least`` both pass."""
        with self._thread_lock:
            handle = self._open_locked()
            try:
                last_end = self._read_last_end(handle)
                self._wait(last_end, at_least)
                try:
                    yield
                finally:
                    self._write_last_end(handle, self._clock())
            finally:
                if handle is not None:
                    handle.close()  # closing releases the flock

    def _open_locked(self) -> BinaryIO | None:
        if not self.machine_wide:
            return None
        assert self.path is not None and fcntl is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path, "a+b")
        except OSError:
            return None  # an unwritable cache directory must not stop fetching: keep the in-process gate
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        return handle

    def _read_last_end(self, handle: BinaryIO | None) -> float | None:
        if handle is None:
            return self._memory_last_end
        handle.seek(0)
        text = handle.read(64)
        try:
            return float(text.decode("ascii").strip())
        except (UnicodeDecodeError, ValueError):
            return self._memory_last_end

    def _write_last_end(self, handle: BinaryIO | None, when: float) -> None:
        self._memory_last_end = when
        if handle is None:
            return
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{when:.6f}\n".encode("ascii"))
            handle.flush()
        except OSError:
            pass  # a full disk loses the timestamp, not the request; the in-process value still holds

    def _wait(self, last_end: float | None, at_least: float) -> None:
        wait = max(at_least, 0.0)
        if last_end is not None:
            elapsed = self._clock() - last_end
            if elapsed < 0:  # clock set back, or a future stamp: never wait longer than one interval
                elapsed = 0.0
            wait = max(wait, self.interval - elapsed)
        if wait > 0:
            if self.on_wait is not None:
                self.on_wait(wait)
            self._sleep(wait)


class RequestInterval:
    """Decides when a request may start: ``interval`` seconds after the previous one *ended*.

    Measured from the end of the previous response, so the server never sees two
    requests closer than the interval. It holds only for the requests made through it
    (tests hand one to several clients); the clients' default is the machine-wide
    :class:`arxref.ratelimit.RequestGate`, which has the same :meth:`turn`.
    """

    def __init__(self, interval: float, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = float(interval)
        self._sleep = sleep
        self._clock = clock
        self._last_end: float | None = None

    @contextmanager
    def turn(self, at_least: float = 0.0) -> Iterator[None]:
        """Wait for the interval (and at least ``at_least`` seconds), then hold the turn.

        Leaving the block, however it is left, records the end of the request.
        """
        wait = at_least
        if self._last_end is not None:
            wait = max(wait, self.interval - (self._clock() - self._last_end))
        if wait > 0:
            self._sleep(wait)
        try:
            yield
        finally:
            self._last_end = self._clock()
