"""Plain dataclasses passed between the stages (scan -> resolve -> fetch -> dedup -> write).

Every stage takes and returns these; none of them knows about click, SQLite or HTTP.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

#: Record kinds the scanner emits (part of the `scan --format jsonl` contract).
RECORD_KINDS = ("abstract", "listing", "search_page", "tex", "markdown", "bib", "text")


@dataclass
class Record:
    """One mention of a paper found in an input file, with where it was found.

    A record either carries its own arXiv id (``arxiv_id``) or only text
    (``title``/``text``/``authors``) that the resolver must match.
    """

    source: str
    """Path of the file the record came from, as given by the user."""
    line: int
    """1-based line where the record starts (for file:line messages)."""
    kind: str
    """One of RECORD_KINDS."""
    arxiv_id: str | None = None
    """The record's own id, canonical and without version (``2107.03374``, ``math/0309136``)."""
    version: int | None = None
    """The version written in the input (``v2`` -> 2), or None."""
    title: str | None = None
    text: str | None = None
    """Abstract or snippet; None when the record is only an id."""
    authors: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    """Canonical ids referenced *inside* the record's text (not its own id)."""
    key: str | None = None
    """Citation key: the .bib entry key, or the key of a ``\\cite`` in .tex."""
    problems: list[str] = field(default_factory=list)
    """Human-readable findings, e.g. ``invalid arXiv id '2313.00001': month 13``."""
    column: int | None = None
    """1-based column of the id or citation, when known."""
    subject_class: str | None = None
    """Subject class written in an old-style id (``GT`` in ``math.GT/0309136``)."""
    comment: str | None = None
    """Listing ``Comments:`` line or arXiv admin note attached to the record."""
    fields: dict[str, str] = field(default_factory=dict)
    """For .bib records: the entry's raw fields (lower-case names)."""
    entry_type: str | None = None
    """For .bib records: the entry type (``misc``, ``article``...)."""
    role: str = "paper"
    """``paper`` (a reference to a paper) or ``citation`` (a ``\\cite{key}`` use in .tex)."""

    def to_json(self) -> dict[str, Any]:
        """The JSON object `scan --format jsonl` prints (stable field names)."""
        data = asdict(self)
        return data


@dataclass(frozen=True)
class Author:
    """A paper author as arXiv writes it (one display name, optional affiliations)."""

    name: str
    affiliations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Link:
    href: str
    rel: str = ""
    title: str | None = None
    content_type: str | None = None


@dataclass
class Paper:
    """arXiv's metadata for one paper, as stored in the cache and given to writers."""

    arxiv_id: str
    """Canonical id without version."""
    version: int
    """Latest version seen (the version the metadata describes)."""
    title: str
    authors: list[Author]
    abstract: str
    published: datetime
    """Date of version 1 (when the work became public), tz-aware UTC."""
    updated: datetime
    """Date of the version described, tz-aware UTC."""
    categories: list[str] = field(default_factory=list)
    """Primary category first."""
    primary_category: str | None = None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    """The *journal* DOI arXiv knows, not the 10.48550 DataCite DOI."""
    links: list[Link] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)
    """Versions seen so far (sorted)."""
    raw_entry: str | None = None
    """The Atom <entry> element as received, so nothing is lost and re-parsing is possible."""
    fetched_at: datetime | None = None

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}"

    @property
    def datacite_doi(self) -> str:
        """arXiv's own DOI, registered for every paper (10.48550/arXiv.<id>)."""
        return f"10.48550/arXiv.{self.arxiv_id}"

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"


@dataclass
class Entry:
    """One bibliography entry after deduplication: a paper, its key, and where it was seen."""

    key: str
    paper: Paper
    sources: list[Record] = field(default_factory=list)
    bib_fields: dict[str, str] = field(default_factory=dict)
    """Fields of an existing .bib entry that arXiv does not provide (kept on output)."""
    changes: list[str] = field(default_factory=list)
    """What was corrected from arXiv metadata in an existing .bib entry."""
