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
