"""Atomic file replacement: the one way arxref writes a file the user may already have.

A crash or kill at any point leaves each target either its old complete content or its
new complete content, never a partial file; temporary files live beside their target
(same filesystem, so the rename is atomic) and are removed on any failure.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence, TextIO

#: A temporary file of ours without a live owner is stale after this long, if its name carries no pid.
STALE_AFTER = 3600.0
_TEMP_RE = re.compile(r"^\.(?P<target>.+)\.(?:(?P<pid>\d+)-)?[A-Za-z0-9_]{6,}\.tmp$")


def write_atomically(target: Path, write: Callable[[TextIO], None]) -> None:
    """Write ``target`` through a temporary file renamed over it when complete."""
    write_atomically_many([target], lambda streams: write(streams[0]))


def write_atomically_many(targets: Sequence[Path], write: Callable[[list[Any]], None], binary: bool = False,
                          fsync: bool = True, clean_stale: bool = True) -> None:
    """Write several files at once (one pass over the data), each via a temporary file that is
    fsynced and renamed over its target only when all of them are complete.

    Each target is always either its old complete file or the new complete one. The
    streams are UTF-8 text without newline translation, or binary with ``binary``.
    ``fsync=False`` skips the flush to disk, for many small files that can be rewritten.
    ``clean_stale=False`` skips the scan for temporary files a killed run left (a caller
    writing thousands of files into one directory scans once, with remove_stale_temps).
    """
    for target in targets if clean_stale else ():
        remove_stale_temps(target.parent, target.name)
    temps: list[str] = []
    streams: list[Any] = []
    try:
        for target in targets:
            fd, tmp = tempfile.mkstemp(prefix=temp_prefix(target), suffix=".tmp", dir=str(target.parent))
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


def temp_prefix(target: Path) -> str:
    """``.references.bib.<pid>-``: the pid tells a later run whether the writer is still alive."""
    return f".{target.name}.{os.getpid()}-"


def remove_stale_temps(directory: Path, target_name: str | None = None, now: float | None = None) -> list[Path]:
    """Remove temporary files a killed run left in ``directory`` (our naming only; for
    ``target_name`` only, when given); returns them.

    A temp file is stale when the process named in it is gone, or, for names without a pid
    (older arxref versions), when it is older than STALE_AFTER. Another live run's files stay.
    """
    removed: list[Path] = []
    try:
        candidates = list(directory.iterdir())
    except OSError:
        return removed
    moment = time.time() if now is None else now
    for path in candidates:
        match = _TEMP_RE.match(path.name)
        if not match or (target_name is not None and match["target"] != target_name) \
                or not path.is_file() or path.is_symlink():
            continue
        pid = match["pid"]
        try:
            stale = not _alive(int(pid)) if pid else moment - path.stat().st_mtime > STALE_AFTER
            if stale:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True
