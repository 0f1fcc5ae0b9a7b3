"""BibTeX/biblatex writer: one ``@misc`` per preprint, valid for bibtex, biber, pandoc and Zotero.

Each preprint carries both arXiv's recommended BibTeX fields (``eprint``,
``archivePrefix``, ``primaryClass``) and biblatex's (``eprinttype``, ``eprintclass``):
bibtex styles and pandoc read the first set, biblatex and Zotero the second. ``doi``
is arXiv's DataCite DOI (``10.48550/arXiv.<id>``); a journal reference goes into
``note`` unless ``prefer_published`` asks for the ``@article``. The abstract is not
written (CSL-JSON and RIS carry it; abstracts are where stray TeX breaks builds).

Names are written ``{von} Last, Jr, First`` so bibtex splits them as arxref did
(see :mod:`arxref.keys`); organisations are braced whole (``{OpenAI}``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, TextIO

from ..keys import Name, split_name
from ..model import Entry, Paper
from . import WriteOptions, entry_date, has_journal, is_published, journal_year
from .latex import bibtex_title, clean_text, escape_text, raw_value

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
#: A field name bibtex and biber accept (user fields with other names are not written).
_FIELD_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-:.+/]*$")
_AND_RE = re.compile(r"(?<!\S)and(?!\S)", re.IGNORECASE)
_SAFE_RE = re.compile(r"[A-Za-z0-9.:/\-]*")
_BUFFER_ENTRIES = 512


@lru_cache(maxsize=65536)
def _name_part(text: str, ascii: bool) -> str:
    """A name part escaped, with bare ``and`` words and commas braced so bibtex cannot split there."""
    escaped = escape_text(text, ascii)
    escaped = _AND_RE.sub("{and}", escaped)
    return "{" + escaped + "}" if "," in escaped else escaped


def _needs_brace(family: str) -> bool:
    """bibtex would move lower-case words of a multi-word family name into the von part."""
    words = family.split()
    return len(words) > 1 and any(w[:1].islower() for w in words)


@lru_cache(maxsize=65536)
def format_name(name: Name, ascii: bool = False) -> str:
    """One author as bibtex reads it back the same way: ``de Haas, Sarah``, ``{OpenAI}``."""
    if name.literal:
        return "{" + escape_text(name.family, ascii) + "}"
    family = _name_part(name.family, ascii)
    if _needs_brace(name.family) and not family.startswith("{"):
        family = "{" + family + "}"
    if name.particle:
        family = _name_part(name.particle, ascii) + " " + family
    parts = [family]
    if name.suffix:
        parts.append(_name_part(name.suffix, ascii))
    if name.given or name.suffix:
        parts.append(_name_part(name.given, ascii))
    return ", ".join(parts)


def format_authors(names: list[Name], truncated: bool, ascii: bool = False) -> str:
    """The ``author`` field body: names joined by `` and ``, ``and others`` when cut."""
    text = " and ".join([format_name(n, ascii) for n in names])
    return text + " and others" if truncated else text


@lru_cache(maxsize=65536)
def _author(display_name: str, ascii: bool) -> str:
    return format_name(split_name(display_name), ascii)


def _author_field(paper: Paper, options: WriteOptions) -> str:
    """The ``author`` body for a paper (names cached by display string: authors recur)."""
    authors = paper.authors
    limit = options.max_authors
    truncated = limit is not None and len(authors) > limit
    if truncated:
        authors = authors[:limit]
    ascii = options.ascii
    text = " and ".join([_author(a.name, ascii) for a in authors])
    return text + " and others" if truncated else text


def _safe(value: str) -> str:
    """Identifiers (arXiv ids, categories) pass through unless they hold TeX specials."""
    return value if _SAFE_RE.fullmatch(value) else escape_text(value)


def _verbatim(value: str) -> str:
    """``doi``/``url`` are read verbatim by biblatex and ``\\url``: no TeX escapes, only
    braces (which would unbalance the value) percent-encoded."""
    if _SAFE_RE.fullmatch(value):
        return value
    return clean_text(value).replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def entry_type(entry: Entry, options: WriteOptions) -> str:
    """``article`` for a journal version, ``inproceedings``/``article`` when the user's entry
    kept a booktitle/journal, else ``misc`` (arXiv's recommendation for preprints)."""
    if is_published(entry.paper, options):
        return "article"
    container = has_journal(entry.bib_fields)
    if container == "booktitle":
        return "inproceedings"
    if container == "journal":
        return "article"
    return "misc"


def format_entry(entry: Entry, options: WriteOptions) -> str:
    """One entry as BibTeX text (ends with a blank line)."""
    paper = entry.paper
    ascii = options.ascii
    kind = entry_type(entry, options)
    date = entry_date(paper, options)
    published = is_published(paper, options)
    year = date.year
    if published and paper.journal_ref:
        year = journal_year(paper.journal_ref) or year
    bib = entry.bib_fields
    lines = [f"@{kind}{{{entry.key},"]
    if paper.authors:
        lines.append(f"  author = {{{_author_field(paper, options)}}},")
    lines.append(f"  title = {{{bibtex_title(paper.title, ascii)}}},")
    if published and paper.journal_ref:
        lines.append(f"  journal = {{{escape_text(paper.journal_ref, ascii)}}},")
    lines.append(f"  year = {{{year}}},")
    if not published:
        lines.append(f"  month = {_MONTHS[date.month - 1]},")
    arxiv_id = _safe(paper.arxiv_id)
    lines.append(f"  eprint = {{{arxiv_id}}},")
    lines.append("  archivePrefix = {arXiv},")
    category = _safe(paper.primary_category or (paper.categories[0] if paper.categories else ""))
    if category:
        lines.append(f"  primaryClass = {{{category}}},")
    lines.append("  eprinttype = {arxiv},")
    if category:
        lines.append(f"  eprintclass = {{{category}}},")
    if "doi" not in bib:
        doi = paper.doi if published and paper.doi else paper.datacite_doi
        lines.append(f"  doi = {{{_verbatim(doi)}}},")
    lines.append(f"  url = {{{_verbatim(paper.abs_url)}}},")
    note = _journal_note(entry, published, ascii)
    if note:
        lines.append(f"  note = {{{note}}},")
    for name, value in bib.items():
        if name == "note" and note or not _FIELD_NAME_RE.match(name):
            continue
        lines.append(f"  {name} = {{{raw_value(value, ascii)}}},")
    lines.append("}\n\n")
    return "\n".join(lines)


def _journal_note(entry: Entry, published: bool, ascii: bool) -> str:
    """``note``: the user's note, plus where the preprint was published (when not written as @article)."""
    paper = entry.paper
    parts = []
    if "note" in entry.bib_fields:
        parts.append(raw_value(entry.bib_fields["note"], ascii))
    if not published and paper.journal_ref:
        text = f"Published in {escape_text(paper.journal_ref, ascii)}"
        if paper.doi:
            text += f", doi:{escape_text(paper.doi)}"
        parts.append(text)
    return ". ".join(parts)


def write_bibtex(entries: Iterable[Entry], stream: TextIO, options: WriteOptions) -> None:
    """Write every entry to ``stream`` (text, UTF-8 unless ``options.ascii`` left only ASCII)."""
    buffer: list[str] = []
    for entry in entries:
        buffer.append(format_entry(entry, options))
        if len(buffer) >= _BUFFER_ENTRIES:
            stream.write("".join(buffer))
            buffer.clear()
    stream.write("".join(buffer))
