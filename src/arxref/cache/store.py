"""The :class:`Cache` store: opening and upgrading the file, transactions, papers, misses, searches.

Design points (each one a requirement users rely on):

* **Crash safe.** WAL journal, every write batch is one ``BEGIN IMMEDIATE``
  transaction, so ``kill -9`` at any moment leaves the last committed state.
* **Shared.** Two arxref processes may use one file at once: WAL lets readers run
  beside a writer, ``busy_timeout`` makes writers queue instead of failing, and
  ``arxiv_id`` is UNIQUE with upserts, so a paper is stored once.
* **Versioned schema.** ``PRAGMA user_version`` + :data:`~arxref.cache.schema.MIGRATIONS`;
  a file from a newer arxref is refused with a clear message instead of being damaged.
* **One error family.** Every SQLite failure becomes one :class:`CacheError` line
  naming the file, what failed and what to do.

Full-text search, the bulk importer and the Atom export are functions over a
Cache (``search``, ``importer``, ``export``) that use only its public methods.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from ..errors import CacheError, InvalidIdError
from ..model import Paper
from . import schema
from .merge import merge_rows
from .rows import PAPER_LIST, DamagedRow, PaperRow, as_row, chunks, from_iso, iso, now, paper_row, row_to_paper

if TYPE_CHECKING:
    from .importer import ImportReport


@dataclass(frozen=True)
class SearchRecord:
    """A cached API search: arXiv's ordered answer and its total."""

    query: str
    paper_ids: list[str]
    total: int
    raw: str | None
    fetched_at: datetime


@contextmanager
def _read_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """Several SELECTs that must see one state of the file (nothing when a transaction is open already)."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def _retry_while_locked(step: Callable[[], None]) -> None:
    """Run ``step``, retrying while another process holds the lock it needs.

    Switching a new file to WAL needs an exclusive lock, and SQLite can answer
    "database is locked" at once (bypassing its busy handler) while another
    process is creating the same cache; retry until BUSY_TIMEOUT_MS has passed.
    """
    deadline = time.monotonic() + schema.BUSY_TIMEOUT_MS / 1000
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
        self.common_words: set[str] = set()
        """Words the local search found in too many papers to vote (the cache only grows: they stay common)."""
        self._open()

    # -- opening, schema, errors

    def _fail(self, exc: BaseException, doing: str) -> CacheError:
        """One clear line for the user: which file, what failed, what to do."""
        message = str(exc) or exc.__class__.__name__
        lowered = message.lower()
        if "not a database" in lowered or "malformed" in lowered or isinstance(exc, DamagedRow):
            hint = "the file is damaged or is not an arxref cache; move it away, delete it to start afresh, or use another --cache"
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
            conn = sqlite3.connect(self.path, timeout=schema.BUSY_TIMEOUT_MS / 1000, isolation_level=None)
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
        schema.apply_pragmas(conn)
        self._migrate()

    def _migrate(self) -> None:
        conn = self.conn
        migrations = schema.MIGRATIONS
        target = len(migrations)
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
                migrations[version](conn)
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
        """The open connection (CacheError once closed)."""
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
    def reading(self, doing: str) -> Iterator[sqlite3.Connection]:
        """The connection for reads; a SQLite failure, or a row that cannot be read back as a
        Paper (:class:`~arxref.cache.rows.DamagedRow`: Papers are built inside this block),
        becomes one CacheError saying ``doing`` failed."""
        try:
            yield self.conn
        except (sqlite3.Error, DamagedRow) as exc:
            raise self._fail(exc, doing) from None

    @contextmanager
    def writing(self, doing: str) -> Iterator[sqlite3.Connection]:
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
        with self.reading("reading a paper") as conn:
            row = conn.execute(f"SELECT {PAPER_LIST} FROM papers WHERE arxiv_id = ?", (arxiv_id,)).fetchone()
            return row_to_paper(row) if row else None

    def get_many(self, ids: Iterable[str]) -> dict[str, Paper]:
        """Cached papers among ``ids`` (base ids), keyed by id; missing ids are absent.

        Two steps in one read transaction: the ids' rowids (from the id index alone),
        then the rows in rowid order. Rows fetched in the order of their ids lie
        scattered over the table, and a table bigger than the page cache then read a
        whole page for nearly every paper (three times slower for 100,000 papers,
        ``benchmarks/bench_export.py``). The result is in the order of the first step:
        one ``IN (...)`` query per chunk of ``ids``, ids sorted within each chunk (its
        ``ORDER BY`` is the index's own order: SQLite sorts nothing).
        """
        wanted = list(dict.fromkeys(ids))
        papers: dict[str, Paper] = {}
        with self.reading("reading papers") as conn, _read_transaction(conn):
            order: list[str] = []  # the ids found, in the result's order
            rowids: list[int] = []
            for chunk in chunks(wanted):
                marks = ",".join("?" * len(chunk))
                found = conn.execute(
                    f"SELECT arxiv_id, id FROM papers WHERE arxiv_id IN ({marks}) ORDER BY arxiv_id", chunk
                ).fetchall()
                order += [arxiv_id for arxiv_id, _ in found]
                rowids += [rowid for _, rowid in found]
            rowids.sort()
            for chunk in chunks(rowids):
                if chunk[-1] - chunk[0] == len(chunk) - 1:  # consecutive rowids: a range, no IN list to search
                    rows = conn.execute(f"SELECT {PAPER_LIST} FROM papers WHERE id BETWEEN ? AND ?", (chunk[0], chunk[-1]))
                else:
                    marks = ",".join("?" * len(chunk))
                    rows = conn.execute(f"SELECT {PAPER_LIST} FROM papers WHERE id IN ({marks})", chunk)
                for paper in map(row_to_paper, rows):
                    papers[paper.arxiv_id] = paper
        return {arxiv_id: papers[arxiv_id] for arxiv_id in order}

    def other_titles(self, ids: Iterable[str]) -> dict[str, list[str]]:
        """Titles that other versions of these papers had (oldest version first), for ids that had any.

        Known only when the cache met two versions of a paper under different titles.
        """
        wanted = list(dict.fromkeys(ids))
        found: dict[str, list[str]] = {}
        with self.reading("reading titles") as conn:
            for chunk in chunks(wanted):
                marks = ",".join("?" * len(chunk))
                for arxiv_id, title in conn.execute(
                    f"SELECT arxiv_id, title FROM titles WHERE arxiv_id IN ({marks}) ORDER BY arxiv_id, version", chunk
                ):
                    found.setdefault(arxiv_id, []).append(title)
        return found

    def __contains__(self, arxiv_id: object) -> bool:
        with self.reading("reading a paper") as conn:
            return conn.execute("SELECT 1 FROM papers WHERE arxiv_id = ?", (arxiv_id,)).fetchone() is not None

    def __len__(self) -> int:
        with self.reading("counting papers") as conn:
            return int(conn.execute("SELECT count(*) FROM papers").fetchone()[0])

    def put_papers(self, papers: Iterable[Paper], fetched_at: datetime | None = None) -> int:
        """Store papers in ONE transaction, merging with what is cached; returns rows written.

        A newer (or equal) version replaces the metadata; an older one only adds
        to the versions seen. Storing a paper clears its not-found record.
        """
        rows = [paper_row(self._checked(paper), "atom", fetched_at) for paper in papers]
        if not rows:
            return 0
        with self.writing("storing papers") as conn:
            written, _ = merge_rows(conn, rows)
        return written

    def _checked(self, paper: Paper) -> Paper:
        from ..ids import parse as parse_id

        try:
            base = parse_id(paper.arxiv_id).base
        except InvalidIdError as exc:
            raise CacheError(f"cache {self.path}: refusing to store paper with invalid id {paper.arxiv_id!r}: "
                             f"{exc.reason}") from None
        if base != paper.arxiv_id:
            raise CacheError(f"cache {self.path}: paper id {paper.arxiv_id!r} is not canonical ({base!r})")
        return paper

    def write_rows(self, rows: Sequence[PaperRow]) -> tuple[int, int]:
        """Merge already-built rows (ids already canonical) in one transaction: (written, unchanged).

        The import's write path: it builds rows without Paper objects.
        """
        with self.writing("importing papers") as conn:
            return merge_rows(conn, rows)

    def iter_papers(self, batch: int = 1000) -> Iterator[Paper]:
        """Every cached paper, in id order (streams; memory stays flat)."""
        last = ""
        while True:
            with self.reading("reading papers") as conn:
                rows = conn.execute(
                    f"SELECT {PAPER_LIST} FROM papers WHERE arxiv_id > ? ORDER BY arxiv_id LIMIT ?", (last, batch)
                ).fetchall()
                papers = list(map(row_to_paper, rows))
            if not papers:
                return
            yield from papers
            last = papers[-1].arxiv_id

    def row_format(self, arxiv_id: str) -> str | None:
        """How the stored raw entry is encoded: 'atom', 'snapshot', 'none' (None if not cached)."""
        with self.reading("reading a paper") as conn:
            row = conn.execute("SELECT raw_format FROM papers WHERE arxiv_id = ?", (arxiv_id,)).fetchone()
        return row[0] if row else None

    # -- not found

    def mark_not_found(self, ids: Iterable[str], when: datetime | None = None) -> None:
        """Remember that arXiv answered "no such paper" for ``ids`` (at ``when``, default now)."""
        stamp = iso(when or now())
        rows = [(arxiv_id, stamp) for arxiv_id in dict.fromkeys(ids)]
        if not rows:
            return
        with self.writing("recording not-found ids") as conn:
            conn.executemany(
                "INSERT INTO not_found (arxiv_id, checked_at) VALUES (?, ?) "
                "ON CONFLICT(arxiv_id) DO UPDATE SET checked_at = excluded.checked_at", rows
            )

    def not_found(self, ids: Iterable[str]) -> dict[str, datetime]:
        """When each of ``ids`` was last found missing (only ids with a record)."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, datetime] = {}
        with self.reading("reading not-found ids") as conn:
            for chunk in chunks(wanted):
                marks = ",".join("?" * len(chunk))
                for arxiv_id, stamp in conn.execute(
                    f"SELECT arxiv_id, checked_at FROM not_found WHERE arxiv_id IN ({marks})", chunk
                ):
                    try:
                        found[arxiv_id] = from_iso(stamp)
                    except (ValueError, TypeError):  # a damaged stamp: as if never missed, arXiv is asked again
                        continue
        return found

    def clear_not_found(self, ids: Iterable[str] | None = None) -> int:
        """Forget not-found records for ``ids`` (all of them when ``ids`` is None); returns how many."""
        with self.writing("clearing not-found ids") as conn:
            if ids is None:
                return int(conn.execute("DELETE FROM not_found").rowcount)
            rows = [(arxiv_id,) for arxiv_id in dict.fromkeys(ids)]
            before = conn.total_changes
            conn.executemany("DELETE FROM not_found WHERE arxiv_id = ?", rows)
            return conn.total_changes - before

    # -- searches

    def put_search(self, query: str, paper_ids: list[str], total: int, raw: str | None = None) -> None:
        """Remember arXiv's ordered answer to a search query (replaces an older answer)."""
        with self.writing("storing a search") as conn:
            conn.execute(
                "INSERT INTO searches (query, paper_ids, total, raw, fetched_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(query) DO UPDATE SET paper_ids = excluded.paper_ids, total = excluded.total, "
                "raw = excluded.raw, fetched_at = excluded.fetched_at",
                (query, json.dumps(list(paper_ids)), int(total), raw, iso(now())),
            )

    def get_search(self, query: str) -> list[str] | None:
        """The ids arXiv returned for ``query``, in its order; None if never searched."""
        record = self.get_search_record(query)
        return record.paper_ids if record else None

    def get_search_record(self, query: str) -> SearchRecord | None:
        """The whole cached search (ids, total, raw response, when)."""
        with self.reading("reading a search") as conn:
            row = conn.execute(
                "SELECT query, paper_ids, total, raw, fetched_at FROM searches WHERE query = ?", (query,)
            ).fetchone()
        if row is None:
            return None
        query, paper_ids, total, raw, fetched_at = row
        try:
            ids = json.loads(paper_ids)
            if not (isinstance(ids, list) and all(isinstance(arxiv_id, str) for arxiv_id in ids)):
                raise TypeError("not a list of ids")
            return SearchRecord(query, ids, total, raw, from_iso(fetched_at))
        except (ValueError, TypeError):  # a damaged answer is a search never made: arXiv is asked again
            return None

    # -- search, import, export: functions of their own modules, kept here as the public API

    def search_local(self, text: str, limit: int = 20) -> list[Paper]:
        """Cached papers whose title/abstract/authors share distinctive words with ``text``, best first.

        Never raises on user text: FTS5 only ever sees quoted plain word tokens.
        A paper holding every distinctive word ranks first; title words weigh more.
        """
        from .search import search_local

        return search_local(self, text, limit)

    def import_paths(self, paths: Iterable[str | os.PathLike[str]],
                     progress: Callable[[int], None] | None = None) -> "ImportReport":
        """Load Atom feeds and snapshot JSON Lines (files or directories, gzip too).

        The format is detected from the content. Bad files and lines are reported
        (``file:line: message``) and skipped; everything else is committed in
        chunks of :data:`~arxref.cache.importer.IMPORT_CHUNK` records. ``progress``
        gets the number of records read so far.
        """
        from .importer import import_paths

        return import_paths(self, paths, progress)

    def export_atom(self, directory: str | os.PathLike[str]) -> int:
        """Write one Atom feed file per cached paper into ``directory``; returns the count."""
        from .export import export_atom

        return export_atom(self, directory)

    # -- statistics and maintenance

    def stats(self) -> dict[str, Any]:
        """Counts and sizes for `arxref cache stats`."""
        with self.reading("reading statistics") as conn:
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
        with self.reading("checking integrity") as conn:
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
        with self.writing("rebuilding the full-text index") as conn:
            conn.execute("INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')")
