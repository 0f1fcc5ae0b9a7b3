"""arxref.outputs: export's targets are settled before any work; a stream takes one format."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from arxref.config import Settings
from arxref.errors import UsageError
from arxref.model import Entry
from arxref.outputs import prepare_outputs, write_outputs
from arxref.pipeline import export

ROOT = Path(__file__).resolve().parent.parent


def test_targets_are_named_and_their_directory_made(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"
    targets = prepare_outputs([], out, ["refs.bib", "refs.json"], None, None)
    assert targets == [out / "refs.bib", out / "refs.json"] and out.is_dir()
    with pytest.raises(UsageError, match="no output directory"):
        prepare_outputs([], None, ["refs.bib"], None, None)


def test_a_stream_takes_one_format_and_no_files(tmp_path: Path) -> None:
    assert prepare_outputs([], None, ["refs.bib"], None, io.BytesIO()) == []
    with pytest.raises(UsageError, match="one stream holds one format, not 2"):
        prepare_outputs([], None, ["refs.bib", "refs.ris"], None, io.BytesIO())


def test_progress_brackets_the_file_writing(tmp_path: Path, seed_entries: list[Entry]) -> None:
    from arxref.formats import WriteOptions

    calls: list[tuple[str, int, int]] = []
    targets = prepare_outputs([], tmp_path, ["r.bib", "r.ris"], None, None)
    write_outputs(seed_entries, ["bib", "ris"], WriteOptions(), targets, None, lambda *call: calls.append(call))
    assert calls == [("write", 0, 2), ("write", 2, 2)]
    assert (tmp_path / "r.bib").read_text(encoding="utf-8").count("@misc{") == len(seed_entries)


def test_library_export_to_a_stream_writes_what_the_file_would_hold(seeded: Path, tmp_path: Path) -> None:
    settings = Settings(cache_path=seeded, offline=True)
    files = export([ROOT / "seeds"], tmp_path / "out", formats=["ris"], settings=settings)
    stream = io.BytesIO()
    streamed = export([ROOT / "seeds"], None, formats=["ris"], settings=settings, stream=stream)
    assert stream.getvalue() == (tmp_path / "out" / "references.ris").read_bytes()
    assert streamed.files == [] and len(streamed.entries) == len(files.entries) == 25
