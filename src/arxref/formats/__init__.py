"""Bibliography writers: BibTeX, CSL-JSON and RIS from the same deduplicated entries.

Each writer takes ``list[Entry]``, a text stream and :class:`WriteOptions`, and builds
its output as plain strings (no per-entry library objects), so 100,000 entries take
seconds. :func:`write_formats` writes several formats in one pass, sharing the
per-entry work (:class:`~arxref.formats.prepared.Prepared`); the single-format
writers are that pass with one stream. This module is only the package's face; the
modules behind it are imported on first use to keep CLI start-up fast:

* :mod:`~arxref.formats.prepared`: what every format needs from one entry, worked out once;
* :mod:`~arxref.formats.bibtex`, :mod:`~arxref.formats.csljson`, :mod:`~arxref.formats.ris`:
  one entry as text in each format (and, for CSL-JSON and RIS, any BibTeX entry:
  :mod:`~arxref.formats.bibitem`, used by the pybtex plugins);
* :mod:`~arxref.formats.sink`: the one-process pass over entries and streams;
* :mod:`~arxref.formats.forked`: the same pass split over two processes for big writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Iterable, Mapping, TextIO

if TYPE_CHECKING:
    from ..model import Entry, KeptBib
    from ..results import PaperLike

__all__ = ["FORMATS", "WriteOptions", "write_bibtex", "write_csljson", "write_formats", "write_ris"]

#: Format names, as ``export --formats`` takes them.
FORMATS = ("bib", "json", "ris")


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
    bib_abstracts: bool = False
    """BibTeX only: write ``abstract`` (off by default: abstracts are where stray TeX breaks
    builds; on for users who import the .bib into Zotero or JabRef and want abstracts)."""
    bib_flavor: str = "bibtex"
    """BibTeX only: ``bibtex`` (bibtex styles: plain, natbib's, IEEEtran, ACM...) or ``biblatex``: which
    fields name a preprint so that its arXiv id is printed once (:func:`arxref.preprint.bib_preprint_fields`)."""

    def __post_init__(self) -> None:
        from ..preprint import check_flavor

        check_flavor(self.bib_flavor)
        if self.year not in ("first", "latest"):
            raise ValueError(f"year must be 'first' or 'latest', not {self.year!r}")
        if self.max_authors is not None and self.max_authors < 1:
            raise ValueError(f"max_authors must be at least 1, not {self.max_authors!r}")


DEFAULT_OPTIONS = WriteOptions()


def write_bibtex(entries: Iterable[Entry] | Iterable[PaperLike], stream: TextIO,
                 options: WriteOptions | None = None) -> None:
    """Write entries as BibTeX or biblatex (``options.bib_flavor``; ``@misc`` preprints)."""
    write_formats(entries, {"bib": stream}, options)


def write_csljson(entries: Iterable[Entry] | Iterable[PaperLike], stream: TextIO,
                  options: WriteOptions | None = None) -> None:
    """Write entries as a CSL-JSON array (Zotero imports it as Preprints; pandoc reads it)."""
    write_formats(entries, {"json": stream}, options)


def write_ris(entries: Iterable[Entry] | Iterable[PaperLike], stream: TextIO,
              options: WriteOptions | None = None) -> None:
    """Write entries as RIS (CRLF, UTF-8; the stream must not translate newlines)."""
    write_formats(entries, {"ris": stream}, options)


def write_formats(entries: Iterable[Entry] | Iterable[PaperLike], streams: Mapping[str, IO[Any]],
                  options: WriteOptions | None = None,
                  *, processes: int | None = None, kept: KeptBib | None = None) -> None:
    """Write each entry in every format of ``streams`` (``{"bib": f1, "json": f2, ...}``) in one pass.

    Each entry is prepared once (dates, journal decision, cleaned title and abstract)
    and formatted for every stream; text is written in buffered chunks. A stream is
    a text stream, or a binary one (then UTF-8 is written, which is several times
    faster for big files: ``arxref export`` opens its files that way).

    Big writes to binary streams use a second core (:mod:`arxref.formats.forked`): a
    forked child formats the second half of the entries while this process formats
    the first half, then the child's bytes are appended in order (same output, byte
    for byte). ``processes`` forces the number of processes (1: never fork); by
    default it is 2 from ``forked.PARALLEL_MIN_ENTRIES`` entries when forking is possible.

    Instead of entries, Papers or arxiv.py ``Result`` objects may be given: each becomes
    an entry with a generated key (:func:`arxref.results.as_entries`).

    ``kept`` (from :func:`arxref.passthrough.kept_bib`) is what the user's .bib files hold
    besides the entries arxref writes: it comes first in every stream, the .bib text as
    written, the kept entries converted for CSL-JSON and RIS (:mod:`arxref.formats.kept`).
    """
    from ..results import as_entries
    from .sink import write_one_pass

    options = options or DEFAULT_OPTIONS
    continued = False
    if kept is not None:
        from .kept import write_kept

        continued = write_kept(kept, streams)
    items = as_entries(entries, year_mode=options.year)
    if processes is None or processes > 1:
        from .forked import process_count, write_split

        listed = items if isinstance(items, list) else list(items)
        count = process_count(streams, len(listed), processes)
        if count > 1:
            write_split(listed, streams, options, count, continued)
            return
        items = listed
    write_one_pass(items, streams, options, continued)
