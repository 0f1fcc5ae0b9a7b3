"""`arxref resolve`: match records without an arXiv id to papers (cache first, then arXiv search)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..config import RESOLVE_MIN
from .common import handle_errors, network_options, settings_from, verbosity_options
from .progress import ProgressPrinter


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["jsonl", "text"]), default="jsonl", show_default=True,
              help="jsonl: one JSON object per record; text: one line per record.")
@click.option("--min-score", type=click.FloatRange(0, 1), default=None,
              help=f"Lowest similarity score (0-1) that resolves a record [default {RESOLVE_MIN}].")
@network_options
@handle_errors
@verbosity_options("No progress bar and no retry lines on stderr (records, problems and the summary are still printed).")
def resolve(paths: tuple[str, ...], fmt: str, min_score: float | None, verbose: bool, quiet: bool,
            **network: Any) -> None:
    """Find the arXiv paper behind every record in PATHS that has no id.

    Each record is printed with its status: resolved (with score and evidence),
    given (it carried its own id), ambiguous (candidates listed, none picked),
    unmatched, not_found, invalid or unverified. Records that are not resolved are
    also reported on stderr as file:line, followed by a summary line.

    Exit status: 0 every record got its paper; 1 some records are unmatched,
    ambiguous, not found or invalid, or no input file could be read; 2 usage
    error (a PATH that does not exist, say); 3 arXiv could not be reached (or --offline and not cached), so results
    are incomplete (3 wins over 1, as in export); 4 the cache file is unusable;
    143 terminated (SIGTERM).

    \b
    Example:
      arxref cache import examples/arxiv-responses/
      arxref resolve seeds/ --offline --format text
    """
    from ..pipeline import resolve as run_resolve

    settings = settings_from(network)
    progress = None if quiet else ProgressPrinter.for_stderr()
    try:
        report = run_resolve(list(paths), settings=settings, min_score=min_score, progress=progress)
    finally:
        if progress is not None:
            progress.close()
    for warning in report.warnings:
        click.echo(f"arxref: warning: {warning}", err=True)
    for res in report.resolutions:
        click.echo(json.dumps(res.to_json(), ensure_ascii=False) if fmt == "jsonl" else res.format_text())
    for res in report.problems:
        click.echo(res.format_problem(), err=True)
    click.echo(f"arxref resolve: {report.summary()}", err=True)
    sys.exit(report.exit_code)
