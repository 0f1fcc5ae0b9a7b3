"""`arxref export`: exit codes and the summary line (run as a process)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def run_cli(*args: str, env_cache: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ARXREF_CACHE=str(env_cache), ARXREF_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "arxref", *args], capture_output=True, text=True, env=env)


def test_cli_export_exit_codes(seeded: Path, tmp_path: Path) -> None:
    ok = run_cli("export", str(SEEDS), "-o", str(tmp_path / "out"), env_cache=seeded)
    assert ok.returncode == 0, ok.stderr
    assert "25 papers written" in ok.stderr
    usage = run_cli("export", str(SEEDS), "-o", str(tmp_path / "out"), "--formats", "docx", env_cache=seeded)
    assert usage.returncode == 2
    assert "Traceback" not in usage.stderr


def test_export_with_no_readable_input_exits_1_and_keeps_the_old_outputs(seeded: Path, tmp_path: Path) -> None:
    binary = tmp_path / "scan.pdf.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    out = tmp_path / "out"
    out.mkdir()
    (out / "references.bib").write_text("% the user's bibliography\n", encoding="utf-8")
    run = run_cli("export", str(binary), "-o", str(out), env_cache=seeded)
    assert run.returncode == 1, run.stderr
    assert "arxref: error: no input file could be read" in run.stderr and "binary" in run.stderr
    assert (out / "references.bib").read_text(encoding="utf-8") == "% the user's bibliography\n"
    assert sorted(p.name for p in out.iterdir()) == ["references.bib"]


def test_a_corrupt_cache_has_its_own_exit_code(tmp_path: Path) -> None:
    cache = tmp_path / "arxref.sqlite"
    cache.write_bytes(b"this is not an SQLite database, just some text" * 100)
    run = run_cli("export", str(SEEDS), "-o", str(tmp_path / "out"), env_cache=cache)
    assert run.returncode == 4, run.stderr
    assert str(cache) in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("damage", [
    "UPDATE papers SET authors = 'not json' WHERE arxiv_id = '2107.03374'",
    "UPDATE papers SET authors = CAST(X'5B22FF225D' AS TEXT) WHERE arxiv_id = '2107.03374'",  # not UTF-8
    "UPDATE papers SET authors = '[1, 2]' WHERE arxiv_id = '2107.03374'",
    "UPDATE papers SET published = 'yesterday' WHERE arxiv_id = '2107.03374'",
])
def test_a_damaged_paper_row_is_a_corrupt_cache_not_a_traceback(seeded: Path, tmp_path: Path, damage: str) -> None:
    """A row edited or damaged by hand: exit 4, one line naming the cache file and the paper."""
    with sqlite3.connect(seeded) as conn:
        conn.execute(damage)
    conn.close()
    run = run_cli("export", str(SEEDS), "-o", str(tmp_path / "out"), env_cache=seeded)
    assert run.returncode == 4, run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert str(seeded) in run.stderr and "paper 2107.03374" in run.stderr
    out = tmp_path / "out"
    assert not out.exists() or not any(out.iterdir())  # nothing half-written


def test_cli_export_bib_flavor_and_kept_entries(seeded: Path, tmp_path: Path) -> None:
    """--bib-flavor picks the preprint fields; a book in the input is kept as written, not a problem."""
    bib = tmp_path / "refs.bib"
    bib.write_text("% mine\n@book{knuth1984, title = {The {\\TeX}book}, author = {Knuth, Donald E.}, year = 1984}\n"
                   "@misc{codex, title = {Evaluating Large Language Models Trained on Code}, eprint = {2107.03374}}\n",
                   encoding="utf-8")
    out = tmp_path / "out"
    run = run_cli("export", str(bib), "-o", str(out), "--formats", "bib", "--bib-flavor", "biblatex",
                  env_cache=seeded)
    assert run.returncode == 0, run.stderr
    assert run.stderr.strip().endswith("; 1 entry kept as written")
    text = (out / "references.bib").read_text(encoding="utf-8")
    assert text.startswith("% mine\n@book{knuth1984, title = {The {\\TeX}book}, author = {Knuth, Donald E.}, "
                           "year = 1984}\n")
    assert "  eprint = {2107.03374},\n  eprinttype = {arxiv},\n  eprintclass = {cs.LG},\n" in text
    default = run_cli("export", str(bib), "-o", str(out), "--formats", "bib", env_cache=seeded)
    assert default.returncode == 0, default.stderr
    assert "  howpublished = {arXiv:2107.03374 [cs.LG]},\n" in (out / "references.bib").read_text(encoding="utf-8")
    bad = run_cli("export", str(bib), "-o", str(out), "--bib-flavor", "natbib", env_cache=seeded)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_cli_export_reports_a_conflict_with_exit_1(seeded: Path, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{brown2020language,\n  title = {Language Models are Few-Shot Learners},\n"
                   "  journal = {arXiv preprint arXiv:2108.02818},\n}\n", encoding="utf-8")
    run = run_cli("export", str(bib), "-o", str(tmp_path / "out"), env_cache=seeded)
    assert run.returncode == 1, run.stderr
    assert (f'{bib}:1:1: error: conflict: brown2020language: journal 2108.02818 is "Evaluating CLIP\u2026", '
            'the entry says "Language Models are Few-Shot Learners"') in run.stderr
    assert "corrected" not in run.stderr
    check = subprocess.run([sys.executable, "-m", "arxref", "check", str(bib)], capture_output=True, text=True,
                           env=dict(os.environ, ARXREF_CACHE=str(seeded), ARXREF_OFFLINE="1"))
    assert check.returncode == 1
    assert 'error: conflict: brown2020language: journal 2108.02818 is "Evaluating CLIP' in check.stdout


def test_bib_abstracts_option_reaches_the_bib_only(seeded: Path, tmp_path: Path) -> None:
    plain = run_cli("export", str(SEEDS), "-o", str(tmp_path / "plain"), "-q", env_cache=seeded)
    rich = run_cli("export", str(SEEDS), "-o", str(tmp_path / "rich"), "-q", "--bib-abstracts", env_cache=seeded)
    assert plain.returncode == rich.returncode == 0, rich.stderr
    assert "abstract =" not in (tmp_path / "plain" / "references.bib").read_text(encoding="utf-8")
    assert (tmp_path / "rich" / "references.bib").read_text(encoding="utf-8").count("  abstract = {") == 25
    for name in ("references.json", "references.ris"):
        assert (tmp_path / "plain" / name).read_bytes() == (tmp_path / "rich" / name).read_bytes()


def test_export_to_stdout_writes_one_format(seeded: Path, tmp_path: Path) -> None:
    """`-o -` writes the one format chosen to stdout, byte for byte what the file would hold."""
    files = run_cli("export", str(SEEDS), "-o", str(tmp_path / "out"), env_cache=seeded)
    assert files.returncode == 0, files.stderr
    for fmt, suffix in (("bib", "bib"), ("json", "json"), ("ris", "ris")):
        env = dict(os.environ, ARXREF_CACHE=str(seeded), ARXREF_OFFLINE="1")
        piped = subprocess.run([sys.executable, "-m", "arxref", "export", str(SEEDS), "-o", "-", "--formats", fmt],
                               capture_output=True, env=env)
        assert piped.returncode == 0, piped.stderr
        assert piped.stdout == (tmp_path / "out" / f"references.{suffix}").read_bytes()
        assert b"25 papers written" in piped.stderr and b"wrote" not in piped.stderr
    assert not (tmp_path / "-").exists() and not Path("-").exists()


def test_export_to_stdout_takes_exactly_one_format(seeded: Path, tmp_path: Path) -> None:
    for formats in (("--formats", "bib,json"), ()):
        run = run_cli("export", str(SEEDS), "-o", "-", *formats, env_cache=seeded)
        assert run.returncode == 2 and run.stdout == ""
        [line] = run.stderr.splitlines()
        assert line.startswith("arxref: error: -o - writes one format to stdout") and "--formats" in line
