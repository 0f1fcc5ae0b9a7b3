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
import re
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


def write_formats(entries: Iterable[Entry], streams: Mapping[str, IO[Any]], options: WriteOptions | None = None) -> None:
    """Write each entry in every format of ``streams`` (``{"bib": f1, "json": f2, ...}``) in one pass.

    Each entry is prepared once (dates, journal decision, cleaned title and abstract)
    and formatted for every stream; text is written in buffered chunks. A stream is
    a text stream, or a binary one (then UTF-8 is written, which is several times
    faster for big files: ``arxref export`` opens its files that way).
    """
    from .prepared import Prepared

    options = options or DEFAULT_OPTIONS
    sinks = [_Sink(fmt, stream) for fmt, stream in streams.items()]
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
        sink.close()


class _Sink:
    """One output stream of :func:`write_formats`: its formatter, buffer and framing.

    BibTeX and RIS are records one after another; CSL-JSON is one array, an item a line.
    Formatters return an entry as a few pieces (the part with author names, which may
    be non-ASCII, apart from the long ASCII rest) so that encoding never widens the
    whole entry to UCS-2: each piece is encoded on its own.
    """

    __slots__ = ("stream", "format", "buffer", "written", "array", "binary")

    def __init__(self, fmt: str, stream: IO[Any]) -> None:
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
        self.written = False
        self.array = fmt == "json"
        self.binary = not isinstance(stream, io.TextIOBase)
        if self.array:
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
