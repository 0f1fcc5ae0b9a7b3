"""CSL-JSON writer: the file Zotero imports as Preprints and pandoc's citeproc reads.

A preprint is ``"type": "article"`` (CSL 1.0.2: preprints, e.g. arXiv) with
``publisher`` arXiv and ``number`` ``arXiv:<id>``, which Zotero maps to Repository and
Archive ID exactly as its own arXiv translator fills them (checked with Zotero's
translation-server, ``POST /import``: tests/test_zotero_import.py). Items validate against the CSL-JSON schema (``additionalProperties:
false``), so anything without a CSL variable (the arXiv id, primary class, a .bib
entry's extra fields) goes into ``note`` as ``key: value`` lines, which Zotero moves
into Extra. Particles stay in ``family`` (Zotero drops ``non-dropping-particle``).
Titles are plain text: TeX escapes decoded, math left as written. The preprint's
DOI, URL, repository and note lines follow :mod:`arxref.preprint`.

:func:`bib_item` writes any BibTeX entry (a :class:`~arxref.formats.bibitem.BibItem`,
from the pybtex output plugin) with the same names, dates and preprint rules.
"""

from __future__ import annotations

import json
from functools import lru_cache
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # C; ensure_ascii=False form
from typing import TYPE_CHECKING, Any, Iterable, TextIO

from ..keys import Name, split_name
from ..preprint import (ABS_URL_PREFIX, ARCHIVE_ID_PREFIX, ARCHIVE_LINE_PREFIX, CLASS_LINE_PREFIX, DOI_PREFIX,
                        REPOSITORY, abs_url, archive_id, datacite_doi, journal_lines, note_lines, parse_citation)
from ..tex import clean_text, latex_to_text
from .bibitem import BibItem
from .prepared import Prepared

if TYPE_CHECKING:
    from ..model import Paper
    from . import WriteOptions

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


def date_parts(year: int, month: int | None = None, day: int | None = None) -> dict[str, Any]:
    """A CSL date object (the schema rejects bare strings)."""
    parts = [year] + ([month] if month else []) + ([day] if month and day else [])
    return {"date-parts": [parts]}


def note_text(lines: Iterable[str]) -> str:
    """``note`` from ``key: value`` lines, one per line (Zotero reads them into Extra)."""
    return "\n".join(clean_text(line) for line in lines if line)


# --------------------------------------------------------------------------- JSON text
#
# Items are built as {variable: JSON text of its value} and joined, instead of a dict
# of values handed to json.dumps: the text of a clean string is the string in quotes,
# author objects recur and are encoded once, and dates are three integers. Every value
# still comes from the stdlib encoder or is a string it would leave unchanged
# (tests/test_formats_csljson.py checks the equivalence).


def _json_clean(text: str) -> str:
    """JSON text of a string with no control characters (what :func:`clean_text` returns)."""
    if '"' in text or "\\" in text:
        return encode_basestring(text)  # type: ignore[no-any-return]
    return '"' + text + '"'


@lru_cache(maxsize=65536)
def _author_json(display_name: str) -> str:
    """JSON text of the CSL name of an arXiv display name (cached: authors recur)."""
    return _encode(csl_name(split_name(display_name)))  # type: ignore[no-any-return]


def _date_json(year: int, month: int | None = None, day: int | None = None) -> str:
    """JSON text of :func:`date_parts`."""
    if month and day:
        return f'{{"date-parts": [[{year}, {month}, {day}]]}}'
    if month:
        return f'{{"date-parts": [[{year}, {month}]]}}'
    return f'{{"date-parts": [[{year}]]}}'


def _item_values(prepared: Prepared) -> dict[str, str]:
    """One entry as ``{CSL variable: JSON text of the value}``, in the order written."""
    paper: Paper = prepared.paper
    date = prepared.date
    item = {"id": encode_basestring(prepared.entry.key), "type": '"article"',
            "title": _json_clean(prepared.title_text)}
    if prepared.authors:
        item["author"] = "[" + ", ".join(map(_author_json, prepared.names)) + "]"
    item["issued"] = _date_json(date.year, date.month, date.day)
    abstract = prepared.abstract_text
    if abstract:
        item["abstract"] = _json_clean(abstract)
    arxiv_id = paper.arxiv_id
    item["publisher"] = encode_basestring(REPOSITORY)
    item["number"] = encode_basestring(archive_id(arxiv_id))
    item["DOI"] = encode_basestring(paper.datacite_doi)
    item["URL"] = encode_basestring(paper.abs_url)
    item["version"] = f'"{int(paper.version)}"'
    notes = note_lines(arxiv_id, prepared.category)
    kind = "article"
    if paper.journal_ref and prepared.published:
        kind = "article-journal"
        item["type"] = '"article-journal"'
        item["container-title"] = _json_clean(clean_text(paper.journal_ref))
        if prepared.year != date.year:
            item["issued"] = _date_json(prepared.year)
        if paper.doi:
            item["DOI"] = encode_basestring(paper.doi)
        del item["publisher"], item["number"]
    elif paper.journal_ref:
        notes.extend(journal_lines(paper.journal_ref, paper.doi))
    if prepared.bib_fields:
        _apply_bib_fields(item, kind, prepared, notes)
    item["note"] = encode_basestring(note_text(notes))
    return item


def _apply_bib_fields(item: dict[str, str], kind: str, prepared: Prepared, notes: list[str]) -> None:
    """Carry a .bib entry's extra fields: CSL variables where one exists, else note lines."""
    container = prepared.container
    if container and kind == "article":
        item["type"] = '"paper-conference"' if container == "booktitle" else '"article-journal"'
        item.pop("publisher", None)
        item.pop("number", None)
        item.pop("DOI", None)  # arXiv's DOI names the preprint, not the published work
    for name, value in prepared.bib_fields.items():
        text = latex_to_text(value)
        if not text:
            continue
        variable = BIB_TO_CSL.get(name, "")
        if name == "note":
            notes.insert(0, text)
        elif variable:
            item[variable] = _json_clean(text)
        elif variable == "" and name.isidentifier():
            notes.append(f"{name}: {text}")


@lru_cache(maxsize=None)
def _member(variable: str) -> str:
    """``"variable": `` (a handful of names, so kept)."""
    return encode_basestring(variable) + ": "  # type: ignore[no-any-return]


def format_prepared(prepared: Prepared, options: WriteOptions) -> tuple[str, ...]:
    """One item as a line of JSON, in two pieces: up to the authors, and the rest
    (for :func:`arxref.formats.write_formats`).

    Entries without fields from a user's .bib (nearly all) are two f-strings; the rest
    go through :func:`_item_values`. Both give the same text (tested). A user's entry
    for a published version is written as any BibTeX entry (:func:`bib_item`).
    """
    if prepared.entry.bib_type:
        return (_encode(bib_item(prepared.as_written)),)
    if prepared.bib_fields:
        return (_join(_item_values(prepared)),)
    paper = prepared.paper
    date = prepared.date
    arxiv_id = paper.arxiv_id if prepared.plain_ids else encode_basestring(paper.arxiv_id)[1:-1]  # between quotes
    authors = ""
    if prepared.names:
        authors = '"author": [' + ", ".join(map(_author_json, prepared.names)) + "], "
    abstract = prepared.abstract_text
    abstract = f'"abstract": {_json_clean(abstract)}, ' if abstract else ""
    notes = note_lines(paper.arxiv_id, prepared.category)
    journal_ref = paper.journal_ref
    if journal_ref and prepared.published:
        issued = (_date_json(prepared.year) if prepared.year != date.year
                  else _date_json(date.year, date.month, date.day))
        doi = encode_basestring(paper.doi) if paper.doi else f'"{DOI_PREFIX}{arxiv_id}"'
        return (f'{{"id": {encode_basestring(prepared.entry.key)}, "type": "article-journal", '
                f'"title": {_json_clean(prepared.title_text)}, {authors}',
                f'"issued": {issued}, {abstract}"DOI": {doi}, "URL": "{ABS_URL_PREFIX}{arxiv_id}", "version": "{int(paper.version)}", '
                f'"container-title": {_json_clean(clean_text(journal_ref))}, '
                f'"note": {encode_basestring(note_text(notes))}}}')
    if journal_ref:
        notes.extend(journal_lines(journal_ref, paper.doi))
        note = encode_basestring(note_text(notes))
    elif prepared.plain_ids:  # nothing to clean or escape in "arXiv: <id>\nPrimary class: <category>"
        note = (f'"{ARCHIVE_LINE_PREFIX}{arxiv_id}\\n{CLASS_LINE_PREFIX}{prepared.category}"' if prepared.category
                else f'"{ARCHIVE_LINE_PREFIX}{arxiv_id}"')
    else:
        note = encode_basestring(note_text(notes))
    return (f'{{"id": {encode_basestring(prepared.entry.key)}, "type": "article", '
            f'"title": {_json_clean(prepared.title_text)}, {authors}',
            f'"issued": {_date_json(date.year, date.month, date.day)}, {abstract}'
            f'"publisher": "{REPOSITORY}", "number": "{ARCHIVE_ID_PREFIX}{arxiv_id}", "DOI": "{DOI_PREFIX}{arxiv_id}", '
            f'"URL": "{ABS_URL_PREFIX}{arxiv_id}", "version": "{int(paper.version)}", "note": {note}}}')


def paper_item(paper: Paper, key: str, options: WriteOptions | None = None) -> dict[str, Any]:
    """One paper as a CSL-JSON item (a dict) with ``id`` ``key``: exactly the item the file writer writes.

    For callers that need the item as data rather than text (the pandoc filter puts it
    into a document's ``references``, keyed by the citation as written); the mapping
    stays :func:`format_prepared`'s, so the two can never differ.
    """
    from ..model import Entry
    from . import DEFAULT_OPTIONS

    options = options or DEFAULT_OPTIONS
    item: dict[str, Any] = json.loads("".join(format_prepared(Prepared(Entry(key, paper), options), options)))
    return item


def _join(values: dict[str, str]) -> str:
    """The item's JSON text from ``{variable: JSON text}``, in the stdlib encoder's layout."""
    return "{" + ", ".join([_member(k) + v for k, v in values.items()]) + "}"


# --------------------------------------------------------------------------- any BibTeX entry

#: BibTeX/biblatex entry type -> CSL type.
CSL_TYPES = {
    "article": "article-journal", "book": "book", "mvbook": "book", "booklet": "pamphlet",
    "inbook": "chapter", "incollection": "chapter", "bookinbook": "chapter",
    "inproceedings": "paper-conference", "conference": "paper-conference", "proceedings": "book",
    "manual": "report", "mastersthesis": "thesis", "phdthesis": "thesis", "thesis": "thesis",
    "techreport": "report", "report": "report", "unpublished": "manuscript", "misc": "document",
    "online": "webpage", "electronic": "webpage", "www": "webpage", "dataset": "dataset",
    "software": "software", "patent": "patent", "periodical": "periodical", "collection": "book",
}
#: BibTeX field -> CSL variable (text copied after TeX decoding).
CSL_FIELDS = {
    "title": "title", "abstract": "abstract", "volume": "volume", "pages": "page", "doi": "DOI",
    "url": "URL", "isbn": "ISBN", "issn": "ISSN", "edition": "edition", "series": "collection-title",
    "publisher": "publisher", "address": "publisher-place", "location": "publisher-place",
    "keywords": "keyword", "language": "language", "howpublished": "medium", "chapter": "chapter-number",
    "shorttitle": "title-short", "version": "version",
}


def bib_item(entry: BibItem) -> dict[str, Any]:
    """Any BibTeX entry as a schema-valid CSL-JSON item (for :func:`write_items`).

    Types and fields map to their closest CSL ones; an arXiv eprint that is the entry
    itself (a misc/unpublished/online entry, or an article whose journal is arXiv)
    becomes a preprint exactly as :func:`format_prepared` writes one.
    """
    item: dict[str, Any] = {"id": entry.key, "type": CSL_TYPES.get(entry.type, "document")}
    for variable, names in (("author", entry.authors), ("editor", entry.editors)):
        if names:
            item[variable] = [csl_name(name) for name in names]
    issued = entry.issued
    if issued:
        item["issued"] = date_parts(*issued)
    for name, variable in CSL_FIELDS.items():
        value = entry.get(name)
        if value:
            item[variable] = value
    container = entry.container
    if container:
        item["container-title"] = container
    number = entry.get("number")
    if number:
        item["issue" if entry.type == "article" else "number"] = number
    institution = entry.get("institution") or entry.get("school") or entry.get("organization")
    if institution and "publisher" not in item:
        item["publisher"] = institution
    notes = _bib_preprint(item, entry)
    if entry.get("note"):
        notes.insert(0, entry.get("note"))
    if notes:
        item["note"] = note_text(notes)
    return item


def _bib_preprint(item: dict[str, Any], entry: BibItem) -> list[str]:
    """Make ``item`` the preprint when the entry is one; the note lines of its arXiv eprint."""
    arxiv_id = entry.arxiv_id
    if not arxiv_id:
        return []
    if entry.is_preprint:
        item["type"] = "article"
        item["publisher"] = REPOSITORY
        item["number"] = archive_id(arxiv_id)
        item.pop("container-title", None)
        if parse_citation(item.get("medium", "")):  # howpublished = {arXiv:<id> [<class>]}: said above
            del item["medium"]
        item.setdefault("DOI", datacite_doi(arxiv_id))
        item.setdefault("URL", abs_url(arxiv_id))
    return note_lines(arxiv_id, entry.category)


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
