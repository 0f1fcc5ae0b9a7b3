"""arxref.config: Settings() is the defaults alone; the environment is read only by from_env (the CLI's way)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from arxref.config import DEFAULT_API_URL, DEFAULT_REQUEST_INTERVAL, Settings, default_cache_path
from arxref.errors import UsageError

ENV = {
    "ARXREF_API_URL": "http://127.0.0.1:8080/api/query",
    "ARXREF_CACHE": "/tmp/from-env.sqlite",
    "ARXREF_OFFLINE": "1",
    "ARXREF_REQUEST_INTERVAL": "0.5",
}


def test_defaults_are_pure_whatever_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.api_url == DEFAULT_API_URL
    assert settings.cache_path == default_cache_path() and settings.cache_path.name == "arxref.sqlite"
    assert settings.offline is False
    assert settings.request_interval == DEFAULT_REQUEST_INTERVAL
    assert (settings.batch_size, settings.refresh, settings.timeout, settings.max_retries) == (100, False, 30.0, 5)


def test_from_env_reads_every_documented_variable() -> None:
    settings = Settings.from_env(ENV)
    assert settings.api_url == "http://127.0.0.1:8080/api/query"
    assert settings.cache_path == Path("/tmp/from-env.sqlite")
    assert settings.offline is True
    assert settings.request_interval == 0.5


def test_from_env_defaults_to_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARXREF_OFFLINE", "yes")
    monkeypatch.setenv("ARXREF_CACHE", "~/elsewhere.sqlite")
    settings = Settings.from_env()
    assert settings.offline is True
    assert settings.cache_path == Path("~/elsewhere.sqlite").expanduser()


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), (" ON ", True), ("yes", True),
                                             ("0", False), ("", False), ("no", False), ("off", False)])
def test_offline_flag_values(value: str, expected: bool) -> None:
    assert Settings.from_env({"ARXREF_OFFLINE": value}).offline is expected


@pytest.mark.parametrize("value", ["maybe", "2", "ture", "offline"])
def test_an_offline_value_that_is_no_yes_or_no_is_a_usage_error(value: str) -> None:
    """A typo in a CI job must fail, not silently mean 'online'."""
    with pytest.raises(UsageError, match=f"ARXREF_OFFLINE='{value}' is not a yes/no value"):
        Settings.from_env({"ARXREF_OFFLINE": value})


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf", "1e400", "3s"])
def test_a_request_interval_that_is_no_number_of_seconds_is_a_usage_error(value: str) -> None:
    with pytest.raises(UsageError, match=f"ARXREF_REQUEST_INTERVAL='{value}' is not a number of seconds"):
        Settings.from_env({"ARXREF_REQUEST_INTERVAL": value})
    assert Settings.from_env({"ARXREF_REQUEST_INTERVAL": " 0.5 "}).request_interval == 0.5


def test_a_bad_variable_is_one_line_and_exit_2_from_the_command(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from arxref.cli import cli

    result = CliRunner().invoke(cli, ["fetch", "2107.03374", "--cache", str(tmp_path / "c.sqlite")],
                                env={"ARXREF_REQUEST_INTERVAL": "abc"})
    assert result.exit_code == 2 and result.stderr.splitlines() == [
        "arxref: error: ARXREF_REQUEST_INTERVAL='abc' is not a number of seconds (0 or more, e.g. 3)"]


def test_empty_variables_count_as_unset() -> None:
    settings = Settings.from_env({"ARXREF_API_URL": "", "ARXREF_CACHE": "", "ARXREF_REQUEST_INTERVAL": ""})
    assert settings == Settings()


def test_options_override_the_environment_and_none_means_not_given() -> None:
    settings = Settings.from_env(ENV, api_url="http://mirror/api/query", offline=False, request_interval=None,
                                 cache_path="~/given.sqlite", batch_size=None, max_retries=2)
    assert settings.api_url == "http://mirror/api/query"
    assert settings.offline is False  # an explicit False beats ARXREF_OFFLINE=1
    assert settings.request_interval == 0.5  # None: the environment's value stands
    assert settings.cache_path == Path("~/given.sqlite").expanduser()
    assert settings.batch_size == 100 and settings.max_retries == 2


def test_unknown_option_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="unknown setting 'colour'"):
        Settings.from_env({}, colour="blue")


def test_from_options_is_the_former_name_of_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARXREF_REQUEST_INTERVAL", "7")
    assert Settings.from_options(offline=True) == Settings.from_env(offline=True)
    assert Settings.from_options().request_interval == 7.0


def test_settings_are_frozen_and_paths_normalised() -> None:
    settings = Settings(cache_path="~/x.sqlite")  # type: ignore[arg-type]
    assert settings.cache_path == Path("~/x.sqlite").expanduser()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.offline = True  # type: ignore[misc]
    assert dataclasses.replace(settings, offline=True).offline is True
