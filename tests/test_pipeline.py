"""End to end: `arxref export` and `arxref check` on real seed data, offline and against dead endpoints."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from arxref.config import Settings
from arxref.pipeline import check, export

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = ROOT / "examples" / "arxiv-responses"
SEEDS = ROOT / "seeds"


def dead_endpoint() -> str:
    """A loopback URL where nothing listens (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/query"


def offline(cache: Path) -> Settings:
    return Settings.from_options(cache_path=cache, offline=True, api_url=dead_endpoint())


def online_dead(cache: Path) -> Settings:
    return Settings.from_options(cache_path=cache, offline=False, api_url=dead_endpoint(),
                                 request_interval=0.0, max_retries=1, timeout=2.0)


def test_export_seeds_offline_writes_25_unique_entries(seeded: Path, tmp_path: Path,
                                                       seed_papers: dict[str, object]) -> None:
    out = tmp_path / "out"
    report = export([SEEDS], out, settings=offline(seeded))
    assert report.exit_code == 0, [p.format_text() for p in report.problems]
    assert report.records == 42
    assert {e.paper.arxiv_id for e in report.entries} == set(seed_papers)
    assert sorted(p.name for p in out.iterdir()) == ["references.bib", "references.json", "references.ris"]

    import bibtexparser

    library = bibtexparser.parse_string((out / "references.bib").read_text(encoding="utf-8"))
    assert len(library.entries) == 25
    assert not library.failed_blocks
    eprints = {e.fields_dict["eprint"].value for e in library.entries}
    assert eprints == set(seed_papers)

    items = json.loads((out / "references.json").read_text(encoding="utf-8"))
    assert len(items) == 25
    assert {item["number"] for item in items} == set(seed_papers)
    assert len({item["id"] for item in items}) == 25

    ris = (out / "references.ris").read_text(encoding="utf-8")
    assert ris.count("ER  - ") == 25


def test_export_keeps_existing_bib_key_and_reports_corrections(seeded: Path, tmp_path: Path) -> None:
    bib = tmp_path / "mine.bib"
    bib.write_text(
        "@article{codex,\n  title = {Evaluating LLMs on Code},\n  eprint = {2107.03374},\n"
        "  archivePrefix = {arXiv},\n}\n",
        encoding="utf-8",
    )
    listing = tmp_path / "notes.md"
    listing.write_text("We build on [Codex](https://arxiv.org/abs/2107.03374v2).\n", encoding="utf-8")
    report = export([bib, listing], tmp_path / "out", settings=offline(seeded), formats=["bib"])
    assert report.exit_code == 0
    assert [e.key for e in report.entries] == ["codex"]
    assert any("title" in change for change in report.changes)
    text = (tmp_path / "out" / "references.bib").read_text(encoding="utf-8")
    assert "@misc{codex," in text or "@article{codex," in text
    assert "Evaluating Large Language Models Trained on Code" in text


def test_export_unknown_id_offline_is_unverified_exit_3(seeded: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("See arXiv:2101.00001 and arXiv:2107.03374.\n", encoding="utf-8")
    report = export([notes], tmp_path / "out", settings=offline(seeded))
    assert report.exit_code == 3
    assert [e.paper.arxiv_id for e in report.entries] == ["2107.03374"]
    assert any(p.code == "unverified" and p.line == 1 for p in report.problems)


def test_export_rejects_bad_format_and_stem(seeded: Path, tmp_path: Path) -> None:
    from arxref.errors import UsageError

    with pytest.raises(UsageError):
        export([SEEDS], tmp_path, settings=offline(seeded), formats=["docx"])
    with pytest.raises(UsageError):
        export([SEEDS], tmp_path, settings=offline(seeded), name="../escape")


def write_manuscript(tmp_path: Path) -> tuple[Path, Path]:
    tex = tmp_path / "paper.tex"
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@misc{chen2021evaluating,\n  title = {Evaluating Large Language Models Trained on Code},\n"
        "  eprint = {2107.03374},\n  archivePrefix = {arXiv},\n}\n\n"
        "@misc{radford2021learning,\n  title = {Learning Transferable Visual Models From Natural Language Supervision},\n"
        "  eprint = {2103.00020},\n  archivePrefix = {arXiv},\n}\n",
        encoding="utf-8",
    )
    tex.write_text(
        "\\documentclass{article}\n\\begin{document}\n"
        "Codex~\\cite{chen2021evaluating} and CLIP~\\citep{radford2021learning}.\n"
        "\\bibliography{refs}\n\\end{document}\n",
        encoding="utf-8",
    )
    return tex, bib


def test_check_clean_manuscript_exit_0(seeded: Path, tmp_path: Path) -> None:
    tex, _ = write_manuscript(tmp_path)
    report = check([tex], settings=offline(seeded))
    assert [p.format_text() for p in report.problems] == []
    assert report.exit_code == 0
    assert report.citations_checked == 2


def test_check_undefined_key_is_exit_1_with_location(seeded: Path, tmp_path: Path) -> None:
    tex, _ = write_manuscript(tmp_path)
    tex.write_text(tex.read_text().replace("\\citep{radford2021learning}", "\\citep{radford2021lerning}"))
    report = check([tex], settings=offline(seeded))
    assert report.exit_code == 1
    [problem] = report.problems
    assert problem.code == "undefined_citation"
    assert problem.format_text().startswith(f"{tex}:3:")
    assert "radford2021lerning" in problem.message


def test_check_wrong_title_in_bib_is_flagged(seeded: Path, tmp_path: Path) -> None:
    tex, bib = write_manuscript(tmp_path)
    bib.write_text(bib.read_text().replace("Learning Transferable Visual Models From Natural Language Supervision",
                                           "Language Models are Few-Shot Learners"))
    report = check([tex, bib], settings=offline(seeded))
    assert report.exit_code == 1
    assert [p.code for p in report.problems] == ["title_mismatch"]
    assert report.problems[0].line == 7  # the @misc{radford... line


def test_check_dead_endpoint_is_exit_3(seeded: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("Uncached: arXiv:2101.00001\n", encoding="utf-8")
    report = check([notes], settings=online_dead(seeded))
    assert report.exit_code == 3
    assert [p.code for p in report.problems] == ["unverified"]


def test_check_invalid_id_is_exit_1(seeded: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("An impossible id: arXiv:2313.00001\n", encoding="utf-8")
    report = check([notes], settings=offline(seeded))
    assert report.exit_code == 1
    assert [p.code for p in report.problems] == ["invalid"]


def run_cli(*args: str, env_cache: Path) -> subprocess.CompletedProcess[str]:
    import os

    env = dict(os.environ, ARXREF_CACHE=str(env_cache), ARXREF_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "arxref", *args], capture_output=True, text=True, env=env)


def test_cli_check_formats(seeded: Path, tmp_path: Path) -> None:
    tex, _ = write_manuscript(tmp_path)
    tex.write_text(tex.read_text().replace("{chen2021evaluating}", "{nokey}"))
    text = run_cli("check", str(tex), env_cache=seeded)
    assert text.returncode == 1
    assert f"{tex}:3:" in text.stdout and ": error: " in text.stdout
    github = run_cli("check", str(tex), "--format", "github", env_cache=seeded)
    assert github.stdout.startswith("::error file=")
    as_json = run_cli("check", str(tex), "--format", "json", env_cache=seeded)
    [item] = json.loads(as_json.stdout)
    assert item["code"] == "undefined_citation" and item["line"] == 3


def test_cli_export_exit_codes(seeded: Path, tmp_path: Path) -> None:
    ok = run_cli("export", str(SEEDS), "-o", str(tmp_path / "out"), env_cache=seeded)
    assert ok.returncode == 0, ok.stderr
    assert "25 papers written" in ok.stderr
    usage = run_cli("export", str(SEEDS), "-o", str(tmp_path / "out"), "--formats", "docx", env_cache=seeded)
    assert usage.returncode == 2
    assert "Traceback" not in usage.stderr


def test_cli_retry_options_reach_the_client(seeded: Path, tmp_path: Path) -> None:
    """--max-retries 0 against a dead endpoint: one attempt, exit 3 (could not verify), no traceback."""
    notes = tmp_path / "notes.md"
    notes.write_text("Uncached: arXiv:2101.00001\n", encoding="utf-8")
    import os

    env = dict(os.environ, ARXREF_CACHE=str(seeded), ARXREF_API_URL=dead_endpoint(), ARXREF_REQUEST_INTERVAL="0")
    env.pop("ARXREF_OFFLINE", None)
    result = subprocess.run([sys.executable, "-m", "arxref", "check", str(notes), "--max-retries", "0",
                             "--timeout", "2"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{notes}:1:" in result.stdout and "could not verify" in result.stdout
