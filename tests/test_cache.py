"""The SQLite offline cache: storage round trips, merging, FTS, import/export, safety and crashes.

Fixtures are the shipped real API responses (examples/arxiv-responses/) and,
where volume is needed, clearly synthetic records generated here.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

import arxref.cache as cache_module
from arxref.atom import parse_feed
from arxref.cache import IMPORT_CHUNK, Cache, export_name, keywords
from arxref.errors import CacheError
from arxref.model import Author, Paper
from arxref.snapshot import canonical_id, paper_to_snapshot, parse_record

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = ROOT / "examples" / "arxiv-responses"
UTC = timezone.utc


@pytest.fixture(scope="module")
def real_papers() -> dict[str, Paper]:
    """The 25 seed papers as parsed from their own per-paper response files."""
    papers = {}
    for path in sorted(RESPONSES.glob("*.xml")):
        if path.name == "all.xml":
            continue
        [paper] = parse_feed(path.read_bytes()).papers
        papers[paper.arxiv_id] = paper
    assert len(papers) == 25
    return papers


@pytest.fixture(scope="module")
def imported_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("imported") / "cache.sqlite"
    with Cache(path) as cache:
        report = cache.import_paths([RESPONSES])
    assert report.problems == [] and report.files == 26  # all.xml + 25 files; README/PROVENANCE skipped
    return path


@pytest.fixture
def imported(imported_file: Path, tmp_path: Path) -> Cache:
    """A private copy of the imported cache."""
    copy = tmp_path / "cache.sqlite"
    src, dst = sqlite3.connect(imported_file), sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    cache = Cache(copy)
    yield cache
    cache.close()


def same_metadata(a: Paper, b: Paper) -> bool:
    """Everything arXiv told us, ignoring how it was stored (raw text, fetch time)."""
    skip = {"raw_entry", "fetched_at"}
    return all(getattr(a, f.name) == getattr(b, f.name) for f in dataclasses.fields(Paper) if f.name not in skip)


# ---------------------------------------------------------------- storage


def test_import_of_real_responses_round_trips_every_field(imported: Cache, real_papers: dict[str, Paper]) -> None:
    assert len(imported) == 25
    for arxiv_id, paper in real_papers.items():
        cached = imported.get(arxiv_id)
        assert cached is not None, arxiv_id
        assert same_metadata(cached, paper), arxiv_id
        assert cached.raw_entry == paper.raw_entry.rstrip()  # minus the whitespace after </entry>
        assert cached.fetched_at == datetime(2026, 11, 23, tzinfo=UTC)  # the feed's <updated>
    gpt4o = imported.get("2410.21276")
    assert len(gpt4o.authors) == 418
    assert gpt4o.authors == real_papers["2410.21276"].authors
    codex = imported.get("2107.03374")
    assert codex.title == "Evaluating Large Language Models Trained on Code"
    assert codex.comment == "corrected typos, added references, added authors, added acknowledgements"
    assert codex.versions == [1, 2]
    assert imported.get("2303.10130").categories[0] == "econ.GN" == imported.get("2303.10130").primary_category
    assert imported.get("1908.09203").published == datetime(2019, 8, 24, 20, 41, 40, tzinfo=UTC)
    assert imported.get("2410.21276").categories == [] and imported.get("2410.21276").primary_category is None


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


def test_versions_merge_older_keeps_newer_metadata(tmp_path: Path, real_papers: dict[str, Paper]) -> None:
    v1 = real_papers["2412.06966"]  # the shipped file answers 2412.06966v1
    assert v1.version == 1
    # clearly synthetic later versions, to drive the merge rules
    v3 = dataclasses.replace(v1, version=3, versions=[1, 2, 3], title="SYNTHETIC v3 title", raw_entry=None)
    v4 = dataclasses.replace(v1, version=4, versions=[4], title="SYNTHETIC v4 title", raw_entry=None)
    with Cache(tmp_path / "c.sqlite") as cache:
        cache.put_papers([v3])
        cache.put_papers([v1])
        kept = cache.get("2412.06966")
        assert kept.version == 3 and kept.title == "SYNTHETIC v3 title" and kept.versions == [1, 2, 3]
        cache.put_papers([v4])
        newer = cache.get("2412.06966")
        assert newer.version == 4 and newer.title == "SYNTHETIC v4 title" and newer.versions == [1, 2, 3, 4]
        # the FTS index follows the metadata: the old title is gone, the new one found
        assert [p.version for p in cache.search_local("SYNTHETIC v4 title")] == [4]
        assert cache.integrity_check() == []
        # two versions in one batch: the newer wins whatever the order
        cache.put_papers([dataclasses.replace(v1, version=6, versions=[6], title="SYNTHETIC v6", raw_entry=None),
                          dataclasses.replace(v1, version=5, versions=[5], title="SYNTHETIC v5", raw_entry=None)])
        assert cache.get("2412.06966").title == "SYNTHETIC v6"
        assert cache.get("2412.06966").versions == [1, 2, 3, 4, 5, 6]
        assert len(cache) == 1


def test_same_entry_again_only_refreshes_fetched_at(imported: Cache, real_papers: dict[str, Paper]) -> None:
    later = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert imported.put_papers([real_papers["2107.03374"]], fetched_at=later) == 0
    assert imported.get("2107.03374").fetched_at == later
    assert imported.integrity_check() == []


def test_put_papers_rejects_invalid_or_non_canonical_ids(tmp_path: Path, real_papers: dict[str, Paper]) -> None:
    good = real_papers["2107.03374"]
    with Cache(tmp_path / "c.sqlite") as cache:
        for bad in ("../../etc/passwd", "2313.00001", "arXiv:2107.03374"):
            with pytest.raises(CacheError, match="2107.03374|invalid id|not canonical"):
                cache.put_papers([good, dataclasses.replace(good, arxiv_id=bad)])
        assert len(cache) == 0  # nothing of a rejected batch is written


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


# ---------------------------------------------------------------- full-text search


def test_search_local_finds_each_paper_from_an_abstract_chunk(imported: Cache, real_papers: dict[str, Paper]) -> None:
    for arxiv_id, paper in real_papers.items():
        words = paper.abstract.split()
        middle = len(words) // 2
        chunk = " ".join(words[max(0, middle - 12) : middle + 12])
        hits = imported.search_local(chunk, limit=5)
        assert hits and hits[0].arxiv_id == arxiv_id, (arxiv_id, chunk, [h.arxiv_id for h in hits])


def test_search_local_by_title_and_author(imported: Cache) -> None:
    assert imported.search_local("Language Models are Few-Shot Learners")[0].arxiv_id == "2005.14165"
    assert imported.search_local("machine unlearning Cooper Choquette-Choo")[0].arxiv_id == "2412.06966"
    assert imported.search_local("") == [] and imported.search_local("the of and") == []
    assert imported.search_local("zzzqqq nonexistentword") == []
    assert imported.search_local("GPT-4o System Card", limit=0) == []


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_search_local_never_raises(imported_file: Path, text: str) -> None:
    with Cache(imported_file) as cache:
        results = cache.search_local(text)
    assert isinstance(results, list)


@pytest.mark.parametrize("text", [
    '"unbalanced quote', "NEAR(a b", "title:attack", "a* OR ^b", "AND OR NOT", "(((", "col : - + *",
    "unlearning\x00policy", "ｕｎｌｅａｒｎｉｎｇ", "naïve café résumé", "'; DROP TABLE papers; --",
])
def test_search_local_with_fts_syntax_in_user_text(imported: Cache, text: str) -> None:
    imported.search_local(text)
    assert len(imported) == 25


def test_keywords_drop_operators_and_stopwords() -> None:
    assert keywords('The "attention" is ALL: you NEED (near) OR not*') == ["attention", "need", "near"]


# ---------------------------------------------------------------- import / export


def test_export_import_round_trip_is_identical(imported: Cache, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    assert imported.export_atom(out) == 25
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{pid}.xml" for pid in imported.get_many(
        [p.arxiv_id for p in imported.iter_papers()]))
    for path in out.iterdir():  # every file is a valid API-layout feed
        assert len(parse_feed(path.read_bytes()).papers) == 1
    with Cache(tmp_path / "again.sqlite") as again:
        report = again.import_paths([out])
        assert report.papers == 25 and report.problems == []
        for paper in imported.iter_papers():
            assert again.get(paper.arxiv_id) == paper  # every field, raw entry and fetch time included


def test_malformed_atom_file_is_one_problem_others_continue(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    good = (RESPONSES / "2107.03374.xml").read_bytes()
    (feeds / "a-good.xml").write_bytes(good)
    (feeds / "b-truncated.xml").write_bytes(good[: len(good) // 2])
    (feeds / "c-not-xml.atom").write_bytes(b"\x00\x01garbage")
    (feeds / "d-good.xml.gz").write_bytes(gzip.compress((RESPONSES / "2005.14165.xml").read_bytes()))
    with Cache(tmp_path / "c.sqlite") as cache:
        report = cache.import_paths([feeds, tmp_path / "missing.xml", feeds / "c-not-xml.atom"])
        assert sorted(cache.get_many(["2107.03374", "2005.14165"])) == ["2005.14165", "2107.03374"]
    assert len(report.problems) == 3
    assert report.problems[0].startswith(f"{feeds / 'b-truncated.xml'}: malformed XML")
    assert report.problems[1] == f"{tmp_path / 'missing.xml'}: no such file or directory"
    assert report.problems[2].startswith(f"{feeds / 'c-not-xml.atom'}: neither an Atom feed")
    assert all("\n" not in p for p in report.problems)


def write_snapshot(path: Path, papers: list[Paper]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for paper in papers:
            out.write(json.dumps(paper_to_snapshot(paper)) + "\n")


def test_snapshot_import_from_real_papers(tmp_path: Path, real_papers: dict[str, Paper]) -> None:
    papers = list(real_papers.values())
    snapshot = tmp_path / "arxiv-metadata-oai-snapshot.json"
    write_snapshot(snapshot, papers)
    lines = snapshot.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "{not json")  # line 4
    bad_id = json.loads(lines[0])
    bad_id["id"] = "2313.00001"
    lines.insert(6, json.dumps(bad_id))  # line 7
    lines.insert(8, "")  # blank lines are skipped
    snapshot.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Cache(tmp_path / "c.sqlite") as cache:
        progress: list[int] = []
        report = cache.import_paths([snapshot], progress=progress.append)
        assert report.papers == 25 and report.records == 27 and progress[-1] == 27
        assert report.problems == [
            f"{snapshot}:4: invalid JSON: Expecting property name enclosed in double quotes (column 2)",
            f"{snapshot}:7: invalid arXiv id '2313.00001': month 13 does not exist",
        ]
        for paper in papers:
            stored = cache.get(paper.arxiv_id)
            assert cache.row_format(paper.arxiv_id) == "snapshot"
            assert json.loads(stored.raw_entry) == paper_to_snapshot(paper)
            assert stored.versions == sorted({1, paper.version})  # the snapshot lists the versions it dates
            assert same_metadata(dataclasses.replace(stored, versions=paper.versions), paper), paper.arxiv_id
        assert cache.search_local(papers[0].title)[0].arxiv_id == papers[0].arxiv_id
        # the API's entry of the same version replaces the snapshot's; the reverse does not happen
        cache.import_paths([RESPONSES / "2107.03374.xml"])
        assert cache.row_format("2107.03374") == "atom"
        assert cache.import_paths([snapshot]).unchanged == 25
        assert cache.row_format("2107.03374") == "atom"
        # snapshot-imported papers export as Atom that parse_feed reads back to the same metadata
        out = tmp_path / "feeds"
        assert cache.export_atom(out) == 25
        for paper in papers:
            [back] = parse_feed((out / f"{paper.arxiv_id}.xml").read_bytes()).papers
            assert same_metadata(dataclasses.replace(back, versions=paper.versions), paper)
        assert cache.integrity_check() == []


def test_snapshot_gzip_and_old_style_ids(tmp_path: Path, real_papers: dict[str, Paper]) -> None:
    snapshot = tmp_path / "part.jsonl.gz"
    with gzip.open(snapshot, "wt", encoding="utf-8") as out:
        for paper in list(real_papers.values())[:3]:
            out.write(json.dumps(paper_to_snapshot(paper)) + "\n")
    with Cache(tmp_path / "c.sqlite") as cache:
        assert cache.import_paths([snapshot]).papers == 3
    assert canonical_id("hep-th/9901001") == "hep-th/9901001"
    assert canonical_id("math.GT/0309136") == "math/0309136"
    line = paper_to_snapshot(real_papers["2107.03374"])
    line["authors_parsed"] = [["Chen", "Mark", ""], ["Smith", "", "Jr"], ["Doe", "J. R.", "III"]]
    assert parse_record(line).authors == ("Mark Chen", "Smith Jr", "J. R. Doe III")


def test_hostile_ids_and_titles_cannot_escape_the_export_dir(tmp_path: Path, real_papers: dict[str, Paper]) -> None:
    base = real_papers["2107.03374"]
    hostile_title = 'T</title><evil/>&amp; "q" \x01\x1b ]]> <![CDATA[x]]>'
    with Cache(tmp_path / "c.sqlite") as cache:
        cache.put_papers([dataclasses.replace(base, title=hostile_title, raw_entry=None,
                                              comment="a < b & c > d", authors=[Author('"Bobby" <Tables>')])])
        row = cache.conn.execute("SELECT * FROM papers WHERE arxiv_id = '2107.03374'").fetchone()
        for bad_id in ("../../outside", "/tmp/abs", "..", "a\x00b", "hep-th/../../x", "C:\\win", ".hidden"):
            cache.conn.execute(f"INSERT INTO papers VALUES (NULL, ?, {', '.join('?' * (len(row) - 2))})",
                               (bad_id, *row[2:]))
        out = tmp_path / "deep" / "out"
        assert cache.export_atom(out) == 8
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 8 and all(not n.startswith(".") for n in names)
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["out"]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("c.sqlite")) == ["deep"]
    [paper] = parse_feed((out / "2107.03374.xml").read_bytes()).papers
    assert paper.title == 'T</title><evil/>&amp; "q" ]]> <![CDATA[x]]>'  # control characters dropped
    assert paper.comment == "a < b & c > d" and paper.authors == [Author('"Bobby" <Tables>')]


@pytest.mark.parametrize("arxiv_id, name", [
    ("hep-th/9901001", "hep-th_9901001.xml"), ("2107.03374", "2107.03374.xml"),
    ("../../etc/passwd", "_.._etc_passwd.xml"), ("..", "paper.xml"), ("/abs", "_abs.xml"), ("a\x00b", "a_b.xml"),
])
def test_export_name(arxiv_id: str, name: str) -> None:
    assert export_name(arxiv_id) == name


# ---------------------------------------------------------------- schema and errors


def test_schema_version_and_stats(imported: Cache) -> None:
    stats = imported.stats()
    assert stats["papers"] == 25 and stats["schema_version"] == len(cache_module.MIGRATIONS) == 2
    assert stats["size_bytes"] > 0 and stats["path"] == str(imported.path)
    assert imported.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_future_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    Cache(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(CacheError, match=r"schema version 99 was written by a newer arxref.*knows up to 2"):
        Cache(path)


def test_older_schema_is_migrated_in_one_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     real_papers: dict[str, Paper]) -> None:
    path = tmp_path / "c.sqlite"
    current = len(cache_module.MIGRATIONS)
    with Cache(path) as cache:  # a file of the current version
        cache.put_papers([real_papers["2107.03374"]])

    def add_note_column(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE papers ADD COLUMN note TEXT")

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE papers ADD COLUMN half_done TEXT")
        conn.execute("THIS IS NOT SQL")

    monkeypatch.setattr(cache_module, "MIGRATIONS", [*cache_module.MIGRATIONS, broken])
    with pytest.raises(CacheError, match=f"upgrading the schema to version {current + 1} failed"):
        Cache(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == current
    assert "half_done" not in [r[1] for r in conn.execute("PRAGMA table_info(papers)")]
    conn.close()
    monkeypatch.setattr(cache_module, "MIGRATIONS", [*cache_module.MIGRATIONS[:current], add_note_column])
    with Cache(path) as cache:
        assert cache.stats()["schema_version"] == current + 1
        assert "note" in [r[1] for r in cache.conn.execute("PRAGMA table_info(papers)")]
        assert cache.get("2107.03374").title == "Evaluating Large Language Models Trained on Code"


def test_version_1_file_gets_the_lean_fts_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                real_papers: dict[str, Paper]) -> None:
    """A cache written by the first schema (positional FTS) is upgraded and still searchable."""
    path = tmp_path / "c.sqlite"
    monkeypatch.setattr(cache_module, "MIGRATIONS", cache_module.MIGRATIONS[:1])
    with Cache(path) as cache:
        cache.put_papers(real_papers.values())
        assert "detail='column'" in cache.conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'papers_fts'").fetchone()[0]
    monkeypatch.undo()
    with Cache(path) as cache:
        assert cache.stats()["schema_version"] == 2
        sql = cache.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'papers_fts'").fetchone()[0]
        assert "detail='none'" in sql and "columnsize=0" in sql
        assert cache.integrity_check() == []
        assert cache.search_local("Evaluating Large Language Models Trained on Code")[0].arxiv_id == "2107.03374"
        assert cache.search_local("machine unlearning Cooper Choquette-Choo")[0].arxiv_id == "2412.06966"


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
        assert cache.stats()["schema_version"] == len(cache_module.MIGRATIONS)
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


def synthetic_snapshot(path: Path, count: int) -> None:
    """Clearly synthetic records (made-up titles/abstracts, valid new-style ids)."""
    with open(path, "w", encoding="utf-8") as out:
        for n in range(count):
            record = {
                "id": f"2001.{n + 1:05d}", "authors": "Synthetic Author",
                "title": f"Synthetic record {n}", "abstract": f"Synthetic abstract number {n} " + "filler " * 60,
                "categories": "cs.LG", "versions": [{"version": "v1", "created": "Wed, 1 Jan 2020 00:00:00 GMT"}],
                "authors_parsed": [["Author", "Synthetic", ""]],
            }
            out.write(json.dumps(record) + "\n")


KILL_IMPORT = textwrap.dedent("""
    import sys
    from arxref.cache import Cache
    with Cache(sys.argv[1]) as cache:
        cache.import_paths([sys.argv[2]], progress=lambda n: print(n, flush=True))
""")


@pytest.mark.slow
def test_kill_during_big_import_leaves_a_consistent_cache(tmp_path: Path) -> None:
    total = 6 * IMPORT_CHUNK
    snapshot = tmp_path / "synthetic.jsonl"
    synthetic_snapshot(snapshot, total)
    path = tmp_path / "c.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", KILL_IMPORT, str(path), str(snapshot)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline()  # the first chunk is on its way to the database
    assert first.strip()
    proc.stdout.readline()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    with Cache(path) as cache:
        assert cache.integrity_check() == []
        partial = len(cache)
        assert partial % IMPORT_CHUNK == 0 and partial < total  # whole chunks only
        report = cache.import_paths([snapshot])
        assert report.papers == total - partial and report.unchanged == partial
        assert len(cache) == total and cache.integrity_check() == []
        assert cache.search_local(f"Synthetic record {total - 1}")[0].arxiv_id == f"2001.{total:05d}"


def test_chunks_parsed_by_helper_and_inline_are_written_in_file_order(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small chunks: the helper process and this one share the parsing; order and counts hold."""
    monkeypatch.setattr(cache_module, "IMPORT_CHUNK", 40)
    snapshot = tmp_path / "synthetic.jsonl"
    synthetic_snapshot(snapshot, 1500)
    with open(snapshot, "a", encoding="utf-8") as out:
        out.write("{broken\n")  # line 1501
    with Cache(tmp_path / "c.sqlite") as cache:
        progress: list[int] = []
        report = cache.import_paths([snapshot], progress=progress.append)
        assert report.papers == 1500 and report.records == 1501 and progress == sorted(progress)
        assert report.problems == [f"{snapshot}:1501: invalid JSON: Expecting property name enclosed in "
                                   "double quotes (column 2)"]
        ids = [row[0] for row in cache.conn.execute("SELECT arxiv_id FROM papers ORDER BY id")]
        assert ids == [f"2001.{n + 1:05d}" for n in range(1500)]
        assert cache.search_local("Synthetic record 1234")[0].arxiv_id == "2001.01235"
        assert cache.integrity_check() == []
        assert cache.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL again after the import


# ---------------------------------------------------------------- reading and decoding snapshot lines


@settings(max_examples=400, deadline=None)
@given(data=st.lists(st.sampled_from([b"a", b"bc", b"\n", b"\r\n", b"{}", b"xxxxxxxxx", b" "]), max_size=60),
       size=st.integers(1, 5), block=st.integers(1, 7), max_line=st.integers(1, 12))
def test_line_blocks_cut_the_file_as_line_iteration_does(data: list[bytes], size: int, block: int,
                                                         max_line: int) -> None:
    """Blocks hold whole lines, numbered as the file numbers them; only over-long lines are dropped."""
    import io

    content = b"".join(data)
    stream = io.BytesIO(content)
    first = stream.readline()
    too_long: list[int] = []
    got: dict[int, bytes] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cache_module, "BLOCK_BYTES", block)
        patch.setattr(cache_module, "MAX_LINE_BYTES", max_line)
        for number, chunk, count in cache_module._line_blocks(stream, first, 1, size, too_long.append):
            lines = chunk.split(b"\n")
            if chunk.endswith(b"\n"):
                lines.pop()
            assert 0 < count <= size and len(lines) <= count
            kept = [n for n in range(number, number + count) if n not in too_long]
            assert len(kept) == len(lines)
            got.update(zip(kept, lines))
    expected = dict(enumerate((line.rstrip(b"\n") for line in io.BytesIO(content)), start=1))
    assert set(got) | set(too_long) == set(expected) and not set(got) & set(too_long)
    for number, line in expected.items():
        if number in too_long:
            assert len(line) + 1 > max_line  # dropped lines really were too long (newline included)
        else:
            assert got[number] == line


@settings(max_examples=300, deadline=None)
@given(names=st.lists(st.text(), max_size=5))
def test_fast_author_json_equals_json_dumps(names: list[str]) -> None:
    _, dumps = cache_module._fast_json()
    assert dumps(tuple(names)) == json.dumps(names, ensure_ascii=False, separators=(",", ":"))


def test_snapshot_lines_parse_the_same_with_and_without_orjson(monkeypatch: pytest.MonkeyPatch,
                                                               real_papers: dict[str, Paper]) -> None:
    """orjson is only a faster path: rows and problems are what json alone gives."""
    lines = [json.dumps(paper_to_snapshot(paper), ensure_ascii=False).encode() for paper in real_papers.values()]
    lines += [b'{"id": "2001.00001", "title": NaN}', b"{broken", b'{"id": "\\ud800"}', b"\xff\xfe",
              b'{"id": 2001.00001}', b"[1, 2]"]
    fast = cache_module.parse_snapshot_lines("f", 1, lines)
    monkeypatch.setattr(cache_module, "_fast_json", lambda: (json.loads, cache_module._dumps))
    slow = cache_module.parse_snapshot_lines("f", 1, lines)
    assert fast == slow
    assert len(fast[0]) == len(lines) - 6 and len(fast[1]) == 6
