"""`arxref resolve`: match records without an arXiv id to papers (cache first, then arXiv search)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .common import handle_errors, network_options, settings_from

#: Kept in step with arxref.resolve.RESOLVE_MIN (importing it here would load rapidfuzz on --help).
RESOLVE_MIN = 0.4

#: Statuses in the order the summary line lists them.
SUMMARY_ORDER = ("resolved", "given", "ambiguous", "unmatched", "not_found", "invalid", "unverified")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "text"]), default="jsonl", show_default=True,
              help="jsonl: one JSON object per record; text: one line per record.")
@click.option("--min-score", type=click.FloatRange(0, 1), default=None,
              help=f"Lowest similarity score (0-1) that resolves a record [default {RESOLVE_MIN}].")
@network_options
@handle_errors
def resolve(paths: tuple[str, ...], fmt: str, min_score: float | None, **network: Any) -> None:
    """Find the arXiv paper behind every record in PATHS that has no id.

    Each record is printed with its status: resolved (with score and evidence),
    given (it carried its own id), ambiguous (candidates listed, none picked),
    unmatched, not_found, invalid or unverified. Records that are not resolved are
    also reported on stderr as file:line, followed by a summary line.

    Exit status: 0 done (even with unmatched records); 2 usage error; 3 arXiv could
    not be reached (or --offline and not cached), so results are incomplete.

    \b
    Example:
      arxref cache import examples/arxiv-responses/
      arxref resolve seeds/ --offline --format text
    """
    from ..cache import Cache
    from ..resolve import resolve_records
    from ..scan import scan_paths
    from .progress import ProgressPrinter

    settings = settings_from(network)
    problems: list[str] = []
    records = list(scan_paths(list(paths), on_problem=lambda problem: problems.append(str(problem))))
    for problem in problems:
        click.echo(f"arxref: warning: {problem}", err=True)
    printer = ProgressPrinter.for_stderr()
    try:
        with Cache(settings.cache_path) as cache:
            resolutions = resolve_records(
                records, settings, cache, min_score=min_score,
                progress=(lambda done, total: printer("resolve", done, total)) if printer else None,
            )
    finally:
        if printer is not None:
            printer.close()
    for res in resolutions:
        click.echo(json.dumps(res.to_json(), ensure_ascii=False) if fmt == "jsonl" else _text_line(res))
    counts = {status: 0 for status in SUMMARY_ORDER}
    for res in resolutions:
        counts[res.status] = counts.get(res.status, 0) + 1
        if res.status not in ("resolved", "given"):
            click.echo(_problem_line(res), err=True)
    click.echo("arxref resolve: " + ", ".join(f"{status} {n}" for status, n in counts.items()), err=True)
    sys.exit(3 if counts["unverified"] else 0)


def _where(res: Any) -> str:
    return f"{res.record.source}:{res.record.line}"


def _what(res: Any) -> str:
    from ..textnorm import snippet

    record = res.record
    if record.arxiv_id:
        return f"arXiv:{record.arxiv_id}"
    return repr(snippet(record.title or record.text or record.key or ""))


def _text_line(res: Any) -> str:
    """``file:line: status id (score) what``: one line per record for humans."""
    parts = [f"{_where(res)}: {res.status}"]
    if res.arxiv_id:
        parts.append(res.arxiv_id)
    if res.score is not None and res.status in ("resolved", "ambiguous", "unmatched"):
        parts.append(f"({res.score:.2f})")
    if res.status in ("resolved", "given") and res.paper is not None:
        parts.append(repr(res.paper.title))
    else:
        parts.append(_what(res))
    return " ".join(parts)


def _problem_line(res: Any) -> str:
    """``file:line: unmatched: <snippet>`` plus the reason or candidates (stderr)."""
    line = f"{_where(res)}: {res.status}: {_what(res)}"
    if res.status == "ambiguous" and res.candidates:
        line += " matches " + ", ".join(f"{cid} ({s:.2f})" for cid, s in res.candidates[:5])
    elif res.reason:
        line += f" ({res.reason})"
    return line
