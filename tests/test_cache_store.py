"""The Cache store (arxref.cache.store): papers, misses, searches, schema upgrades, errors, sharing.

Fixtures are the shipped real API responses (examples/arxiv-responses/); metadata
changed to drive a rule is marked SYNTHETIC.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from arxref.cache import Cache, schema
from arxref.errors import CacheError
from arxref.model import Author, Paper
from cache_support import RESPONSES, real_papers as load_real_papers

UTC = timezone.utc


# ---------------------------------------------------------------- papers


def test_get_many_contains_len_and_missing(imported: Cache) -> None:
    ids = ["2107.03374", "2005.14165", "2101.00001"]
    found = imported.get_many(ids * 300)  # repeated ids, several IN (...) chunks
    assert sorted(found) == ["2005.14165", "2107.03374"]
    assert "2107.03374" in imported and "2101.00001" not in imported
    assert imported.get("2101.00001") is None


def test_affiliations_and_links_round_trip(tmp_path: Path, real_papers: dict[str, Paper]) -> None:
    paper = dataclasses.replace(
        real_papers["2107.03374"], raw_entry=None,
        authors=[Author("Synthetic Person", ("Synthetic Lab", "Second Affiliation")), Author("Other Person")],
    )
    with Cache(tmp_path / "c.sqlite") as cache:
        assert cache.put_papers([paper]) == 1
        stored = cache.get("2107.03374")
    assert stored.authors == paper.authors and stored.links == paper.links
    assert cache.stats  # closed cache object still has its methods


def test_put_papers_rejects_invalid_or_non_canonical_ids(tmp_path: Path, real_papers: dict[str, Paper]) -> None:
    good = real_papers["2107.03374"]
    with Cache(tmp_path / "c.sqlite") as cache:
        for bad in ("../../etc/passwd", "2313.00001", "arXiv:2107.03374"):
            with pytest.raises(CacheError, match="2107.03374|invalid id|not canonical"):
                cache.put_papers([good, dataclasses.replace(good, arxiv_id=bad)])
        assert len(cache) == 0  # nothing of a rejected batch is written


def test_iter_papers_streams_every_paper_in_id_order(imported: Cache) -> None:
    ids = [paper.arxiv_id for paper in imported.iter_papers(batch=4)]  # several batches
    assert ids == sorted(load_real_papers()) and len(ids) == 25


def test_not_found_records(tmp_path: Path, real_papers: dict[str, Paper]) -> None:
    when = datetime(2026, 1, 1, 12, tzinfo=UTC)
    with Cache(tmp_path / "c.sqlite") as cache:
        cache.mark_not_found(["2101.00001", "2101.00002"], when=when)
        cache.mark_not_found(["2101.00002"])
        found = cache.not_found(["2101.00001", "2101.00002", "2101.00003"])
        assert found["2101.00001"] == when and found["2101.00002"] > when and "2101.00003" not in found
        cache.clear_not_found(["2101.00001"])
        assert list(cache.not_found(["2101.00001", "2101.00002"])) == ["2101.00002"]
        cache.mark_not_found(["2107.03374"], when=when)
        cache.put_papers([real_papers["2107.03374"]])  # storing a paper clears its miss
        assert cache.not_found(["2107.03374"]) == {}
        assert cache.stats()["not_found"] == 1
        assert cache.clear_not_found() == 1


def test_searches_keep_order_and_total(tmp_path: Path) -> None:
    with Cache(tmp_path / "c.sqlite") as cache:
        assert cache.get_search("ti:unlearning") is None
        cache.put_search("ti:unlearning", ["2412.06966", "2107.03374"], total=2, raw="<feed/>")
        assert cache.get_search("ti:unlearning") == ["2412.06966", "2107.03374"]
        cache.put_search("ti:unlearning", ["2107.03374"], total=7)
        record = cache.get_search_record("ti:unlearning")
        assert record.paper_ids == ["2107.03374"] and record.total == 7 and record.raw is None
        assert cache.stats()["searches"] == 1


# ---------------------------------------------------------------- schema and errors


def test_schema_version_and_stats(imported: Cache) -> None:
    stats = imported.stats()
    assert stats["papers"] == 25 and stats["schema_version"] == len(schema.MIGRATIONS) == 3
    assert stats["size_bytes"] > 0 and stats["path"] == str(imported.path)
    assert imported.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_future_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    Cache(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(CacheError, match=r"schema version 99 was written by a newer arxref.*knows up to 3"):
        Cache(path)


def test_older_schema_is_migrated_in_one_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     real_papers: dict[str, Paper]) -> None:
    path = tmp_path / "c.sqlite"
    current = len(schema.MIGRATIONS)
    with Cache(path) as cache:  # a file of the current version
        cache.put_papers([real_papers["2107.03374"]])

    def add_note_column(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE papers ADD COLUMN note TEXT")

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE papers ADD COLUMN half_done TEXT")
        conn.execute("THIS IS NOT SQL")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, broken])
    with pytest.raises(CacheError, match=f"upgrading the schema to version {current + 1} failed"):
        Cache(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == current
    assert "half_done" not in [r[1] for r in conn.execute("PRAGMA table_info(papers)")]
    conn.close()
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS[:current], add_note_column])
    with Cache(path) as cache:
        assert cache.stats()["schema_version"] == current + 1
        assert "note" in [r[1] for r in cache.conn.execute("PRAGMA table_info(papers)")]
        assert cache.get("2107.03374").title == "Evaluating Large Language Models Trained on Code"


@pytest.mark.parametrize("state", ["zero_bytes", "wal_header_only"])
def test_file_left_before_the_schema_committed_is_migrated(tmp_path: Path, state: str,
                                                           real_papers: dict[str, Paper]) -> None:
    """kill -9 between SQLite creating the file and the schema transaction committing leaves an
    empty file (seen in CI): the next open must treat it as a fresh cache, not a foreign one."""
    path = tmp_path / "c.sqlite"
    if state == "zero_bytes":
        path.touch()
    else:
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
        conn.close()
    with Cache(path) as cache:
        assert cache.stats()["schema_version"] == len(schema.MIGRATIONS)
        cache.put_papers([real_papers["2107.03374"]])
        assert cache.get("2107.03374") is not None


def test_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photos (id INTEGER)")
    conn.close()
    with pytest.raises(CacheError, match="not an arxref cache"):
        Cache(path)


@pytest.mark.parametrize("make", ["under_a_file", "random_bytes", "directory", "proc"])
def test_unusable_paths_give_one_line_cache_errors(tmp_path: Path, make: str) -> None:
    if make == "under_a_file":
        (tmp_path / "somefile").write_text("x")
        path = tmp_path / "somefile" / "cache.sqlite"
    elif make == "random_bytes":
        path = tmp_path / "corrupt.sqlite"
        path.write_bytes(os.urandom(8192))
    elif make == "directory":
        path = tmp_path / "adir"
        path.mkdir()
    else:
        path = Path("/proc/self/arxref/cache.sqlite")
    with pytest.raises(CacheError) as info:
        Cache(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message and "--cache" in message


def test_closed_cache_says_so(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.sqlite")
    cache.close()
    cache.close()  # idempotent
    with pytest.raises(CacheError, match="already closed"):
        cache.get("2107.03374")


NOBODY = 65534


def _open_as_nobody(path: Path, answer: Any) -> None:
    """In a forked child: drop root to nobody, then try to open the cache; send back the error."""
    try:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
        try:
            Cache(path).close()
            answer.send(("opened", os.geteuid()))
        except CacheError as exc:
            answer.send(("error", str(exc)))
    finally:
        answer.close()


def test_read_only_directory() -> None:
    """A directory the user may not write gives a one-line CacheError saying so.

    As root (CI) permissions do not apply to the process itself, so the opening
    runs in a forked child that first drops to uid/gid 65534 (``nobody``). A fork,
    not ``subprocess.run(user=...)``: the interpreter may live where ``nobody``
    cannot execute it (e.g. under /root), while a fork already has everything loaded.
    """
    import multiprocessing
    import tempfile

    ro = Path(tempfile.mkdtemp(prefix="arxref-ro-"))  # not under tmp_path: nobody must reach it
    try:
        ro.chmod(0o555)
        path = ro / "cache.sqlite"
        if os.geteuid() == 0:
            context = multiprocessing.get_context("fork")
            receive, send = context.Pipe(duplex=False)
            child = context.Process(target=_open_as_nobody, args=(path, send))
            child.start()
            send.close()
            assert receive.poll(60), "the unprivileged child did not answer"
            kind, message = receive.recv()
            child.join(60)
            assert child.exitcode == 0
            assert kind == "error", f"opened as uid {message}: the directory was writable"
        else:
            with pytest.raises(CacheError) as info:
                Cache(path)
            message = str(info.value)
        assert "writable" in message and str(path) in message and "\n" not in message
        assert not path.exists()
    finally:
        ro.chmod(0o700)
        for leftover in ro.iterdir():
            leftover.unlink()
        ro.rmdir()


def test_disk_full_is_a_cache_error(tmp_path: Path, real_papers: dict[str, Paper]) -> None:
    with Cache(tmp_path / "c.sqlite") as cache:
        used = cache.conn.execute("PRAGMA page_count").fetchone()[0]
        cache.conn.execute(f"PRAGMA max_page_count = {used + 1}")  # a "disk" with one free page
        with pytest.raises(CacheError, match="full") as info:
            cache.put_papers(real_papers.values())
        assert "\n" not in str(info.value)
        assert len(cache) == 0  # the failed batch left nothing behind
        assert cache.integrity_check() == []


def test_writing_rolls_back_on_any_error(tmp_path: Path, real_papers: dict[str, Paper]) -> None:
    """The transaction helpers the importer and exporter use: a failure inside leaves nothing behind."""
    with Cache(tmp_path / "c.sqlite") as cache:
        with pytest.raises(RuntimeError):
            with cache.writing("testing") as conn:
                conn.execute("INSERT INTO not_found (arxiv_id, checked_at) VALUES ('2101.00001', 'x')")
                raise RuntimeError("stop")
        assert cache.not_found(["2101.00001"]) == {} and not cache.conn.in_transaction
        with pytest.raises(CacheError, match="cache .*: testing failed: .*no such table"):
            with cache.reading("testing") as conn:
                conn.execute("SELECT * FROM no_such_table")


@pytest.mark.parametrize("damage", [
    "title = x'ff00'", "abstract = x'ff'", "categories = x'ff'", "doi = x'ff'", "comment = x'c3'",
    "version = 'abc'", "version = -3", "version = 4.5", "links = '{\"not\": \"a list\"}'", "authors = 'not json'",
], ids=lambda damage: damage.split(" = ")[0] + "-" + damage.split(" = ")[1].strip("'x"))
def test_every_read_of_a_row_holding_a_foreign_type_is_one_cache_error(imported: Cache, damage: str) -> None:
    """A BLOB where text belongs, a version that is no positive integer, JSON that is no list of links or
    authors (a hand-edited or damaged file): get, get_many, iter_papers and the full-text search build
    Papers inside their read, so each is one CacheError naming the file and the paper, never a traceback
    later (bytes in a title, ``vabc`` in an export) or garbage."""
    imported.conn.execute(f"UPDATE papers SET {damage} WHERE arxiv_id = '2005.14165'")
    imported.conn.commit()
    reads = [lambda: imported.get("2005.14165"), lambda: imported.get_many(["2005.14165", "2107.03374"]),
             lambda: list(imported.iter_papers()), lambda: imported.search_local("Language Models are Few-Shot Learners")]
    for read in reads:
        with pytest.raises(CacheError, match=r"cache .*: .* failed: the row of paper 2005\.14165 cannot be read"):
            read()
    assert imported.get("2107.03374") is not None  # the other rows still read


def test_a_damaged_miss_or_search_is_forgotten_not_fatal(imported: Cache) -> None:
    """Misses and searches are memos of arXiv's answers: a damaged one is as if never made (asked again)."""
    imported.put_search("q", ["2107.03374"], 1)
    imported.mark_not_found(["2101.00001"])
    imported.conn.execute("UPDATE searches SET paper_ids = '{broken'")
    imported.conn.execute("UPDATE not_found SET checked_at = 'never'")
    imported.conn.commit()
    assert imported.get_search("q") is None
    assert imported.not_found(["2101.00001"]) == {}


# ---------------------------------------------------------------- processes


WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from arxref.atom import parse_feed
    from arxref.cache import Cache
    cache_path, responses, rounds = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    papers = parse_feed((responses / "all.xml").read_bytes()).papers
    with Cache(cache_path) as cache:
        for n in range(rounds):
            cache.put_papers(papers[n % 5 :: 2])
            cache.mark_not_found(["2101.0000%d" % (n % 9 + 1)])
            cache.import_paths([responses / "2107.03374.xml"])
            cache.put_search("q%d" % (n % 3), [p.arxiv_id for p in papers[:3]], 3)
            assert cache.get("2107.03374") is not None
    print("done")
""")


def test_two_processes_share_one_cache(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(RESPONSES), "15"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.strip() == "done"
    with Cache(path) as cache:
        assert len(cache) == 25
        assert cache.conn.execute("SELECT count(DISTINCT arxiv_id) FROM papers").fetchone()[0] == 25
        assert cache.integrity_check() == []
        assert cache.search_local("Evaluating Large Language Models Trained on Code")[0].arxiv_id == "2107.03374"


def test_get_many_reads_by_rowid_and_keeps_the_order_of_its_id_chunks(tmp_path: Path,
                                                                       real_papers: dict[str, Paper]) -> None:
    """Rows are read in rowid order (here the reverse of id order: stored last id first); the
    result keeps the order one ``IN (...)`` query per chunk of ids gave: ids sorted within each chunk."""
    import random

    from arxref.cache.rows import LOOKUP_CHUNK

    with Cache(tmp_path / "c.sqlite") as cache:
        for arxiv_id in sorted(real_papers, reverse=True):
            cache.put_papers([real_papers[arxiv_id]])
        missing = [f"2101.{n:05d}" for n in range(1, 2 * LOOKUP_CHUNK)]  # possible ids, none cached
        wanted = list(real_papers) + missing
        random.Random(3).shuffle(wanted)
        found = cache.get_many(wanted + wanted[:40])  # repeats change nothing
        expected = [arxiv_id for start in range(0, len(wanted), LOOKUP_CHUNK)
                    for arxiv_id in sorted(i for i in wanted[start:start + LOOKUP_CHUNK] if i in real_papers)]
        assert list(found) == expected and len(expected) == len(real_papers)
        assert all(found[arxiv_id] == cache.get(arxiv_id) for arxiv_id in expected)
        with cache.writing("storing papers"):  # inside a transaction: read in it, not committed early
            assert sorted(cache.get_many(list(real_papers)[:3])) == sorted(list(real_papers)[:3])
            assert cache.conn.in_transaction
        assert not cache.conn.in_transaction


def test_get_many_reads_ranges_and_scattered_rowids_alike(tmp_path: Path) -> None:
    """A chunk of consecutive rowids is read as one range (``BETWEEN``), any other by its ``IN`` list:
    both give the Papers get() gives, in the documented order (ids sorted within each chunk of ids)."""
    import random

    from arxref.cache.rows import LOOKUP_CHUNK

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench_writers import synthetic_papers

    papers = list({p.arxiv_id: p for p in synthetic_papers(3 * LOOKUP_CHUNK)}.values())
    with Cache(tmp_path / "c.sqlite") as cache:
        cache.put_papers(papers)
        ids = [p.arxiv_id for p in papers]
        shuffled = ids[:]
        random.Random(5).shuffle(shuffled)
        for wanted in (ids, shuffled, ids[::2], ids[LOOKUP_CHUNK // 2:] + ["2101.99999"], ids[:7] + ids[-3:]):
            found = cache.get_many(wanted)
            expected = [arxiv_id for start in range(0, len(wanted), LOOKUP_CHUNK)
                        for arxiv_id in sorted(i for i in wanted[start:start + LOOKUP_CHUNK] if i != "2101.99999")]
            assert list(found) == expected
            assert all(vars(found[i]) == vars(cache.get(i)) for i in expected)
            assert all(type(v) is type(w) for i in expected[:50] for v, w in zip(vars(found[i]).values(),
                                                                                  vars(cache.get(i)).values()))
