"""Several `arxref` processes on one machine: arXiv sees one request at a time, an interval apart.

Real processes (subprocesses of the installed CLI) against the loopback fake arXiv; the
verdicts come from the fake's own request log (arrival and finish times on one clock).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import fakearxiv
from fakearxiv import FakeArxiv

from arxref.client import ArxivClient
from arxref.config import Settings

INTERVAL = 0.5
#: The client records a request's end after the server's last byte; arrival is after the client's
#: send. Clock granularity and scheduling can only make the measured gap larger, never smaller,
#: except for the few microseconds between the server's "finished" stamp and its last write.
SLACK = 0.02


def _env(server: FakeArxiv, cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(ARXREF_API_URL=server.url, ARXREF_CACHE=str(cache), ARXREF_REQUEST_INTERVAL=str(INTERVAL),
               ARXREF_OFFLINE="0")
    return env


def _assert_one_at_a_time(server: FakeArxiv) -> None:
    log = sorted(server.requests(), key=lambda r: r.time)
    for previous, current in zip(log, log[1:]):
        assert previous.finished is not None
        assert current.time >= previous.finished, "two requests overlapped"
        assert current.time - previous.finished >= INTERVAL - SLACK, (
            f"gap {current.time - previous.finished:.3f} s < {INTERVAL} s")


def test_four_fetch_processes_sharing_a_cache_keep_the_interval(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    ids = ["2107.03374", "2005.14165", "2103.00020", "2108.02818"]
    env = _env(fake_arxiv, tmp_path / "cache" / "arxref.sqlite")
    runs = [subprocess.Popen([sys.executable, "-m", "arxref", "fetch", "--batch-size", "1", i, j],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for i, j in zip(ids, reversed(ids))]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err.decode()
    assert len(fake_arxiv.requests()) >= 5  # each process asks for what is not cached yet
    _assert_one_at_a_time(fake_arxiv)


def test_threads_with_their_own_clients_keep_the_interval(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    settings = Settings(api_url=fake_arxiv.url, cache_path=tmp_path / "c.sqlite", request_interval=INTERVAL)

    def fetch(arxiv_id: str) -> None:
        ArxivClient(settings).fetch_ids([arxiv_id])

    threads = [threading.Thread(target=fetch, args=(i,)) for i in ("2107.03374", "2005.14165", "2103.00020")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(fake_arxiv.requests()) == 3
    _assert_one_at_a_time(fake_arxiv)


def test_timeout_bounds_the_whole_request_on_the_command_line(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    """A server dripping a byte every 0.5 s: `--timeout 1 --max-retries 1` gives up after two attempts."""
    fake_arxiv.inject(fakearxiv.drip(0.5), times=5)
    env = _env(fake_arxiv, tmp_path / "c.sqlite")
    began = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "arxref", "fetch", "2107.03374", "--timeout", "1",
                          "--max-retries", "1"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 3, run.stderr
    assert "no answer within 1 s" in run.stderr
    first, second = fake_arxiv.requests()
    assert first.finished is not None and second.time >= first.finished
    assert time.monotonic() - began < 30  # not the minutes a drip takes to finish
