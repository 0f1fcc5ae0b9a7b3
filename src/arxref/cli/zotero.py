"""`arxref zotero push`: a dump's papers into a Zotero library, never twice."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from .common import handle_errors, network_options, settings_from, verbosity_options
from .progress import ProgressPrinter


@click.group()
def zotero() -> None:
    """Zotero libraries: push papers as Preprint items (Web API or the running desktop app).

    \b
    Example:
      ZOTERO_API_KEY=... arxref zotero push seeds/ --library user:123456 --collection arXiv
    """


@zotero.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--library", envvar="ARXREF_ZOTERO_LIBRARY", metavar="user:ID|group:ID",
              help="The library to push into (Web API), e.g. user:123456 or group:98765 "
                   "[env ARXREF_ZOTERO_LIBRARY]. Your user ID is on zotero.org/settings/keys.")
@click.option("--collection", metavar="NAME", help="Put new items into this collection (created when missing; "
                                                   "with --desktop it must exist).")
@click.option("--dry-run", is_flag=True, help="Read the library and list what would be added; write nothing.")
@click.option("--update", is_flag=True, help="Refresh items arxref finds with an older arXiv version (Web API only).")
@click.option("--desktop", is_flag=True, help="Save through the Zotero app running on this computer (its browser-"
                                              "connector port; no API key) instead of the Web API.")
@click.option("--zotero-url", envvar="ARXREF_ZOTERO_URL", default=None,
              help="Zotero Web API base URL [env ARXREF_ZOTERO_URL; default https://api.zotero.org].")
@click.option("--desktop-url", envvar="ARXREF_ZOTERO_DESKTOP_URL", default=None,
              help="The desktop app's connector address [env ARXREF_ZOTERO_DESKTOP_URL; default http://127.0.0.1:23119].")
@click.option("--year", type=click.Choice(["first", "latest"]), default="first", show_default=True,
              help="Item date: of the first version (when the work became public) or of the latest.")
@click.option("--min-score", type=click.FloatRange(0, 1), default=None,
              help="Lowest similarity score that resolves an id-less record.")
@network_options
@handle_errors
@verbosity_options("Only failures and the summary: no per-item lines, progress or retry lines.",
                   "Show each arXiv and Zotero request on stderr (retries are shown anyway).")
def push(paths: tuple[str, ...], library: str | None, collection: str | None, dry_run: bool, update: bool,
         desktop: bool, zotero_url: str | None, desktop_url: str | None, year: str, min_score: float | None,
         verbose: bool, quiet: bool, **network: Any) -> None:
    """Resolve the papers in PATHS and add the ones the Zotero library lacks, as Preprint items.

    The library is read first (only what changed since the last run; the index is kept
    beside the arxref cache), so papers already there, however they were added, are
    skipped: running it again adds nothing. Writes go in batches of 50, each safe to
    retry. The API key is read from ZOTERO_API_KEY (a key with write access,
    zotero.org/settings/keys) and never printed or stored. --timeout (seconds for a
    whole request, answer included) and --max-retries apply to Zotero's requests as to
    arXiv's, and each retry is one line on stderr (not with -q); --offline concerns
    arXiv only (papers from the cache), Zotero is always asked.

    Exit status: 0 all papers are in the library; 1 some items failed or some inputs
    gave no paper; 2 usage error (bad option, missing key, key or library refused);
    3 Zotero (or arXiv) could not be reached.

    \b
    Examples:
      ZOTERO_API_KEY=... arxref zotero push notes/ --library user:123456 --collection "Reading list"
      arxref zotero push refs.bib --desktop          # Zotero running on this computer
    """
    from ..errors import UsageError
    from ..zotero import DEFAULT_DESKTOP_URL, DEFAULT_ZOTERO_URL, DesktopSettings, PushOptions, WebSettings
    from ..zotero import push as push_web
    from ..zotero import push_desktop

    settings = settings_from(network)
    options = PushOptions(collection=collection, dry_run=dry_run, update=update, year=year, min_score=min_score)
    progress = None if quiet else ProgressPrinter.for_stderr()
    try:
        if desktop:
            if library:
                raise UsageError("--library names a Web API library; --desktop saves into the library "
                                 "selected in the running Zotero (use one or the other)")
            report = push_desktop(list(paths), settings=settings, options=options, progress=progress,
                                  desktop=DesktopSettings(base_url=desktop_url or DEFAULT_DESKTOP_URL,
                                                          timeout=settings.timeout,
                                                          max_response_bytes=settings.max_response_bytes))
        else:
            if not library:
                raise UsageError("--library user:ID|group:ID is required (or --desktop to use the running "
                                 "Zotero)")
            web = WebSettings(base_url=zotero_url or DEFAULT_ZOTERO_URL,
                              api_key=os.environ.get("ZOTERO_API_KEY", ""), timeout=settings.timeout,
                              max_retries=settings.max_retries, max_response_bytes=settings.max_response_bytes)
            report = push_web(list(paths), library, settings=settings, web=web, options=options,
                              progress=progress)
    finally:
        if progress is not None:
            progress.close()
    gathered = report.gathered
    if gathered is not None and not quiet:
        for problem in gathered.problems:
            click.echo(problem.format_text(), err=True)
    for outcome in report.outcomes:
        if outcome.status == "failed" or not quiet:
            click.echo(outcome.format_text(), err=True)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    if report.unreachable:
        click.echo(f"arxref: error: {report.unreachable}", err=True)
    click.echo(f"arxref: {report.summary()}", err=True)
    sys.exit(report.exit_code)
