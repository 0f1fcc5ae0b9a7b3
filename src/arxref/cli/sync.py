"""`arxref sync`: add to a document's bibliography every arXiv paper it cites by id and lacks."""

from __future__ import annotations

import sys
from typing import Any

import click

from .common import handle_errors, network_options, settings_from


@click.command()
@click.argument("documents", nargs=-1, required=True, type=click.Path())
@click.option("--bib", "bib", type=click.Path(dir_okay=False),
              help="The bibliography to update (.bib or CSL-JSON .json), instead of the one each document names.")
@click.option("--check", is_flag=True, help="Change nothing; exit 1 when an entry is missing (CI, pre-commit).")
@click.option("--dry-run", is_flag=True, help="Change nothing; print what would be added.")
@network_options
@handle_errors
def sync(documents: tuple[str, ...], bib: str | None, check: bool, dry_run: bool, **network: Any) -> None:
    """Add an entry to the bibliography of each DOCUMENT for every arXiv id it cites and lacks.

    A document cites papers by id in any form: \\cite{2108.02818}, \\citep{arXiv:2307.03718},
    \\cite{hep-th/9901001}, \\cite{doi:10.48550/arXiv.2108.02818}; in Markdown [@arxiv:2108.02818].
    The bibliography is the one the document names (\\bibliography{refs},
    \\addbibresource{refs.bib}, pandoc's YAML 'bibliography: refs.bib' or refs.json), or --bib.
    Each new entry is keyed exactly as cited and appended after everything the file holds,
    which is kept byte for byte; the file is replaced atomically. A paper cited under two
    keys gets one entry with the other key in 'ids' when the document uses biblatex, one
    entry per key otherwise (bibtex and pandoc have no aliases). A named file that does
    not exist is created. Running sync again changes nothing.

    Exit status: 0 up to date (or brought up to date); 1 a cited key that is not an arXiv id
    is undefined, arXiv has no paper with a cited id, or (--check) an entry is missing;
    2 usage error, or a bibliography that cannot be parsed (it is not touched); 3 arXiv
    could not be reached for a missing id (with --offline: not in the cache); 1 wins over 3.

    \b
    Examples:
      arxref sync paper.tex
      arxref sync notes.md --bib refs.json
      arxref sync paper.tex --check --offline
    """
    from ..sync import sync as run_sync

    settings = settings_from(network)
    report = run_sync(list(documents), bib=bib, check=check, dry_run=dry_run, settings=settings)
    for problem in report.problems:
        click.echo(problem.format_text())
    verb = "missing" if check else "would add" if dry_run else "added"
    for path in report.created:
        click.echo(f"{path}: {'does not exist' if check or dry_run else 'created'} (named by the document)")
    for added in report.added:
        also = f", also cited as {', '.join(added.aliases)}" if added.aliases else ""
        click.echo(f"{added.target}: {verb} {added.key} ({added.label}, arXiv:{added.arxiv_id}{also})")
    if check and not report.up_to_date:
        click.echo(f"arxref sync: not up to date; run `arxref sync {' '.join(documents)}`", err=True)
    elif report.up_to_date and not report.problems:
        click.echo("arxref sync: up to date", err=True)
    sys.exit(report.exit_code)
