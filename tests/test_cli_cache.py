"""`arxref cache ...`: import, export, stats, path, clear-not-found, and their error lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from arxref.cache import Cache
from arxref.cli import cli

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = ROOT / "examples" / "arxiv-responses"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_import_then_stats_json_and_text(tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    code, out, err = run("cache", "import", str(RESPONSES), "--cache", str(cache))
    assert code == 0, err
    assert out == "imported 25 papers (0 already up to date) from 50 records in 26 files, 0 problems\n"
    assert err == ""  # not a terminal: no progress line
    code, out, _ = run("cache", "stats", "--format", "json", "--cache", str(cache))
    stats = json.loads(out)
    assert code == 0 and stats["papers"] == 25 and stats["not_found"] == 0 and stats["searches"] == 0
    assert stats["path"] == str(cache) and stats["schema_version"] == 3 and stats["size_bytes"] > 0
    code, out, _ = run("cache", "stats", "--cache", str(cache))
    assert code == 0 and "papers:         25" in out and f"path:           {cache}" in out


def test_import_problems_are_warnings_and_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<feed", encoding="utf-8")
    cache = tmp_path / "c.sqlite"
    code, out, err = run("cache", "import", str(RESPONSES / "2107.03374.xml"), str(bad), "--cache", str(cache))
    assert code == 1
    assert out.endswith("1 problems\n") and out.startswith("imported 1 papers")
    assert err.startswith(f"arxref: warning: {bad}: malformed XML") and err.count("\n") == 1


def test_env_var_selects_the_cache_and_path_prints_it(tmp_path: Path) -> None:
    cache = tmp_path / "sub" / "env.sqlite"
    code, out, _ = run("cache", "path", env={"ARXREF_CACHE": str(cache)})
    assert code == 0 and out == f"{cache}\n" and not cache.exists()  # `path` does not create the file
    code, out, _ = run("cache", "import", str(RESPONSES / "2005.14165.xml"), env={"ARXREF_CACHE": str(cache)})
    assert code == 0 and cache.exists()
    code, out, _ = run("cache", "path", "--cache", str(tmp_path / "other.sqlite"), env={"ARXREF_CACHE": str(cache)})
    assert out == f"{tmp_path / 'other.sqlite'}\n"


def test_export_writes_one_file_per_paper(tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    assert run("cache", "import", str(RESPONSES), "--cache", str(cache))[0] == 0
    code, out, _ = run("cache", "export", str(tmp_path / "feeds"), "--cache", str(cache))
    assert code == 0 and out == f"exported 25 papers to {tmp_path / 'feeds'}\n"
    assert len(list((tmp_path / "feeds").glob("*.xml"))) == 25
    (tmp_path / "afile").write_text("x")
    code, _, err = run("cache", "export", str(tmp_path / "afile"), "--cache", str(cache))
    assert code == 2 and "Directory" in err  # click refuses a file for DIR


def test_clear_not_found(tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    with Cache(cache) as db:
        db.mark_not_found(["2101.00001", "2101.00002"])
    code, out, _ = run("cache", "clear-not-found", "arXiv:2101.00001", "--cache", str(cache))
    assert code == 0 and out == "cleared 1 not-found records\n"
    code, out, _ = run("cache", "clear-not-found", "--cache", str(cache))
    assert code == 0 and out == "cleared 1 not-found records\n"
    code, _, err = run("cache", "clear-not-found", "2313.00001", "--cache", str(cache))
    assert code == 2 and err == "arxref: error: invalid arXiv id '2313.00001': month 13 does not exist\n"


@pytest.mark.parametrize("command", [["stats"], ["import", str(RESPONSES / "all.xml")], ["export", "out"]])
def test_unusable_cache_is_one_line_exit_4(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "somefile").write_text("x")
    cache = tmp_path / "somefile" / "cache.sqlite"
    code, out, err = run("cache", *command, "--cache", str(cache))
    assert code == 4 and out == ""
    assert err.startswith(f"arxref: error: cache {cache}: cannot create directory") and err.count("\n") == 1


def test_corrupt_cache_is_one_line_exit_4(tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    cache.write_bytes(b"\x00garbage" * 1000)
    code, _, err = run("cache", "stats", "--cache", str(cache))
    assert code == 4 and "damaged or is not an arxref cache; move it away, delete it" in err and err.count("\n") == 1


def test_help_mentions_every_subcommand() -> None:
    code, out, _ = run("cache", "--help")
    assert code == 0
    for name in ("import", "export", "stats", "path", "clear-not-found", "Example"):
        assert name in out
