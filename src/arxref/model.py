"""Plain dataclasses passed between the stages (scan -> resolve -> fetch -> dedup -> write).

Every stage takes and returns these; none of them knows about click, SQLite or HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from . import preprint

#: Record kinds the scanner emits (part of the `scan --format jsonl` contract).
RECORD_KINDS = ("abstract", "listing", "search_page", "tex", "markdown", "bib", "text")


@dataclass(frozen=True)
class Record:
    """One mention of a paper found in an input file, with where it was found.

    A record either carries its own arXiv id (``arxiv_id``) or only text
    (``title``/``text``/``authors``) that the resolver must match.
    Frozen: the scanner builds each record completely and every later stage only
    reads it (a change would be a new Record, ``dataclasses.replace``).
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
    authors: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    """Canonical ids referenced *inside* the record's text (not its own id)."""
    key: str | None = None
    """Citation key: the .bib entry key, or the key of a ``\\cite`` in .tex."""
    problems: tuple[str, ...] = ()
    """Human-readable findings, e.g. ``invalid arXiv id '2313.00001': month 13``."""
    column: int | None = None
    """1-based column of the id or citation, when known."""
    subject_class: str | None = None
    """Subject class written in an old-style id (``GT`` in ``math.GT/0309136``)."""
    comment: str | None = None
    """Listing ``Comments:`` line or arXiv admin note attached to the record."""
    fields: Mapping[str, str] = field(default_factory=dict)
    """For .bib records: the entry's raw fields (lower-case names); never changed once the record exists."""
    entry_type: str | None = None
    """For .bib records: the entry type (``misc``, ``article``...)."""
    role: str = "paper"
    """``paper`` (a reference to a paper) or ``citation`` (a ``\\cite{key}`` use in .tex)."""
    category: str | None = None
    """The primary-class hint written with the id (``q-bio.CB`` in ``0706.0001v1 [q-bio.CB]``,
    ``math.GT`` in ``math.GT/0309136``, ``hep-th`` in ``hep-th/1601.07616``), as arXiv spells it."""
    notes: tuple[str, ...] = ()
    """Findings about how the id was written that are no problem (``check`` shows them as info)."""
    year: int | None = None
    """The year a reference without an id gives (a reading-list item, a ``\\bibitem``), or None."""

    def __init__(self, source: str, line: int, kind: str, arxiv_id: str | None = None, version: int | None = None,
                 title: str | None = None, text: str | None = None, authors: tuple[str, ...] = (),
                 mentions: tuple[str, ...] = (), key: str | None = None, problems: tuple[str, ...] = (),
                 column: int | None = None, subject_class: str | None = None, comment: str | None = None,
                 fields: Mapping[str, str] | None = None, entry_type: str | None = None, role: str = "paper",
                 category: str | None = None, notes: tuple[str, ...] = (),
                 year: int | None = None) -> None:
        """The fields as declared above (same order and defaults; a test holds them in step).

        Written by hand because the frozen dataclass's own ``__init__`` sets each of the 20
        fields through ``object.__setattr__``: three times slower, and the scanner makes one
        Record per abstract (bench_scan lost about a fifth of its throughput).
        """
        values = self.__dict__
        values["source"] = source
        values["line"] = line
        values["kind"] = kind
        values["arxiv_id"] = arxiv_id
        values["version"] = version
        values["title"] = title
        values["text"] = text
        values["authors"] = authors
        values["mentions"] = mentions
        values["key"] = key
        values["problems"] = problems
        values["column"] = column
        values["subject_class"] = subject_class
        values["comment"] = comment
        values["fields"] = {} if fields is None else fields
        values["entry_type"] = entry_type
        values["role"] = role
        values["category"] = category
        values["notes"] = notes
        values["year"] = year

    def to_json(self) -> dict[str, Any]:
        """The JSON object `scan --format jsonl` prints (stable field names, in field order; lists, not tuples)."""
        return {name: _json_value(getattr(self, name)) for name in self.__dataclass_fields__}


def _json_value(value: Any) -> Any:
    """A Record field as JSON takes it: a fresh list or dict, so the caller may change it."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


@dataclass(frozen=True)
class Author:
    """A paper author as arXiv writes it (one display name, optional affiliations)."""

    name: str
    affiliations: tuple[str, ...] = ()

    def __init__(self, name: str, affiliations: tuple[str, ...] = ()) -> None:
        """By hand, as :class:`Record`'s: a cache read builds several Authors per paper."""
        values = self.__dict__
        values["name"] = name
        values["affiliations"] = affiliations


@dataclass(frozen=True)
class Link:
    href: str
    rel: str = ""
    title: str | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class Paper:
    """arXiv's metadata for one paper, as stored in the cache and given to writers.

    Frozen: stages hand the same Paper on (cache -> resolve -> dedup -> writers), so a
    change is a new Paper (``dataclasses.replace``). The list fields stay lists (the
    cache's rows, the Atom parser and arxiv.py's ``Result`` all give lists, and
    callers compare them with lists); nobody mutates them. Not hashable (list fields).
    """

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

    def __init__(self, arxiv_id: str, version: int, title: str, authors: list[Author], abstract: str,
                 published: datetime, updated: datetime, categories: list[str] | None = None,
                 primary_category: str | None = None, comment: str | None = None, journal_ref: str | None = None,
                 doi: str | None = None, links: list[Link] | None = None, versions: list[int] | None = None,
                 raw_entry: str | None = None, fetched_at: datetime | None = None) -> None:
        """The fields as declared above (same order and defaults, a fresh list for each list left out).

        Written by hand, as :class:`Record`'s: the frozen dataclass's own ``__init__`` sets
        each of the 16 fields through ``object.__setattr__`` (about three times slower), and
        an export answered from the cache builds one Paper per paper it reads.
        """
        values = self.__dict__
        values["arxiv_id"] = arxiv_id
        values["version"] = version
        values["title"] = title
        values["authors"] = authors
        values["abstract"] = abstract
        values["published"] = published
        values["updated"] = updated
        values["categories"] = [] if categories is None else categories
        values["primary_category"] = primary_category
        values["comment"] = comment
        values["journal_ref"] = journal_ref
        values["doi"] = doi
        values["links"] = [] if links is None else links
        values["versions"] = [] if versions is None else versions
        values["raw_entry"] = raw_entry
        values["fetched_at"] = fetched_at

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}"

    @property
    def datacite_doi(self) -> str:
        """arXiv's own DOI, registered for every paper (10.48550/arXiv.<id>)."""
        return preprint.datacite_doi(self.arxiv_id)

    @property
    def abs_url(self) -> str:
        """The abstract page a reference links to (:func:`arxref.preprint.abs_url`)."""
        return preprint.abs_url(self.arxiv_id)


@dataclass(frozen=True)
class Entry:
    """One bibliography entry after deduplication: a paper, its key, and where it was seen.

    Frozen: :func:`arxref.dedup.build_entries` works out every field first, and the
    writers only read.
    """

    key: str
    paper: Paper
    sources: tuple[Record, ...] = ()
    """The records (file:line mentions) this entry was made from."""
    bib_fields: dict[str, str] = field(default_factory=dict)
    """Fields of an existing .bib entry that arXiv does not provide (kept on output)."""
    changes: tuple[str, ...] = ()
    """What was corrected from arXiv metadata in an existing .bib entry."""
    bib_type: str | None = None
    """The type of the user's .bib entry when it cites the published version (``inproceedings``,
    ``article`` in a journal...; :func:`arxref.preprint.published_version`): the entry is then
    written as the user wrote it (``bib_fields`` holds all its fields, in order) with arXiv's
    eprint added, never arXiv's DOI, title or authors."""

    def __init__(self, key: str, paper: Paper, sources: tuple[Record, ...] = (),
                 bib_fields: dict[str, str] | None = None, changes: tuple[str, ...] = (),
                 bib_type: str | None = None) -> None:
        """By hand, as :class:`Record`'s (``bib_fields`` left out is a fresh dict): one Entry per paper."""
        values = self.__dict__
        values["key"] = key
        values["paper"] = paper
        values["sources"] = sources
        values["bib_fields"] = {} if bib_fields is None else bib_fields
        values["changes"] = changes
        values["bib_type"] = bib_type


@dataclass(frozen=True)
class KeptBib:
    """What ``export`` writes as the user wrote it: every .bib it read, less the entries arxref rewrote.

    Built by :func:`arxref.passthrough.kept_bib`; the writers put it before the arXiv entries
    (:func:`arxref.formats.write_formats`): the .bib text itself (comments, ``@string``,
    ``@preamble`` and the kept entries byte for byte), and the kept entries converted to
    CSL-JSON and RIS as faithfully as their fields allow.
    """

    sources: tuple[str, ...] = ()
    """The .bib files read, in input order (each once)."""
    rewritten: Mapping[str, frozenset[int]] = field(default_factory=dict)
    """File -> lines where an entry starts that arxref writes itself (an arXiv paper it resolved)."""
    records: tuple[Record, ...] = ()
    """The entries written as they are (not arXiv papers, conflicts, entries not found), in input order."""

    @property
    def keys(self) -> frozenset[str]:
        """The citation keys the kept entries define (generated keys must not take them)."""
        return frozenset(r.key for r in self.records if r.key)
