"""Progress on a terminal: fetch batches and arXiv's waits show while they happen; nothing on a pipe."""

from __future__ import annotations

import io
from pathlib import Path

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
    first_fetch = stages.index("fetch")
    assert calls[-1][0] == "resolve" and first_fetch < len(calls) - 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


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
