"""`arxref check`: fail CI when a citation does not resolve."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .common import handle_errors, network_options, settings_from, verbosity_options


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
@verbosity_options("No retry lines on stderr (the findings and the summary are still printed).")
def check(paths: tuple[str, ...], fmt: str, bib_files: tuple[str, ...], min_score: float | None, verbose: bool,
          quiet: bool, **network: Any) -> None:
    """Check that every arXiv id and citation in PATHS (.tex, .bib, .md, text) resolves.

    A \\cite key that is an arXiv id (\\cite{2108.02818}, \\cite{arXiv:2307.03718}) and is
    missing from the .bib is reported with what to do: "arXiv has it (Agarwal et al.
    2021); run `arxref sync paper.tex`". Lines are errors, warnings, or info notes (an
    archive written before a new-style id, as in hep-th/1601.07616, is read as
    1601.07616 and noted; notes never fail).

    Exit status: 0 all resolve; 1 problems found (unknown or invalid id, a version
    arXiv does not have (no_such_version), unknown subject class such as math.ACS, undefined \\cite key, cited arXiv id missing from
    the .bib, a .bib entry whose title or first author names another paper than its id
    (a conflict), ambiguous reference, or no input file could be read); 2 usage error
    (a PATH that does not exist, say); 3 could not verify (arXiv
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
    notes = sum(1 for p in report.problems if p.level == "info")
    warnings = len(report.problems) - errors - notes
    click.echo(
        f"arxref check: {report.ids_checked} ids and {report.citations_checked} citations in {report.files} files; "
        f"{errors} error(s), {warnings} warning(s)" + (f", {notes} note(s)" if notes else ""),
        err=True,
    )
    sys.exit(report.exit_code)
