"""arxref.ratelimit: turns are spaced by the interval and never overlap, across processes and threads."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

from arxref.ratelimit import RequestGate, lock_name

INTERVAL = 0.25


def _take_turns(lock_dir: str, log_path: str, turns: int) -> None:
    gate = RequestGate(lock_dir, "http://127.0.0.1:8123/api/query", INTERVAL)
    for _ in range(turns):
        with gate.turn():
            start = time.time()
            time.sleep(0.02)  # the "request"
            end = time.time()
        with open(log_path, "a", encoding="ascii") as log:
            log.write(f"{start:.6f} {end:.6f}\n")


def _spans(log_path: Path) -> list[tuple[float, float]]:
    spans = [tuple(map(float, line.split())) for line in log_path.read_text(encoding="ascii").splitlines()]
    return sorted(spans)  # type: ignore[arg-type]


def _assert_spaced(spans: list[tuple[float, float]]) -> None:
    for (_, previous_end), (start, _) in zip(spans, spans[1:]):
        assert start >= previous_end, "two requests overlapped"
        # the recorded end is taken just after the request; allow the clock's granularity only
        assert start - previous_end >= INTERVAL - 0.01, f"gap {start - previous_end:.3f} s < {INTERVAL} s"


def test_lock_name_is_per_host_and_port() -> None:
    assert lock_name("http://export.arxiv.org/api/query") == "export.arxiv.org.lock"
    assert lock_name("http://127.0.0.1:8123/api/query") == "127.0.0.1_8123.lock"
    assert lock_name("http://127.0.0.1:8124/api/query") != lock_name("http://127.0.0.1:8123/api/query")


def test_processes_sharing_a_lock_dir_stay_an_interval_apart(tmp_path: Path) -> None:
    log_path = tmp_path / "log.txt"
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_take_turns, args=(str(tmp_path), str(log_path), 3)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    spans = _spans(log_path)
    assert len(spans) == 12
    _assert_spaced(spans)


def test_threads_with_their_own_gates_stay_an_interval_apart(tmp_path: Path) -> None:
    log_path = tmp_path / "log.txt"
    threads = [threading.Thread(target=_take_turns, args=(str(tmp_path), str(log_path), 2)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    spans = _spans(log_path)
    assert len(spans) == 6
    _assert_spaced(spans)


def test_a_later_run_waits_for_the_previous_runs_request(tmp_path: Path) -> None:
    slept: list[float] = []
    now = [1000.0]
    first = RequestGate(tmp_path, "http://h/api", 3.0, sleep=slept.append, clock=lambda: now[0])
    with first.turn():
        pass
    now[0] += 1.0
    second = RequestGate(tmp_path, "http://h/api", 3.0, sleep=slept.append, clock=lambda: now[0])
    with second.turn():
        pass
    assert slept == [2.0]


def test_a_stamp_in_the_future_never_waits_longer_than_one_interval(tmp_path: Path) -> None:
    (tmp_path / "h.lock").write_text("99999999999.0\n", encoding="ascii")
    slept: list[float] = []
    gate = RequestGate(tmp_path, "http://h/api", 3.0, sleep=slept.append, clock=lambda: 1000.0)
    with gate.turn():
        pass
    assert slept == [3.0]


def test_backoff_longer_than_the_interval_is_kept(tmp_path: Path) -> None:
    slept: list[float] = []
    gate = RequestGate(tmp_path, "http://h/api", 3.0, sleep=slept.append, clock=lambda: 1000.0)
    with gate.turn(at_least=7.5):
        pass
    assert slept == [7.5]


def test_unwritable_lock_dir_falls_back_to_the_process(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="ascii")
    slept: list[float] = []
    now = [1000.0]
    gate = RequestGate(blocker / "sub", "http://h/api", 3.0, sleep=slept.append, clock=lambda: now[0])
    with gate.turn():
        pass
    with gate.turn():
        pass
    assert slept == [3.0]
