"""CSL-JSON writer: the file Zotero imports as Preprints and pandoc's citeproc reads.

A preprint is ``"type": "article"`` (CSL 1.0.2: preprints, e.g. arXiv) with
``publisher`` arXiv and ``number`` the arXiv id, which Zotero maps to Repository and
Archive ID. Items validate against the CSL-JSON schema (``additionalProperties:
false``), so anything without a CSL variable (the arXiv id, primary class, a .bib
entry's extra fields) goes into ``note`` as ``key: value`` lines, which Zotero moves
into Extra. Particles stay in ``family`` (Zotero drops ``non-dropping-particle``).
Titles are plain text: TeX escapes decoded, math left as written.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Iterable, TextIO

from ..keys import Name, split_name
from ..model import Entry
from . import WriteOptions, entry_date, has_journal, is_published, journal_year
from .latex import clean_text, latex_to_text

_BUFFER_ITEMS = 512
#: No indent: the C encoder is used only without one (5x faster); one item per line.
_encode = json.JSONEncoder(ensure_ascii=False).encode

#: .bib fields (lower-case) copied into CSL variables; the rest become note lines.
BIB_TO_CSL = {
    "journal": "container-title", "journaltitle": "container-title", "booktitle": "container-title",
    "volume": "volume", "number": "issue", "pages": "page", "publisher": "publisher",
    "address": "publisher-place", "location": "publisher-place", "isbn": "ISBN", "issn": "ISSN",
    "doi": "DOI", "keywords": "keyword", "edition": "edition", "series": "collection-title",
    "language": "language", "urldate": None, "note": None, "ids": None, "file": None,
}


def csl_name(name: Name) -> dict[str, str]:
    """A CSL name object: ``{family, given[, suffix]}``, or ``{literal}`` for organisations."""
    if name.literal:
        return {"literal": clean_text(name.family)}
    out = {"family": clean_text(name.full_family)}
    if name.given:
        out["given"] = clean_text(name.given)
    if name.suffix:
        out["suffix"] = clean_text(name.suffix)
    return out


@lru_cache(maxsize=65536)
def _author(display_name: str) -> dict[str, str]:
    """CSL name of an arXiv display name, cached (authors recur); callers must not mutate it."""
    return csl_name(split_name(display_name))


def date_parts(year: int, month: int | None = None, day: int | None = None) -> dict[str, Any]:
    """A CSL date object (the schema rejects bare strings)."""
    parts = [year] + ([month] if month else []) + ([day] if month and day else [])
    return {"date-parts": [parts]}


def note_text(lines: Iterable[str]) -> str:
    """``note`` from ``key: value`` lines, one per line (Zotero reads them into Extra)."""
    return "\n".join(clean_text(line) for line in lines if line)


def entry_to_csl(entry: Entry, options: WriteOptions) -> dict[str, Any]:
    """One Entry as a CSL-JSON item (plain dict, schema-valid)."""
    paper = entry.paper
    published = is_published(paper, options)
    date = entry_date(paper, options)
    authors = paper.authors if options.max_authors is None else paper.authors[: options.max_authors]
    item: dict[str, Any] = {"id": entry.key, "type": "article", "title": latex_to_text(paper.title)}
    if authors:
        item["author"] = [_author(a.name) for a in authors]
    item["issued"] = date_parts(date.year, date.month, date.day)
    abstract = clean_text(paper.abstract)
    if abstract:
        item["abstract"] = abstract
    item["publisher"] = "arXiv"
    item["number"] = paper.arxiv_id
    item["DOI"] = paper.datacite_doi
    item["URL"] = paper.abs_url
    item["version"] = str(paper.version)
    notes = [f"arXiv: {paper.arxiv_id}"]
    category = paper.primary_category or (paper.categories[0] if paper.categories else None)
    if category:
        notes.append(f"Primary class: {category}")
    if paper.journal_ref and published:
        item["type"] = "article-journal"
        item["container-title"] = clean_text(paper.journal_ref)
        year = journal_year(paper.journal_ref)
        if year and year != date.year:
            item["issued"] = date_parts(year)
        if paper.doi:
            item["DOI"] = paper.doi
        del item["publisher"], item["number"]
    elif paper.journal_ref:
        notes.append(f"Journal reference: {paper.journal_ref}")
        if paper.doi:
            notes.append(f"Published DOI: {paper.doi}")
    _apply_bib_fields(item, entry, notes)
    item["note"] = note_text(notes)
    return item


def _apply_bib_fields(item: dict[str, Any], entry: Entry, notes: list[str]) -> None:
    """Carry a .bib entry's extra fields: CSL variables where one exists, else note lines."""
    if not entry.bib_fields:
        return
    container = has_journal(entry.bib_fields)
    if container and item["type"] == "article":
        item["type"] = "paper-conference" if container == "booktitle" else "article-journal"
        item.pop("publisher", None)
        item.pop("number", None)
    for name, value in entry.bib_fields.items():
        text = latex_to_text(value)
        if not text:
            continue
        variable = BIB_TO_CSL.get(name, "")
        if name == "note":
            notes.insert(0, text)
        elif variable:
            item[variable] = text
        elif variable == "" and name.isidentifier():
            notes.append(f"{name}: {text}")


def write_items(items: Iterable[dict[str, Any]], stream: TextIO) -> None:
    """Stream a JSON array of items, one item per line, buffered (never the whole file in memory)."""
    stream.write("[")
    buffer: list[str] = []
    first = True
    for item in items:
        buffer.append(("\n" if first else ",\n") + _encode(item))
        first = False
        if len(buffer) >= _BUFFER_ITEMS:
            stream.write("".join(buffer))
            buffer.clear()
    stream.write("".join(buffer))
    stream.write("\n]\n" if not first else "]\n")


def write_csljson(entries: Iterable[Entry], stream: TextIO, options: WriteOptions) -> None:
    """Write every entry as one CSL-JSON array."""
    write_items((entry_to_csl(entry, options) for entry in entries), stream)
