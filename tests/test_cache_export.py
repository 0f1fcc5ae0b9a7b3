"""Atom export (arxref.cache.export): feeds that import back identically, and names that cannot escape."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from arxref.atom import parse_feed
from arxref.cache import Cache, export_atom, export_name
from arxref.errors import ArxrefError, UsageError
from arxref.model import Author, Paper


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


def test_export_again_replaces_files_and_leaves_no_temporary_ones(imported: Cache, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    assert export_atom(imported, out) == 25
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    (out / "2107.03374.xml").write_bytes(b"stale")
    assert export_atom(imported, out) == 25
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first


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


def test_export_target_that_is_a_file_is_a_usage_error(imported: Cache, tmp_path: Path) -> None:
    target = tmp_path / "afile"
    target.write_text("x")
    with pytest.raises(UsageError, match="exists and is not a directory"):
        imported.export_atom(target)


def test_unwritable_file_is_one_line_error(imported: Cache, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    (out / "2107.03374.xml").mkdir(parents=True)  # a directory where a file must go
    with pytest.raises(ArxrefError, match=r"^cannot write .*2107\.03374\.xml: ") as info:
        imported.export_atom(out)
    assert "\n" not in str(info.value)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file left behind


def test_exported_files_get_ordinary_permissions(imported: Cache, tmp_path: Path) -> None:
    """As every arxref output (arxref.atomic.output_mode): the umask decides, an existing file keeps its mode."""
    import os

    out = tmp_path / "feeds"
    out.mkdir()
    (out / "2107.03374.xml").write_bytes(b"old")
    os.chmod(out / "2107.03374.xml", 0o640)
    umask = os.umask(0o022)
    try:
        imported.export_atom(out)
    finally:
        os.umask(umask)
    assert (out / "2005.14165.xml").stat().st_mode & 0o777 == 0o644
    assert (out / "2107.03374.xml").stat().st_mode & 0o777 == 0o640


def test_export_removes_what_a_killed_export_left(imported: Cache, tmp_path: Path) -> None:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # its pid is now free: a temp file naming it was left by a dead run
    out = tmp_path / "feeds"
    out.mkdir()
    leftover = out / f".2107.03374.xml.{child.pid}-abcd1234.tmp"
    leftover.write_bytes(b"<feed")
    export_atom(imported, out)
    assert not leftover.exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
