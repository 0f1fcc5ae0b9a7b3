"""The forked write: a second core formats the later entries, its bytes appended in order.

Big exports are CPU-bound string building. On Linux, :func:`write_split` forks a
child per later slice of the entries; each formats its slice into anonymous temporary
files while this process formats the first slice, then the child's bytes are
appended to the real streams in order (``sendfile`` when the stream is a regular
file). The output is byte for byte what one process writes; a child that fails has
its slice formatted here instead.
"""

from __future__ import annotations

import io
import os
import signal
import sys
from typing import IO, TYPE_CHECKING, Any, Mapping

from .sink import sinks_for, write_pass

if TYPE_CHECKING:
    from ..model import Entry
    from . import WriteOptions
    from .sink import Sink

#: Entries from which :func:`arxref.formats.write_formats` uses a second process (forking costs ~10 ms).
PARALLEL_MIN_ENTRIES = 20_000


def can_fork(streams: Mapping[str, IO[Any]]) -> bool:
    """Forking is safe and useful: Linux (fork without exec is unsafe with macOS system
    frameworks), no other threads (a lock held by one would stay held in the child), two
    usable cores, and binary streams (the child's bytes are appended as they are)."""
    import threading

    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        return False
    if len(os.sched_getaffinity(0)) < 2:
        return False
    return all(not isinstance(stream, io.TextIOBase) for stream in streams.values())


def process_count(streams: Mapping[str, IO[Any]], count: int, processes: int | None) -> int:
    """How many processes write ``count`` entries: ``processes`` when given and forking is
    possible, by default 2 from :data:`PARALLEL_MIN_ENTRIES` entries; 1 for fewer than 2."""
    if processes is not None and processes <= 1:
        return 1
    if count < 2 or not can_fork(streams):
        return 1
    if processes is None:
        return 2 if count >= PARALLEL_MIN_ENTRIES else 1
    return processes


#: A forked child: its pid, its temporary files (one per stream) and its slice of entries.
_Child = tuple[int, list[IO[bytes]], list["Entry"]]


def write_split(entries: list[Entry], streams: Mapping[str, IO[Any]], options: WriteOptions, processes: int,
                continued: bool = False) -> None:
    """The forked form of :func:`arxref.formats.write_formats`: children format later slices
    into anonymous temporary files; a child that fails has its slice formatted here instead.
    ``continued``: the CSL-JSON array was opened, and items written, before."""
    import gc

    size = -(-len(entries) // processes)
    slices = [entries[start : start + size] for start in range(0, len(entries), size)]
    sinks = sinks_for(streams, continued)  # imports the formatters before forking
    children: list[_Child] = []
    frozen_before = gc.get_freeze_count()  # an application's own gc.freeze() is left alone
    try:
        for part in slices[1:]:
            children.append(_fork_child(part, streams, options))
        write_pass(slices[0], sinks, options)
        for child in children:
            _collect(child, sinks, options)
        children.clear()
        for sink in sinks:
            sink.close()
    finally:
        if not frozen_before:
            gc.unfreeze()
        for pid, files, _ in children:  # interrupted: stop and reap what is left
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            for f in files:
                f.close()


def _fork_child(part: list[Entry], streams: Mapping[str, IO[Any]], options: WriteOptions) -> _Child:
    """Fork a child that formats ``part`` into fresh temporary files, then leaves."""
    import gc
    import tempfile

    files: list[IO[bytes]] = [tempfile.TemporaryFile() for _ in streams]
    for stream in streams.values():
        stream.flush()  # nothing buffered may be written twice (once by the child)
    gc.freeze()  # the collector must not touch (and so copy) every shared page in the child
    pid = os.fork()
    if pid == 0:  # the child: format its slice, then leave without any cleanup of the parent's
        code = 1
        try:
            gc.disable()  # it only makes short-lived strings; it exits right after
            child_pass(part, sinks_for(dict(zip(streams, files)), continued=True), options)
            for f in files:
                f.flush()
            code = 0
        finally:
            os._exit(code)
    return pid, files, part


def _collect(child: _Child, sinks: list[Sink], options: WriteOptions) -> None:
    """Wait for a child and append its bytes; if it failed, format its slice here."""
    pid, files, part = child
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 0:
        for sink, f in zip(sinks, files):
            append_file(f, sink.stream)
            sink.written = True
    else:  # the child failed: same result, one core
        write_pass(part, sinks, options)
    for f in files:
        f.close()


def append_file(source: IO[bytes], stream: IO[Any]) -> None:
    """Append a finished temporary file to a stream: in the kernel (``sendfile``) when the
    stream is a regular file, else through a buffer. A file opened for appending (stdout of
    ``arxref export -o - >> refs.bib``) goes through the buffer too: Linux's sendfile
    refuses a descriptor with O_APPEND."""
    import shutil
    import stat

    source.seek(0)
    try:
        out_fd = stream.fileno()
        regular = stat.S_ISREG(os.fstat(out_fd).st_mode) and not _appending(out_fd)
    except (AttributeError, OSError, ValueError):  # io.BytesIO and friends have no descriptor
        regular = False
    if not regular:
        shutil.copyfileobj(source, stream, 1 << 20)
        return
    stream.flush()
    size = os.fstat(source.fileno()).st_size
    offset = 0
    while offset < size:
        sent = os.sendfile(out_fd, source.fileno(), offset, size - offset)
        if sent == 0:
            raise OSError(f"could not append {size - offset} bytes to {getattr(stream, 'name', stream)}")
        offset += sent
    stream.seek(0, os.SEEK_END)  # the buffered writer's idea of its position follows the descriptor


def _appending(fd: int) -> bool:
    """True when ``fd`` was opened with O_APPEND (unknown without fcntl: assume so, the safe way)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return True
    return bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND)


def child_pass(entries: list[Entry], sinks: list[Sink], options: WriteOptions) -> None:
    """What a forked child runs (a name of its own so tests can make a child fail)."""
    write_pass(entries, sinks, options)
