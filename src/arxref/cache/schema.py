"""The cache file's layout: schema versions, their migrations, and the connection settings.

``PRAGMA user_version`` holds the schema version; :data:`MIGRATIONS` upgrades a file
one version at a time, in the opening process's transaction, so a file from a newer
arxref is refused and an interrupted upgrade leaves the old version intact.
"""

from __future__ import annotations

import sqlite3
from typing import Callable, Iterator

#: Seconds a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_MS = 60_000
#: Page cache per connection (negative: KiB).
CACHE_SIZE = -65536
#: Page size of a new cache file (an existing file keeps its own). Rows are ~3.5 KB (raw
#: line + parsed fields): 4 KB pages held one row and wasted the rest, and every page
#: costs a write call into the WAL and another at the checkpoint. 64 KB pages made the
#: import's writes ~25 % cheaper and the file ~18 % smaller, and lookups got no slower
#: (``benchmarks/bench_cache.py``).
PAGE_SIZE = 65536
#: WAL size at which a normal write checkpoints (SQLite's default, 1000 pages of 4 KB).
NORMAL_WAL_BYTES = 4096 * 1000

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

#: Version 3: the titles a paper had in other versions than the one stored (arXiv papers are
#: retitled): a .bib entry written with an earlier title is not another paper. Rows appear
#: when the cache meets two versions of a paper under different titles.
_SCHEMA_V3 = """
CREATE TABLE titles (
    arxiv_id TEXT NOT NULL,
    version  INTEGER NOT NULL,
    title    TEXT NOT NULL,
    PRIMARY KEY (arxiv_id, version)
) WITHOUT ROWID;
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
#: Read through this module (``schema.MIGRATIONS``) so a test can substitute the list.
MIGRATIONS: list[Migration] = [_script(_SCHEMA_V1), _script(_SCHEMA_V2), _script(_SCHEMA_V3)]


def wal_pages(page_size: int) -> int:
    """Pages of WAL after which a normal commit checkpoints (SQLite's default is 1000 4 KB pages)."""
    return max(16, NORMAL_WAL_BYTES // page_size)


def apply_pragmas(conn: sqlite3.Connection) -> None:
    """Per-connection settings every cache connection needs: WAL, waiting writers, page cache.

    Raises sqlite3.OperationalError when the file cannot be switched to WAL (the
    caller retries while another process holds the lock it needs).
    """
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
    conn.execute(f"PRAGMA wal_autocheckpoint = {wal_pages(page_size)}")
