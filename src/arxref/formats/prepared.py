"""What every writer needs from one entry, worked out once per entry.

``arxref export`` writes BibTeX, CSL-JSON and RIS from the same entries in one pass
(:func:`arxref.formats.write_formats`). The decisions (journal version or preprint,
which date, which authors) and the cleaned title and abstract are the same for all
three, so they are computed here once instead of once per format. The text fields
are computed on first use: a single-format write pays only for what it reads.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Mapping

from ..tex import clean_text, latex_to_text

if TYPE_CHECKING:
    from ..model import Author, Entry, Paper
    from . import WriteOptions
    from .bibitem import BibItem

#: "<arXiv id>\n<category>" made of characters no format escapes (one match for both).
_PLAIN_IDS_RE = re.compile(r"[A-Za-z0-9.\-]+/?[A-Za-z0-9.\-]*\n[A-Za-z0-9.\-]*")
_JOURNAL_YEAR_RE = re.compile(r"\((1[89]\d\d|20\d\d)\)|\b(1[89]\d\d|20\d\d)\b")


def journal_year(journal_ref: str) -> int | None:
    """The year written in a journal reference (``Phys. Rev. D 99, 1 (2019)`` -> 2019)."""
    match = _JOURNAL_YEAR_RE.search(journal_ref)
    if not match:
        return None
    return int(match.group(1) or match.group(2))


def has_journal(bib_fields: Mapping[str, str]) -> str | None:
    """The container kind a user's .bib entry kept: ``journal``, ``booktitle`` or None."""
    if "booktitle" in bib_fields:
        return "booktitle"
    if "journal" in bib_fields or "journaltitle" in bib_fields:
        return "journal"
    return None


class Prepared:
    """One entry plus the values the writers share (a plain slotted object: one per entry)."""

    __slots__ = ("entry", "paper", "bib_fields", "published", "date", "year", "container",
                 "authors", "names", "truncated", "category", "plain_ids", "_title_text", "_abstract_text", "_item")

    entry: Entry
    paper: Paper
    bib_fields: dict[str, str]
    published: bool
    """Write the journal version (``prefer_published`` and arXiv knows a journal ref)."""
    date: datetime
    """v1's date, or the latest version's with ``year="latest"``."""
    year: int
    """The year shown: the journal's when the journal version is written, else ``date.year``."""
    container: str | None
    """``journal``/``booktitle`` when the user's .bib entry kept one (see :func:`has_journal`)."""
    authors: list[Author]
    """Authors to write (cut to ``max_authors``)."""
    names: list[str]
    """The display names of ``authors`` (what the writers' name caches are keyed by)."""
    truncated: bool
    category: str
    """Primary category ('' when arXiv gave none)."""
    plain_ids: bool
    """The arXiv id and category are plain identifiers (letters, digits, ``.-/``), as arXiv's always
    are: every format can write them, and what is built from them, without escaping or cleaning."""

    def __init__(self, entry: Entry, options: WriteOptions) -> None:
        paper = entry.paper
        self.entry = entry
        self.paper = paper
        self.bib_fields = entry.bib_fields
        self.published = options.prefer_published and bool(paper.journal_ref)
        self.date = paper.updated if options.year == "latest" else paper.published
        self.year = (self.published and journal_year(paper.journal_ref or "")) or self.date.year
        self.container = has_journal(entry.bib_fields) if entry.bib_fields else None
        authors = paper.authors
        limit = options.max_authors
        self.truncated = limit is not None and len(authors) > limit
        self.authors = authors[:limit] if self.truncated else authors
        self.names = [author.name for author in self.authors]
        self.category = paper.primary_category or (paper.categories[0] if paper.categories else "")
        self.plain_ids = _PLAIN_IDS_RE.fullmatch(f"{paper.arxiv_id}\n{self.category}") is not None
        self._title_text: str | None = None
        self._abstract_text: str | None = None
        self._item: BibItem | None = None

    @property
    def as_written(self) -> BibItem:
        """A published version's entry (``Entry.bib_type``) as the user wrote it, with arXiv's eprint:
        what CSL-JSON and RIS write for it (as for any BibTeX entry)."""
        if self._item is None:
            from ..preprint import REPOSITORY
            from .bibitem import item_from_fields

            entry = self.entry
            fields = dict(entry.bib_fields)
            fields.update(eprint=self.paper.arxiv_id, archiveprefix=REPOSITORY)
            if self.category:
                fields["primaryclass"] = self.category
            self._item = item_from_fields(entry.key, entry.bib_type or "misc", fields)
        return self._item

    @property
    def title_text(self) -> str:
        """The title as plain one-line text (TeX escapes decoded, math kept): CSL-JSON, RIS."""
        if self._title_text is None:
            self._title_text = latex_to_text(self.paper.title)
        return self._title_text

    @property
    def abstract_text(self) -> str:
        """The abstract as one line of text (control characters and whitespace runs squashed)."""
        if self._abstract_text is None:
            self._abstract_text = clean_text(self.paper.abstract)
        return self._abstract_text
