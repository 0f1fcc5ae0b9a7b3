"""The command-line surface: help, version, lazy start-up, documented commands."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
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


def test_the_command_leaves_nothing_unwritten_when_it_skips_the_teardown(tmp_path: Path) -> None:
    """`python -m arxref` (as the console script) ends with os._exit: every byte of stdout and
    stderr still arrives, through a pipe, and the exit status is main()'s."""
    seeds = str(ROOT / "seeds")
    proc = subprocess.run([sys.executable, "-m", "arxref", "scan", seeds, "--format", "jsonl"],
                          capture_output=True, text=True, cwd=tmp_path)
    in_process = CliRunner().invoke(cli, ["scan", seeds, "--format", "jsonl"])
    assert proc.returncode == in_process.exit_code == 0
    assert len(proc.stdout) > 10_000 and proc.stdout == in_process.stdout
    usage = subprocess.run([sys.executable, "-m", "arxref", "export"], capture_output=True, text=True)
    assert usage.returncode == 2 and "Usage:" in usage.stderr


@pytest.mark.parametrize(("code", "status", "stderr"), [(None, 0, ""), (3, 3, ""), ("bye", 1, "bye\n")])
def test_exit_now_keeps_sys_exit_statuses_and_unflushed_output(code: object, status: int, stderr: str) -> None:
    program = f"import sys\nfrom arxref.cli import _exit_now\nsys.stdout.write('unflushed')\n_exit_now({code!r})\n"
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert (proc.returncode, proc.stdout, proc.stderr) == (status, "unflushed", stderr)


def test_exit_now_waits_for_another_thread() -> None:
    """With a thread still running, the interpreter's own exit joins it (its output is not cut)."""
    program = ("import threading, time\nfrom arxref.cli import _exit_now\n"
               "threading.Thread(target=lambda: (time.sleep(0.3), print('late', flush=True))).start()\n"
               "_exit_now(5)\n")
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert (proc.returncode, proc.stdout) == (5, "late\n")


@pytest.mark.parametrize("args", [
    ["scan", str(ROOT / "seeds"), "--format", "jsonl"],  # big: fails while the command prints
    ["--help"],  # click's own printing
])
def test_a_full_stdout_is_one_line_and_exit_2_never_a_traceback_or_0(args: list[str], tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:  # Linux's always-full device: every write fails with ENOSPC
        proc = subprocess.run([sys.executable, "-m", "arxref", *args], stdout=full, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "ARXREF_CACHE": str(tmp_path / "c.sqlite"), "ARXREF_OFFLINE": "1"})
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines()[-1] == "arxref: error: cannot write standard output: No space left on device"
    assert "Traceback" not in proc.stderr


def test_output_lost_at_the_exits_flush_is_reported_not_exit_0() -> None:
    """The output sits in stdout's buffer until the exit, whose flush then fails (a disk filled meanwhile)."""
    program = textwrap.dedent("""
        import errno, io, sys
        from arxref.cli import _exit_now

        class Full(io.RawIOBase):
            def writable(self): return True
            def write(self, data): raise OSError(errno.ENOSPC, "No space left on device")

        sys.stdout = io.TextIOWrapper(io.BufferedWriter(Full(), 8192))
        sys.stdout.write("still buffered")
        _exit_now(0)
    """)
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert (proc.returncode, proc.stderr) == (2, "arxref: error: cannot write standard output: No space left on device\n")


def test_unknown_command_is_usage_error() -> None:
    result = CliRunner().invoke(cli, ["frobnicate"])
    assert result.exit_code == 2


#: ``python -c`` program: the CLI's signal handlers, then an atomic write that sends itself
#: ``argv[1]`` halfway; with ``argv[2] == "again"`` the same signal comes once more during the
#: cleanup (as the first temporary file is being removed).
_SIGNAL_MID_WRITE = """
import os, pathlib, signal, sys, time
from arxref.cli import _exit_cleanly_on_signals
from arxref.atomic import write_atomically
_exit_cleanly_on_signals()
number = getattr(signal, sys.argv[1])
if sys.argv[2] == "again":
    unlink = os.unlink
    def signalled_unlink(path, *args, **kwargs):
        os.kill(os.getpid(), number)
        return unlink(path, *args, **kwargs)
    os.unlink = signalled_unlink
def write(stream):
    stream.write("half a bibliogr")
    stream.flush()
    os.kill(os.getpid(), number)
    time.sleep(30)
write_atomically(pathlib.Path(sys.argv[3]), write)
"""


@pytest.mark.parametrize("name, code, again", [("SIGTERM", 143, "once"), ("SIGHUP", 129, "once"),
                                               ("SIGTERM", 143, "again")])
def test_a_signal_while_writing_removes_the_temporary_file_and_keeps_the_old_output(
        tmp_path: Path, name: str, code: int, again: str) -> None:
    """The CLI's SIGTERM/SIGHUP handler unwinds like Ctrl-C: the atomic writer's cleanup runs
    (even if the signal comes again meanwhile), exit 128 + signal number."""
    target = tmp_path / "references.bib"
    target.write_text("the user's old complete file\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", _SIGNAL_MID_WRITE, name, again, str(target)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    assert target.read_text(encoding="utf-8") == "the user's old complete file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["references.bib"]


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second() -> None:
    """A new user's first two commands, each in its own fenced block: install and run the main job
    offline, then the tests; `.ci/run` runs exactly the test command."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)\n```", readme.split("\n## ", 1)[0], re.S)
    assert len(blocks) == 2, blocks
    install, tests = blocks
    assert "pip install" in install and "arxref export seeds/" in install and "--offline" in install
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == tests
