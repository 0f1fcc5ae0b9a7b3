"""Paper <-> papers row (arxref.cache.rows): every field round trips, and columns are matched by name."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest

from arxref.atom import parse_feed
from arxref.cache import Cache
from arxref.cache.rows import COLUMNS, PaperRow, paper_row, row_to_paper, snapshot_row
from arxref.model import Paper
from arxref.snapshot import links_json, paper_to_snapshot, parse_record
from cache_support import real_papers as load_real_papers, same_metadata


@pytest.fixture(scope="module")
def real_papers() -> dict[str, Paper]:
    return load_real_papers()


def test_columns_are_the_papers_table_but_its_rowid(tmp_path: Path) -> None:
    with Cache(tmp_path / "c.sqlite") as cache:
        table = [row[1] for row in cache.conn.execute("PRAGMA table_info(papers)")]
    assert table == ["id", *COLUMNS]
    assert PaperRow._fields == COLUMNS


def test_paper_row_round_trips_every_field(real_papers: dict[str, Paper]) -> None:
    for paper in real_papers.values():
        row = paper_row(paper, "atom", None)
        assert row.raw_format == "atom" and row.arxiv_id == paper.arxiv_id
        back = row_to_paper(row)
        assert same_metadata(back, paper), paper.arxiv_id
        assert back.raw_entry == paper.raw_entry.rstrip()  # minus the whitespace after </entry>
        assert back.fetched_at is None
    bare = paper_row(dataclasses.replace(paper, raw_entry=None), "atom", None)
    assert bare.raw_format == "none" and bare.raw_entry is None


def test_snapshot_row_reads_back_as_the_papers_metadata(real_papers: dict[str, Paper]) -> None:
    """The import's hot path (no Paper objects) stores what the Paper path stores."""
    for paper in real_papers.values():
        line = json.dumps(paper_to_snapshot(paper), ensure_ascii=False)
        row = snapshot_row(parse_record(json.loads(line)), line, links_json)
        assert row.raw_format == "snapshot" and row.raw_entry == line and row.fetched_at is None
        back = row_to_paper(row)
        assert same_metadata(dataclasses.replace(back, versions=paper.versions), paper), paper.arxiv_id


def _reverse_papers_columns(path: Path) -> None:
    """Rebuild ``papers`` with its columns in reverse order (as a migration might reorder them)."""
    conn = sqlite3.connect(path, isolation_level=None)
    info = list(conn.execute("PRAGMA table_info(papers)"))
    columns = ", ".join(name for _, name, *_ in info)
    defs = []
    for _, name, kind, notnull, _, pk in reversed(info):
        extra = " PRIMARY KEY" if pk else " UNIQUE" if name == "arxiv_id" else ""
        defs.append(f"{name} {kind}{' NOT NULL' if notnull else ''}{extra}")
    conn.execute("BEGIN")
    conn.execute("ALTER TABLE papers RENAME TO papers_old")
    conn.execute(f"CREATE TABLE papers ({', '.join(defs)})")
    conn.execute(f"INSERT INTO papers ({columns}) SELECT {columns} FROM papers_old")
    conn.execute("DROP TABLE papers_old")
    conn.execute("COMMIT")
    conn.close()


def test_another_column_order_reads_and_writes_the_same(seeded: Path, tmp_path: Path,
                                                        real_papers: dict[str, Paper]) -> None:
    _reverse_papers_columns(seeded)
    with Cache(seeded) as cache:
        assert [row[1] for row in cache.conn.execute("PRAGMA table_info(papers)")][:2] == ["fetched_at", "raw_entry"]
        for arxiv_id, paper in real_papers.items():
            assert same_metadata(cache.get(arxiv_id), paper), arxiv_id
        assert same_metadata(cache.get_many(["2107.03374"])["2107.03374"], real_papers["2107.03374"])
        newer = dataclasses.replace(real_papers["2412.06966"], version=2, versions=[1, 2], raw_entry=None,
                                    title="SYNTHETIC v2 title")  # drives the merge path
        assert cache.put_papers([newer]) == 1
        assert cache.get("2412.06966").title == "SYNTHETIC v2 title"
        assert cache.search_local("SYNTHETIC v2 title")[0].arxiv_id == "2412.06966"
        assert cache.integrity_check() == []
        assert cache.export_atom(tmp_path / "feeds") == 25
    [back] = parse_feed((tmp_path / "feeds" / "2107.03374.xml").read_bytes()).papers
    assert same_metadata(back, real_papers["2107.03374"])
