"""Unreachable arXiv fails fast and says so; retries are announced; -v shows requests, -q silences both.

The network commands (fetch, resolve, check, export) all run as processes here, with arXiv's
default interval (3 s) and retries (5) where the point is how long a dead endpoint costs.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import fakearxiv
from arxref.cli import cli
from arxref.cli.progress import ProgressPrinter
from fakearxiv import FakeArxiv

#: Far less than one backoff cycle with the defaults (3 + 6 + 12 + 24 + 48 s = 93 s), far more than
#: the one quick retry takes (the 3 s interval): a run that hits it backed off instead of giving up.
BACKOFF_WOULD_TAKE_LONGER = 45


def closed_port_url() -> str:
    """A loopback URL where nothing listens (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/query"


def run_cli(*args: str, cache: Path, api_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "ARXREF_CACHE": str(cache), "ARXREF_API_URL": api_url, **env}
    environment.pop("ARXREF_OFFLINE", None)
    environment.pop("ARXREF_REQUEST_INTERVAL", None)  # arXiv's 3 s, unless a test sets it
    environment.update(env)
    return subprocess.run([sys.executable, "-m", "arxref", *args], capture_output=True, text=True,
                          env=environment, timeout=BACKOFF_WOULD_TAKE_LONGER)


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    path = tmp_path / "notes.md"
    path.write_text("Codex is arXiv:2107.03374 and GPT-3 is arXiv:2005.14165.\n", encoding="utf-8")
    return path


def test_check_against_a_closed_port_gives_up_after_one_quick_retry(notes: Path, tmp_path: Path) -> None:
    url = closed_port_url()
    result = run_cli("check", str(notes), cache=tmp_path / "c.sqlite", api_url=url)
    assert result.returncode == 3, result.stderr
    port = url.split(":")[2].split("/")[0]
    retries = [line for line in result.stderr.splitlines() if "retrying" in line]
    assert retries == [f"arxref: cannot reach 127.0.0.1:{port}: connection refused; retrying in 3.0 s (1 of 1)"]
    assert "connection refused (gave up after 2 attempts)" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["fetch", "2107.03374"], ["resolve", "{notes}"], ["export", "{notes}", "-o", "{out}"]])
def test_every_network_command_fails_fast_on_a_name_that_does_not_resolve(command: list[str], notes: Path,
                                                                           tmp_path: Path) -> None:
    args = [part.replace("{notes}", str(notes)).replace("{out}", str(tmp_path / "out")) for part in command]
    result = run_cli(*args, cache=tmp_path / "c.sqlite", api_url="http://nonexistent.invalid/api/query")
    assert result.returncode == 3, result.stderr
    retries = [line for line in result.stderr.splitlines() if "retrying" in line]
    assert len(retries) == 1 and "nonexistent.invalid: the name does not resolve" in retries[0]
    assert retries[0].endswith("; retrying in 3.0 s (1 of 1)")


def test_503_retries_are_announced_at_default_verbosity(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    fake_arxiv.inject(fakearxiv.status(503), times=2)
    result = run_cli("fetch", "2107.03374", "--request-interval", "0.1", cache=tmp_path / "c.sqlite",
                     api_url=fake_arxiv.url)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "arxref: arXiv answered 503; retrying in " + lines[0].split("retrying in ")[1]
    assert lines[0].endswith(" s (1 of 5)") and lines[1].endswith(" s (2 of 5)")
    assert len(lines) == 2 and "arXiv request" not in result.stderr


def test_verbose_shows_each_request_and_quiet_shows_nothing(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    fake_arxiv.inject(fakearxiv.status(503))
    verbose = run_cli("fetch", "2107.03374", "2005.14165", "-v", "--request-interval", "0", "--batch-size", "1",
                      cache=tmp_path / "c.sqlite", api_url=fake_arxiv.url)
    assert verbose.returncode == 0, verbose.stderr
    requests = [line for line in verbose.stderr.splitlines() if line.startswith("arxref: arXiv request ")]
    assert len(requests) == 3 == len(fake_arxiv.requests())
    assert " -> HTTP 503, " in requests[0] and " -> HTTP 200, " in requests[1]
    assert "id_list=2107.03374" in requests[0] + requests[1] and "id_list=2005.14165" in requests[2]
    assert "arXiv answered 503; retrying" in verbose.stderr
    fake_arxiv.inject(fakearxiv.status(503))
    quiet = run_cli("fetch", "2103.00020", "-q", "--request-interval", "0", cache=tmp_path / "c.sqlite",
                    api_url=fake_arxiv.url)
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert quiet.stdout.startswith("arXiv:2103.00020")


def test_verbose_and_quiet_together_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(tmp_path), "-v", "-q"])
    assert result.exit_code == 2
    assert result.stderr == "arxref: error: -v/--verbose and -q/--quiet cannot be combined\n"


def test_a_retry_line_goes_above_the_progress_line() -> None:
    terminal = io.StringIO()
    printer = ProgressPrinter(terminal)
    printer("fetch", 1, 4)
    assert ProgressPrinter.active is printer
    printer.print_above("arxref: arXiv answered 503; retrying in 3.0 s (1 of 5)")
    printer.close()
    assert ProgressPrinter.active is None
    screen = terminal.getvalue().split("\r")
    assert screen[-2].startswith("arxref: arXiv answered 503; retrying in 3.0 s (1 of 5)")
    assert screen[-2].endswith("\n") and screen[-1].startswith("   fetch [") and screen[-1].endswith("1/4\n")
