"""Writing rows into ``papers``: insert new papers, merge versions, keep the FTS index in sync.

Runs inside the caller's transaction (:meth:`Cache.write_rows`, :meth:`Cache.put_papers`).
The rules: a newer (or equal) version replaces the metadata, an older one only adds to
the versions seen, an API entry replaces a snapshot line of the same version (never the
reverse), and storing a paper clears its not-found record. A title that another version
of the paper had is kept in ``titles`` (arXiv papers get retitled). The FTS index is external
content, kept in step by set-based ``INSERT ... SELECT`` per batch (~3x faster than
per-row triggers, which make FTS5 flush a tiny segment per statement).
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple, Sequence

from .rows import COLUMN_LIST, COLUMNS, PaperRow, chunks, versions_from_text, versions_text

_MARKS = ", ".join("?" * len(COLUMNS))
_UPSERT = (
    f"INSERT INTO papers ({COLUMN_LIST}) VALUES ({_MARKS}) "
    "ON CONFLICT(arxiv_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "arxiv_id")
)
_INSERT_NEW = f"INSERT INTO papers ({COLUMN_LIST}) VALUES ({_MARKS}) ON CONFLICT(arxiv_id) DO NOTHING"
_FTS_COLUMNS = "title, abstract, authors"
_FTS_DELETE_CHANGED = (
    f"INSERT INTO papers_fts (papers_fts, rowid, {_FTS_COLUMNS}) "
    f"SELECT 'delete', id, {_FTS_COLUMNS} FROM papers WHERE id IN (SELECT id FROM temp.arxref_changed)"
)
_FTS_INSERT_CHANGED = (
    f"INSERT INTO papers_fts (rowid, {_FTS_COLUMNS}) "
    f"SELECT id, {_FTS_COLUMNS} FROM papers WHERE id IN (SELECT id FROM temp.arxref_changed)"
)
#: Read at call time (a benchmark swaps it to measure what the index costs).
_FTS_INSERT_NEW = f"INSERT INTO papers_fts (rowid, {_FTS_COLUMNS}) SELECT id, {_FTS_COLUMNS} FROM papers WHERE id > ?"


def merge_rows(conn: sqlite3.Connection, rows: Sequence[PaperRow]) -> tuple[int, int]:
    """Upsert rows in the caller's transaction: (rows written, rows already stored identically)."""
    latest: dict[str, PaperRow] = {}
    retitled: list[tuple[str, int, str]] = []
    for row in rows:  # several versions of one paper in a batch: keep the newest, union versions
        seen = latest.get(row.arxiv_id)
        if seen is not None:
            merged = _merge_pair(seen, row)
            other = row if merged is seen else seen
            if other.title != merged.title:
                retitled.append((other.arxiv_id, other.version, other.title))
            row = merged
        latest[row.arxiv_id] = row
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
    written, unchanged = _merge_existing(conn, latest, retitled)
    if retitled:
        conn.executemany("INSERT OR IGNORE INTO titles (arxiv_id, version, title) VALUES (?, ?, ?)", retitled)
    if conn.execute("SELECT EXISTS (SELECT 1 FROM not_found)").fetchone()[0]:
        conn.executemany("DELETE FROM not_found WHERE arxiv_id = ?", stored_ids)
    return added + written, unchanged


class _Stored(NamedTuple):
    """What the merge needs of a paper already in the file."""

    rowid: int
    version: int
    versions: str
    title: str
    raw_format: str
    raw_entry: str | None


def _merge_existing(conn: sqlite3.Connection, latest: dict[str, PaperRow],
                    retitled: list[tuple[str, int, str]]) -> tuple[int, int]:
    """Merge rows for papers already stored: newer metadata replaces, versions are united.

    The title of the version that loses, when it differs, is added to ``retitled``.
    """
    existing: dict[str, _Stored] = {}
    for chunk in chunks(list(latest)):
        marks = ",".join("?" * len(chunk))
        for rowid, arxiv_id, version, versions, title, raw_format, raw_entry in conn.execute(
            "SELECT id, arxiv_id, version, versions, title, raw_format, raw_entry FROM papers "
            f"WHERE arxiv_id IN ({marks})", chunk
        ):
            existing[arxiv_id] = _Stored(rowid, version, versions, title, raw_format, raw_entry)
    replaced: list[PaperRow] = []
    replaced_ids: list[tuple[int]] = []
    touches: list[tuple[str, str | None, int]] = []
    unchanged = 0
    for arxiv_id, row in latest.items():
        old = existing.get(arxiv_id)
        if old is None:  # cannot happen: these rows conflicted with a stored paper
            continue
        versions = _union(old.versions, row.versions)
        newer = row.version > old.version or (
            row.version == old.version and not (row.raw_format == "snapshot" and old.raw_format == "atom")
        )
        identical = row.raw_entry is not None and row.raw_entry == old.raw_entry and row.raw_format == old.raw_format
        if row.title != old.title:
            retitled.append((arxiv_id, old.version, old.title) if newer else (arxiv_id, row.version, row.title))
        if newer and not identical:
            replaced.append(row._replace(versions=versions))
            replaced_ids.append((old.rowid,))
            continue
        fetched = row.fetched_at if newer else None  # the same entry served again: note when
        if versions != old.versions or fetched is not None:
            touches.append((versions, fetched, old.rowid))
        if versions == old.versions:
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


def _union(a: str, b: str) -> str:
    return versions_text(versions_from_text(a) + versions_from_text(b))


def _merge_pair(first: PaperRow, second: PaperRow) -> PaperRow:
    """Two rows for one paper in one batch: the newer version wins, versions are united."""
    keep = second if second.version >= first.version else first
    return keep._replace(versions=_union(first.versions, second.versions))
