"""The forked write (arxref.formats.forked): a second process, byte-identical output.

Real metadata: the 25 seed papers (repeated under new keys where a test needs more entries).
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from arxref.formats import WriteOptions, forked, write_formats
from arxref.model import Entry


def _write_all(entries: list[Entry], processes: int | None, options: WriteOptions = WriteOptions()) -> dict[str, bytes]:
    streams = {f: io.BytesIO() for f in ("bib", "json", "ris")}
    write_formats(entries, streams, options, processes=processes)
    return {f: s.getvalue() for f, s in streams.items()}


needs_fork = pytest.mark.skipif(not hasattr(os, "fork") or sys.platform != "linux" or len(os.sched_getaffinity(0)) < 2,
                                reason="the forked write runs on Linux with two usable cores")


@needs_fork
@pytest.mark.parametrize("processes", [2, 3])
@pytest.mark.parametrize("options", [WriteOptions(), WriteOptions(ascii=True, prefer_published=True, max_authors=2)])
def test_forked_write_is_byte_identical(seed_entries: list[Entry], processes: int, options: WriteOptions) -> None:
    entries = [Entry(f"{e.key}-{n}", e.paper) for n in range(9) for e in seed_entries]  # real papers, repeated
    serial = _write_all(entries, 1, options)
    split = _write_all(entries, processes, options)
    assert split == serial
    assert len(json.loads(split["json"])) == len(entries)


@needs_fork
def test_a_failing_child_is_replaced_by_this_process(seed_entries: list[Entry], monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise MemoryError("SYNTHETIC: the child dies")

    entries = [Entry(f"{e.key}-{n}", e.paper) for n in range(4) for e in seed_entries]
    serial = _write_all(entries, 1)
    passes: list[int] = []
    real_pass = forked.write_pass
    monkeypatch.setattr(forked, "write_pass", lambda e, *rest: passes.append(len(e)) or real_pass(e, *rest))
    assert _write_all(entries, 2) == serial
    assert passes == [50]  # this process wrote only its half: the child wrote the other
    passes.clear()
    monkeypatch.setattr(forked, "child_pass", broken)  # the forked child inherits the broken function
    assert _write_all(entries, 2) == serial
    assert passes == [50, 50]  # ... and now this process wrote the child's half too


def test_text_streams_and_small_writes_stay_in_one_process(seed_entries: list[Entry],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise AssertionError("forked")

    monkeypatch.setattr(forked.os, "fork", no_fork)
    _write_all(seed_entries, None)  # below PARALLEL_MIN_ENTRIES
    text = {f: io.StringIO() for f in ("bib", "json", "ris")}
    write_formats(seed_entries * 2, text, processes=2)  # text streams: never forked
    assert len(json.loads(text["json"].getvalue())) == 50


@needs_fork
def test_process_count(monkeypatch: pytest.MonkeyPatch) -> None:
    binary = {"bib": io.BytesIO()}
    assert forked.process_count(binary, 10, None) == 1  # below PARALLEL_MIN_ENTRIES
    assert forked.process_count(binary, forked.PARALLEL_MIN_ENTRIES, None) == 2
    assert forked.process_count(binary, 10, 3) == 3
    assert forked.process_count(binary, 1, 3) == 1  # nothing to split
    assert forked.process_count(binary, 10**6, 1) == 1
    assert forked.process_count({"bib": io.StringIO()}, 10**6, None) == 1  # text streams: never forked
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert forked.process_count(binary, 10**6, 2) == 1  # another thread could hold a lock in the child


def test_append_file_to_a_regular_file_and_to_a_buffer(tmp_path: Path) -> None:
    """The child's bytes reach a real file through sendfile, a BytesIO through a copy."""
    payload = "SYNTHETIC: données\n".encode() * 10_000
    with tempfile.TemporaryFile() as source:
        source.write(payload)
        with open(tmp_path / "out.bin", "wb") as regular:
            regular.write(b"head:")
            forked.append_file(source, regular)
            regular.write(b":tail")
        assert (tmp_path / "out.bin").read_bytes() == b"head:" + payload + b":tail"
        buffer = io.BytesIO(b"head:")
        buffer.seek(0, io.SEEK_END)
        forked.append_file(source, buffer)
        buffer.write(b":tail")
        assert buffer.getvalue() == b"head:" + payload + b":tail"


def test_append_file_to_a_file_opened_for_appending(tmp_path: Path) -> None:
    """`export -o - >> refs.bib`: stdout has O_APPEND, which sendfile refuses (EINVAL)."""
    payload = b"SYNTHETIC entry\n" * 10_000
    target = tmp_path / "refs.bib"
    target.write_bytes(b"% the user's own file\n")
    with tempfile.TemporaryFile() as source:
        source.write(payload)
        with open(target, "ab") as appending:
            appending.write(b"head:")
            forked.append_file(source, appending)
            appending.write(b":tail")
    assert target.read_bytes() == b"% the user's own file\nhead:" + payload + b":tail"
