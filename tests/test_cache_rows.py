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


def _strict(paper: Paper) -> list[tuple[str, str, str]]:
    """Every field's type and repr (an aware datetime's zone included): equal Papers that differ in a type differ here."""
    return [(name, type(value).__name__, repr(value)) for name, value in vars(paper).items()]


def _paper_list_reads_as_column_list(cache: Cache) -> int:
    """Every paper of ``cache`` read through PAPER_LIST (get, get_many, iter_papers) is the one COLUMN_LIST's row gives."""
    from arxref.cache.rows import COLUMN_LIST, PAPER_LIST

    conn = cache.conn
    plain = {row[0]: row_to_paper(row) for row in conn.execute(f"SELECT {COLUMN_LIST} FROM papers")}
    fast = {row[0]: row_to_paper(row) for row in conn.execute(f"SELECT {PAPER_LIST} FROM papers")}
    assert list(fast) == list(plain)
    many = cache.get_many(list(plain))
    streamed = {paper.arxiv_id: paper for paper in cache.iter_papers(batch=7)}
    for arxiv_id, paper in plain.items():
        assert _strict(fast[arxiv_id]) == _strict(paper) == _strict(many[arxiv_id]) == _strict(streamed[arxiv_id])
        assert _strict(cache.get(arxiv_id)) == _strict(paper), arxiv_id
    return len(plain)


def test_paper_list_reads_the_papers_column_list_reads(tmp_path: Path, real_papers: dict[str, Paper]) -> None:
    """SELECT {PAPER_LIST} (authors as bytes, no raw format) gives the very Papers SELECT {COLUMN_LIST} gives:
    real papers (affiliations, links, non-ASCII names), synthetic ones (bench_writers), and authors JSON that
    orjson refuses (a lone surrogate escape, which json accepts) or written with spaces."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench_writers import synthetic_papers

    with Cache(tmp_path / "c.sqlite") as cache:
        cache.put_papers(real_papers.values())
        cache.put_papers(synthetic_papers(300))
        with cache.writing("odd authors"):
            cache.conn.execute("UPDATE papers SET authors = ? WHERE arxiv_id = ?", ('["Lone \\ud800 Surrogate"]', "2107.03374"))
            cache.conn.execute("UPDATE papers SET authors = ? WHERE arxiv_id = ?", ('[ "A. Spaced" , ["B. Aff", ["Lab"]] ]',
                                                                                     "2005.14165"))
        assert _paper_list_reads_as_column_list(cache) == 325
        assert [a.name for a in cache.get("2107.03374").authors] == ["Lone \ud800 Surrogate"]
        assert [(a.name, a.affiliations) for a in cache.get("2005.14165").authors] == [("A. Spaced", ()),
                                                                                      ("B. Aff", ("Lab",))]
