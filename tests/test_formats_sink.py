"""The one-process pass (arxref.formats.sink): framing, buffering, the formatters it picks.

Real metadata: the 25 seed papers.
"""

from __future__ import annotations

import io
import json

import pytest

from arxref.formats import WriteOptions, sink
from arxref.model import Entry


def test_json_array_is_framed_once_even_when_empty() -> None:
    out = io.StringIO()
    sink.write_one_pass([], {"json": out}, WriteOptions())
    assert out.getvalue() == "[]\n"


def test_buffer_is_flushed_every_buffer_entries(seed_entries: list[Entry], monkeypatch: pytest.MonkeyPatch) -> None:
    """Text reaches the stream in chunks of BUFFER_ENTRIES entries (bounded memory), same bytes."""
    monkeypatch.setattr(sink, "BUFFER_ENTRIES", 10)
    writes: list[str] = []

    class Recording(io.StringIO):
        def write(self, text: str) -> int:
            writes.append(text)
            return super().write(text)

    out = Recording()
    sink.write_one_pass(seed_entries, {"json": out}, WriteOptions())
    assert writes[0] == "[" and writes[-1] == "\n]\n"
    assert len(writes) == 2 + 3  # 25 entries: 10 + 10 + 5
    assert len(json.loads(out.getvalue())) == 25


def test_a_continued_sink_adds_to_an_open_array(seed_entries: list[Entry]) -> None:
    """A later slice (the forked write) neither opens the array nor closes it."""
    first, later = io.BytesIO(), io.BytesIO()
    sinks = sink.sinks_for({"json": first})
    sink.write_pass(seed_entries[:1], sinks, WriteOptions())
    sink.write_pass(seed_entries[1:2], sink.sinks_for({"json": later}, continued=True), WriteOptions())
    first.write(later.getvalue())
    sinks[0].close()
    assert [item["id"] for item in json.loads(first.getvalue())] == [e.key for e in seed_entries[:2]]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown format 'xml'; choose from bib, json, ris"):
        sink.Sink("xml", io.StringIO())
