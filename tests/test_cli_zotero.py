"""`arxref zotero push` as a process: output, exit codes, and the API key never shown or stored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakezotero import FakeConnector, FakeZotero, Fault, drip, free_port, silent, status
from zotero_support import LIBRARY, ids_file

from arxref.model import Paper

SECRET = "sEcReT-key-0f1e2d3c4b5a69788796a5"


def run_cli(*args: str, cache: Path, key: str | None = SECRET, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ZOTERO_", "ARXREF_"))}
    environ.update(ARXREF_CACHE=str(cache), ARXREF_OFFLINE="1", **env)
    if key is not None:
        environ["ZOTERO_API_KEY"] = key
    return subprocess.run([sys.executable, "-m", "arxref", "zotero", "push", *args], capture_output=True, text=True,
                          env=environ, timeout=120)


@pytest.fixture
def server() -> FakeZotero:
    fake = FakeZotero(api_key=SECRET).start()
    yield fake  # type: ignore[misc]
    fake.stop()


@pytest.fixture
def reading_list(tmp_path: Path, seed_papers: dict[str, Paper]) -> Path:
    return ids_file(tmp_path, list(seed_papers.values()))


def _no_secret(*results: subprocess.CompletedProcess[str]) -> None:
    for result in results:
        assert SECRET not in result.stdout and SECRET not in result.stderr


def test_push_then_push_again(server: FakeZotero, seeded: Path, reading_list: Path) -> None:
    first = run_cli(str(reading_list), "--library", LIBRARY, "--collection", "arXiv", cache=seeded,
                    ARXREF_ZOTERO_URL=server.url)
    assert first.returncode == 0, first.stderr
    assert "arxref: user:1234567: 25 added, 0 updated, 0 already in library, 0 failed" in first.stderr
    assert "added arXiv:2107.03374 (item " in first.stderr and "note: created collection 'arXiv'" in first.stderr
    again = run_cli(str(reading_list), "--library", LIBRARY, "--collection", "arXiv", "-q", cache=seeded,
                    ARXREF_ZOTERO_URL=server.url)
    assert again.returncode == 0 and again.stderr.strip().splitlines() == [
        "arxref: user:1234567: 0 added, 0 updated, 25 already in library, 0 failed"]
    _no_secret(first, again)
    # nothing under the cache directory holds the key
    for path in seeded.parent.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_dry_run_lists_what_would_be_added(server: FakeZotero, seeded: Path, reading_list: Path) -> None:
    result = run_cli(str(reading_list), "--library", LIBRARY, "--dry-run", "--zotero-url", server.url, cache=seeded)
    assert result.returncode == 0
    assert "would add arXiv:2107.03374 'Evaluating Large Language Models Trained on Code'" in result.stderr
    assert "would add 25, would update 0, 0 already in library" in result.stderr
    assert server.requests("POST") == []


def test_a_failed_item_exits_1(server: FakeZotero, seeded: Path, reading_list: Path) -> None:
    server.fail_items["arXiv:2107.03374"] = (400, "'title' is too long")
    result = run_cli(str(reading_list), "--library", LIBRARY, "-q", cache=seeded, ARXREF_ZOTERO_URL=server.url)
    assert result.returncode == 1
    assert "failed arXiv:2107.03374 'Evaluating Large Language Models Trained on Code': 400: 'title' is too long" \
        in result.stderr
    assert "24 added, 0 updated, 0 already in library, 1 failed" in result.stderr
    _no_secret(result)


def test_usage_errors_exit_2(server: FakeZotero, seeded: Path, reading_list: Path) -> None:
    no_library = run_cli(str(reading_list), cache=seeded, ARXREF_ZOTERO_URL=server.url)
    assert no_library.returncode == 2 and "--library user:ID|group:ID is required" in no_library.stderr
    no_key = run_cli(str(reading_list), "--library", LIBRARY, cache=seeded, key=None, ARXREF_ZOTERO_URL=server.url)
    assert no_key.returncode == 2 and "ZOTERO_API_KEY is not set" in no_key.stderr
    bad_library = run_cli(str(reading_list), "--library", "me", cache=seeded, ARXREF_ZOTERO_URL=server.url)
    assert bad_library.returncode == 2 and "expected user:ID or group:ID" in bad_library.stderr
    wrong_key = run_cli(str(reading_list), "--library", LIBRARY, cache=seeded, key=SECRET[::-1],
                        ARXREF_ZOTERO_URL=server.url)
    assert wrong_key.returncode == 2 and "refused access to user:1234567 (403 Invalid key)" in wrong_key.stderr
    assert SECRET[::-1] not in wrong_key.stderr + wrong_key.stdout
    for result in (no_library, no_key, bad_library, wrong_key):
        assert "Traceback" not in result.stderr
    _no_secret(no_library, bad_library, wrong_key)


def test_zotero_unreachable_exits_3(seeded: Path, reading_list: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run_cli(str(reading_list), "--library", LIBRARY, "--zotero-url", url, "--max-retries", "0", cache=seeded)
    assert result.returncode == 3 and "could not be reached" in result.stderr and "Traceback" not in result.stderr
    desktop = run_cli(str(reading_list), "--desktop", "--desktop-url", url, cache=seeded, key=None)
    assert desktop.returncode == 3 and "Zotero is not running" in desktop.stderr
    _no_secret(result)


def test_desktop_push(seeded: Path, reading_list: Path) -> None:
    with FakeConnector(collections={3: "Inbox"}) as fake:
        result = run_cli(str(reading_list), "--desktop", "--collection", "Inbox", "-q", cache=seeded, key=None,
                         ARXREF_ZOTERO_DESKTOP_URL=fake.url)
        assert result.returncode == 0, result.stderr
        assert "Zotero desktop: 25 added" in result.stderr
        assert len(fake.library.items) == 25
        both = run_cli(str(reading_list), "--desktop", "--library", LIBRARY, cache=seeded, key=None,
                       ARXREF_ZOTERO_DESKTOP_URL=fake.url)
        assert both.returncode == 2 and "use one or the other" in both.stderr


@pytest.mark.parametrize("fault", [drip(1.0), silent()], ids=["dripping-body", "never-answers"])
def test_a_zotero_that_hangs_gives_up_within_the_retries(server: FakeZotero, seeded: Path, reading_list: Path,
                                                         fault: Fault) -> None:
    """--timeout is the whole request: a byte a second never ends a read, yet the run ends (hang guard: run_cli)."""
    server.inject(fault, times=10)
    args = (str(reading_list), "--library", LIBRARY, "--zotero-url", server.url, "--timeout", "2", "--max-retries", "1")
    result = run_cli(*args, cache=seeded)
    assert result.returncode == 3, result.stderr
    assert result.stderr.splitlines() == [
        "arxref: the Zotero Web API did not answer within 2 s; retrying in 2.0 s (1 of 1)",
        f"arxref: error: the Zotero Web API at {server.url} could not be reached: no answer within 2 s "
        "(gave up after 2 attempts)"]
    assert len(server.requests()) == 2
    quiet = run_cli(*args, "-q", cache=seeded)
    assert quiet.returncode == 3 and len(quiet.stderr.splitlines()) == 1 and "could not be reached" in quiet.stderr
    _no_secret(result, quiet)


def test_each_retry_is_one_line_on_stderr(server: FakeZotero, seeded: Path, reading_list: Path) -> None:
    server.inject(status(503, Retry_After="1"), times=2)
    result = run_cli(str(reading_list), "--library", LIBRARY, "--zotero-url", server.url, cache=seeded)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert [line for line in lines if "retrying" in line] == [
        "arxref: the Zotero Web API answered 503; retrying in 1.0 s (1 of 5)",
        "arxref: the Zotero Web API answered 503; retrying in 1.0 s (2 of 5)"]
    assert lines[-1] == "arxref: user:1234567: 25 added, 0 updated, 0 already in library, 0 failed"


def test_verbose_shows_each_zotero_request_without_the_key(server: FakeZotero, seeded: Path,
                                                            reading_list: Path) -> None:
    quiet = run_cli(str(reading_list), "--library", LIBRARY, "--zotero-url", server.url, "--dry-run", cache=seeded)
    before = len(server.requests())
    verbose = run_cli(str(reading_list), "--library", LIBRARY, "--zotero-url", server.url, "--dry-run", "-v",
                      cache=seeded)
    assert quiet.returncode == verbose.returncode == 0, verbose.stderr
    requests = [line for line in verbose.stderr.splitlines() if line.startswith("arxref: Zotero request ")]
    assert len(requests) == len(server.requests()) - before > 0  # one line per request the server saw
    assert all(" -> HTTP 200, " in line for line in requests), requests
    assert not [line for line in quiet.stderr.splitlines() if line.startswith("arxref: Zotero request ")]
    _no_secret(quiet, verbose)
    both = run_cli(str(reading_list), "--library", LIBRARY, "--zotero-url", server.url, "-v", "-q", cache=seeded)
    assert both.returncode == 2 and both.stderr == "arxref: error: -v/--verbose and -q/--quiet cannot be combined\n"
