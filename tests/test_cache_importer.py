"""The bulk import (arxref.cache.importer): Atom feeds and snapshots, bad files and lines, two processes, kills.

Fixtures are the shipped real API responses (examples/arxiv-responses/) and,
where volume is needed, clearly synthetic records (cache_support.synthetic_snapshot).
"""

from __future__ import annotations

import dataclasses
import gzip
import re
import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest

from arxref.atom import parse_feed
from arxref.cache import IMPORT_CHUNK, Cache, importer
from arxref.model import Paper
from arxref.snapshot import paper_to_snapshot
from cache_support import RESPONSES, real_papers as load_real_papers, same_metadata, synthetic_snapshot, write_snapshot

UTC = timezone.utc


@pytest.fixture(scope="module")
def real_papers() -> dict[str, Paper]:
    return load_real_papers()


def test_import_of_real_responses_round_trips_every_field(tmp_path: Path, real_papers: dict[str, Paper]) -> None:
    with Cache(tmp_path / "c.sqlite") as imported:
        report = imported.import_paths([RESPONSES])
        assert report.problems == [] and report.files == 26  # all.xml + 25 files; README/PROVENANCE skipped
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


def test_snapshot_gzip(tmp_path: Path, real_papers: dict[str, Paper]) -> None:
    snapshot = tmp_path / "part.jsonl.gz"
    with gzip.open(snapshot, "wt", encoding="utf-8") as out:
        for paper in list(real_papers.values())[:3]:
            out.write(json.dumps(paper_to_snapshot(paper)) + "\n")
    with Cache(tmp_path / "c.sqlite") as cache:
        assert cache.import_paths([snapshot]).papers == 3


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
    monkeypatch.setattr(importer, "IMPORT_CHUNK", 40)
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


def test_problems_beyond_the_kept_ones_are_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "MAX_PROBLEMS", 2)
    snapshot = tmp_path / "broken.jsonl"
    snapshot.write_text("{}\n" * 5, encoding="utf-8")
    with Cache(tmp_path / "c.sqlite") as cache:
        report = importer.import_paths(cache, [snapshot])
    assert report.problem_count == 5 and report.problems == [f"{snapshot}:1: no 'id' field",
                                                             f"{snapshot}:2: no 'id' field"]
    assert report.records == 5 and report.papers == 0 and report.files == 1


@pytest.mark.parametrize("damage", ["cut", "corrupt"])
def test_a_gzip_snapshot_cut_short_or_damaged_keeps_the_lines_before(tmp_path: Path, damage: str) -> None:
    """A download cut short (or bytes damaged midway): the whole lines before are imported, one
    problem names the file and the line where reading failed."""
    plain = tmp_path / "synthetic.jsonl"
    synthetic_snapshot(plain, 4000)
    packed = gzip.compress(plain.read_bytes())
    middle = len(packed) // 2
    snapshot = tmp_path / "synthetic.jsonl.gz"
    snapshot.write_bytes(packed[:middle] if damage == "cut" else
                         packed[:middle] + bytes(b ^ 0xFF for b in packed[middle:middle + 64]) + packed[middle + 64:])
    with Cache(tmp_path / "c.sqlite") as cache:
        report = cache.import_paths([snapshot])
        match = re.fullmatch(rf"{re.escape(str(snapshot))}:(\d+): cannot read on \(.+; a download cut short\?\); "
                             r"the lines before it were imported", report.problems[-1])
        assert match is not None, report.problems
        cut = int(match.group(1))
        assert 1000 < cut < 4000 and report.papers == len(cache)
        if damage == "cut":  # every line before the cut is whole: all imported, nothing else said
            assert len(report.problems) == 1 and report.papers == cut - 1
            ids = [row[0] for row in cache.conn.execute("SELECT arxiv_id FROM papers ORDER BY id")]
            assert ids == [f"2001.{n + 1:05d}" for n in range(cut - 1)]
        else:  # the damaged bytes inflate to garbage lines first, each reported, then the stream fails
            assert 1000 < report.papers < cut - 1 and len(report.problems) > 1
