"""`arxref export`: the main job, dumps in, bibliography files out."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..errors import UsageError
from .common import handle_errors, network_options, settings_from, verbosity_options
from .progress import ProgressPrinter


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, allow_dash=True),
              help="Directory to write STEM.bib, STEM.json and STEM.ris into (created if missing); "
                   "'-' writes the one format chosen with --formats to stdout.")
@click.option("--name", default="references", show_default=True, help="File stem of the outputs.")
@click.option("--formats", default="bib,json,ris", show_default=True,
              help="Comma-separated output formats: bib (BibTeX), json (CSL-JSON for Zotero/pandoc), ris.")
@click.option("--year", type=click.Choice(["first", "latest"]), default="first", show_default=True,
              help="Year of the first version (when the work became public) or of the latest version.")
@click.option("--prefer-published", is_flag=True, help="Write @article with journal data when arXiv knows it.")
@click.option("--ascii", "ascii_", is_flag=True, help="Write LaTeX escapes for non-ASCII letters in .bib.")
@click.option("--max-authors", type=click.IntRange(min=1), default=None, help="Keep N authors, then 'and others'.")
@click.option("--bib-abstracts", is_flag=True,
              help="Write abstracts into the .bib too (for importing it into Zotero or JabRef; CSL-JSON is "
                   "the better path into Zotero).")
@click.option("--min-score", type=click.FloatRange(0, 1), default=None,
              help="Lowest similarity score that resolves an id-less record.")
@click.option("--rekey", is_flag=True, help="Regenerate citation keys even for existing .bib entries.")
@click.option("--cite-aliases", type=click.Choice(["entries", "ids"]), default="entries", show_default=True,
              help="A paper cited under two keys (\\cite{2108.02818} and \\cite{arXiv:2108.02818}): one entry "
                   "per key (bibtex, pandoc), or one entry with the other keys in biblatex's ids field (biber).")
@click.option("--bib-flavor", type=click.Choice(["bibtex", "biblatex"]), default=None,
              help="Fields that name a preprint in the .bib, so every style prints its arXiv id once: "
                   "bibtex (howpublished = {arXiv:ID [class]}, for plain, natbib, IEEEtran, ACM...) or biblatex "
                   "(eprint, eprinttype, eprintclass). Default: biblatex if a .tex among PATHS loads it, else bibtex.")
@network_options
@handle_errors
@verbosity_options("No progress bar, no per-problem lines and no retry lines; the summary only.")
def export(paths: tuple[str, ...], out_dir: str, name: str, formats: str, year: str, prefer_published: bool,
           ascii_: bool, max_authors: int | None, bib_abstracts: bool, min_score: float | None, rekey: bool,
           cite_aliases: str, bib_flavor: str | None, verbose: bool, quiet: bool, **network: Any) -> None:
    """Scan PATHS, resolve and fetch every paper, write DIR/STEM.{bib,json,ris}.

    A paper a document cites by its arXiv id (\\cite{2108.02818}, [@arxiv:2108.02818]) is
    written under that key, exactly as cited; other papers get generated keys
    (chen2021evaluating), and keys of existing .bib entries are kept.

    Entries of input .bib files that are not arXiv papers (books, journal papers,
    web pages) are written as they are, with the files' comments and @strings; an
    entry whose title or first author names another paper than its arXiv id is
    reported as a conflict and also written as it is; an entry for a published
    version keeps its type and venue (arXiv's eprint is added).

    A version arXiv does not have (2107.03374v3 when it has v1-v2) writes the
    paper's latest version with a warning (no_such_version).

    Exit status: 0 all went well; 1 some records could not be resolved (the files
    hold every paper that did), a .bib entry conflicts with its arXiv id, or no
    input file could be read (nothing is written then); 2 usage error (a PATH that
    does not exist, or an output that would replace one of the inputs: use `arxref
    sync` to update a .bib in place); 3 arXiv could not be reached, so some papers
    could not be verified (3 wins over 1: the files are incomplete); 4 the cache
    file is unusable; 143 terminated (SIGTERM; no partial file is left).

    \b
    Example:
      arxref cache import examples/arxiv-responses/
      arxref export seeds/ -o out/ --offline
      arxref export notes/ -o - --formats bib > notes.bib
    """
    from ..pipeline import export as run_export

    settings = settings_from(network)
    to_stdout = out_dir == "-"
    chosen = [fmt.strip() for fmt in formats.split(",") if fmt.strip()]
    if to_stdout and len(chosen) > 1:
        raise UsageError(f"-o - writes one format to stdout, not {len(chosen)} ({formats}): "
                         "choose it with --formats bib, json or ris")
    progress = None if quiet else ProgressPrinter.for_stderr()
    try:
        report = run_export(
            list(paths), None if to_stdout else out_dir, name=name, formats=formats.split(","), settings=settings,
            year=year, prefer_published=prefer_published, ascii=ascii_, max_authors=max_authors,
            min_score=min_score, rekey=rekey, progress=progress, cite_aliases=cite_aliases, bib_abstracts=bib_abstracts,
            stream=click.get_binary_stream("stdout") if to_stdout else None, bib_flavor=bib_flavor,
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
