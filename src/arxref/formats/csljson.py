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
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # C; ensure_ascii=False form
from typing import TYPE_CHECKING, Any, Iterable, TextIO

from ..keys import Name, split_name
from ..model import Entry
from . import WriteOptions
from .latex import clean_text, latex_to_text
from .prepared import Prepared

if TYPE_CHECKING:
    from ..model import Paper

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
    item["publisher"] = '"arXiv"'
    item["number"] = encode_basestring(arxiv_id)
    item["DOI"] = encode_basestring(paper.datacite_doi)
    item["URL"] = encode_basestring(paper.abs_url)
    item["version"] = f'"{int(paper.version)}"'
    notes = [f"arXiv: {arxiv_id}"]
    if prepared.category:
        notes.append(f"Primary class: {prepared.category}")
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
        notes.append(f"Journal reference: {paper.journal_ref}")
        if paper.doi:
            notes.append(f"Published DOI: {paper.doi}")
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
    go through :func:`_item_values`. Both give the same text (tested).
    """
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
    notes = [f"arXiv: {paper.arxiv_id}"]
    if prepared.category:
        notes.append(f"Primary class: {prepared.category}")
    journal_ref = paper.journal_ref
    if journal_ref and prepared.published:
        issued = (_date_json(prepared.year) if prepared.year != date.year
                  else _date_json(date.year, date.month, date.day))
        doi = encode_basestring(paper.doi) if paper.doi else f'"10.48550/arXiv.{arxiv_id}"'
        return (f'{{"id": {encode_basestring(prepared.entry.key)}, "type": "article-journal", '
                f'"title": {_json_clean(prepared.title_text)}, {authors}',
                f'"issued": {issued}, {abstract}"DOI": {doi}, "URL": "https://arxiv.org/abs/{arxiv_id}", "version": "{int(paper.version)}", '
                f'"container-title": {_json_clean(clean_text(journal_ref))}, '
                f'"note": {encode_basestring(note_text(notes))}}}')
    if journal_ref:
        notes.append(f"Journal reference: {journal_ref}")
        if paper.doi:
            notes.append(f"Published DOI: {paper.doi}")
        note = encode_basestring(note_text(notes))
    elif prepared.plain_ids:  # nothing to clean or escape in "arXiv: <id>\nPrimary class: <category>"
        note = f'"arXiv: {arxiv_id}\\nPrimary class: {prepared.category}"' if prepared.category else f'"arXiv: {arxiv_id}"'
    else:
        note = encode_basestring(note_text(notes))
    return (f'{{"id": {encode_basestring(prepared.entry.key)}, "type": "article", '
            f'"title": {_json_clean(prepared.title_text)}, {authors}',
            f'"issued": {_date_json(date.year, date.month, date.day)}, {abstract}'
            f'"publisher": "arXiv", "number": "{arxiv_id}", "DOI": "10.48550/arXiv.{arxiv_id}", '
            f'"URL": "https://arxiv.org/abs/{arxiv_id}", "version": "{int(paper.version)}", "note": {note}}}')


def _join(values: dict[str, str]) -> str:
    return "{" + ", ".join([_member(k) + v for k, v in values.items()]) + "}"


def entry_to_csl(entry: Entry, options: WriteOptions) -> dict[str, Any]:
    """One Entry as a CSL-JSON item (plain dict, schema-valid): what the writer writes, decoded."""
    return {k: json.loads(v) for k, v in _item_values(Prepared(entry, options)).items()}


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
