"""The persistent offline cache: one SQLite file of arXiv metadata, misses and searches.

Design points (each one a requirement users rely on):

* **Crash safe.** WAL journal, every write batch is one ``BEGIN IMMEDIATE``
  transaction, so ``kill -9`` at any moment leaves the last committed state.
* **Shared.** Two arxref processes may use one file at once: WAL lets readers run
  beside a writer, ``busy_timeout`` makes writers queue instead of failing, and
  ``arxiv_id`` is UNIQUE with upserts, so a paper is stored once.
* **Versioned schema.** ``PRAGMA user_version`` + :data:`MIGRATIONS`; a file from a
  newer arxref is refused with a clear message instead of being damaged.
* **Searchable.** An external-content FTS5 table over title, abstract and authors,
  kept in sync by the write path in the same transaction (set-based
  ``INSERT ... SELECT`` per batch: ~3x faster than per-row triggers, which make
  FTS5 flush a tiny segment per statement), finds local candidates for the
  resolver: rare-word votes weighted by log(N/df), then a re-rank of a short
  list (bm25 was measured 10-50x slower on 1 M papers: it scans the posting
  list of every common word in the query). The index stores no positions
  (``detail='none'``): the search only asks which papers hold a word.
* **Loadable.** :meth:`Cache.import_paths` streams Atom feeds and arXiv's bulk
  JSON Lines snapshot in chunked transactions (``synchronous=OFF`` while loading:
  kill-safe, made durable by a checkpoint and fsync at the end), on two cores: a
  helper process splits and parses blocks of lines while this one writes, and
  writing a chunk costs one UNIQUE-index probe per new paper (insert first, merge
  only what conflicted). :meth:`Cache.export_atom` writes one Atom feed per paper.
"""

from __future__ import annotations

import collections
import gc
import gzip
import heapq
import itertools
import json
import math
import os
import re
import sqlite3
import tempfile
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from .errors import CacheError, InvalidIdError
from .model import Author, Link, Paper

#: Seconds a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_MS = 60_000
#: Rows per transaction during imports (a kill loses at most one chunk of work).
IMPORT_CHUNK = 10_000
#: Page cache per connection (negative: KiB).
CACHE_SIZE = -65536
#: Page size of a new cache file (an existing file keeps its own). Rows are ~3.5 KB (raw
#: line + parsed fields): 4 KB pages held one row and wasted the rest, and every page
#: costs a write call into the WAL and another at the checkpoint. 64 KB pages made the
#: import's writes ~25 % cheaper and the file ~18 % smaller, and lookups got no slower
#: (``benchmarks/bench_cache.py``).
PAGE_SIZE = 65536
#: Variables per ``IN (...)`` lookup (well under SQLite's limit).
LOOKUP_CHUNK = 500
#: Lines per parsing task (smaller than a chunk, so the two processes share work evenly).
PARSE_CHUNK = 2500
#: Tasks queued for the helper parsing process before this process parses one itself
#: (enough to keep it busy while this process writes a chunk).
HELPER_QUEUE = 8
#: WAL size at which an import checkpoints: small enough that the copy into the
#: database is spread over the import (beside the helper's parsing) instead of
#: all at its end, large enough that FTS pages rewritten by merges are copied once.
IMPORT_WAL_BYTES = 64 << 20
#: WAL size at which a normal write checkpoints (SQLite's default, 1000 pages of 4 KB).
NORMAL_WAL_BYTES = 4096 * 1000
#: Bytes read from a snapshot at a time.
BLOCK_BYTES = 8 << 20
#: A snapshot line longer than this is reported and skipped (real records are a few KB).
MAX_LINE_BYTES = 64 << 20
#: File name suffixes picked up when a directory is imported.
IMPORT_SUFFIXES = (".xml", ".atom", ".json", ".jsonl", ".ndjson")

_SCHEMA_V1 = """
CREATE TABLE papers (
    id               INTEGER PRIMARY KEY,       -- stable rowid for the FTS index
    arxiv_id         TEXT NOT NULL UNIQUE,      -- canonical, versionless
    version          INTEGER NOT NULL,          -- version the metadata describes (latest seen)
    versions         TEXT NOT NULL,             -- versions seen, comma separated, sorted
    title            TEXT NOT NULL,
    authors          TEXT NOT NULL,             -- JSON: "name" or ["name", ["affiliation", ...]]
    abstract         TEXT NOT NULL,
    published        TEXT NOT NULL,             -- ISO 8601 UTC, date of v1
    updated          TEXT NOT NULL,             -- ISO 8601 UTC, date of `version`
    categories       TEXT NOT NULL,             -- space separated, primary first
    primary_category TEXT,
    comment          TEXT,
    journal_ref      TEXT,
    doi              TEXT,
    links            TEXT NOT NULL,             -- JSON [[href, rel, title, type], ...]
    raw_format       TEXT NOT NULL CHECK (raw_format IN ('atom', 'snapshot', 'none')),
    raw_entry        TEXT,                      -- Atom <entry> or the snapshot JSON line
    fetched_at       TEXT                       -- ISO 8601 UTC, when arXiv served it
);
CREATE TABLE not_found (
    arxiv_id   TEXT PRIMARY KEY,
    checked_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE searches (
    query      TEXT PRIMARY KEY,
    paper_ids  TEXT NOT NULL,                   -- JSON list, in arXiv's order
    total      INTEGER NOT NULL,
    raw        TEXT,
    fetched_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE VIRTUAL TABLE papers_fts USING fts5(
    title, abstract, authors,
    content='papers', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', detail='column'
);
INSERT INTO papers_fts(papers_fts, rank) VALUES ('hashsize', 67108864);
INSERT INTO papers_fts(papers_fts, rank) VALUES ('automerge', 16);
"""

#: Version 2: the FTS index keeps only which papers hold a token (``detail='none'``,
#: ``columnsize=0``). The search only asks "which papers contain this word" (quoted
#: single words, AND-ed), never phrases, columns, positions or bm25, so positions and
#: per-column sizes were pure cost: they made indexing ~2x slower and the index larger.
_SCHEMA_V2 = """
DROP TABLE papers_fts;
CREATE VIRTUAL TABLE papers_fts USING fts5(
    title, abstract, authors,
    content='papers', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', detail='none', columnsize=0
);
INSERT INTO papers_fts(papers_fts, rank) VALUES ('hashsize', 67108864);
INSERT INTO papers_fts(papers_fts, rank) VALUES ('automerge', 16);
INSERT INTO papers_fts(papers_fts) VALUES ('rebuild');
"""

Migration = Callable[[sqlite3.Connection], None]


def _script(sql: str) -> Migration:
    def run(conn: sqlite3.Connection) -> None:
        for statement in _statements(sql):
            conn.execute(statement)

    return run


def _statements(sql: str) -> Iterator[str]:
    """Split a schema script into statements (executescript would COMMIT our transaction)."""
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer.strip()
            buffer = ""


#: MIGRATIONS[i] upgrades a file from schema version i to i + 1. Append, never edit.
MIGRATIONS: list[Migration] = [_script(_SCHEMA_V1), _script(_SCHEMA_V2)]

_COLUMNS = (
    "arxiv_id, version, versions, title, authors, abstract, published, updated, categories, "
    "primary_category, comment, journal_ref, doi, links, raw_format, raw_entry, fetched_at"
)
_N_COLUMNS = len(_COLUMNS.split(","))
_UPSERT = (
    f"INSERT INTO papers ({_COLUMNS}) VALUES ({', '.join('?' * _N_COLUMNS)}) "
    "ON CONFLICT(arxiv_id) DO UPDATE SET "
    + ", ".join(f"{c.strip()} = excluded.{c.strip()}" for c in _COLUMNS.split(",")[1:])
)
_INSERT_NEW = (f"INSERT INTO papers ({_COLUMNS}) VALUES ({', '.join('?' * _N_COLUMNS)}) "
               "ON CONFLICT(arxiv_id) DO NOTHING")
_FTS_COLUMNS = "title, abstract, authors"
_FTS_DELETE_CHANGED = (
    f"INSERT INTO papers_fts (papers_fts, rowid, {_FTS_COLUMNS}) "
    f"SELECT 'delete', id, {_FTS_COLUMNS} FROM papers WHERE id IN (SELECT id FROM temp.arxref_changed)"
)
_FTS_INSERT_CHANGED = (
    f"INSERT INTO papers_fts (rowid, {_FTS_COLUMNS}) "
    f"SELECT id, {_FTS_COLUMNS} FROM papers WHERE id IN (SELECT id FROM temp.arxref_changed)"
)
_FTS_INSERT_NEW = f"INSERT INTO papers_fts (rowid, {_FTS_COLUMNS}) SELECT id, {_FTS_COLUMNS} FROM papers WHERE id > ?"

Row = tuple[Any, ...]


@dataclass
class ImportReport:
    """What an import did: papers written, files read, and one line per problem."""

    papers: int = 0
    """Records written (new papers, newer versions, or versions merged)."""
    records: int = 0
    """Records read (valid or not)."""
    files: int = 0
    problems: list[str] = field(default_factory=list)
    """``file:line: message`` (or ``file: message``) for each bad file or line (first MAX_PROBLEMS)."""
    unchanged: int = 0
    """Records identical to what the cache already held (nothing written)."""
    problem_count: int = 0
    """All problems, including those beyond the ones kept in ``problems``."""


@dataclass(frozen=True)
class SearchRecord:
    """A cached API search: arXiv's ordered answer and its total."""

    query: str
    paper_ids: list[str]
    total: int
    raw: str | None
    fetched_at: datetime


# ---------------------------------------------------------------- row <-> Paper


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def _from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _authors_json(authors: Sequence[Author]) -> str:
    return json.dumps(
        [a.name if not a.affiliations else [a.name, list(a.affiliations)] for a in authors],
        ensure_ascii=False, separators=(",", ":"),
    )


def _authors_from_json(text: str) -> list[Author]:
    return [Author(item) if isinstance(item, str) else Author(item[0], tuple(item[1])) for item in json.loads(text)]


def _links_json(links: Sequence[Link]) -> str:
    return json.dumps([[l.href, l.rel, l.title, l.content_type] for l in links],
                      ensure_ascii=False, separators=(",", ":"))


def _versions_text(versions: Iterable[int]) -> str:
    return ",".join(str(v) for v in sorted(set(versions)))


def _versions_from_text(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v]


def _paper_row(paper: Paper, raw_format: str, fetched_at: datetime | None) -> Row:
    categories = list(paper.categories)
    primary = paper.primary_category or (categories[0] if categories else None)
    if primary and categories[:1] != [primary]:
        categories = [primary] + [c for c in categories if c != primary]
    when = fetched_at or paper.fetched_at
    # ElementTree keeps the whitespace after </entry> (it differs between feeds): not part of the entry
    raw = paper.raw_entry.rstrip() if paper.raw_entry is not None else None
    return (
        paper.arxiv_id, paper.version, _versions_text([*paper.versions, paper.version]), paper.title,
        _authors_json(paper.authors), paper.abstract, _iso(paper.published), _iso(paper.updated),
        " ".join(categories), primary, paper.comment, paper.journal_ref, paper.doi,
        _links_json(paper.links), raw_format if raw is not None else "none",
        raw, _iso(when) if when else None,
    )


def _row_to_paper(row: Sequence[Any]) -> Paper:
    (arxiv_id, version, versions, title, authors, abstract, published, updated, categories,
     primary, comment, journal_ref, doi, links, _raw_format, raw_entry, fetched_at) = row
    return Paper(
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        authors=_authors_from_json(authors),
        abstract=abstract,
        published=_from_iso(published),
        updated=_from_iso(updated),
        categories=categories.split(),
        primary_category=primary,
        comment=comment,
        journal_ref=journal_ref,
        doi=doi,
        links=[Link(href, rel, title_, ctype) for href, rel, title_, ctype in json.loads(links)],
        versions=_versions_from_text(versions),
        raw_entry=raw_entry,
        fetched_at=_from_iso(fetched_at) if fetched_at else None,
    )


def _wal_pages(page_size: int) -> int:
    """Pages of WAL after which a normal commit checkpoints (SQLite's default is 1000 4 KB pages)."""
    return max(16, NORMAL_WAL_BYTES // page_size)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------- the cache


def _retry_while_locked(step: Callable[[], None]) -> None:
    """Run ``step``, retrying while another process holds the lock it needs.

    Switching a new file to WAL needs an exclusive lock, and SQLite can answer
    "database is locked" at once (bypassing its busy handler) while another
    process is creating the same cache; retry until BUSY_TIMEOUT_MS has passed.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if ("locked" not in text and "busy" not in text) or time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


class Cache:
    """The SQLite cache file. Use as a context manager; all errors are CacheError."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self._conn: sqlite3.Connection | None = None
        self._common_words: set[str] = set()
        self._open()

    # -- opening, schema, errors

    def _fail(self, exc: BaseException, doing: str) -> CacheError:
        """One clear line for the user: which file, what failed, what to do."""
        message = str(exc) or exc.__class__.__name__
        lowered = message.lower()
        if "not a database" in lowered or "malformed" in lowered:
            hint = "the file is not an arxref cache or is corrupt; move it away or use another --cache"
        elif "disk is full" in lowered or "disk i/o" in lowered:
            hint = "free some disk space or use another --cache"
        elif "readonly" in lowered or "read-only" in lowered or "unable to open" in lowered or "permission" in lowered:
            hint = "check that the directory exists and is writable, or use another --cache"
        elif "locked" in lowered or "busy" in lowered:
            hint = "another arxref process kept the cache busy too long; try again"
        else:
            hint = "use another --cache or delete the file to start afresh"
        return CacheError(f"cache {self.path}: {doing} failed: {message} ({hint})")

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(
                f"cache {self.path}: cannot create directory {self.path.parent}: "
                f"{exc.strerror or exc} (use another --cache)"
            ) from None
        if self.path.exists() and not self.path.is_file():
            raise CacheError(f"cache {self.path}: not a regular file (use another --cache)")
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._fail(exc, "opening") from None
        self._conn = conn
        try:
            _retry_while_locked(lambda: self._configure(conn))
        except CacheError:
            self.close()
            raise
        except sqlite3.Error as exc:
            self.close()
            raise self._fail(exc, "opening") from None

    def _configure(self, conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if conn.execute("PRAGMA page_count").fetchone()[0] == 0:
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"cannot switch to WAL journal (got {mode!r})")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA cache_size = {CACHE_SIZE}")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA journal_size_limit = 67108864")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.execute(f"PRAGMA wal_autocheckpoint = {_wal_pages(page_size)}")
        self._migrate()

    def _migrate(self) -> None:
        conn = self.conn
        target = len(MIGRATIONS)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == target:
            return
        if version > target:
            raise CacheError(
                f"cache {self.path}: schema version {version} was written by a newer arxref "
                f"(this one knows up to {target}); upgrade arxref or use another --cache"
            )
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have migrated
            if version == 0 and conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).fetchone()[0]:
                raise CacheError(
                    f"cache {self.path}: this SQLite file is not an arxref cache (it has other tables); "
                    "use another --cache"
                )
            while version < target:
                MIGRATIONS[version](conn)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException as exc:
            conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise self._fail(exc, f"upgrading the schema to version {target}") from None
            raise

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise CacheError(f"cache {self.path}: already closed")
        return self._conn

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def __enter__(self) -> "Cache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Cache({str(self.path)!r})"

    @contextmanager
    def _reading(self, doing: str) -> Iterator[sqlite3.Connection]:
        try:
            yield self.conn
        except sqlite3.Error as exc:
            raise self._fail(exc, doing) from None

    @contextmanager
    def _writing(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One write transaction; BEGIN IMMEDIATE so concurrent writers queue on busy_timeout."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._fail(exc, doing) from None
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            if isinstance(exc, sqlite3.Error):
                raise self._fail(exc, doing) from None
            raise

    # -- papers

    def get(self, arxiv_id: str) -> Paper | None:
        """The cached paper for a canonical base id, or None."""
        with self._reading("reading a paper") as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM papers WHERE arxiv_id = ?", (arxiv_id,)).fetchone()
        return _row_to_paper(row) if row else None

    def get_many(self, ids: Iterable[str]) -> dict[str, Paper]:
        """Cached papers among ``ids`` (base ids), keyed by id; missing ids are absent."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Paper] = {}
        with self._reading("reading papers") as conn:
            for chunk in _chunks(wanted, LOOKUP_CHUNK):
                marks = ",".join("?" * len(chunk))
                for row in conn.execute(f"SELECT {_COLUMNS} FROM papers WHERE arxiv_id IN ({marks})", chunk):
                    found[row[0]] = _row_to_paper(row)
        return found

    def __contains__(self, arxiv_id: object) -> bool:
        with self._reading("reading a paper") as conn:
            return conn.execute("SELECT 1 FROM papers WHERE arxiv_id = ?", (arxiv_id,)).fetchone() is not None

    def __len__(self) -> int:
        with self._reading("counting papers") as conn:
            return int(conn.execute("SELECT count(*) FROM papers").fetchone()[0])

    def put_papers(self, papers: Iterable[Paper], fetched_at: datetime | None = None) -> int:
        """Store papers in ONE transaction, merging with what is cached; returns rows written.

        A newer (or equal) version replaces the metadata; an older one only adds
        to the versions seen. Storing a paper clears its not-found record.
        """
        rows = []
        for paper in papers:
            rows.append(_paper_row(self._checked(paper), "atom", fetched_at))
        if not rows:
            return 0
        with self._writing("storing papers") as conn:
            written = self._merge_rows(conn, rows)
        return written

    def _checked(self, paper: Paper) -> Paper:
        from .ids import parse as parse_id

        try:
            base = parse_id(paper.arxiv_id).base
        except InvalidIdError as exc:
            raise CacheError(f"cache {self.path}: refusing to store paper with invalid id {paper.arxiv_id!r}: "
                             f"{exc.reason}") from None
        if base != paper.arxiv_id:
            raise CacheError(f"cache {self.path}: paper id {paper.arxiv_id!r} is not canonical ({base!r})")
        return paper

    def _write_rows(self, rows: list[Row]) -> tuple[int, int]:
        """Merge already-built rows in one transaction (the import path): (written, unchanged)."""
        with self._writing("importing papers") as conn:
            return self._merge(conn, rows)

    def _merge_rows(self, conn: sqlite3.Connection, rows: list[Row]) -> int:
        return self._merge(conn, rows)[0]

    def _merge(self, conn: sqlite3.Connection, rows: list[Row]) -> tuple[int, int]:
        """Upsert rows in the caller's transaction, merging versions and keeping the FTS index in sync.

        Returns (rows written, rows already stored identically).
        """
        latest: dict[str, Row] = {}
        for row in rows:  # several versions of one paper in a batch: keep the newest, union versions
            seen = latest.get(row[0])
            if seen is not None:
                row = _merge_pair(seen, row)
            latest[row[0]] = row
        stored_ids = [(arxiv_id,) for arxiv_id in latest]
        # New papers go in first, in one statement; the UNIQUE index skips the ones
        # already stored (no lookup per row beforehand: a fresh import has none).
        high = conn.execute("SELECT coalesce(max(id), 0) FROM papers").fetchone()[0]
        before = conn.total_changes
        conn.executemany(_INSERT_NEW, latest.values())
        added = conn.total_changes - before
        if added:
            conn.execute(_FTS_INSERT_NEW, (high,))
        if added < len(latest):  # some were stored already: merge those
            for (arxiv_id,) in conn.execute("SELECT arxiv_id FROM papers WHERE id > ?", (high,)):
                del latest[arxiv_id]
        else:
            latest = {}
        written, unchanged = self._merge_existing(conn, latest)
        if conn.execute("SELECT EXISTS (SELECT 1 FROM not_found)").fetchone()[0]:
            conn.executemany("DELETE FROM not_found WHERE arxiv_id = ?", stored_ids)
        return added + written, unchanged

    def _merge_existing(self, conn: sqlite3.Connection, latest: dict[str, Row]) -> tuple[int, int]:
        """Merge rows for papers already stored: newer metadata replaces, versions are united."""
        existing: dict[str, tuple[int, int, str, str, str | None]] = {}
        for chunk in _chunks(list(latest), LOOKUP_CHUNK):
            marks = ",".join("?" * len(chunk))
            for rowid, arxiv_id, version, versions, raw_format, raw_entry in conn.execute(
                "SELECT id, arxiv_id, version, versions, raw_format, raw_entry FROM papers "
                f"WHERE arxiv_id IN ({marks})", chunk
            ):
                existing[arxiv_id] = (rowid, version, versions, raw_format, raw_entry)
        replaced: list[Row] = []
        replaced_ids: list[tuple[int]] = []
        touches: list[tuple[str, str | None, int]] = []
        unchanged = 0
        for arxiv_id, row in latest.items():
            old = existing.get(arxiv_id)
            if old is None:  # cannot happen: these rows conflicted with a stored paper
                continue
            rowid, old_version, old_versions, old_format, old_raw = old
            versions = _union(old_versions, row[2])
            newer = row[1] > old_version or (
                row[1] == old_version and not (row[14] == "snapshot" and old_format == "atom")
            )
            identical = row[15] is not None and row[15] == old_raw and row[14] == old_format
            if newer and not identical:
                replaced.append(_with_versions(row, versions))
                replaced_ids.append((rowid,))
                continue
            fetched = row[16] if newer else None  # the same entry served again: note when
            if versions != old_versions or fetched is not None:
                touches.append((versions, fetched, rowid))
            if versions == old_versions:
                unchanged += 1
        if replaced:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS arxref_changed (id INTEGER PRIMARY KEY)")
            conn.execute("DELETE FROM temp.arxref_changed")
            conn.executemany("INSERT INTO temp.arxref_changed (id) VALUES (?)", replaced_ids)
            conn.execute(_FTS_DELETE_CHANGED)
            conn.executemany(_UPSERT, replaced)
            conn.execute(_FTS_INSERT_CHANGED)
        if touches:
            conn.executemany(
                "UPDATE papers SET versions = ?, fetched_at = coalesce(?, fetched_at) WHERE id = ?", touches
            )
        return len(latest) - unchanged, unchanged

    # -- not found

    def mark_not_found(self, ids: Iterable[str], when: datetime | None = None) -> None:
        """Remember that arXiv answered "no such paper" for ``ids`` (at ``when``, default now)."""
        stamp = _iso(when or _now())
        rows = [(arxiv_id, stamp) for arxiv_id in dict.fromkeys(ids)]
        if not rows:
            return
        with self._writing("recording not-found ids") as conn:
            conn.executemany(
                "INSERT INTO not_found (arxiv_id, checked_at) VALUES (?, ?) "
                "ON CONFLICT(arxiv_id) DO UPDATE SET checked_at = excluded.checked_at", rows
            )

    def not_found(self, ids: Iterable[str]) -> dict[str, datetime]:
        """When each of ``ids`` was last found missing (only ids with a record)."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, datetime] = {}
        with self._reading("reading not-found ids") as conn:
            for chunk in _chunks(wanted, LOOKUP_CHUNK):
                marks = ",".join("?" * len(chunk))
                for arxiv_id, stamp in conn.execute(
                    f"SELECT arxiv_id, checked_at FROM not_found WHERE arxiv_id IN ({marks})", chunk
                ):
                    found[arxiv_id] = _from_iso(stamp)
        return found

    def clear_not_found(self, ids: Iterable[str] | None = None) -> int:
        """Forget not-found records for ``ids`` (all of them when ``ids`` is None); returns how many."""
        with self._writing("clearing not-found ids") as conn:
            if ids is None:
                return int(conn.execute("DELETE FROM not_found").rowcount)
            rows = [(arxiv_id,) for arxiv_id in dict.fromkeys(ids)]
            before = conn.total_changes
            conn.executemany("DELETE FROM not_found WHERE arxiv_id = ?", rows)
            return conn.total_changes - before

    # -- searches

    def put_search(self, query: str, paper_ids: list[str], total: int, raw: str | None = None) -> None:
        """Remember arXiv's ordered answer to a search query (replaces an older answer)."""
        with self._writing("storing a search") as conn:
            conn.execute(
                "INSERT INTO searches (query, paper_ids, total, raw, fetched_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(query) DO UPDATE SET paper_ids = excluded.paper_ids, total = excluded.total, "
                "raw = excluded.raw, fetched_at = excluded.fetched_at",
                (query, json.dumps(list(paper_ids)), int(total), raw, _iso(_now())),
            )

    def get_search(self, query: str) -> list[str] | None:
        """The ids arXiv returned for ``query``, in its order; None if never searched."""
        record = self.get_search_record(query)
        return record.paper_ids if record else None

    def get_search_record(self, query: str) -> SearchRecord | None:
        """The whole cached search (ids, total, raw response, when)."""
        with self._reading("reading a search") as conn:
            row = conn.execute(
                "SELECT query, paper_ids, total, raw, fetched_at FROM searches WHERE query = ?", (query,)
            ).fetchone()
        if row is None:
            return None
        return SearchRecord(row[0], json.loads(row[1]), row[2], row[3], _from_iso(row[4]))

    # -- full-text search

    def search_local(self, text: str, limit: int = 20) -> list[Paper]:
        """Cached papers whose title/abstract/authors share distinctive words with ``text``, best first.

        Never raises on user text: FTS5 only ever sees quoted plain word tokens.
        A paper holding every distinctive word ranks first; title words weigh more.
        """
        if limit <= 0:
            return []
        with self._reading("searching the cache") as conn:
            order = _candidates(conn, text, limit, self._common_words)
            if not order:
                return []
            marks = ",".join("?" * len(order))
            rows = {row[0]: row[1:] for row in conn.execute(
                f"SELECT id, {_COLUMNS} FROM papers WHERE id IN ({marks})", order)}
        return [_row_to_paper(rows[rowid]) for rowid in order if rowid in rows]

    # -- import / export

    def import_paths(self, paths: Iterable[str | os.PathLike[str]],
                     progress: Callable[[int], None] | None = None) -> ImportReport:
        """Load Atom feeds and snapshot JSON Lines (files or directories, gzip too).

        The format is detected from the content. Bad files and lines are reported
        (``file:line: message``) and skipped; everything else is committed in
        chunks of :data:`IMPORT_CHUNK` records. ``progress`` gets the number of
        records read so far.
        """
        return _Importer(self, progress).run(paths)

    def export_atom(self, directory: str | os.PathLike[str]) -> int:
        """Write one Atom feed file per cached paper into ``directory``; returns the count."""
        return _export_all(self, Path(directory))

    def iter_papers(self, batch: int = 1000) -> Iterator[Paper]:
        """Every cached paper, in id order (streams; memory stays flat)."""
        last = ""
        while True:
            with self._reading("reading papers") as conn:
                rows = conn.execute(
                    f"SELECT {_COLUMNS} FROM papers WHERE arxiv_id > ? ORDER BY arxiv_id LIMIT ?", (last, batch)
                ).fetchall()
            if not rows:
                return
            for row in rows:
                yield _row_to_paper(row)
            last = rows[-1][0]

    def row_format(self, arxiv_id: str) -> str | None:
        """How the stored raw entry is encoded: 'atom', 'snapshot', 'none' (None if not cached)."""
        with self._reading("reading a paper") as conn:
            row = conn.execute("SELECT raw_format FROM papers WHERE arxiv_id = ?", (arxiv_id,)).fetchone()
        return row[0] if row else None

    # -- statistics and maintenance

    def stats(self) -> dict[str, Any]:
        """Counts and sizes for `arxref cache stats`."""
        with self._reading("reading statistics") as conn:
            papers = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
            not_found = conn.execute("SELECT count(*) FROM not_found").fetchone()[0]
            searches = conn.execute("SELECT count(*) FROM searches").fetchone()[0]
            formats = dict(conn.execute("SELECT raw_format, count(*) FROM papers GROUP BY raw_format").fetchall())
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        size = 0
        for suffix in ("", "-wal", "-shm"):
            try:
                size += os.stat(f"{self.path}{suffix}").st_size
            except OSError:
                pass
        return {
            "path": str(self.path),
            "papers": int(papers),
            "not_found": int(not_found),
            "searches": int(searches),
            "size_bytes": size,
            "schema_version": int(version),
            "raw_formats": {str(k): int(v) for k, v in formats.items()},
        }

    def integrity_check(self) -> list[str]:
        """SQLite's and FTS5's own consistency checks; an empty list means healthy."""
        problems: list[str] = []
        with self._reading("checking integrity") as conn:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                problems.extend(result)
            try:
                conn.execute("INSERT INTO papers_fts(papers_fts) VALUES ('integrity-check')")
            except sqlite3.DatabaseError as exc:
                problems.append(f"full-text index: {exc}")
        return problems

    def rebuild_index(self) -> None:
        """Rebuild the full-text index from the papers table (repair / after bulk edits)."""
        with self._writing("rebuilding the full-text index") as conn:
            conn.execute("INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')")


def _union(a: str, b: str) -> str:
    return _versions_text(_versions_from_text(a) + _versions_from_text(b))


def _with_versions(row: Row, versions: str) -> Row:
    return row[:2] + (versions,) + row[3:]


def _merge_pair(first: Row, second: Row) -> Row:
    """Two rows for one paper in one batch: the newer version wins, versions are united."""
    keep = second if second[1] >= first[1] else first
    return _with_versions(keep, _union(first[2], second[2]))


# ---------------------------------------------------------------- full-text queries

_WORD_RE = re.compile(r"[^\W_]+")
#: Words too common in any English abstract to tell papers apart.
STOPWORDS = frozenset(
    """
    a about above after again against all also although am among an and any are as at be because been
    before being below between both but by can could did do does doing down during each either et few
    for from further had has have having he her here hers herself him himself his how however i if in
    into is it its itself just may me might more most must my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through thus to too under until up upon us
    very via was we were what when where which while who whom why will with within without would you
    your yours yourself yourselves al etc eg ie vs
    """.split()
)
#: Candidate words probed per query (the longest, for long texts).
MAX_CANDIDATES = 12
#: A word in fewer papers than this is "rare" (it votes); MEDIUM_CAP is the fallback tier.
RARE_CAP = 1000
MEDIUM_CAP = 20000
#: Candidates re-scored against every query word before the best are returned.
RERANK = 50


def keywords(text: str) -> list[str]:
    """Distinct lower-case word tokens of ``text`` worth searching for, in order of appearance.

    Tokens are letters/digits only, so nothing the user typed can reach FTS5 as
    syntax (quotes, parentheses, ``NEAR``, ``*``, ``:`` column filters, ``^``).
    """
    seen: dict[str, None] = {}
    for token in _WORD_RE.findall(text.lower()):
        if len(token) < 2 or len(token) > 60 or token in STOPWORDS:
            continue
        seen.setdefault(token, None)
        if len(seen) >= 4 * MAX_CANDIDATES:
            break
    words = list(seen)
    if len(words) > MAX_CANDIDATES:  # long text: longer words are usually the rarer ones
        keep = set(sorted(words, key=len, reverse=True)[:MAX_CANDIDATES])
        words = [w for w in words if w in keep]
    return words


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _rowids(conn: sqlite3.Connection, query: str, cap: int) -> list[int]:
    """Rowids matching an FTS5 query, unranked, at most ``cap`` (cost bounded by ``cap``)."""
    try:
        return [r[0] for r in conn.execute(
            "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? LIMIT ?", (query, cap))]
    except sqlite3.OperationalError:  # defensive: a token FTS5 does not accept as a phrase
        return []


def _candidates(conn: sqlite3.Connection, text: str, limit: int, common: set[str]) -> list[int]:
    """Rowids of the best local matches for ``text``, best first.

    bm25 is not used: it reads the whole posting list of every query word to
    weigh it, so one common word ("model") costs a scan of most of the cache.
    Instead each word's postings are fetched with a bounded LIMIT: words in
    fewer than RARE_CAP papers vote, weighted by log(N/df), and papers holding
    every rare word get a bonus. Extra words or typos cannot hide a paper, and
    the cost is a few ms on 1 M papers. ``common`` remembers words known to be
    common (the cache only grows, so they stay common) to skip their probes.
    Only when a text has fewer than two rare words (a short generic title) are
    the other words intersected by FTS5 itself.
    """
    words = keywords(text)
    if not words:
        return []
    total = max(conn.execute("SELECT coalesce(max(id), 1) FROM papers").fetchone()[0], 1)
    postings: dict[str, list[int]] = {}
    for word in words:
        if word in common:
            continue
        found = _rowids(conn, _phrase(word), RARE_CAP)
        if len(found) >= RARE_CAP:
            if len(common) < 100_000:
                common.add(word)
        elif found:
            postings[word] = found
    scores: dict[int, float] = {}
    for found in postings.values():
        weight = math.log(1 + total / len(found))
        for rowid in found:
            scores[rowid] = scores.get(rowid, 0.0) + weight
    if len(postings) >= 2:
        everywhere = set.intersection(*(set(found) for found in postings.values()))
    else:  # nothing distinctive: papers containing every word, then the less common words
        others = [w for w in words if w not in postings]
        everywhere = set(_rowids(conn, " AND ".join(_phrase(w) for w in words), limit)) if len(words) >= 2 else set()
        if not everywhere and not postings:
            for word in others[:4]:
                found = _rowids(conn, _phrase(word), MEDIUM_CAP)
                if 0 < len(found) < MEDIUM_CAP:
                    weight = math.log(1 + total / len(found))
                    for rowid in found:
                        scores[rowid] = scores.get(rowid, 0.0) + weight
    bonus = 1 + max(scores.values(), default=0.0)
    for rowid in everywhere:  # holding every (rare) word beats any partial vote
        scores[rowid] = scores.get(rowid, 0.0) + bonus
    shortlist = heapq.nlargest(max(limit, RERANK), scores, key=lambda rowid: (scores[rowid], -rowid))
    return _rerank(conn, shortlist, words, postings, total, scores)[:limit]


def _rerank(conn: sqlite3.Connection, shortlist: list[int], words: list[str], postings: dict[str, list[int]],
            total: int, votes: dict[int, float]) -> list[int]:
    """Order a shortlist by every query word it contains (common ones weigh little), then by votes."""
    if not shortlist:
        return []
    common_weight = math.log(1 + total / RARE_CAP)
    weights = {w: math.log(1 + total / len(postings[w])) if w in postings else common_weight for w in words}
    marks = ",".join("?" * len(shortlist))
    score: dict[int, float] = {}
    for rowid, title, abstract, authors in conn.execute(
        f"SELECT id, title, abstract, authors FROM papers WHERE id IN ({marks})", shortlist
    ):
        tokens = set(_WORD_RE.findall(f"{title} {abstract} {authors}".lower()))
        title_tokens = set(_WORD_RE.findall(title.lower()))
        score[rowid] = sum(weight * (1.5 if w in title_tokens else 1.0) for w, weight in weights.items() if w in tokens)
    return sorted(score, key=lambda rowid: (-score[rowid], -votes.get(rowid, 0.0), rowid))


# ---------------------------------------------------------------- import

#: Problems kept in an ImportReport (the rest are only counted).
MAX_PROBLEMS = 1000
_FEED_UPDATED_RE = re.compile(rb"<updated>\s*([^<]{10,40}?)\s*</updated>")


class _Importer:
    """Streams files into the cache in chunked transactions and collects problems.

    A big snapshot is parsed by a helper process (JSON decoding and mapping are
    pure Python and hold the GIL) while this process writes the previous chunk
    (SQLite insert + FTS indexing). This process hands the helper whole blocks
    of lines (it only looks for newlines), and parses a block itself when it has
    nothing to write, so an import uses two cores whichever side is slower; at
    most :data:`HELPER_QUEUE` blocks are in flight, so memory stays bounded.
    """

    def __init__(self, cache: Cache, progress: Callable[[int], None] | None) -> None:
        self.cache = cache
        self.progress = progress
        self.report = ImportReport()
        self.rows: list[Row] = []
        self._pool: Any = None

    def run(self, paths: Iterable[str | os.PathLike[str]]) -> ImportReport:
        conn = self.cache.conn
        self._bulk_mode(conn, True)
        try:
            for path in paths:
                path = Path(path)
                if path.is_dir():
                    for found in _walk(path):
                        self._file(found, explicit=False)
                elif path.exists():
                    self._file(path, explicit=True)
                else:
                    self._problem(f"{path}: no such file or directory")
            self._flush()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
            self._bulk_mode(conn, False)
            _fsync_files(self.cache.path)
        return self.report

    @staticmethod
    def _bulk_mode(conn: sqlite3.Connection, on: bool) -> None:
        """Loading settings for this connection only (other processes keep their own).

        ``synchronous = OFF`` skips the fsync at each commit. That is safe against
        what an import must survive, the process being killed (even ``kill -9``):
        every committed page has been handed to the OS, which writes it out later.
        Only an OS crash or power cut during the import could lose or damage the
        last writes; afterwards ``NORMAL`` is restored, a checkpoint is run and
        the files are fsynced (:func:`_fsync_files`), so a finished import is
        durable. The WAL is checkpointed every :data:`IMPORT_WAL_BYTES` while loading.
        """
        try:
            page_size = conn.execute("PRAGMA page_size").fetchone()[0]
            wal_pages = max(1000, IMPORT_WAL_BYTES // page_size)
            settings = (("synchronous", "OFF"), ("wal_autocheckpoint", str(wal_pages))) if on \
                else (("synchronous", "NORMAL"), ("wal_autocheckpoint", str(_wal_pages(page_size))))
            for name, value in settings:
                conn.execute(f"PRAGMA {name} = {value}")
            if not on and not conn.in_transaction:
                # PASSIVE: never waits for other processes' readers (they may hold the WAL for long)
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:  # a failed checkpoint only postpones the copy; the data is committed
            pass

    def _problem(self, message: str) -> None:
        self.report.problem_count += 1
        if len(self.report.problems) < MAX_PROBLEMS:
            self.report.problems.append(message)

    def _flush(self) -> None:
        if self.rows:
            written, unchanged = self.cache._write_rows(self.rows)
            self.report.papers += written
            self.report.unchanged += unchanged
            self.rows = []
        if self.progress:
            self.progress(self.report.records)

    def _add(self, row: Row) -> None:
        self.rows.append(row)
        if len(self.rows) >= IMPORT_CHUNK:
            self._flush()

    def _file(self, path: Path, explicit: bool) -> None:
        try:
            with open(path, "rb", buffering=1 << 20) as raw:
                compressed = raw.read(2) == b"\x1f\x8b"
                raw.seek(0)
                stream: Any = gzip.GzipFile(fileobj=raw) if compressed else raw
                skipped, first = _first_line(stream)
                kind = _sniff(first)
                if kind is None:
                    if explicit:
                        self._problem(f"{path}: neither an Atom feed nor a JSON Lines snapshot; skipped")
                    return
                self.report.files += 1
                if kind == "atom":
                    self._atom(path, first + stream.read())
                else:
                    self._jsonl(path, stream, first, skipped + 1)
        except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
            self._problem(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}")

    def _atom(self, path: Path, data: bytes) -> None:
        from .atom import FeedError, parse_feed

        self.report.records += 1
        try:
            feed = parse_feed(data)
        except FeedError as exc:
            self._problem(f"{path}: {exc}")
            return
        if feed.api_error:
            self._problem(f"{path}: the feed is an arXiv API error: {feed.api_error}")
        fetched_at = _feed_updated(data)
        for paper in feed.papers:
            self._add(_paper_row(paper, "atom", fetched_at))
        self.report.records += len(feed.papers) - 1

    def _jsonl(self, path: Path, stream: Any, first: bytes, first_number: int) -> None:
        """Parse in chunks: inline for a small file, shared with a helper process for a big one.

        This process only cuts the file into blocks of whole lines (one bytes
        object per chunk, no per-line work) and writes; the helper splits and
        parses them. Chunks are written in file order. The helper gets a chunk
        when it has fewer than :data:`HELPER_QUEUE` chunks queued; otherwise
        this process parses the chunk itself instead of waiting, so whichever
        side is faster (parsing or writing) never idles while the other is behind.
        """
        from concurrent.futures import Future

        label = str(path)
        pending: collections.deque[Future[Any]] = collections.deque()
        for number, block, count in _line_blocks(stream, first, first_number, PARSE_CHUNK, self._long_line(label)):
            batch = (number, block)
            pool = None
            if self._pool is not None or count >= PARSE_CHUNK or pending:
                pool = self._get_pool()
            if pool is None:  # small file (or its tail), or no processes available
                if pending:
                    pending.append(_done(parse_snapshot_block(label, *batch)))
                else:
                    self._take(parse_snapshot_block(label, *batch))
                continue
            while True:  # keep the helper fed, else write what is ready, else parse here
                if len(pending) >= 2 * HELPER_QUEUE:
                    self._take(pending.popleft().result())
                elif sum(not future.done() for future in pending) < HELPER_QUEUE:
                    pending.append(pool.submit(parse_snapshot_block, label, *batch))
                    break
                elif pending[0].done():
                    self._take(pending.popleft().result())
                else:
                    pending.append(_done(parse_snapshot_block(label, *batch)))
                    break
        while pending:
            self._take(pending.popleft().result())

    def _long_line(self, label: str) -> Callable[[int], None]:
        def report(number: int) -> None:
            self.report.records += 1
            self._problem(f"{label}:{number}: line longer than {MAX_LINE_BYTES >> 20} MiB; skipped")

        return report

    def _get_pool(self) -> Any:
        """One helper process, started on the first full chunk (None if processes are unavailable)."""
        if self._pool is None:
            try:
                from concurrent.futures import ProcessPoolExecutor

                self._pool = ProcessPoolExecutor(max_workers=1, initializer=_watch_parent, initargs=(os.getpid(),))
            except (OSError, ImportError, NotImplementedError):
                self._pool = False
        return self._pool or None

    def _take(self, parsed: tuple[list[Row], list[str], int]) -> None:
        rows, problems, records = parsed
        self.report.records += records
        for problem in problems:
            self._problem(problem)
        self.rows.extend(rows)
        while len(self.rows) >= IMPORT_CHUNK:  # whole chunks: a kill loses at most the one in flight
            rest = self.rows[IMPORT_CHUNK:]
            del self.rows[IMPORT_CHUNK:]
            self._flush()
            self.rows = rest


def _fsync_files(path: Path) -> None:
    """Flush the database and its WAL to disk (what ``synchronous = OFF`` skipped)."""
    for suffix in ("-wal", ""):
        try:
            fd = os.open(f"{path}{suffix}", os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


def _done(result: Any) -> Any:
    """A finished Future holding ``result`` (a chunk this process parsed itself)."""
    from concurrent.futures import Future

    future: Future[Any] = Future()
    future.set_result(result)
    return future


def _watch_parent(parent: int) -> None:
    """In the helper process: exit as soon as the importing process is gone (even after kill -9)."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="arxref-parent-watch", daemon=True).start()


def _line_blocks(stream: Any, first: bytes, first_number: int, size: int,
                 too_long: Callable[[int], None]) -> Iterator[tuple[int, bytes, int]]:
    """(number of the first line, up to ``size`` whole lines as one bytes object, line count).

    ``first`` is the first line, already read from ``stream``. Lines are cut at
    ``\\n`` exactly as iterating over the file cuts them, but no object is made
    per line: the importing process only looks for newlines. A line longer than
    :data:`MAX_LINE_BYTES` is never held in memory: its number goes to
    ``too_long`` and it is dropped.
    """
    buffer = bytearray(first)
    number, count, position, eof = first_number, 0, 0, False
    while True:
        while count < size:
            end = buffer.find(b"\n", position)
            if end < 0:
                break
            position, count = end + 1, count + 1
        if count < size and not eof:
            if len(buffer) - position <= MAX_LINE_BYTES:
                data = stream.read(BLOCK_BYTES)
                if data:
                    buffer += data
                    continue
                eof = True
                if len(buffer) > position:  # a last line without a newline
                    position, count = len(buffer), count + 1
            else:  # the line being read is too long: hand over what precedes it, drop it
                if count:
                    yield number, bytes(memoryview(buffer)[:position]), count
                    number, count = number + count, 0
                del buffer[:]
                position = 0
                while True:
                    data = stream.read(BLOCK_BYTES)
                    if not data:
                        eof = True
                        break
                    end = data.find(b"\n")
                    if end >= 0:
                        buffer += memoryview(data)[end + 1:]
                        break
                too_long(number)
                number += 1
                continue
        if count:
            yield number, bytes(memoryview(buffer)[:position]), count
            del buffer[:position]
            number, count, position = number + count, 0, 0
        if eof and not buffer:
            return


def parse_snapshot_block(label: str, first_number: int, block: bytes) -> tuple[list[Row], list[str], int]:
    """:func:`parse_snapshot_lines` for a block of whole lines (what the helper process is sent)."""
    lines = block.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    return parse_snapshot_lines(label, first_number, lines)


def parse_snapshot_lines(label: str, first_number: int, lines: list[bytes]) -> tuple[list[Row], list[str], int]:
    """Rows, ``file:line`` problems and the record count for consecutive snapshot lines.

    Module-level and free of cache state so a helper process can run it. Lines
    are decoded by orjson when it is installed (3x faster than json here); a
    line orjson refuses goes to json, which decides (it accepts NaN and lone
    surrogate escapes, which orjson does not) and words the error message.
    """
    from .snapshot import SnapshotError, links_json, parse_record

    loads = json.loads
    fast_loads, dumps = _fast_json()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # thousands of short-lived dicts: the cyclic GC only costs time here
    rows: list[Row] = []
    problems: list[str] = []
    records = 0
    try:
        for number, line in enumerate(lines, start=first_number):
            if not line.strip():
                continue
            records += 1
            try:
                text = line.decode("utf-8").lstrip("\ufeff")
                try:
                    obj = fast_loads(text)
                except ValueError:
                    obj = loads(text)
                record = parse_record(obj)
            except UnicodeDecodeError:
                problems.append(f"{label}:{number}: not UTF-8 text")
                continue
            except json.JSONDecodeError as exc:
                problems.append(f"{label}:{number}: invalid JSON: {exc.msg} (column {exc.colno})")
                continue
            except (SnapshotError, InvalidIdError, ValueError, RecursionError) as exc:
                problems.append(f"{label}:{number}: {exc}")
                continue
            rows.append(_snapshot_row(record, text.rstrip("\r\n"), links_json, dumps))
    finally:
        if gc_was_enabled:
            gc.enable()
    return rows, problems, records


def _fast_json() -> tuple[Callable[[str], Any], Callable[[Any], str]]:
    """(loads, compact dumps of a list of names) by orjson if installed, else by json.

    ``dumps`` gives exactly what ``json.dumps(value, ensure_ascii=False,
    separators=(",", ":"))`` gives (tested); names orjson cannot encode (lone
    surrogates) go to json.
    """
    try:
        import orjson
    except ImportError:
        return json.loads, _dumps
    fast = orjson.dumps

    def dumps(value: Any) -> str:
        try:
            return fast(value).decode("utf-8")
        except TypeError:  # orjson.JSONEncodeError: a lone surrogate
            return _dumps(value)

    return orjson.loads, dumps


def _walk(root: Path) -> Iterator[Path]:
    """Importable files under a directory, in a stable order."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            lowered = name.lower()
            if lowered.endswith(".gz"):
                lowered = lowered[:-3]
            if lowered.endswith(IMPORT_SUFFIXES):
                yield Path(folder) / name


def _first_line(stream: Any) -> tuple[int, bytes]:
    """Skip leading blank lines; return how many were skipped and the first non-blank one."""
    skipped = 0
    while True:
        line = stream.readline(1 << 24)
        if not line or line.strip(b"\xef\xbb\xbf \t\r\n"):
            return skipped, line
        skipped += 1


def _sniff(first: bytes) -> str | None:
    """'atom' when the content starts with '<', 'jsonl' when its first line is a JSON object."""
    text = first.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return "atom"
    if text.startswith(b"{"):
        try:
            return "jsonl" if isinstance(json.loads(text), dict) else None
        except ValueError:
            return None
    return None


def _feed_updated(data: bytes) -> datetime | None:
    """The feed's own <updated> (the API sets it to the request time): when it was fetched."""
    head = data[: data.find(b"<entry")] if b"<entry" in data else data[:4096]
    match = _FEED_UPDATED_RE.search(head)
    if not match:
        return None
    try:
        value = datetime.fromisoformat(match.group(1).decode("ascii").replace("Z", "+00:00"))
    except (ValueError, UnicodeDecodeError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _snapshot_row(record: Any, raw: str, links_json: Callable[[str, int, str | None], str],
                  dumps: Callable[[Any], str] = _dumps) -> Row:
    """A papers row straight from a SnapshotRecord (the hot path: no Paper objects).

    ``links_json`` is passed in (snapshot.links_json) so the hot loop does no
    per-row import.
    """
    (arxiv_id, version, versions, title, authors, abstract, published, updated, categories,
     comment, journal_ref, doi) = record
    return (
        arxiv_id, version, ",".join(map(str, versions)), title, dumps(authors), abstract,
        published.isoformat(), updated.isoformat(), " ".join(categories),
        categories[0] if categories else None, comment, journal_ref, doi,
        links_json(arxiv_id, version, doi), "snapshot", raw, None,
    )


# ---------------------------------------------------------------- export

_UNSAFE_NAME_RE = re.compile(r"[^A-Za-z0-9._-]")


def export_name(arxiv_id: str) -> str:
    """A file name for an id that cannot leave the export directory.

    ``hep-th/9901001`` -> ``hep-th_9901001.xml``; anything but letters, digits,
    ``.``, ``_`` and ``-`` becomes ``_``, and leading dots are dropped (no ``..``,
    no hidden files, no absolute paths, no NUL).
    """
    name = _UNSAFE_NAME_RE.sub("_", arxiv_id.replace("/", "_")).lstrip(".")[:200]
    return (name or "paper") + ".xml"


def _export_all(cache: Cache, directory: Path) -> int:
    from .errors import ArxrefError, UsageError
    from .snapshot import render_entry, render_feed

    if directory.exists() and not directory.is_dir():
        raise UsageError(f"export target {directory} exists and is not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArxrefError(f"cannot create {directory}: {exc.strerror or exc}") from None
    used: set[str] = set()
    count = 0
    stamp = _now()
    for paper, raw_format in _papers_with_format(cache):
        entry = paper.raw_entry if raw_format == "atom" and paper.raw_entry else render_entry(paper)
        name = export_name(paper.arxiv_id)
        stem, n = name[:-4], 1
        while name in used:
            n += 1
            name = f"{stem}-{n}.xml"
        used.add(name)
        text = render_feed(paper.arxiv_id, entry, paper.fetched_at or stamp)
        _write_file(directory, name, text.encode("utf-8"))
        count += 1
    return count


def _papers_with_format(cache: Cache, batch: int = 1000) -> Iterator[tuple[Paper, str]]:
    last = -1
    while True:
        with cache._reading("reading papers") as conn:
            rows = conn.execute(f"SELECT id, {_COLUMNS} FROM papers WHERE id > ? ORDER BY id LIMIT ?",
                                (last, batch)).fetchall()
        if not rows:
            return
        for row in rows:
            yield _row_to_paper(row[1:]), row[15]
        last = rows[-1][0]


def _write_file(directory: Path, name: str, data: bytes) -> None:
    """Write atomically inside ``directory`` (replaces a symlink there, never follows it)."""
    from .errors import ArxrefError

    if os.path.basename(name) != name or name in (".", "..") or "\0" in name:
        raise ArxrefError(f"refusing unsafe export file name {name!r}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, directory / name)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise ArxrefError(f"cannot write {directory / name}: {exc.strerror or exc}") from None


__all__ = ["Cache", "ImportReport", "SearchRecord", "MIGRATIONS", "IMPORT_CHUNK", "CacheError"]
