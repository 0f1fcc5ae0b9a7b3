"""`arxref fetch`: print arXiv metadata for ids (cache first, then the API)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from ..errors import ExitCode
from .common import handle_errors, network_options, settings_from, verbosity_options
from .progress import ProgressPrinter

if TYPE_CHECKING:
    from ..fetch import FetchReport
    from ..model import Paper

#: ``fetch --format`` names of bibliography formats -> the writer's name (as in ``export --formats``).
BIBLIOGRAPHY_FORMATS = {"bib": "bib", "csljson": "json", "ris": "ris"}


@click.command()
@click.argument("ids", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "text", *BIBLIOGRAPHY_FORMATS]), default="text",
              show_default=True,
              help="jsonl: one JSON object per paper; text: readable lines; bib, csljson, ris: the entries "
                   "as `export` writes them (same writer, same keys), e.g. to append to a .bib with >>.")
@click.option("--bib-flavor", type=click.Choice(["bibtex", "biblatex"]), default="bibtex", show_default=True,
              help="With --format bib: the fields that name a preprint, as export --bib-flavor (bibtex: "
                   "howpublished = {arXiv:ID [class]}; biblatex: eprint, eprinttype, eprintclass).")
@network_options
@handle_errors
@verbosity_options("No progress bar and no retry lines on stderr (papers and problems are still printed).")
def fetch(ids: tuple[str, ...], fmt: str, bib_flavor: str, verbose: bool, quiet: bool, **network: Any) -> None:
    """Print arXiv metadata for IDS (any form: 2107.03374, arXiv:2107.03374v2, URLs, DOIs).

    Papers come from the cache when present, else from the API (in batches,
    stored as they arrive). Ids that are not found, invalid or could not be
    verified are reported on stderr, one line each; stdout holds only the papers. A version arXiv does not
    have (2107.03374v9) prints the paper's latest version, with a warning.

    Exit status: 0 all found; 1 some ids not found or invalid; 2 usage error;
    3 arXiv could not be reached (or --offline and not cached); 4 the cache file
    is unusable.

    \b
    Example:
      arxref fetch 2107.03374 hep-th/9901001 --format jsonl
      arxref fetch arXiv:2005.14165 --offline
      arxref fetch 2005.14165 --format bib >> refs.bib
    """
    from ..cache import Cache
    from ..errors import CacheError
    from ..fetch import fetch_papers
    from ..ids import InvalidIdError, parse

    settings = settings_from(network)
    try:
        settings.cache_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CacheError(f"cannot create the cache directory {settings.cache_path.parent}: {exc.strerror}") from None
    order: list[str] = []
    for raw in ids:
        try:
            base = parse(raw).base
        except InvalidIdError:
            continue
        if base not in order:
            order.append(base)
    printer = None if quiet else ProgressPrinter.for_stderr()
    try:
        with Cache(settings.cache_path) as cache:
            report = fetch_papers(ids, settings, cache,
                                  progress=(lambda done: printer("fetch", done, len(order))) if printer else None)
    finally:
        if printer is not None:
            printer.close()
    order = [base for base in order if base in report.papers]
    if fmt in BIBLIOGRAPHY_FORMATS:
        _write_entries([report.papers[base] for base in order], BIBLIOGRAPHY_FORMATS[fmt], bib_flavor)
    for base in order if fmt in ("jsonl", "text") else ():
        paper = report.papers[base]
        click.echo(json.dumps(paper_json(paper), ensure_ascii=False) if fmt == "jsonl" else paper_text(paper))
    _report_problems(report)
    sys.exit(exit_code(report))


def _write_entries(papers: "list[Paper]", writer: str, bib_flavor: str = "bibtex") -> None:
    """The papers as bibliography entries on stdout, by export's writer (keys generated as export does)."""
    from ..formats import WriteOptions, write_formats

    from ..outputs import writing

    stream = click.get_binary_stream("stdout")
    with writing("stdout"):
        write_formats(papers, {writer: stream}, WriteOptions(bib_flavor=bib_flavor))  # none: an empty .bib or .ris, []
        stream.flush()


def exit_code(report: "FetchReport") -> ExitCode:
    """UNVERIFIED when arXiv (or, offline, the cache) could not answer; PROBLEMS for unknown or invalid ids."""
    if report.unverified or report.uncached or report.unchecked_versions:
        return ExitCode.UNVERIFIED
    if report.not_found or report.invalid:
        return ExitCode.PROBLEMS
    return ExitCode.OK


def _report_problems(report: "FetchReport") -> None:
    from ..fetch import version_message

    for confirmed, versions in ((True, report.missing_versions), (False, report.unchecked_versions)):
        for base, asked in sorted(versions.items()):
            message = version_message(base, asked, report.papers[base].version, confirmed, "printed")
            click.echo(f"arxref: {'warning' if confirmed else 'could not verify'}: {message}", err=True)
    for raw, reason in report.invalid.items():
        click.echo(f"arxref: invalid: {raw}: {reason}", err=True)
    for arxiv_id in sorted(report.not_found):
        click.echo(f"arxref: not found: arXiv has no paper {arxiv_id}", err=True)
    for arxiv_id in sorted(report.uncached):
        click.echo(f"arxref: not cached (offline): {arxiv_id}", err=True)
    for arxiv_id, reason in sorted(report.unverified.items()):
        click.echo(f"arxref: could not verify {arxiv_id}: {reason}", err=True)


def paper_json(paper: "Paper") -> dict[str, Any]:
    """The stable JSON object of `fetch --format jsonl`."""
    return {
        "id": paper.arxiv_id,
        "version": paper.version,
        "title": paper.title,
        "authors": [a.name for a in paper.authors],
        "abstract": paper.abstract,
        "published": paper.published.isoformat(),
        "updated": paper.updated.isoformat(),
        "categories": list(paper.categories),
        "primary_category": paper.primary_category,
        "comment": paper.comment,
        "journal_ref": paper.journal_ref,
        "doi": paper.doi,
        "versions": list(paper.versions),
    }


def paper_text(paper: "Paper") -> str:
    """A few readable lines per paper, separated by a blank line."""
    names = [a.name for a in paper.authors]
    authors = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    lines = [
        f"arXiv:{paper.versioned_id}  {paper.title}",
        f"  authors:   {authors}",
        f"  published: {paper.published.date().isoformat()}  updated: {paper.updated.date().isoformat()}",
    ]
    if paper.categories:
        lines.append(f"  categories: {' '.join(paper.categories)}")
    for label, value in (("comment", paper.comment), ("journal", paper.journal_ref), ("doi", paper.doi)):
        if value:
            lines.append(f"  {label}: {value}")
    lines.append(f"  {paper.abs_url}")
    return "\n".join(lines) + "\n"
