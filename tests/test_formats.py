"""write_formats (arxref.formats): one pass over several formats, binary streams, the forked write.

Real metadata: the 25 seed papers (repeated under new keys where a test needs more entries).
"""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest

from arxref.formats import WriteOptions, write_csljson
from arxref.model import Entry


@pytest.mark.parametrize("fmts", [("bib",), ("json",), ("ris",), ("bib", "json", "ris")])
@pytest.mark.parametrize("options", [WriteOptions(), WriteOptions(ascii=True, max_authors=3, prefer_published=True)])
def test_binary_and_text_streams_get_the_same_utf8(seed_entries: list[Entry], fmts: tuple[str, ...],
                                                   options: WriteOptions) -> None:
    """write_formats on binary streams (what export uses) writes exactly the UTF-8 of the text output,
    and one pass over several formats writes what each single-format writer writes."""
    from arxref.formats import write_bibtex, write_formats, write_ris

    entries = seed_entries + [Entry("empty", replace(seed_entries[0].paper, authors=[], abstract=""))]
    text = {f: io.StringIO(newline="") for f in fmts}
    binary = {f: io.BytesIO() for f in fmts}
    write_formats(entries, text, options)
    write_formats(entries, binary, options)
    single = {"bib": write_bibtex, "json": write_csljson, "ris": write_ris}
    for f in fmts:
        assert binary[f].getvalue() == text[f].getvalue().encode("utf-8")
        alone = io.StringIO(newline="")
        single[f](entries, alone, options)
        assert alone.getvalue() == text[f].getvalue()


# --------------------------------------------------------------------------- the forked write


def _write_all(entries: list[Entry], processes: int | None, options: WriteOptions = WriteOptions()) -> dict[str, bytes]:
    from arxref.formats import write_formats

    streams = {f: io.BytesIO() for f in ("bib", "json", "ris")}
    write_formats(entries, streams, options, processes=processes)
    return {f: s.getvalue() for f, s in streams.items()}


needs_fork = pytest.mark.skipif(not hasattr(__import__("os"), "fork") or __import__("sys").platform != "linux"
                                or len(__import__("os").sched_getaffinity(0)) < 2,
                                reason="the forked write runs on Linux with two usable cores")


@needs_fork
@pytest.mark.parametrize("processes", [2, 3])
@pytest.mark.parametrize("options", [WriteOptions(), WriteOptions(ascii=True, prefer_published=True, max_authors=2)])
def test_forked_write_is_byte_identical(seed_entries: list[Entry], processes: int, options: WriteOptions) -> None:
    entries = [Entry(f"{e.key}-{n}", e.paper) for n in range(9) for e in seed_entries]  # real papers, repeated
    serial = _write_all(entries, 1, options)
    forked = _write_all(entries, processes, options)
    assert forked == serial
    assert len(json.loads(forked["json"])) == len(entries)


@needs_fork
def test_a_failing_child_is_replaced_by_this_process(seed_entries: list[Entry], monkeypatch: pytest.MonkeyPatch) -> None:
    import arxref.formats as formats

    def broken(*args: object) -> None:
        raise MemoryError("SYNTHETIC: the child dies")

    entries = [Entry(f"{e.key}-{n}", e.paper) for n in range(4) for e in seed_entries]
    serial = _write_all(entries, 1)
    passes: list[int] = []
    real_pass = formats._write_pass
    monkeypatch.setattr(formats, "_write_pass", lambda e, *rest: passes.append(len(e)) or real_pass(e, *rest))
    assert _write_all(entries, 2) == serial
    assert passes == [50]  # this process wrote only its half: the child wrote the other
    passes.clear()
    monkeypatch.setattr(formats, "_child_pass", broken)  # the forked child inherits the broken function
    assert _write_all(entries, 2) == serial
    assert passes == [50, 50]  # ... and now this process wrote the child's half too


def test_text_streams_and_small_writes_stay_in_one_process(seed_entries: list[Entry],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import arxref.formats as formats

    def no_fork() -> int:
        raise AssertionError("forked")

    monkeypatch.setattr(formats.os, "fork", no_fork)
    _write_all(seed_entries, None)  # below PARALLEL_MIN_ENTRIES
    text = {f: io.StringIO() for f in ("bib", "json", "ris")}
    formats.write_formats(seed_entries * 2, text, processes=2)  # text streams: never forked
    assert len(json.loads(text["json"].getvalue())) == 50
