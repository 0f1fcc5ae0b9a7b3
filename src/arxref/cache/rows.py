"""Papers <-> rows of the ``papers`` table, field by field by column name.

:class:`PaperRow` names the columns once; every statement that reads or writes
papers lists them from :data:`COLUMNS`, and every field is read by its name (and
written by it, but in the import's hot loop: :func:`snapshot_row`), so a new column
or another column order in the file cannot shift a value into the wrong field.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator, NamedTuple, Sequence

from ..model import Author, Link, Paper

#: Variables per ``IN (...)`` lookup (well under SQLite's limit).
LOOKUP_CHUNK = 500


class PaperRow(NamedTuple):
    """One ``papers`` row without its rowid, as the cache writes and reads it."""

    arxiv_id: str
    version: int
    versions: str
    """Versions seen, comma separated, sorted."""
    title: str
    authors: str
    """JSON: ``"name"`` or ``["name", ["affiliation", ...]]`` per author."""
    abstract: str
    published: str
    updated: str
    categories: str
    """Space separated, primary first."""
    primary_category: str | None
    comment: str | None
    journal_ref: str | None
    doi: str | None
    links: str
    """JSON ``[[href, rel, title, type], ...]``."""
    raw_format: str
    """How ``raw_entry`` is encoded: 'atom', 'snapshot' or 'none'."""
    raw_entry: str | None
    fetched_at: str | None


#: The papers columns arxref reads and writes (all but the rowid ``id``), in PaperRow's order.
COLUMNS: tuple[str, ...] = PaperRow._fields
#: The same, for SQL: ``SELECT {COLUMN_LIST} FROM papers``.
COLUMN_LIST = ", ".join(COLUMNS)
#: What every read of Papers selects (``SELECT {PAPER_LIST} FROM papers``, then :func:`row_to_paper`):
#: COLUMNS in their order, but ``raw_format`` (a Paper has no such field) is NULL and ``authors``
#: comes as its UTF-8 bytes, which orjson parses as they are (as a str, SQLite's UTF-8 was decoded
#: only for orjson to encode it back): together ~0.8 us of the ~10 us get_many spends per paper.
PAPER_LIST = ", ".join("NULL" if name == "raw_format" else "CAST(authors AS BLOB)" if name == "authors" else name
                       for name in COLUMNS)
#: Values in COLUMNS order (a ``SELECT {COLUMN_LIST}`` result) as a PaperRow, without a Python call.
as_row: Callable[[Iterable[Any]], PaperRow] = functools.partial(tuple.__new__, PaperRow)


def iso(value: datetime) -> str:
    """How the cache stores a time: ISO 8601 in UTC (a naive time is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


#: A stored time back as an aware datetime.
from_iso = datetime.fromisoformat


def now() -> datetime:
    """The current time as stored (whole seconds, UTC)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def chunks(items: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    """Slices of at most ``size`` items (one ``IN (...)`` list each)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _authors_json(authors: Sequence[Author]) -> str:
    return json.dumps(
        [a.name if not a.affiliations else [a.name, list(a.affiliations)] for a in authors],
        ensure_ascii=False, separators=(",", ":"),
    )


try:  # orjson parses these small arrays about 3x faster; json decides whatever it refuses
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - orjson is a dependency
    _fast_loads = json.loads  # type: ignore[assignment]

#: One Author per plain name met while reading: authors recur across a bibliography, and a
#: frozen dataclass costs about a microsecond to build. Bounded: cleared when full.
_AUTHORS: dict[str, Author] = {}
_AUTHORS_MAX = 1 << 18


def _loads(text: str | bytes) -> Any:
    try:
        return _fast_loads(text)
    except ValueError:
        return json.loads(text)


#: ``_AUTHORS[name]`` as a C-level callable for ``map`` (the dict is cleared, never replaced).
_known_author = _AUTHORS.__getitem__


def _authors_from_json(text: str | bytes) -> list[Author]:
    """The authors of the JSON (its text, or its UTF-8 bytes as ``SELECT {PAPER_LIST}`` gives it)."""
    known = _AUTHORS
    items = _loads(text)
    try:  # most often every name is known already (an affiliation's list is unhashable: TypeError)
        return list(map(_known_author, items))
    except (KeyError, TypeError):
        pass
    if len(known) > _AUTHORS_MAX:
        known.clear()
    authors = []
    for item in items:
        if isinstance(item, str):
            author = known.get(item)
            if author is None:
                author = known[item] = Author(item)
            authors.append(author)
        else:
            authors.append(Author(item[0], tuple(item[1])))
    return authors


def _links_json(links: Sequence[Link]) -> str:
    return json.dumps([[l.href, l.rel, l.title, l.content_type] for l in links],
                      ensure_ascii=False, separators=(",", ":"))


def versions_text(versions: Iterable[int]) -> str:
    return ",".join(str(v) for v in sorted(set(versions)))


def versions_from_text(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v]


def paper_row(paper: Paper, raw_format: str, fetched_at: datetime | None) -> PaperRow:
    """The row for a Paper; its raw entry (if any) is kept as ``raw_format``."""
    categories = list(paper.categories)
    primary = paper.primary_category or (categories[0] if categories else None)
    if primary and categories[:1] != [primary]:
        categories = [primary] + [c for c in categories if c != primary]
    when = fetched_at or paper.fetched_at
    # ElementTree keeps the whitespace after </entry> (it differs between feeds): not part of the entry
    raw = paper.raw_entry.rstrip() if paper.raw_entry is not None else None
    return PaperRow(
        arxiv_id=paper.arxiv_id,
        version=paper.version,
        versions=versions_text([*paper.versions, paper.version]),
        title=paper.title,
        authors=_authors_json(paper.authors),
        abstract=paper.abstract,
        published=iso(paper.published),
        updated=iso(paper.updated),
        categories=" ".join(categories),
        primary_category=primary,
        comment=paper.comment,
        journal_ref=paper.journal_ref,
        doi=paper.doi,
        links=_links_json(paper.links),
        raw_format=raw_format if raw is not None else "none",
        raw_entry=raw,
        fetched_at=iso(when) if when else None,
    )


class DamagedRow(ValueError):
    """A ``papers`` row that cannot be read back as a Paper (a damaged or hand-edited cache file).

    Raised by :func:`row_to_paper` instead of whatever its decoding met (a JSON error, a
    date that is not one, a list where a name belongs), so that :meth:`Cache.reading
    <arxref.cache.store.Cache.reading>` can name the file and the paper in one line
    instead of a traceback, and no other ValueError is mistaken for a damaged file.
    """

    def __init__(self, arxiv_id: object, problem: BaseException) -> None:
        self.arxiv_id = arxiv_id
        self.problem = problem
        super().__init__(f"the row of paper {arxiv_id} cannot be read "
                         f"({problem.__class__.__name__}: {str(problem)[:200] or 'no detail'})")


def _wrong_type(version: object, *texts: object) -> str:
    """Which value of a row has a type arxref never writes (a BLOB, a number where text belongs, version < 1)."""
    if type(version) is not int or version < 1:
        return f"version {version!r} is not a positive integer"
    names = ("title", "abstract", "categories", "primary_category", "comment", "journal_ref", "doi")
    required = names[:3]
    for name, value in zip(names, texts):
        if type(value) is bytes or (name in required and type(value) is not str):
            return f"{name} is {type(value).__name__}, not text"
    return "a value has the wrong type"


def row_to_paper(values: Sequence[Any]) -> Paper:
    """The Paper for the values of ``SELECT {PAPER_LIST}`` or ``{COLUMN_LIST}`` (a PaperRow or a plain sqlite3 row).

    The values are unpacked in :data:`COLUMNS` order, which is what both select lists
    return whatever the table's own column order, so each name below is its column's.
    (Reading a PaperRow field by field cost a quarter of a cached paper's read, and an
    export from the cache reads one row per paper; tests/test_cache_rows.py checks that
    every column lands in the field of its name.) The Paper is built by position too.
    """
    (arxiv_id, version, versions, title, authors, abstract, published, updated, categories,
     primary_category, comment, journal_ref, doi, links, _raw_format, raw_entry, fetched_at) = values
    try:  # next to nothing until something fails (zero-cost from Python 3.11)
        # SQLite stores a number written into a text column as text; only a BLOB stays foreign there.
        # The fast test; _wrong_type, on the failing path only, says which value it was.
        if not (type(version) is int and version > 0
                and type(title) is str and type(abstract) is str and type(categories) is str
                and bytes not in (type(primary_category), type(comment), type(journal_ref), type(doi))):
            raise TypeError(_wrong_type(version, title, abstract, categories, primary_category, comment,
                                        journal_ref, doi))
        return Paper(
            arxiv_id, version, title, _authors_from_json(authors), abstract, from_iso(published), from_iso(updated),
            categories.split(), primary_category, comment, journal_ref, doi,
            [] if links == "[]" else [Link(href, rel, name, ctype) for href, rel, name, ctype in _loads(links)],
            [int(versions)] if versions.isdigit() else versions_from_text(versions),
            raw_entry, from_iso(fetched_at) if fetched_at else None,
        )
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        raise DamagedRow(arxiv_id, exc) from None


#: ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``, without its per-call setup.
compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def snapshot_row(record: Any, raw: str, links_json: Callable[[str, int, str | None], str],
                 dumps: Callable[[Any], str] = compact_json) -> PaperRow:
    """The row for a :class:`~arxref.snapshot.SnapshotRecord` (the import's hot path: no Paper objects).

    ``links_json`` (snapshot.links_json) and ``dumps`` are passed in so the hot
    loop does no per-row import and can use orjson. The only PaperRow built by
    position (in field order): keyword arguments cost ~1.2 us a row, ~1.5 % of
    an import's CPU; tests/test_cache_rows.py reads every field back by name.
    """
    categories = record.categories
    return PaperRow(
        record.arxiv_id, record.version, ",".join(map(str, record.versions)), record.title,
        dumps(record.authors), record.abstract, record.published.isoformat(), record.updated.isoformat(),
        " ".join(categories), categories[0] if categories else None,
        record.comment, record.journal_ref, record.doi, links_json(record.arxiv_id, record.version, record.doi),
        "snapshot", raw, None,
    )
