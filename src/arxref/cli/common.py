"""Options and error handling shared by the subcommands (only the CLI imports click)."""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable, TypeVar

import click

from ..config import Settings
from ..errors import ArxrefError, ExitCode

F = TypeVar("F", bound=Callable[..., Any])


def network_options(func: F) -> F:
    """--api-url, --cache, --offline, --request-interval, --batch-size, --refresh, --timeout, --max-retries."""
    decorators = [
        click.option("--api-url", envvar="ARXREF_API_URL", help="arXiv API query endpoint [env ARXREF_API_URL]."),
        click.option("--cache", "cache_path", envvar="ARXREF_CACHE", type=click.Path(dir_okay=False),
                     help="SQLite cache file [env ARXREF_CACHE; default: user cache dir]."),
        click.option("--offline/--online", default=None,
                     help="Never open a network connection; use the cache only [env ARXREF_OFFLINE=1]."),
        click.option("--request-interval", type=click.FloatRange(min=0), default=None,
                     help="Seconds between API requests [env ARXREF_REQUEST_INTERVAL; default 3]."),
        click.option("--batch-size", type=click.IntRange(1, 2000), default=None,
                     help="Ids per API request (default 100)."),
        click.option("--refresh", is_flag=True, default=None, help="Refetch even if cached."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=None,
                     help="Seconds one API request may take in all (connect, wait, read the whole answer) before it is abandoned and retried (default 30)."),
        click.option("--max-retries", type=click.IntRange(0, 20), default=None,
                     help="Retries of a failed request, with exponential backoff (default 5)."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def settings_from(options: dict[str, Any]) -> Settings:
    """Settings from the network options (None means: environment or default).

    The command line is where the environment is read (ARXREF_*); library calls get
    their settings passed in.
    """
    names = ("api_url", "cache_path", "offline", "request_interval", "batch_size", "refresh", "timeout", "max_retries")
    return Settings.from_env(**{name: options.pop(name, None) for name in names})


def handle_errors(func: F) -> F:
    """Turn expected failures (ArxrefError) into one line on stderr and the error's exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ArxrefError as exc:
            click.echo(f"arxref: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("arxref: interrupted", err=True)
            sys.exit(ExitCode.INTERRUPTED)
        except BrokenPipeError:
            sys.exit(ExitCode.OK)

    return wrapper  # type: ignore[return-value]
