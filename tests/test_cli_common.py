"""arxref.cli.common: the CLI reads the environment into Settings, and every failure becomes one line and an ExitCode."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from arxref.cli.common import handle_errors, network_options, settings_from
from arxref.config import Settings
from arxref.errors import CacheError, ExitCode, UsageError, VerifyError


def test_settings_from_reads_the_environment_under_the_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARXREF_OFFLINE", "1")
    monkeypatch.setenv("ARXREF_REQUEST_INTERVAL", "0.25")
    options = {"api_url": None, "cache_path": "~/c.sqlite", "offline": None, "request_interval": 1.5,
               "batch_size": None, "refresh": None, "timeout": None, "max_retries": None, "fmt": "text"}
    settings = settings_from(options)
    assert settings == Settings(cache_path=Path("~/c.sqlite").expanduser(), offline=True, request_interval=1.5)
    assert options == {"fmt": "text"}  # the network options are taken out, the command's own stay


def _command(error: BaseException | None) -> click.Command:
    @click.command()
    @handle_errors
    def command() -> None:
        if error is not None:
            raise error
        click.echo("done")

    return command


@pytest.mark.parametrize("error, code", [
    (UsageError("bad option"), ExitCode.USAGE),
    (VerifyError("arXiv down"), ExitCode.UNVERIFIED),
    (CacheError("read-only"), ExitCode.CACHE),
    (KeyboardInterrupt(), ExitCode.INTERRUPTED),
    (BrokenPipeError(), ExitCode.OK),
])
def test_failures_become_one_line_and_their_exit_code(error: BaseException, code: ExitCode) -> None:
    result = CliRunner().invoke(_command(error), [])
    assert result.exit_code == code
    if isinstance(error, KeyboardInterrupt):
        assert result.stderr == "arxref: interrupted\n"
    elif not isinstance(error, BrokenPipeError):
        assert result.stderr == f"arxref: error: {error}\n"


def test_network_options_reach_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARXREF_OFFLINE", raising=False)
    seen: list[Settings] = []

    @click.command()
    @network_options
    def command(**network: object) -> None:
        seen.append(settings_from(dict(network)))

    result = CliRunner().invoke(command, ["--api-url", "http://mirror/api/query", "--offline", "--max-retries", "2"],
                                env={"ARXREF_CACHE": "/tmp/env.sqlite", "ARXREF_REQUEST_INTERVAL": "0"})
    assert result.exit_code == 0, result.output
    [settings] = seen
    assert (settings.api_url, settings.offline, settings.max_retries) == ("http://mirror/api/query", True, 2)
    assert settings.cache_path == Path("/tmp/env.sqlite") and settings.request_interval == 0.0
