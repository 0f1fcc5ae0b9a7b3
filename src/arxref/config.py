"""Settings shared by every stage, read from options first and environment second.

The environment variable names are a public contract (users' CI jobs set them):
ARXREF_API_URL, ARXREF_CACHE, ARXREF_OFFLINE, ARXREF_REQUEST_INTERVAL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_API_URL = "http://export.arxiv.org/api/query"
DEFAULT_REQUEST_INTERVAL = 3.0
DEFAULT_BATCH_SIZE = 100
PROJECT_URL = "https://github.com/arxref/arxref"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def default_cache_path() -> Path:
    """The cache file: $ARXREF_CACHE, else the user cache dir (platformdirs)."""
    env = os.environ.get("ARXREF_CACHE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("arxref")) / "arxref.sqlite"


@dataclass
class Settings:
    """Everything that decides where data comes from and how politely it is fetched."""

    api_url: str = field(default_factory=lambda: os.environ.get("ARXREF_API_URL") or DEFAULT_API_URL)
    cache_path: Path = field(default_factory=default_cache_path)
    offline: bool = field(default_factory=lambda: _env_flag("ARXREF_OFFLINE"))
    request_interval: float = field(
        default_factory=lambda: float(os.environ.get("ARXREF_REQUEST_INTERVAL") or DEFAULT_REQUEST_INTERVAL)
    )
    batch_size: int = DEFAULT_BATCH_SIZE
    refresh: bool = False
    timeout: float = 30.0
    max_retries: int = 5

    @classmethod
    def from_options(cls, **options: object) -> "Settings":
        """Build settings where options given (not None) override the environment."""
        settings = cls()
        for name, value in options.items():
            if value is None:
                continue
            if not hasattr(settings, name):
                raise TypeError(f"unknown setting {name!r}")
            if name == "cache_path":
                value = Path(str(value)).expanduser()
            setattr(settings, name, value)
        return settings
