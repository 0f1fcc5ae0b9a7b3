"""`arxref scan`: list every paper mentioned in files, without touching the network."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from ..errors import ExitCode
from .common import handle_errors

if TYPE_CHECKING:
    from ..model import Record

_SNIPPET_WIDTH = 70


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["jsonl", "text"]), default="text", show_default=True,
              help="jsonl: one JSON object per record; text: an aligned table.")
@handle_errors
def scan(paths: tuple[str, ...], fmt: str) -> None:
    """Find every paper mentioned in PATHS (files, or directories walked recursively).

    Reads abstract dumps, copied arXiv listings and search pages, LaTeX, Markdown,
    BibTeX and plain text; prints one record per abstract, id, citation or
    .bib entry. Unreadable files are reported on stderr, one line each.

    Exit status: 0 scanned; 1 no file could be read; 2 usage error (a PATH
    that does not exist, named in one line).

    \b
    Example:
      arxref scan seeds/
      arxref scan paper.tex refs.bib --format jsonl
    """
    from ..paths import require_existing
    from ..scan import ScanProblem, ScanStats, scan_paths

    require_existing(paths)
    stats = ScanStats()

    def warn(problem: ScanProblem) -> None:
        click.echo(f"arxref: warning: {problem}", err=True)

    records = scan_paths(paths, on_problem=warn, stats=stats)
    if fmt == "jsonl":
        for record in records:
            click.echo(json.dumps(record.to_json(), ensure_ascii=False))
    else:
        rows = [_row(record) for record in records]
        for line in _table(rows):
            click.echo(line)
        click.echo(f"{len(rows)} records from {stats.files_scanned} files", err=True)
    if stats.files_scanned == 0:
        click.echo("arxref: error: no input file could be read", err=True)
        sys.exit(ExitCode.PROBLEMS)
    sys.exit(ExitCode.OK)


def _row(record: Record) -> tuple[str, str, str, str]:
    """(location, kind, id, what) for the text table."""
    location = f"{record.source}:{record.line}" + (f":{record.column}" if record.column else "")
    ident = record.arxiv_id or "-"
    if record.arxiv_id and record.version:
        ident += f"v{record.version}"
    if record.role == "citation":
        what = f"\\cite{{{record.key}}}"
    elif record.title:
        what = record.title
    else:
        what = " ".join((record.text or "").split())
    if record.key and record.role != "citation":
        what = f"[{record.key}] {what}"
    if len(what) > _SNIPPET_WIDTH:
        what = what[: _SNIPPET_WIDTH - 1] + "…"
    if record.problems:
        what += "  ! " + "; ".join(record.problems)
    return location, record.kind, ident, what


def _table(rows: list[tuple[str, str, str, str]]) -> list[str]:
    if not rows:
        return []
    width_loc = max(len(r[0]) for r in rows)  # no cap: columns align whatever the path length
    width_kind = max(len(r[1]) for r in rows)
    width_id = max(len(r[2]) for r in rows)
    return [f"{loc:<{width_loc}}  {kind:<{width_kind}}  {ident:<{width_id}}  {what}".rstrip()
            for loc, kind, ident, what in rows]
