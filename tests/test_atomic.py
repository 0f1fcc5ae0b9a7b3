"""arxref.atomic: a target is always its old complete file or its new complete one."""

from __future__ import annotations

from pathlib import Path

import pytest

from arxref.atomic import write_atomically, write_atomically_many


def test_write_atomically_keeps_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "references.bib"
    target.write_text("old complete file\n", encoding="utf-8")

    def failing(stream: object) -> None:
        stream.write("half a bibliogr")  # type: ignore[attr-defined]
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_atomically(target, failing)
    assert target.read_text(encoding="utf-8") == "old complete file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["references.bib"]


def test_write_atomically_many_replaces_all_or_none(tmp_path: Path) -> None:
    targets = [tmp_path / "references.bib", tmp_path / "references.json"]
    for target in targets:
        target.write_text(f"old {target.suffix}\n", encoding="utf-8")

    def failing_in_second(streams: list) -> None:
        streams[0].write("complete first\n")
        streams[1].write("[half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_atomically_many(targets, failing_in_second)
    assert [t.read_text(encoding="utf-8") for t in targets] == ["old .bib\n", "old .json\n"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["references.bib", "references.json"]
    write_atomically_many(targets, lambda streams: [s.write(f"new {n}\n") for n, s in enumerate(streams)])
    assert [t.read_text(encoding="utf-8") for t in targets] == ["new 0\n", "new 1\n"]



def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid  # reaped: no process has this pid now (pids are not reused this fast)


def test_stale_temps_of_a_killed_run_are_removed_on_the_next_write(tmp_path: Path) -> None:
    import os
    import time

    target = tmp_path / "references.bib"
    dead = tmp_path / f".references.bib.{_dead_pid()}-abcd1234.tmp"
    live = tmp_path / f".references.bib.{os.getppid()}-live5678.tmp"
    old_style = tmp_path / ".references.bib.k2j4h5g6.tmp"
    fresh_old_style = tmp_path / ".references.bib.zz99yy88.tmp"
    other_target = tmp_path / f".references.ris.{_dead_pid()}-abcd1234.tmp"
    user_file = tmp_path / "references.bib.tmp"
    for path in (dead, live, old_style, fresh_old_style, other_target, user_file):
        path.write_text("partial", encoding="utf-8")
    two_hours_ago = time.time() - 7200
    os.utime(old_style, (two_hours_ago, two_hours_ago))

    write_atomically(target, lambda stream: stream.write("new\n"))

    assert target.read_text(encoding="utf-8") == "new\n"
    assert not dead.exists() and not old_style.exists()
    assert live.exists() and fresh_old_style.exists() and other_target.exists() and user_file.exists()


def test_temp_names_carry_the_writer_pid(tmp_path: Path) -> None:
    import os

    seen: list[str] = []
    write_atomically(tmp_path / "out.json", lambda stream: seen.extend(p.name for p in tmp_path.iterdir()))
    assert len(seen) == 1 and seen[0].startswith(f".out.json.{os.getpid()}-") and seen[0].endswith(".tmp")
