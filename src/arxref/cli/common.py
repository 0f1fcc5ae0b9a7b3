"""Options and error handling shared by the subcommands (only the CLI imports click)."""

from __future__ import annotations

import errno
import functools
import logging
import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

import click

from ..config import Settings
from ..errors import ArxrefError, ExitCode, UsageError

F = TypeVar("F", bound=Callable[..., Any])


def network_options(func: F) -> F:
    """--api-url, --cache, --offline, --request-interval, --batch-size, --refresh, --timeout, --max-retries."""
    decorators = [
        click.option("--api-url", envvar="ARXREF_API_URL", help="arXiv API query endpoint [env ARXREF_API_URL]."),
        click.option("--cache", "cache_path", envvar="ARXREF_CACHE", type=click.Path(),
                     help="SQLite cache file [env ARXREF_CACHE; default: user cache dir]."),
        click.option("--offline/--online", default=None,
                     help="Never open a network connection; use the cache only [env ARXREF_OFFLINE=1]."),
        click.option("--request-interval", type=click.FloatRange(min=0), default=None,
                     help="Seconds between API requests [env ARXREF_REQUEST_INTERVAL; default 3]."),
        click.option("--batch-size", type=click.IntRange(1, 2000), default=None,
                     help="Ids per API request (default 100)."),
        click.option("--refresh", is_flag=True, default=None, help="Refetch even if cached."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=None,
                     help="Seconds one API request may take in all (name lookup, connect, wait, read the whole answer) before it is abandoned and retried (default 30)."),
        click.option("--max-retries", type=click.IntRange(0, 20), default=None,
                     help="Retries of a failed request (503, 429, timeout), with exponential backoff (default 5); "
                          "a host that refuses the connection or whose name does not resolve is retried once."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def verbosity_options(quiet_help: str,
                      verbose_help: str = "Show each arXiv API request on stderr (retries are shown anyway).",
                      ) -> Callable[[F], F]:
    """-v/--verbose and -q/--quiet, with arxref's log lines on stderr while the command runs.

    At default verbosity each retry of an arXiv request is one line (``arxref: arXiv answered
    503; retrying in 12 s (2 of 5)``); ``-v`` adds one line per request; ``-q`` shows neither
    (and what else ``quiet_help`` says). The command receives ``verbose`` and ``quiet``.
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, verbose: bool, quiet: bool, **kwargs: Any) -> Any:
            if verbose and quiet:
                raise UsageError("-v/--verbose and -q/--quiet cannot be combined")
            with log_to_stderr(logging.INFO if verbose else logging.CRITICAL + 1 if quiet else logging.WARNING):
                return func(*args, verbose=verbose, quiet=quiet, **kwargs)

        wrapper = click.option("-q", "--quiet", is_flag=True, help=quiet_help)(wrapper)
        wrapper = click.option("-v", "--verbose", is_flag=True, help=verbose_help)(wrapper)
        return wrapper  # type: ignore[return-value]

    return decorate


class _StderrHandler(logging.Handler):
    """arxref's log records as ``arxref: message`` lines on stderr, above a progress line if one is drawn."""

    def emit(self, record: logging.LogRecord) -> None:
        from .progress import ProgressPrinter

        try:
            line = f"arxref: {record.getMessage()}"
        except Exception:  # noqa: BLE001 - a bad record must not end the run
            self.handleError(record)
            return
        printer = ProgressPrinter.active
        if printer is not None:
            printer.print_above(line)
        else:
            click.echo(line, err=True)


@contextmanager
def log_to_stderr(level: int) -> Iterator[None]:
    """Show the ``arxref`` loggers' records from ``level`` on stderr while the block runs."""
    logger = logging.getLogger("arxref")
    handler = _StderrHandler()
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


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
        except OSError as exc:
            # the library names the files it writes (outputs.writing); what is left is the command's
            # own printing to stdout: `arxref scan ... > /dev/full`, a full disk under a redirect
            message = stdout_failure(exc)
            if message is None:
                raise  # not an expected failure: a bug, to be reported with its traceback
            click.echo(message, err=True)
            sys.exit(ExitCode.USAGE)

    return wrapper  # type: ignore[return-value]


#: errno values of a write that cannot succeed (full disk, quota, file too big, device error).
WRITE_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def stdout_failure(exc: OSError) -> str | None:
    """The error line for a write to stdout that cannot succeed, or None for any other OSError."""
    from ..outputs import cannot_write

    if exc.errno not in WRITE_FAILURES:
        return None
    return f"arxref: error: {cannot_write(exc.filename or 'standard output', exc)}"
