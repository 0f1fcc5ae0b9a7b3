"""The `arxref` command: a thin, lazily imported layer over the library.

Subcommands live in their own modules and are imported only when run, so
`arxref --help` starts fast (no arxiv/requests/pybtex import).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, NoReturn

import click

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

#: name -> (module:attribute, one-line help shown by `arxref --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "scan": ("arxref.cli.scan:scan", "Find every paper mentioned in files (ids, abstracts, citations)."),
    "resolve": ("arxref.cli.resolve:resolve", "Match records without an id to arXiv papers."),
    "fetch": ("arxref.cli.fetch:fetch", "Print arXiv metadata for ids (cache first, then the API)."),
    "cache": ("arxref.cli.cache:cache", "Inspect, import into and export the offline cache."),
    "export": ("arxref.cli.export:export", "Whole pipeline: dumps in, .bib/.json/.ris out."),
    "check": ("arxref.cli.check:check", "CI check: every id and citation resolves."),
    "sync": ("arxref.cli.sync:sync", "Add the arXiv papers a document cites by id to its .bib or CSL-JSON."),
    "zotero": ("arxref.cli.zotero:zotero", "Push papers into a Zotero library (Web API or the running app)."),
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when it is invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        if ctx.resilient_parsing or _only_listing(ctx):
            return _Placeholder(cmd_name, help=COMMANDS[cmd_name][1], short_help=COMMANDS[cmd_name][1])
        target, _ = COMMANDS[cmd_name]
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command


class _Placeholder(click.Command):
    """Stands in for a subcommand while the group only lists names and help lines."""


def _only_listing(ctx: click.Context) -> bool:
    """True while click formats the group's own --help (no subcommand is being run)."""
    return bool(getattr(ctx, "_arxref_listing", False))


class _Root(LazyGroup):
    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        ctx._arxref_listing = True  # type: ignore[attr-defined]
        try:
            super().format_commands(ctx, formatter)
        finally:
            ctx._arxref_listing = False  # type: ignore[attr-defined]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("arxref")
    except PackageNotFoundError:  # running from a source tree
        return "0+unknown"


@click.group(cls=_Root, context_settings=CONTEXT_SETTINGS)
@click.version_option(version=_version(), prog_name="arxref")
def cli() -> None:
    """arxref: turn messy text about papers into clean, deduplicated bibliographies.

    \b
    Typical run (offline, from the shipped cache data):
      arxref cache import examples/arxiv-responses/
      arxref export seeds/ -o out/

    Environment: ARXREF_API_URL (API endpoint), ARXREF_CACHE (cache file),
    ARXREF_OFFLINE=1 (never use the network), ARXREF_REQUEST_INTERVAL (seconds
    between requests, default 3).
    """


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    _exit_cleanly_on_signals()
    return cli.main(args=argv, prog_name="arxref")


def run() -> NoReturn:
    """The ``arxref`` command (console script and ``python -m arxref``): :func:`main`, then an exit
    that leaves the heap to the kernel.

    At a normal exit CPython frees every object one by one: after an export of 100,000
    papers that was 0.6 s of a 6.9 s run (the report's frames, then the modules), work
    whose only effect is memory the kernel reclaims at once. So once the command has
    finished, and when no other thread runs, logging is shut down, the standard streams
    flushed and the process ends with ``os._exit``, with the same exit status. Library
    callers of :func:`main` (tests, scripts) return or raise as before.
    """
    try:
        main()
    except SystemExit as done:  # the exit is made inside the handler: leaving it would free the frames
        _exit_now(done.code)
    except OSError as exc:  # click's own printing (help, usage) to a full disk; commands handle theirs
        from .common import stdout_failure

        message = stdout_failure(exc)
        if message is None:
            raise
        print(message, file=sys.stderr)
        _exit_now(2)
    _exit_now(0)


def _exit_now(code: object) -> NoReturn:
    """End the process with ``sys.exit``'s status for ``code``, skipping the teardown when it is safe."""
    import os
    import threading

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # as sys.exit does: the message on stderr, status 1
        print(code, file=sys.stderr)
        status = 1
    if threading.active_count() > 1:  # another thread may still write: let the interpreter join it
        sys.exit(status)
    import logging

    logging.shutdown()
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # `| head` stopped reading: not an error
        pass
    except OSError as exc:  # the last of the output is lost (`> /dev/full`): say so, never exit 0
        from ..outputs import cannot_write

        print(f"arxref: error: {cannot_write('standard output', exc)}", file=sys.stderr)
        status = status or 2
    except ValueError:  # stdout was closed
        pass
    try:
        sys.stderr.flush()
    except (OSError, ValueError):  # nothing more can reach the user
        pass
    os._exit(status)


def _exit_cleanly_on_signals() -> None:
    """SIGTERM and SIGHUP unwind like Ctrl-C does, so temporary files are removed and open
    cache transactions roll back; the exit status is 128 + the signal number (143 for SIGTERM,
    129 for SIGHUP: ``ExitCode.TERMINATED``/``HANGUP``). A handler someone else installed stays."""
    import signal

    names = [name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    numbers = [getattr(signal, name) for name in names]

    def stop(signum: int, frame: object) -> None:
        for number in numbers:  # a second signal must not cut the cleanup short
            signal.signal(number, signal.SIG_IGN)
        raise SystemExit(128 + signum)

    for number in numbers:
        if signal.getsignal(number) is signal.SIG_DFL:
            signal.signal(number, stop)


if __name__ == "__main__":  # pragma: no cover
    run()
