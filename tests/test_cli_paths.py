"""Every command: a path that does not exist is a usage error (exit 2, one line naming it), and
nothing is ever written over an input (exit 2, pointing to `arxref sync`), the input untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from arxref.cli import cli
from paper_support import write_manuscript

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = ROOT / "examples" / "arxiv-responses"


def run(*args: str, cache: Path) -> Result:
    env = {"ARXREF_CACHE": str(cache), "ARXREF_OFFLINE": "1", "ARXREF_API_URL": "http://127.0.0.1:9/api/query"}
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.mark.parametrize("command", [
    ["scan"], ["resolve"], ["check"], ["export", "-o", "{out}"], ["cache", "import"],
])
def test_a_missing_path_is_a_usage_error_in_every_command(command: list[str], seeded: Path, tmp_path: Path) -> None:
    tex, _ = write_manuscript(tmp_path)
    out = tmp_path / "out"
    args = [part.replace("{out}", str(out)) for part in command]
    result = run(*args, str(tex), "nonexistent/", cache=seeded)
    assert result.exit_code == 2, result.output
    assert result.stderr == "arxref: error: nonexistent/: no such file or directory\n"
    assert result.stdout == ""
    assert not out.exists()  # export: nothing written, no empty files


def test_check_names_a_missing_bib_option(seeded: Path, tmp_path: Path) -> None:
    tex, _ = write_manuscript(tmp_path)
    result = run("check", str(tex), "--bib", str(tmp_path / "other.bib"), cache=seeded)
    assert result.exit_code == 2
    assert result.stderr == f"arxref: error: {tmp_path / 'other.bib'}: no such file or directory\n"


def user_bib(tmp_path: Path) -> Path:
    """The issue's refs.bib: a comment and a book beside an arXiv entry."""
    tex, bib = write_manuscript(tmp_path)
    bib.write_text("% my own notes\n@book{knuth1984, title = {The TeXbook}, author = {Knuth, Donald E.}}\n\n"
                   + bib.read_text(encoding="utf-8"), encoding="utf-8")
    return bib


def assert_refused(result: Result, bib: Path, before: bytes) -> None:
    assert result.exit_code == 2, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("arxref: error: refusing to write ") and "`arxref sync`" in line
    assert bib.read_bytes() == before
    assert sorted(p.name for p in bib.parent.iterdir() if p.name.endswith(".tmp")) == []


def test_export_refuses_to_write_over_its_input_bib(seeded: Path, tmp_path: Path) -> None:
    bib = user_bib(tmp_path)
    before = bib.read_bytes()
    result = run("export", str(tmp_path / "paper.tex"), str(bib), "-o", str(tmp_path), "--name", "refs",
                 "--formats", "bib", cache=seeded)
    assert_refused(result, bib, before)
    assert "it is an input of this run" in result.stderr
    # the same run writing elsewhere works
    ok = run("export", str(tmp_path / "paper.tex"), str(bib), "-o", str(tmp_path / "out"), cache=seeded)
    assert ok.exit_code in (0, 1), ok.output
    assert (tmp_path / "out" / "references.bib").exists()


def test_export_refuses_an_output_that_links_to_an_input(seeded: Path, tmp_path: Path) -> None:
    bib = user_bib(tmp_path)
    before = bib.read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    (out / "references.bib").symlink_to(bib)
    assert_refused(run("export", str(bib), "-o", str(out), cache=seeded), bib, before)


def test_export_refuses_a_file_read_from_an_input_directory(seeded: Path, tmp_path: Path) -> None:
    bib = user_bib(tmp_path)
    before = bib.read_bytes()
    result = run("export", str(tmp_path), "-o", str(tmp_path), "--name", "refs", "--formats", "json,bib",
                 cache=seeded)
    assert_refused(result, bib, before)
    assert not (tmp_path / "refs.json").exists()  # refused before anything was written
    # formats the scan does not read may go beside the inputs
    ok = run("export", str(tmp_path), "-o", str(tmp_path), "--name", "refs", "--formats", "json,ris", cache=seeded)
    assert ok.exit_code in (0, 1), ok.output
    assert (tmp_path / "refs.json").exists() and bib.read_bytes() == before


def test_cache_import_refuses_a_cache_that_is_an_input(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes((RESPONSES / "2107.03374.xml").read_bytes())
    before = feed.read_bytes()
    result = CliRunner().invoke(cli, ["cache", "import", str(tmp_path), "--cache", str(feed)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"arxref: error: refusing to write {feed}: it is an input of this run")
    assert "--cache" in result.stderr and feed.read_bytes() == before


def test_cache_export_never_replaces_the_cache(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    cache = feeds / "2107.03374.xml"  # the name the export gives Codex's feed
    assert CliRunner().invoke(cli, ["cache", "import", str(RESPONSES), "--cache", str(cache)]).exit_code == 0
    before = cache.read_bytes()
    result = CliRunner().invoke(cli, ["cache", "export", str(feeds), "--cache", str(cache)])
    assert result.exit_code == 2
    assert "it is the cache file" in result.stderr and len(result.stderr.splitlines()) == 1
    assert cache.read_bytes() == before and [p.name for p in feeds.iterdir()] == ["2107.03374.xml"]
    ok = CliRunner().invoke(cli, ["cache", "export", str(tmp_path / "elsewhere"), "--cache", str(cache)])
    assert ok.exit_code == 0 and (tmp_path / "elsewhere" / "2107.03374.xml").exists()


def test_export_to_stdout_refuses_stdout_redirected_into_an_input(seeded: Path, tmp_path: Path) -> None:
    """`arxref export refs.bib -o - --formats bib >> refs.bib` would append the bibliography to itself."""
    import os
    import subprocess
    import sys

    bib = user_bib(tmp_path)
    before = bib.read_bytes()
    env = dict(os.environ, ARXREF_CACHE=str(seeded), ARXREF_OFFLINE="1")
    with open(bib, "ab") as stdout:
        done = subprocess.run([sys.executable, "-m", "arxref", "export", str(bib), "-o", "-", "--formats", "bib"],
                              stdout=stdout, stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"arxref: error: refusing to write stdout: it is an input of this run ({bib})")
    assert bib.read_bytes() == before
    with open(tmp_path / "elsewhere.bib", "ab") as stdout:
        fine = subprocess.run([sys.executable, "-m", "arxref", "export", str(bib), "-o", "-", "--formats", "bib"],
                              stdout=stdout, stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    assert fine.returncode in (0, 1), fine.stderr  # 1 while the book counts as unmatched
    assert "@misc{chen2021evaluating," in (tmp_path / "elsewhere.bib").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", [
    ["resolve", "{tex}"], ["check", "{tex}"], ["export", "{tex}", "-o", "{out}"],
    ["fetch", "2107.03374"], ["cache", "stats"], ["cache", "import", str(RESPONSES)],
])
def test_a_cache_that_is_a_directory_is_one_line_exit_4(command: list[str], tmp_path: Path) -> None:
    """--cache (or ARXREF_CACHE) naming a directory: the cache's own one-line error, as for a damaged file."""
    tex, _ = write_manuscript(tmp_path)
    args = [part.replace("{tex}", str(tex)).replace("{out}", str(tmp_path / "out")) for part in command]
    result = run(*args, cache=tmp_path)
    assert result.exit_code == 4, result.output
    assert result.stderr == f"arxref: error: cache {tmp_path}: not a regular file (use another --cache)\n"
