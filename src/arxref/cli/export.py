"""`arxref export`: the main job, dumps in, bibliography files out."""

from __future__ import annotations

import sys
from typing import Any

import click

from .common import handle_errors, network_options, settings_from
from .progress import ProgressPrinter


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory to write STEM.bib, STEM.json and STEM.ris into (created if missing).")
@click.option("--name", default="references", show_default=True, help="File stem of the outputs.")
@click.option("--formats", default="bib,json,ris", show_default=True,
              help="Comma-separated output formats: bib (BibTeX), json (CSL-JSON for Zotero/pandoc), ris.")
@click.option("--year", type=click.Choice(["first", "latest"]), default="first", show_default=True,
              help="Year of the first version (when the work became public) or of the latest version.")
@click.option("--prefer-published", is_flag=True, help="Write @article with journal data when arXiv knows it.")
@click.option("--ascii", "ascii_", is_flag=True, help="Write LaTeX escapes for non-ASCII letters in .bib.")
@click.option("--max-authors", type=click.IntRange(min=1), default=None, help="Keep N authors, then 'and others'.")
@click.option("--min-score", type=click.FloatRange(0, 1), default=None,
              help="Lowest similarity score that resolves an id-less record.")
@click.option("--rekey", is_flag=True, help="Regenerate citation keys even for existing .bib entries.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no per-problem lines; summary only.")
@network_options
@handle_errors
def export(paths: tuple[str, ...], out_dir: str, name: str, formats: str, year: str, prefer_published: bool,
           ascii_: bool, max_authors: int | None, min_score: float | None, rekey: bool, quiet: bool,
           **network: Any) -> None:
    """Scan PATHS, resolve and fetch every paper, write DIR/STEM.{bib,json,ris}.

    A version arXiv does not have (2107.03374v3 when it has v1-v2) writes the
    paper's latest version with a warning (no_such_version).

    Exit status: 0 all went well; 1 some records could not be resolved (the files
    hold every paper that did), or no input file could be read (nothing is
    written then); 2 usage error; 3 arXiv could not be reached, so some papers
    could not be verified (3 wins over 1: the files are incomplete); 4 the cache
    file is unusable; 143 terminated (SIGTERM; no partial file is left).

    \b
    Example:
      arxref cache import examples/arxiv-responses/
      arxref export seeds/ -o out/ --offline
    """
    from ..pipeline import export as run_export

    settings = settings_from(network)
    progress = None if quiet else ProgressPrinter.for_stderr()
    try:
        report = run_export(
            list(paths), out_dir, name=name, formats=formats.split(","), settings=settings, year=year,
            prefer_published=prefer_published, ascii=ascii_, max_authors=max_authors, min_score=min_score,
            rekey=rekey, progress=progress,
        )
    finally:
        if progress is not None:
            progress.close()
    if not quiet:
        for problem in report.problems:
            click.echo(problem.format_text(), err=True)
        for change in report.changes:
            click.echo(f"corrected {change}", err=True)
    for path in report.files:
        click.echo(f"wrote {path}", err=True)
    click.echo(f"arxref: {report.summary()}", err=True)
    sys.exit(report.exit_code)
