"""`arxref cache`: import into, export from and inspect the offline SQLite cache."""

from __future__ import annotations

import json
import sys
import time
from typing import Any, Callable

import click

from ..errors import ExitCode
from .common import handle_errors

cache_option = click.option(
    "--cache", "cache_path", envvar="ARXREF_CACHE", type=click.Path(),
    help="SQLite cache file [env ARXREF_CACHE; default: user cache dir].",
)


def _open(cache_path: str | None) -> Any:
    from ..cache import Cache
    from ..config import Settings

    return Cache(Settings.from_env(cache_path=cache_path).cache_path)


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


class _Counter:
    """A one-line record counter on stderr (only when stderr is a terminal)."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, records: int) -> None:
        rate = records / max(time.monotonic() - self.started, 1e-9)
        click.echo(f"\rimporting: {records:,} records read ({rate:,.0f}/s)", err=True, nl=False)
        self.shown = True

    def close(self) -> None:
        if self.shown:
            click.echo("", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cache() -> None:
    """Inspect, import into and export the offline cache.

    \b
    Commands: import (Atom feeds, arXiv's JSON Lines snapshot), export (one Atom
    file per paper), stats, path, clear-not-found.

    \b
    Example:
      arxref cache import examples/arxiv-responses/
      arxref cache import arxiv-metadata-oai-snapshot.json
      arxref cache stats --format json
    """


@cache.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@cache_option
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line.")
@handle_errors
def import_(paths: tuple[str, ...], cache_path: str | None, quiet: bool) -> None:
    """Load Atom feeds and arXiv metadata snapshots into the cache.

    PATHS are files or directories (searched for *.xml, *.atom, *.json,
    *.jsonl, gzip-compressed too); the format is detected from the content.
    Bad files and lines are reported as file:line and skipped. The import is
    committed in chunks: interrupting it keeps what was committed, and running
    it again completes it.

    \b
    Example:
      arxref cache import examples/arxiv-responses/
      arxref cache import arxiv-metadata-oai-snapshot.json.gz --cache big.sqlite
    """
    from ..cache.importer import import_files
    from ..config import Settings
    from ..paths import OutputGuard, cache_files, require_existing

    require_existing(paths)
    OutputGuard(paths, files=import_files).check_all(
        cache_files(Settings.from_env(cache_path=cache_path).cache_path), hint="name another cache file with --cache")
    counter = _Counter() if sys.stderr.isatty() and not quiet else None
    progress: Callable[[int], None] | None = counter
    with _open(cache_path) as db:
        try:
            report = db.import_paths(paths, progress=progress)
        finally:
            if counter:
                counter.close()
    if not quiet:
        for problem in report.problems:
            click.echo(f"arxref: warning: {problem}", err=True)
        if report.problem_count > len(report.problems):
            click.echo(f"arxref: warning: ... and {report.problem_count - len(report.problems)} more problems",
                       err=True)
    click.echo(f"imported {report.papers} papers ({report.unchanged} already up to date) from "
               f"{report.records} records in {report.files} files, {report.problem_count} problems")
    if report.problem_count:
        sys.exit(ExitCode.PROBLEMS)


@cache.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@cache_option
@handle_errors
def export(directory: str, cache_path: str | None) -> None:
    """Write one Atom feed file per cached paper into DIRECTORY.

    Files are named after the id (hep-th/9901001 -> hep-th_9901001.xml) and can
    be imported again with `arxref cache import`.

    \b
    Example:
      arxref cache export feeds/
    """
    with _open(cache_path) as db:
        count = db.export_atom(directory)
    click.echo(f"exported {count} papers to {directory}")


@cache.command("stats")
@cache_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def stats(cache_path: str | None, fmt: str) -> None:
    """Show how many papers, not-found ids and searches the cache holds, and its size.

    \b
    Example:
      arxref cache stats --format json
    """
    with _open(cache_path) as db:
        figures = db.stats()
    if fmt == "json":
        click.echo(json.dumps(figures, indent=2, sort_keys=True))
        return
    click.echo(f"path:           {figures['path']}")
    click.echo(f"papers:         {figures['papers']}")
    click.echo(f"not-found ids:  {figures['not_found']}")
    click.echo(f"searches:       {figures['searches']}")
    click.echo(f"size:           {_human_size(figures['size_bytes'])}")
    click.echo(f"schema version: {figures['schema_version']}")


@cache.command("path")
@cache_option
@handle_errors
def path(cache_path: str | None) -> None:
    """Print the cache file's path (without opening or creating it).

    \b
    Example:
      arxref cache path
    """
    from ..config import Settings

    click.echo(str(Settings.from_env(cache_path=cache_path).cache_path))


@cache.command("clear-not-found")
@click.argument("ids", nargs=-1)
@cache_option
@handle_errors
def clear_not_found(ids: tuple[str, ...], cache_path: str | None) -> None:
    """Forget "arXiv has no such paper" answers (all, or only IDS), so they are asked again.

    \b
    Example:
      arxref cache clear-not-found 2101.00001
    """
    from ..ids import canonical

    wanted = [canonical(i) for i in ids] if ids else None
    with _open(cache_path) as db:
        count = db.clear_not_found(wanted)
    click.echo(f"cleared {count} not-found records")
