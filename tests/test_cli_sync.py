"""`arxref sync` as a process: what it prints, its exit codes, and the help that documents them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from proc_support import run_unblocked


SRC = Path(__file__).resolve().parent.parent / "src"


def cli_env(cache: Path) -> dict[str, str]:
    """Offline, on ``cache``, running this checkout's arxref from any working directory (a relative
    PYTHONPATH would otherwise find the installed one)."""
    path = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    return dict(os.environ, ARXREF_CACHE=str(cache), ARXREF_OFFLINE="1", PYTHONPATH=path)


def run_cli(*args: str, cache: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "arxref", *args], capture_output=True, text=True, env=cli_env(cache),
                          cwd=cwd)


def test_cli_sync_prints_what_it_adds_then_is_up_to_date(seeded: Path, tmp_path: Path) -> None:
    (tmp_path / "paper.tex").write_text("\\documentclass{article}\n\\begin{document}\n"
                                        "\\cite{2108.02818}\n\\bibliography{refs}\n\\end{document}\n", encoding="utf-8")
    check = run_cli("sync", "paper.tex", "--check", cache=seeded, cwd=tmp_path)
    assert check.returncode == 1, check.stderr
    assert "refs.bib: does not exist" in check.stdout
    assert "refs.bib: missing 2108.02818 (Agarwal et al. 2021, arXiv:2108.02818)" in check.stdout
    assert "run `arxref sync paper.tex`" in check.stderr and not (tmp_path / "refs.bib").exists()
    done = run_cli("sync", "paper.tex", cache=seeded, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["refs.bib: created (named by the document)",
                                        "refs.bib: added 2108.02818 (Agarwal et al. 2021, arXiv:2108.02818)"]
    again = run_cli("sync", "paper.tex", "--check", cache=seeded, cwd=tmp_path)
    assert again.returncode == 0 and again.stdout == "" and "up to date" in again.stderr


def test_cli_sync_errors_are_one_line_with_their_exit_codes(seeded: Path, tmp_path: Path) -> None:
    (tmp_path / "paper.tex").write_text("\\cite{nokey,2108.02818}\n\\bibliography{refs}\n", encoding="utf-8")
    (tmp_path / "refs.bib").write_text("@misc{a,\n  title = {x\n", encoding="utf-8")
    broken = run_cli("sync", "paper.tex", cache=seeded, cwd=tmp_path)
    assert broken.returncode == 2 and broken.stdout == ""
    assert broken.stderr.startswith("arxref: error: refs.bib:1: entry could not be parsed") and \
        broken.stderr.count("\n") == 1 and "Traceback" not in broken.stderr
    (tmp_path / "refs.bib").write_text("", encoding="utf-8")
    undefined = run_cli("sync", "paper.tex", cache=seeded, cwd=tmp_path)
    assert undefined.returncode == 1
    assert undefined.stdout.splitlines()[0] == ("paper.tex:1:7: error: citation 'nokey' is not in refs.bib; "
                                                "not an arXiv id, so sync cannot add it")
    (tmp_path / "other.tex").write_text("\\cite{2101.00001}\n\\bibliography{refs}\n", encoding="utf-8")
    offline = run_cli("sync", "other.tex", cache=seeded, cwd=tmp_path)
    assert offline.returncode == 3 and "could not get arXiv:2101.00001" in offline.stdout


def test_cli_sync_is_listed_and_documented() -> None:
    listing = subprocess.run([sys.executable, "-m", "arxref", "--help"], capture_output=True, text=True)
    assert "sync" in listing.stdout
    helped = subprocess.run([sys.executable, "-m", "arxref", "sync", "--help"], capture_output=True, text=True)
    for option in ("--bib", "--check", "--dry-run", "--offline"):
        assert option in helped.stdout
    assert "Exit status" in helped.stdout


def test_cli_sync_refuses_a_fifo_or_device_bibliography_in_one_line(seeded: Path, tmp_path: Path) -> None:
    """A FIFO named refs.bib would block sync forever; ``refs.bib -> /dev/zero`` would eat all memory."""
    (tmp_path / "paper.tex").write_text("\\cite{2108.02818}\n\\bibliography{refs}\n", encoding="utf-8")
    os.mkfifo(tmp_path / "refs.bib")
    proc = run_unblocked([sys.executable, "-m", "arxref", "sync", "paper.tex"], "sync blocked on a FIFO named refs.bib",
                         env=cli_env(seeded), cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr == "arxref: error: refs.bib: not a regular file (FIFO, socket or device)\n"


def test_cli_sync_updates_the_file_a_symlinked_bibliography_points_to(seeded: Path, tmp_path: Path) -> None:
    """``refs.bib -> ../common/all.bib``: the linked file gets the entry, the link stays a link."""
    linked = tmp_path / "common" / "all.bib"
    linked.parent.mkdir()
    linked.write_text("% my bibliography\n@book{knuth, title = {TAOCP}}\n", encoding="utf-8")
    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "refs.bib").symlink_to("../common/all.bib")
    (paper / "paper.tex").write_text("\\cite{2108.02818}\n\\bibliography{refs}\n", encoding="utf-8")
    done = run_cli("sync", "paper.tex", cache=seeded, cwd=paper)
    assert done.returncode == 0, done.stderr
    assert (paper / "refs.bib").is_symlink()
    text = linked.read_text(encoding="utf-8")
    assert text.startswith("% my bibliography\n@book{knuth, title = {TAOCP}}\n\n@misc{2108.02818,")


def test_cli_sync_leaves_a_read_only_bibliography_alone(seeded: Path, tmp_path: Path) -> None:
    """A .bib the user made read-only is not replaced behind their back (a rename would bypass the mode)."""
    bib = tmp_path / "refs.bib"
    bib.write_text("@book{knuth, title = {TAOCP}}\n", encoding="utf-8")
    bib.chmod(0o444)
    (tmp_path / "paper.tex").write_text("\\cite{2108.02818}\n\\bibliography{refs}\n", encoding="utf-8")
    proc = run_cli("sync", "paper.tex", cache=seeded, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == "arxref: error: refs.bib: read-only file; not touched (make it writable, then run sync again)\n"
    assert bib.read_text(encoding="utf-8") == "@book{knuth, title = {TAOCP}}\n"
    dry = run_cli("sync", "paper.tex", "--dry-run", cache=seeded, cwd=tmp_path)
    assert dry.returncode == 0 and "would add 2108.02818" in dry.stdout
