"""The one-process write: each entry prepared once, formatted into every output stream.

:func:`arxref.formats.write_formats` ends here (directly, or once per slice in the
forked write of :mod:`arxref.formats.forked`). Kept apart from the package face so
that ``import arxref.formats`` stays cheap and the forked writer can reuse the pass.
"""

from __future__ import annotations

import io
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Mapping

from . import FORMATS

if TYPE_CHECKING:
    from ..model import Entry
    from . import WriteOptions
    from .prepared import Prepared

#: Entries formatted before their text is handed to the stream (bounded memory).
BUFFER_ENTRIES = 512


class Sink:
    """One output stream of :func:`arxref.formats.write_formats`: its formatter, buffer and framing.

    BibTeX and RIS are records one after another; CSL-JSON is one array, an item a line
    (``continued``: a later slice of the array, whose first item follows earlier ones).
    Formatters return an entry as a few pieces (the part with author names, which may
    be non-ASCII, apart from the long ASCII rest) so that encoding never widens the
    whole entry to UCS-2: each piece is encoded on its own.
    """

    __slots__ = ("stream", "format", "buffer", "written", "array", "binary")

    def __init__(self, fmt: str, stream: IO[Any], continued: bool = False) -> None:
        self.stream = stream
        self.format = _formatter(fmt)
        self.buffer: list[str] = []
        self.written = continued
        self.array = fmt == "json"
        self.binary = not isinstance(stream, io.TextIOBase)
        if self.array and not continued:
            self._write(["["])

    def add(self, prepared: Prepared, options: WriteOptions) -> None:
        """Format one entry into the buffer (with the array's separator for CSL-JSON)."""
        if self.array:
            self.buffer.append(",\n" if self.written or self.buffer else "\n")
        self.buffer += self.format(prepared, options)

    def _write(self, pieces: list[str]) -> None:
        """One write call: text as is, or each piece UTF-8-encoded for a binary stream."""
        if self.binary:
            self.stream.write(b"".join(map(str.encode, pieces)))
        else:
            self.stream.write("".join(pieces))

    def flush(self) -> None:
        """Hand the buffered text to the stream."""
        if self.buffer:
            self._write(self.buffer)
            self.buffer.clear()
            self.written = True

    def close(self) -> None:
        """Flush, and end the JSON array (only the first slice's sink is closed)."""
        self.flush()
        if self.array:
            self._write(["\n]\n" if self.written else "]\n"])


def _formatter(fmt: str) -> Callable[[Prepared, WriteOptions], tuple[str, ...]]:
    """The ``format_prepared`` of a format's writer module (imported on first use)."""
    if fmt == "bib":
        from .bibtex import format_prepared as bib
        return bib
    if fmt == "json":
        from .csljson import format_prepared as json
        return json
    if fmt == "ris":
        from .ris import format_prepared as ris
        return ris
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def sinks_for(streams: Mapping[str, IO[Any]], continued: bool = False) -> list[Sink]:
    """One sink per ``{format: stream}`` item, in the mapping's order."""
    return [Sink(fmt, stream, continued) for fmt, stream in streams.items()]


def write_pass(entries: Iterable[Entry], sinks: list[Sink], options: WriteOptions) -> None:
    """Prepare each entry once and add it to every sink, flushing every :data:`BUFFER_ENTRIES`."""
    from .prepared import Prepared

    pending = 0
    for entry in entries:
        prepared = Prepared(entry, options)
        for sink in sinks:
            sink.add(prepared, options)
        pending += 1
        if pending >= BUFFER_ENTRIES:
            for sink in sinks:
                sink.flush()
            pending = 0
    for sink in sinks:
        sink.flush()


def write_one_pass(entries: Iterable[Entry], streams: Mapping[str, IO[Any]], options: WriteOptions,
                   continued: bool = False) -> None:
    """The whole write in this process: every stream framed, filled and closed (``continued``:
    the CSL-JSON array was opened, and items written, before)."""
    sinks = sinks_for(streams, continued)
    write_pass(entries, sinks, options)
    for sink in sinks:
        sink.close()
