"""Progress on a terminal: fetch batches and arXiv's waits show while they happen; nothing on a pipe."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakearxiv import FakeArxiv

from arxref.cli import cli
from arxref.cli.progress import ProgressPrinter
from arxref.config import Settings
from arxref.pipeline import export


def test_export_reports_fetch_batches_and_waits_before_it_finishes(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    dump = tmp_path / "ids.txt"
    dump.write_text("arXiv:2107.03374\narXiv:2005.14165\narXiv:2103.00020\n", encoding="utf-8")
    calls: list[tuple[str, int, int]] = []
    settings = Settings(api_url=fake_arxiv.url, cache_path=tmp_path / "c.sqlite", request_interval=0.3,
                        batch_size=1)
    export([dump], tmp_path / "out", settings=settings, progress=lambda *call: calls.append(call))
    stages = [stage for stage, _, _ in calls]
    fetch = [(done, total) for stage, done, total in calls if stage == "fetch"]
    assert fetch[-1] == (3, 3) and (1, 3) in fetch  # batch by batch, not one jump at the end
    assert any(stage.startswith("fetch (waiting ") and "arXiv's interval" in stage for stage in stages)
    first_fetch, first_write = stages.index("fetch"), stages.index("write")
    assert first_fetch < first_write and "resolve" in stages[first_fetch:first_write]
    assert calls[first_write:] == [("write", 0, 3), ("write", 3, 3)]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_export_on_a_terminal_draws_fetch_batches_and_waits_then_the_write(
        fake_arxiv: FakeArxiv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command wires the printer through: on a terminal the fetch shows batch by batch
    (and arXiv's interval waits) before the files are written, not one jump at the end."""
    terminal = _Terminal()
    monkeypatch.setattr(ProgressPrinter, "for_stderr", classmethod(lambda cls: cls(terminal)))
    dump = tmp_path / "ids.txt"
    dump.write_text("arXiv:2107.03374\narXiv:2005.14165\narXiv:2103.00020\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", str(dump), "-o", str(tmp_path / "out"), "--api-url", fake_arxiv.url,
                                      "--cache", str(tmp_path / "c.sqlite"), "--request-interval", "0.3",
                                      "--batch-size", "1"])
    assert result.exit_code == 0, result.stderr
    frames = [frame.strip() for frame in terminal.getvalue().split("\r") if frame.strip()]
    stages = [frame.split(" [")[0] for frame in frames]
    assert [f for f in frames if f.startswith("fetch [")][:1] == [f"fetch [{'#' * 10}{'.' * 20}] 1/3"]
    assert any("waiting" in stage and "arXiv's interval" in stage for stage in stages)
    last_fetch = max(i for i, stage in enumerate(stages) if stage.startswith("fetch"))
    first_write = stages.index("write")
    assert last_fetch < first_write and frames[-1] == f"write [{'#' * 30}] 3/3"


def test_the_printer_redraws_one_line_and_pads_over_a_longer_one() -> None:
    terminal = _Terminal()
    printer = ProgressPrinter(terminal)
    printer("fetch (waiting 2.4 s for arXiv's interval)", 1, 3)
    printer("fetch", 2, 3)
    printer.close()
    lines = terminal.getvalue().split("\r")
    assert len(lines[-1].rstrip("\n")) >= len(lines[-2])  # the shorter line covers the longer one
    assert "2/3" in lines[-1]


def test_nothing_is_drawn_on_a_pipe(seeded: Path, tmp_path: Path) -> None:
    dump = tmp_path / "ids.txt"
    dump.write_text("arXiv:2107.03374\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", str(dump), "-o", str(tmp_path / "out"), "--offline",
                                      "--cache", str(seeded)])
    assert result.exit_code == 0, result.stderr
    assert "[" not in result.stderr and "\r" not in result.stderr
