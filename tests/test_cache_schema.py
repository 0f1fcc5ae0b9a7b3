"""The cache file's layout (arxref.cache.schema): migrations, their statements, connection settings."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from arxref.cache import Cache, schema
from arxref.model import Paper
from cache_support import real_papers as load_real_papers


@pytest.fixture(scope="module")
def real_papers() -> dict[str, Paper]:
    return load_real_papers()


def test_version_1_file_gets_the_lean_fts_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                real_papers: dict[str, Paper]) -> None:
    """A cache written by the first schema (positional FTS) is upgraded and still searchable."""
    path = tmp_path / "c.sqlite"
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
    with Cache(path) as cache:
        cache.put_papers(real_papers.values())
        assert "detail='column'" in cache.conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'papers_fts'").fetchone()[0]
    monkeypatch.undo()
    with Cache(path) as cache:
        assert cache.stats()["schema_version"] == len(schema.MIGRATIONS) == 3
        assert cache.other_titles(["2107.03374"]) == {}  # version 3's table of earlier titles
        sql = cache.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'papers_fts'").fetchone()[0]
        assert "detail='none'" in sql and "columnsize=0" in sql
        assert cache.integrity_check() == []
        assert cache.search_local("Evaluating Large Language Models Trained on Code")[0].arxiv_id == "2107.03374"
        assert cache.search_local("machine unlearning Cooper Choquette-Choo")[0].arxiv_id == "2412.06966"


def test_migrations_run_statement_by_statement_inside_the_callers_transaction() -> None:
    """executescript would COMMIT: each migration runs its statements one by one, so a rollback undoes them."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("BEGIN")
    for migration in schema.MIGRATIONS:
        migration(conn)
    assert conn.in_transaction
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"papers", "not_found", "searches", "papers_fts", "titles"} <= tables
    conn.execute("ROLLBACK")
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


def test_new_file_settings(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "c.sqlite", isolation_level=None)
    schema.apply_pragmas(conn)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA page_size").fetchone()[0] == schema.PAGE_SIZE
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == schema.BUSY_TIMEOUT_MS
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == schema.wal_pages(schema.PAGE_SIZE) == 62
    conn.close()
    assert schema.wal_pages(4096) == 1000 and schema.wal_pages(1 << 20) == 16
