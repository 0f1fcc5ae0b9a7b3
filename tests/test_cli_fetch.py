"""`arxref fetch`: jsonl and text output, one stderr line per problem, exit codes, cache errors.

Every assertion about network use is read from the fake arXiv's request log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import fakearxiv
from arxref.atom import parse_feed
from arxref.cli import cli
from arxref.cli.fetch import exit_code
from arxref.errors import ExitCode
from arxref.fetch import FetchReport
from fakearxiv import FakeArxiv

RESPONSES = Path(__file__).resolve().parent.parent / "examples" / "arxiv-responses"
EXPECTED = {p.arxiv_id: p for p in parse_feed((RESPONSES / "all.xml").read_bytes()).papers}


def cli_env(server: FakeArxiv, cache_path: Path, **extra: str) -> dict[str, str]:
    env = {"ARXREF_API_URL": server.url, "ARXREF_CACHE": str(cache_path), "ARXREF_REQUEST_INTERVAL": "0",
           "ARXREF_OFFLINE": ""}
    env.update(extra)
    return env


def test_cli_jsonl(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "c.sqlite"
    result = CliRunner().invoke(cli, ["fetch", "2107.03374", "arXiv:2005.14165", "--format", "jsonl"],
                                env=cli_env(fake_arxiv, path))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["2107.03374", "2005.14165"]
    codex = rows[0]
    assert set(codex) == {"id", "version", "title", "authors", "abstract", "published", "updated", "categories",
                          "primary_category", "comment", "journal_ref", "doi", "versions"}
    assert codex["title"] == EXPECTED["2107.03374"].title and codex["version"] == 2
    assert codex["authors"][0] == "Mark Chen" and codex["versions"] == [1, 2]
    assert codex["published"].startswith("2021-07-07")
    assert path.exists()


def test_cli_text_and_exit_1_for_not_found_and_invalid(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["fetch", "2107.03374", "2101.99999", "2313.00001"],
                                env=cli_env(fake_arxiv, tmp_path / "c.sqlite"))
    assert result.exit_code == 1
    assert "Evaluating Large Language Models Trained on Code" in result.stdout
    assert "arXiv:2107.03374v2" in result.stdout
    errors = result.stderr.splitlines()
    assert any("not found" in e and "2101.99999" in e for e in errors)
    assert any("invalid" in e and "2313.00001" in e and "month 13" in e for e in errors)
    assert len(errors) == 2


def test_cli_a_mistyped_version_prints_the_latest_with_a_warning(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    result = CliRunner().invoke(cli, ["fetch", "2107.03374v3"], env=cli_env(fake_arxiv, path))
    assert result.exit_code == 0, result.output
    assert "arXiv:2107.03374v2" in result.stdout
    assert result.stderr.splitlines() == [
        "arxref: warning: 2107.03374v3: no such version; arXiv has v2; printed 2107.03374v2"]
    path.unlink()  # offline, a cache that holds only v2 cannot say whether v3 exists
    CliRunner().invoke(cli, ["fetch", "2107.03374"], env=cli_env(fake_arxiv, path))
    offline = CliRunner().invoke(cli, ["fetch", "2107.03374v3"], env=cli_env(fake_arxiv, path, ARXREF_OFFLINE="1"))
    assert offline.exit_code == ExitCode.UNVERIFIED and "arXiv:2107.03374v2" in offline.stdout
    assert "could not verify: 2107.03374v3: not in the cache" in offline.stderr


def test_cli_exit_3_when_arxiv_cannot_be_reached(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    fake_arxiv.inject(fakearxiv.status(503), times=10)
    result = CliRunner().invoke(cli, ["fetch", "2107.03374"], env=cli_env(fake_arxiv, tmp_path / "c.sqlite"))
    assert result.exit_code == 3
    assert "could not verify 2107.03374" in result.stderr and "HTTP 503" in result.stderr
    assert "not found" not in result.stderr


def test_cli_offline_uncached_is_exit_3(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["fetch", "2107.03374", "--offline"],
                                env=cli_env(fake_arxiv, tmp_path / "c.sqlite"))
    assert result.exit_code == 3 and "not cached (offline): 2107.03374" in result.stderr
    assert fake_arxiv.requests(path=None) == []


def test_cli_usage_error(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    runner = CliRunner()
    env = cli_env(fake_arxiv, tmp_path / "c.sqlite")
    assert runner.invoke(cli, ["fetch"], env=env).exit_code == 2
    assert runner.invoke(cli, ["fetch", "2107.03374", "--format", "xml"], env=env).exit_code == 2


def test_cli_unwritable_cache_is_one_line_error(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    result = CliRunner().invoke(cli, ["fetch", "2107.03374"], env=cli_env(fake_arxiv, blocker / "sub" / "c.sqlite"))
    assert result.exit_code == 4
    assert result.stderr.startswith("arxref: error: ") and len(result.stderr.splitlines()) == 1


def test_exit_code_table() -> None:
    assert exit_code(FetchReport()) is ExitCode.OK
    assert exit_code(FetchReport(not_found={"2101.99999"})) is ExitCode.PROBLEMS
    assert exit_code(FetchReport(invalid={"x": "bad"})) is ExitCode.PROBLEMS
    assert exit_code(FetchReport(not_found={"2101.99999"}, uncached={"2107.03374"})) is ExitCode.UNVERIFIED
    assert exit_code(FetchReport(unverified={"2107.03374": "HTTP 503"})) is ExitCode.UNVERIFIED


def offline_env(cache_path: Path) -> dict[str, str]:
    return {"ARXREF_CACHE": str(cache_path), "ARXREF_OFFLINE": "1"}


def test_fetch_prints_entries_exactly_as_export_writes_them(seeded: Path, tmp_path: Path) -> None:
    """`fetch --format bib|csljson|ris`: export's writers and keys, byte for byte, on stdout only."""
    ids = tmp_path / "ids.txt"
    ids.write_text("2107.03374\n2005.14165\n", encoding="utf-8")
    runner = CliRunner()
    exported = runner.invoke(cli, ["export", str(ids), "-o", str(tmp_path / "out")], env=offline_env(seeded))
    assert exported.exit_code == 0, exported.output
    for fmt, suffix in (("bib", "bib"), ("csljson", "json"), ("ris", "ris")):
        result = runner.invoke(cli, ["fetch", "2107.03374", "arXiv:2005.14165", "--format", fmt],
                               env=offline_env(seeded))
        assert result.exit_code == 0, result.output
        assert result.stdout_bytes == (tmp_path / "out" / f"references.{suffix}").read_bytes()
        assert result.stderr == ""


def test_fetch_bib_appends_to_a_users_bib(seeded: Path, tmp_path: Path) -> None:
    """`arxref fetch 2005.14165 --format bib >> refs.bib`, as a shell runs it (stdout opened O_APPEND)."""
    refs = tmp_path / "refs.bib"
    mine = "% my notes\n@book{knuth1984,\n  title = {The TeXbook},\n}\n\n"
    refs.write_text(mine, encoding="utf-8")
    env = dict(os.environ, **offline_env(seeded))
    with open(refs, "ab") as stdout:
        done = subprocess.run([sys.executable, "-m", "arxref", "fetch", "2005.14165", "--format", "bib"],
                              stdout=stdout, stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    text = refs.read_text(encoding="utf-8")
    assert text.startswith(mine)
    added = text[len(mine):]
    assert added.startswith("@misc{brown2020language,\n") and "howpublished = {arXiv:2005.14165 [cs.CL]}" in added
    import bibtexparser

    library = bibtexparser.parse_string(text)
    assert [entry.key for entry in library.entries] == ["knuth1984", "brown2020language"]


def test_fetch_bib_flavor(seeded: Path) -> None:
    result = CliRunner().invoke(cli, ["fetch", "2107.03374", "--format", "bib", "--bib-flavor", "biblatex"],
                                env=offline_env(seeded))
    assert result.exit_code == 0
    assert "  eprint = {2107.03374},\n  eprinttype = {arxiv},\n  eprintclass = {cs.LG},\n" in result.stdout
    assert "howpublished" not in result.stdout


def test_fetch_bib_reports_problems_on_stderr_only(seeded: Path) -> None:
    result = CliRunner().invoke(cli, ["fetch", "2107.03374", "2313.00001", "--format", "bib"],
                                env=offline_env(seeded))
    assert result.exit_code == 1
    assert result.stdout.startswith("@misc{chen2021evaluating,") and result.stdout.count("@misc{") == 1
    assert "invalid: 2313.00001" in result.stderr
    empty = CliRunner().invoke(cli, ["fetch", "2313.00001", "--format", "csljson"], env=offline_env(seeded))
    assert empty.exit_code == 1 and empty.stdout == "[]\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_cli_bib_to_a_full_disk_is_one_line_exit_2(tmp_path: Path) -> None:
    """``arxref fetch ID --format bib > /dev/full``: no traceback, the output named."""
    cache = tmp_path / "c.sqlite"
    env = dict(os.environ, ARXREF_CACHE=str(cache), ARXREF_OFFLINE="1")
    imported = subprocess.run([sys.executable, "-m", "arxref", "cache", "import", str(RESPONSES), "-q"],
                              env=env, capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([sys.executable, "-m", "arxref", "fetch", "2107.03374", "--format", "bib"],
                              env=env, stdout=full, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 2 and proc.stderr == "arxref: error: cannot write stdout: No space left on device\n"
