"""Python's cyclic garbage collector during a bulk run: young garbage still collected, the old heap not re-read.

An export holds a few objects per paper (its record, its Paper, its Entry) until the
files are written. CPython runs a full collection whenever the objects that survived
the young generations reach a quarter of the old heap, and each full collection reads
every live object again: on an export of 20,000 cached papers that was about a third of
the run's CPU (``benchmarks/bench_export.py``). Those objects are plain data that form
no reference cycles, so reading them again finds nothing to free.

:func:`few_full_collections` keeps the young collections as they are (short-lived
cyclic garbage is freed as usual) and allows a full collection only every
:data:`FULL_EVERY` collections of the middle generation instead of CPython's 10; the
thresholds are restored when the last bulk run of the process ends.
"""

from __future__ import annotations

import functools
import gc
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, ParamSpec, TypeVar

#: During a bulk run, a full collection at most every this many middle-generation collections
#: (about seven million new container objects with CPython's default thresholds).
FULL_EVERY = 1000

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def few_full_collections() -> Iterator[None]:
    """Raise the full-collection threshold while the block runs (nested and concurrent runs share one change)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            low, middle, high = _saved = gc.get_threshold()
            gc.set_threshold(low, middle, max(high, FULL_EVERY))
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None


def bulk(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a bulk run (``export``): it runs under :func:`few_full_collections`."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with few_full_collections():
            return func(*args, **kwargs)

    return run
