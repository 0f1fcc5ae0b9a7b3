"""Atomic file replacement: the one way arxref writes a file the user may already have.

A crash or kill at any point leaves each target either its old complete content or its
new complete content, never a partial file; temporary files live beside their target
(same filesystem, so the rename is atomic) and are removed on any failure.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Sequence, TextIO


def write_atomically(target: Path, write: Callable[[TextIO], None]) -> None:
    """Write ``target`` through a temporary file renamed over it when complete."""
    write_atomically_many([target], lambda streams: write(streams[0]))


def write_atomically_many(targets: Sequence[Path], write: Callable[[list[Any]], None], binary: bool = False,
                          fsync: bool = True) -> None:
    """Write several files at once (one pass over the data), each via a temporary file that is
    fsynced and renamed over its target only when all of them are complete.

    Each target is always either its old complete file or the new complete one. The
    streams are UTF-8 text without newline translation, or binary with ``binary``.
    ``fsync=False`` skips the flush to disk, for many small files that can be rewritten.
    """
    temps: list[str] = []
    streams: list[Any] = []
    try:
        for target in targets:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=str(target.parent))
            temps.append(tmp)
            streams.append(os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline=""))
            os.chmod(tmp, output_mode(target))
        write(streams)
        for stream in streams:
            stream.flush()
            if fsync:
                os.fsync(stream.fileno())
            stream.close()
        for tmp, target in zip(temps, targets):
            os.replace(tmp, target)
    except BaseException:
        for stream in streams:
            try:
                stream.close()
            except OSError:
                pass
        for tmp in temps:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        raise


def output_mode(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets 0666 minus the umask (mkstemp uses 0600)."""
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
