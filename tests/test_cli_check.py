"""`arxref check`: text, GitHub and JSON findings, exit codes, options reaching the client (run as a process)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from paper_support import write_manuscript

def dead_endpoint() -> str:
    """A loopback URL where nothing listens (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/query"


def run_cli(*args: str, env_cache: Path) -> subprocess.CompletedProcess[str]:
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


def test_cli_retry_options_reach_the_client(seeded: Path, tmp_path: Path) -> None:
    """--max-retries 0 against a dead endpoint: one attempt, exit 3 (could not verify), no traceback."""
    notes = tmp_path / "notes.md"
    notes.write_text("Uncached: arXiv:2101.00001\n", encoding="utf-8")
    env = dict(os.environ, ARXREF_CACHE=str(seeded), ARXREF_API_URL=dead_endpoint(), ARXREF_REQUEST_INTERVAL="0")
    env.pop("ARXREF_OFFLINE", None)
    result = subprocess.run([sys.executable, "-m", "arxref", "check", str(notes), "--max-retries", "0",
                             "--timeout", "2"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{notes}:1:" in result.stdout and "could not verify" in result.stdout


def test_cli_check_prints_notes_as_info_and_github_notices(seeded: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("See hep-th/2107.03374 for Codex.\n", encoding="utf-8")
    text = run_cli("check", str(notes), env_cache=seeded)
    assert text.returncode == 0, text.stderr
    assert f"{notes}:1:5: info: hep-th/2107.03374 read as 2107.03374" in text.stdout
    assert text.stderr.strip().endswith("0 error(s), 0 warning(s), 1 note(s)")
    github = run_cli("check", str(notes), "--format", "github", env_cache=seeded)
    assert github.stdout.startswith("::notice file=") and "title=arxref archive_prefix::" in github.stdout
