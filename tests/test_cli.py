"""The command-line surface: help, version, lazy start-up, documented commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from arxref.cli import COMMANDS, cli

ROOT = Path(__file__).resolve().parent.parent


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("arxref, version ")


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name, (_, short) in COMMANDS.items():
        assert name in result.output
        assert short[:30] in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_subcommand_has_help_with_example(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output
    text = result.output
    if name == "cache":
        assert "import" in text and "export" in text and "stats" in text
    else:
        assert "Example" in text, f"`arxref {name} --help` lacks an Example block"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_is_in_the_readme(name: str) -> None:
    assert f"arxref {name}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_help_does_not_import_heavy_modules() -> None:
    """`arxref --help` must stay fast: no arxiv/requests/pybtex/bibtexparser import."""
    code = (
        "import sys\n"
        "from arxref.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('arxiv', 'requests', 'pybtex', 'bibtexparser', 'sqlite3', 'rapidfuzz') if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "HEAVY:"


def test_unknown_command_is_usage_error() -> None:
    result = CliRunner().invoke(cli, ["frobnicate"])
    assert result.exit_code == 2


def test_sigterm_while_writing_removes_the_temporary_file_and_keeps_the_old_output(tmp_path: Path) -> None:
    """The CLI's SIGTERM handler unwinds like Ctrl-C: the atomic writer's cleanup runs, exit 143."""
    import subprocess
    import sys

    target = tmp_path / "references.bib"
    target.write_text("the user's old complete file\n", encoding="utf-8")
    script = (
        "import os, signal, sys, time\n"
        "from arxref.cli import _exit_cleanly_on_signals\n"
        "from arxref.atomic import write_atomically\n"
        "_exit_cleanly_on_signals()\n"
        "def write(stream):\n"
        "    stream.write('half a bibliogr')\n"
        "    stream.flush()\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(30)\n"
        f"write_atomically(__import__('pathlib').Path({str(target)!r}), write)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 143, proc.stderr
    assert "Traceback" not in proc.stderr
    assert target.read_text(encoding="utf-8") == "the user's old complete file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["references.bib"]


def test_sigterm_during_an_export_exits_143_without_a_traceback(tmp_path: Path, seeded: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    dump = tmp_path / "dump.txt"
    with dump.open("w", encoding="utf-8") as out:
        for _ in range(200_000):  # long enough to still be scanning when the signal comes
            out.write("See arXiv:2107.03374 and arXiv:2005.14165 for details.\n")
    env = dict(os.environ, ARXREF_CACHE=str(seeded), ARXREF_OFFLINE="1")
    proc = subprocess.Popen([sys.executable, "-m", "arxref", "export", str(dump), "-o", str(tmp_path / "out")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:  # a fast machine finished first: nothing to check but the output
        return
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    out_dir = tmp_path / "out"
    assert not out_dir.exists() or not [p for p in out_dir.iterdir() if p.name.endswith(".tmp")]
