"""Settings shared by every stage: explicit values for library calls, the environment for the CLI.

``Settings()`` is the defaults and nothing else, so a library call does what its
arguments say whatever the process environment holds. The command line builds its
settings with :meth:`Settings.from_env`: options first, then the environment, then
the defaults. The environment variable names are a public contract (users' CI jobs
set them): ARXREF_API_URL, ARXREF_CACHE, ARXREF_OFFLINE, ARXREF_REQUEST_INTERVAL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

DEFAULT_API_URL = "http://export.arxiv.org/api/query"
DEFAULT_REQUEST_INTERVAL = 3.0
DEFAULT_BATCH_SIZE = 100
#: Largest answer accepted from the API, after decompression. A real answer for 100 ids is
#: a few MB; anything far larger is a broken or hostile server, refused before it fills memory.
DEFAULT_MAX_RESPONSE_BYTES = 64 << 20
PROJECT_URL = "https://github.com/arxref/arxref"

#: Lowest score that resolves a record (``--min-score`` overrides it). Measured in
#: :mod:`arxref.scoring` (see its table); kept here so ``arxref resolve --help`` can
#: state it without loading the scoring libraries.
RESOLVE_MIN = 0.4


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def _flag(name: str, value: str) -> bool:
    """A yes/no environment variable; anything else is a UsageError naming it (a CI job's typo,
    ``ARXREF_OFFLINE=ture``, must fail, not silently go online)."""
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    from .errors import UsageError

    raise UsageError(f"{name}={value!r} is not a yes/no value (use 1 or 0)")


def _seconds(name: str, value: str) -> float:
    """A number of seconds from the environment: finite and not negative, else a UsageError naming it."""
    import math

    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        from .errors import UsageError

        raise UsageError(f"{name}={value!r} is not a number of seconds (0 or more, e.g. 3)")
    return seconds


def default_cache_path() -> Path:
    """The cache file in the user cache dir (platformdirs); ARXREF_CACHE is applied by from_env."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("arxref")) / "arxref.sqlite"


@dataclass(frozen=True)
class Settings:
    """Everything that decides where data comes from and how politely it is fetched."""

    api_url: str = DEFAULT_API_URL
    cache_path: Path = field(default_factory=default_cache_path)
    offline: bool = False
    request_interval: float = DEFAULT_REQUEST_INTERVAL
    batch_size: int = DEFAULT_BATCH_SIZE
    refresh: bool = False
    timeout: float = 30.0
    """Seconds one request may take in all: connecting, waiting, and reading the whole answer."""
    max_retries: int = 5
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    def __post_init__(self) -> None:
        # A str or ``~/...`` path is accepted everywhere a user names the cache file.
        object.__setattr__(self, "cache_path", Path(str(self.cache_path)).expanduser())

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **options: Any) -> "Settings":
        """Settings for the command line: options given (not None) over ARXREF_* over the defaults.

        ``env`` defaults to ``os.environ``. An unknown option name is a TypeError.
        """
        values = _from_environment(os.environ if env is None else env)
        known = {f.name for f in fields(cls)}
        for name, value in options.items():
            if name not in known:
                raise TypeError(f"unknown setting {name!r}")
            if value is not None:
                values[name] = value
        return cls(**values)

    @classmethod
    def from_options(cls, **options: Any) -> "Settings":
        """The former name of :meth:`from_env` (same behaviour), kept for existing callers."""
        return cls.from_env(**options)


def _from_environment(env: Mapping[str, str]) -> dict[str, Any]:
    """The settings the ARXREF_* variables provide (empty values count as unset)."""
    values: dict[str, Any] = {}
    if env.get("ARXREF_API_URL"):
        values["api_url"] = env["ARXREF_API_URL"]
    if env.get("ARXREF_CACHE"):
        values["cache_path"] = Path(env["ARXREF_CACHE"]).expanduser()
    values["offline"] = _flag("ARXREF_OFFLINE", env.get("ARXREF_OFFLINE", ""))
    if env.get("ARXREF_REQUEST_INTERVAL"):
        values["request_interval"] = _seconds("ARXREF_REQUEST_INTERVAL", env["ARXREF_REQUEST_INTERVAL"])
    return values
