"""`arxref check`: fail CI when a citation does not resolve."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .common import handle_errors, network_options, settings_from


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "github", "json"]), default="text", show_default=True,
              help="text: file:line:col: level: message; github: Actions annotations; json: a list.")
@click.option("--bib", "bib_files", multiple=True, type=click.Path(dir_okay=False),
              help="Extra .bib files that define \\cite keys (also found via \\bibliography{}).")
@click.option("--min-score", type=click.FloatRange(0, 1), default=None,
              help="Lowest similarity score that resolves an id-less record.")
@network_options
@handle_errors
def check(paths: tuple[str, ...], fmt: str, bib_files: tuple[str, ...], min_score: float | None,
          **network: Any) -> None:
    """Check that every arXiv id and citation in PATHS (.tex, .bib, .md, text) resolves.

    Exit status: 0 all resolve; 1 problems found (unknown or invalid id, a version
    arXiv does not have (no_such_version), undefined \\cite key, .bib title that
    disagrees with arXiv, ambiguous reference, or no input file could be read);
    2 usage error; 3 could not verify (arXiv
    unreachable or rate-limited after retries; with --offline: not in the cache;
    1 wins over 3: a wrong citation stays wrong); 4 the cache file is unusable.

    \b
    Example:
      arxref check paper.tex refs.bib --format github
    """
    from ..pipeline import check as run_check

    settings = settings_from(network)
    report = run_check(list(paths), settings=settings, bib_files=list(bib_files), min_score=min_score)
    if fmt == "json":
        click.echo(json.dumps([p.to_json() for p in report.problems], indent=2, ensure_ascii=False))
    else:
        for problem in report.problems:
            click.echo(problem.format_github() if fmt == "github" else problem.format_text())
    errors = len(report.errors)
    click.echo(
        f"arxref check: {report.ids_checked} ids and {report.citations_checked} citations in {report.files} files; "
        f"{errors} error(s), {len(report.problems) - errors} warning(s)",
        err=True,
    )
    sys.exit(report.exit_code)
