"""arxref.outputs: export's targets are settled before any work; a stream takes one format."""

from __future__ import annotations

import io
import os
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


def test_a_full_disk_is_one_error_naming_the_output_and_the_old_files_stay(
        tmp_path: Path, seed_entries: list[Entry], monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC while writing (here at the fsync, where delayed allocation reports it) is a UsageError
    naming the files, not a traceback; the old outputs are kept and no temporary file is left."""
    import errno

    from arxref import atomic
    from arxref.formats import WriteOptions

    targets = [tmp_path / "r.bib", tmp_path / "r.ris"]
    for target in targets:
        target.write_text("old\n", encoding="utf-8")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(UsageError, match=r"^cannot write .*r\.bib, .*r\.ris: No space left on device; "
                                         r"the files there before are unchanged$"):
        write_outputs(seed_entries, ["bib", "ris"], WriteOptions(), targets, None, None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.bib", "r.ris"]
    assert all(t.read_text(encoding="utf-8") == "old\n" for t in targets)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_full_stdout_is_one_error_and_a_closed_pipe_is_none(seed_entries: list[Entry]) -> None:
    from arxref.formats import WriteOptions

    with open("/dev/full", "wb") as full, pytest.raises(UsageError, match="^cannot write stdout: No space left"):
        write_outputs(seed_entries, ["bib"], WriteOptions(), [], full, None)
    read, write = os.pipe()
    os.close(read)
    with open(write, "wb") as closed, pytest.raises(BrokenPipeError):  # the CLI exits 0 quietly on this
        write_outputs(seed_entries, ["bib"], WriteOptions(), [], closed, None)
