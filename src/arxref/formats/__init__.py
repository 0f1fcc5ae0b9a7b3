"""Bibliography writers: BibTeX, CSL-JSON and RIS from the same deduplicated entries.

Each writer takes ``list[Entry]``, a text stream and :class:`WriteOptions`, and builds
its output as plain strings (no per-entry library objects), so 100,000 entries take
seconds. :func:`write_formats` writes several formats in one pass, sharing the
per-entry work (:class:`~arxref.formats.prepared.Prepared`); the single-format
writers are that pass with one stream. The writer modules are imported on first use
to keep CLI start-up fast.
"""

from __future__ import annotations

import io
import os
import re
import signal
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Mapping, TextIO

if TYPE_CHECKING:
    from ..model import Entry, Paper
    from .prepared import Prepared

__all__ = ["FORMATS", "WriteOptions", "write_bibtex", "write_csljson", "write_formats", "write_ris"]

#: Format names, as ``export --formats`` takes them.
FORMATS = ("bib", "json", "ris")
#: Entries formatted before their text is handed to the stream (bounded memory).
_BUFFER_ENTRIES = 512


@dataclass(frozen=True)
class WriteOptions:
    """Choices shared by every writer (the ``export`` command's options)."""

    year: str = "first"
    """``first``: date of v1 (when the work became public); ``latest``: date of the latest version."""
    prefer_published: bool = False
    """Write the journal version (``@article``, ``article-journal``, ``JOUR``) when arXiv has a journal ref."""
    ascii: bool = False
    """BibTeX only: LaTeX escapes for accented Latin letters instead of UTF-8."""
    max_authors: int | None = None
    """Keep this many authors; BibTeX adds ``and others``, CSL-JSON and RIS just stop."""

    def __post_init__(self) -> None:
        if self.year not in ("first", "latest"):
            raise ValueError(f"year must be 'first' or 'latest', not {self.year!r}")
        if self.max_authors is not None and self.max_authors < 1:
            raise ValueError(f"max_authors must be at least 1, not {self.max_authors!r}")


DEFAULT_OPTIONS = WriteOptions()


def write_bibtex(entries: Iterable[Entry], stream: TextIO, options: WriteOptions | None = None) -> None:
    """Write entries as BibTeX/biblatex (``@misc`` preprints with eprint fields)."""
    write_formats(entries, {"bib": stream}, options)


def write_csljson(entries: Iterable[Entry], stream: TextIO, options: WriteOptions | None = None) -> None:
    """Write entries as a CSL-JSON array (Zotero imports it as Preprints; pandoc reads it)."""
    write_formats(entries, {"json": stream}, options)


def write_ris(entries: Iterable[Entry], stream: TextIO, options: WriteOptions | None = None) -> None:
    """Write entries as RIS (CRLF, UTF-8; the stream must not translate newlines)."""
    write_formats(entries, {"ris": stream}, options)


def write_formats(entries: Iterable[Entry], streams: Mapping[str, IO[Any]], options: WriteOptions | None = None,
                  *, processes: int | None = None) -> None:
    """Write each entry in every format of ``streams`` (``{"bib": f1, "json": f2, ...}``) in one pass.

    Each entry is prepared once (dates, journal decision, cleaned title and abstract)
    and formatted for every stream; text is written in buffered chunks. A stream is
    a text stream, or a binary one (then UTF-8 is written, which is several times
    faster for big files: ``arxref export`` opens its files that way).

    Big writes to binary streams use a second core: a forked child formats the second
    half of the entries into temporary files while this process formats the first
    half, then the child's bytes are appended in order (same output, byte for byte).
    ``processes`` forces the number of processes (1: never fork); by default it is 2
    for :data:`PARALLEL_MIN_ENTRIES` entries or more when :func:`_can_fork` allows.
    """
    options = options or DEFAULT_OPTIONS
    if processes is None:
        processes = 2 if _can_fork(streams) else 1
        entries = entries if isinstance(entries, list) else list(entries)
        if len(entries) < PARALLEL_MIN_ENTRIES:
            processes = 1
    elif processes > 1 and not _can_fork(streams):
        processes = 1
    entries = entries if isinstance(entries, list) or processes <= 1 else list(entries)
    if processes <= 1 or len(entries) < 2:  # type: ignore[arg-type]
        sinks = [_Sink(fmt, stream) for fmt, stream in streams.items()]
        _write_pass(entries, sinks, options)
        for sink in sinks:
            sink.close()
        return
    _write_split(entries, streams, options, processes)  # type: ignore[arg-type]


#: Entries from which :func:`write_formats` uses a second process (forking costs ~10 ms).
PARALLEL_MIN_ENTRIES = 20_000


def _can_fork(streams: Mapping[str, IO[Any]]) -> bool:
    """Forking is safe and useful: Linux (fork without exec is unsafe with macOS system
    frameworks), no other threads (a lock held by one would stay held in the child), two
    usable cores, and binary streams (the child's bytes are appended as they are)."""
    import threading

    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        return False
    if len(os.sched_getaffinity(0)) < 2:
        return False
    return all(not isinstance(stream, io.TextIOBase) for stream in streams.values())


def _write_pass(entries: Iterable[Entry], sinks: list[_Sink], options: WriteOptions) -> None:
    from .prepared import Prepared

    pending = 0
    for entry in entries:
        prepared = Prepared(entry, options)
        for sink in sinks:
            sink.add(prepared, options)
        pending += 1
        if pending >= _BUFFER_ENTRIES:
            for sink in sinks:
                sink.flush()
            pending = 0
    for sink in sinks:
        sink.flush()


def _write_split(entries: list[Entry], streams: Mapping[str, IO[Any]], options: WriteOptions, processes: int) -> None:
    """The forked form of :func:`write_formats`: children format later slices into anonymous
    temporary files; a child that fails has its slice formatted here instead."""
    import gc
    import tempfile

    size = -(-len(entries) // processes)
    slices = [entries[start : start + size] for start in range(0, len(entries), size)]
    sinks = [_Sink(fmt, stream) for fmt, stream in streams.items()]  # imports the formatters before forking
    children: list[tuple[int, list[IO[bytes]], list[Entry]]] = []
    frozen_before = gc.get_freeze_count()  # an application's own gc.freeze() is left alone
    try:
        for part in slices[1:]:
            files = [tempfile.TemporaryFile() for _ in streams]
            for stream in streams.values():
                stream.flush()  # nothing buffered may be written twice (once by the child)
            gc.freeze()  # the collector must not touch (and so copy) every shared page in the child
            pid = os.fork()
            if pid == 0:  # the child: format its slice, then leave without any cleanup of the parent's
                code = 1
                try:
                    gc.disable()  # it only makes short-lived strings; it exits right after
                    _child_pass(part, [_Sink(fmt, f, continued=True) for fmt, f in zip(streams, files)], options)
                    for f in files:
                        f.flush()
                    code = 0
                finally:
                    os._exit(code)
            children.append((pid, files, part))
        _write_pass(slices[0], sinks, options)
        for pid, files, part in children:
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) == 0:
                for sink, f in zip(sinks, files):
                    _append_file(f, sink.stream)
                    sink.written = True
            else:  # the child failed: same result, one core
                _write_pass(part, sinks, options)
            for f in files:
                f.close()
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


def _append_file(source: IO[bytes], stream: IO[Any]) -> None:
    """Append a finished temporary file to a stream: in the kernel (``sendfile``) when the
    stream is a regular file, else through a buffer."""
    import shutil
    import stat

    source.seek(0)
    try:
        out_fd = stream.fileno()
        regular = stat.S_ISREG(os.fstat(out_fd).st_mode)
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


def _child_pass(entries: list[Entry], sinks: list[_Sink], options: WriteOptions) -> None:
    """What a forked child runs (a name of its own so tests can make a child fail)."""
    _write_pass(entries, sinks, options)


class _Sink:
    """One output stream of :func:`write_formats`: its formatter, buffer and framing.

    BibTeX and RIS are records one after another; CSL-JSON is one array, an item a line
    (``continued``: a later slice of the array, whose first item follows earlier ones).
    Formatters return an entry as a few pieces (the part with author names, which may
    be non-ASCII, apart from the long ASCII rest) so that encoding never widens the
    whole entry to UCS-2: each piece is encoded on its own.
    """

    __slots__ = ("stream", "format", "buffer", "written", "array", "binary")

    def __init__(self, fmt: str, stream: IO[Any], continued: bool = False) -> None:
        if fmt == "bib":
            from .bibtex import format_prepared
        elif fmt == "json":
            from .csljson import format_prepared
        elif fmt == "ris":
            from .ris import format_prepared
        else:
            raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
        self.stream = stream
        self.format: Callable[[Prepared, WriteOptions], tuple[str, ...]] = format_prepared
        self.buffer: list[str] = []
        self.written = continued
        self.array = fmt == "json"
        self.binary = not isinstance(stream, io.TextIOBase)
        if self.array and not continued:
            self._write(["["])

    def add(self, prepared: Prepared, options: WriteOptions) -> None:
        if self.array:
            self.buffer.append(",\n" if self.written or self.buffer else "\n")
        self.buffer += self.format(prepared, options)

    def _write(self, pieces: list[str]) -> None:
        if self.binary:
            self.stream.write(b"".join(map(str.encode, pieces)))
        else:
            self.stream.write("".join(pieces))

    def flush(self) -> None:
        if self.buffer:
            self._write(self.buffer)
            self.buffer.clear()
            self.written = True

    def close(self) -> None:
        """Flush, and end the JSON array (only the first slice's sink is closed)."""
        self.flush()
        if self.array:
            self._write(["\n]\n" if self.written else "]\n"])


# --------------------------------------------------------------------------- shared helpers


def entry_date(paper: Paper, options: WriteOptions) -> datetime:
    """The date a writer shows: v1 (``published``) or the latest version (``updated``)."""
    return paper.updated if options.year == "latest" else paper.published


_JOURNAL_YEAR_RE = re.compile(r"\((1[89]\d\d|20\d\d)\)|\b(1[89]\d\d|20\d\d)\b")


def journal_year(journal_ref: str) -> int | None:
    """The year written in a journal reference (``Phys. Rev. D 99, 1 (2019)`` -> 2019)."""
    match = _JOURNAL_YEAR_RE.search(journal_ref)
    if not match:
        return None
    return int(match.group(1) or match.group(2))


def is_published(paper: Paper, options: WriteOptions) -> bool:
    """True when the journal version should be written instead of the preprint."""
    return options.prefer_published and bool(paper.journal_ref)


def has_journal(bib_fields: dict[str, str]) -> str | None:
    """The container kind a user's .bib entry kept: ``journal``, ``booktitle`` or None."""
    if "booktitle" in bib_fields:
        return "booktitle"
    if "journal" in bib_fields or "journaltitle" in bib_fields:
        return "journal"
    return None
