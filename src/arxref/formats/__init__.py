"""Bibliography writers: BibTeX, CSL-JSON and RIS from the same deduplicated entries.

Each writer takes ``list[Entry]``, a text stream and :class:`WriteOptions`, and builds
its output as plain strings (no per-entry library objects), so 100,000 entries take
seconds. The writer modules are imported on first use to keep CLI start-up fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Iterable, TextIO

if TYPE_CHECKING:
    from ..model import Entry, Paper

__all__ = ["WriteOptions", "write_bibtex", "write_csljson", "write_ris"]


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
    from .bibtex import write_bibtex as write

    write(entries, stream, options or DEFAULT_OPTIONS)


def write_csljson(entries: Iterable[Entry], stream: TextIO, options: WriteOptions | None = None) -> None:
    """Write entries as a CSL-JSON array (Zotero imports it as Preprints; pandoc reads it)."""
    from .csljson import write_csljson as write

    write(entries, stream, options or DEFAULT_OPTIONS)


def write_ris(entries: Iterable[Entry], stream: TextIO, options: WriteOptions | None = None) -> None:
    """Write entries as RIS (CRLF, UTF-8)."""
    from .ris import write_ris as write

    write(entries, stream, options or DEFAULT_OPTIONS)


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
