"""pybtex output plugins: ``csljson`` and ``ris`` for any BibTeX database, not only arXiv.

Registered in ``pyproject.toml`` under ``pybtex.database.output`` (names ``csljson``,
``ris``) and ``pybtex.database.output.suffixes`` (``.json``, ``.ris``), so::

    pybtex-convert refs.bib refs.json
    pybtex.database.parse_file("refs.bib").to_string("csljson")

pybtexris registers ``ris`` as an *input* format; input and output are separate
plugin groups, so the names do not collide and RIS can be read back with it.

The conversion reuses the writers' pieces (CSL names and dates, the JSON streamer,
the RIS record formatter, TeX decoding); BibTeX entry types map to the closest CSL
types and RIS types, and an entry with an arXiv eprint becomes a preprint exactly
as arxref's own writers make one.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

from pybtex.database import BibliographyData, Entry as PybtexEntry, Person  # type: ignore[import-untyped]
from pybtex.database.output import BaseWriter  # type: ignore[import-untyped]

from .formats.csljson import date_parts, note_text, write_items
from .formats.latex import latex_to_text
from .formats.ris import format_record
from .keys import Name

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
#: BibTeX/biblatex entry type -> RIS type (Zotero's RIS.js import map chose these).
RIS_TYPES = {
    "article": "JOUR", "book": "BOOK", "mvbook": "BOOK", "booklet": "PAMP", "inbook": "CHAP",
    "incollection": "CHAP", "bookinbook": "CHAP", "inproceedings": "CPAPER", "conference": "CPAPER",
    "proceedings": "CONF", "manual": "GEN", "mastersthesis": "THES", "phdthesis": "THES",
    "thesis": "THES", "techreport": "RPRT", "report": "RPRT", "unpublished": "UNPB", "misc": "GEN",
    "online": "ELEC", "electronic": "ELEC", "www": "ELEC", "dataset": "DATA", "software": "COMP",
    "patent": "PAT",
}
#: BibTeX field -> CSL variable (text copied after TeX decoding).
CSL_FIELDS = {
    "title": "title", "abstract": "abstract", "volume": "volume", "pages": "page", "doi": "DOI",
    "url": "URL", "isbn": "ISBN", "issn": "ISSN", "edition": "edition", "series": "collection-title",
    "publisher": "publisher", "address": "publisher-place", "location": "publisher-place",
    "keywords": "keyword", "language": "language", "howpublished": "medium", "chapter": "chapter-number",
    "shorttitle": "title-short", "version": "version",
}
_MONTHS = {
    name: index + 1
    for index, names in enumerate(
        ("jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july",
         "aug august", "sep sept september", "oct october", "nov november", "dec december")
    )
    for name in names.split()
}
_DATE_RE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_YEAR_RE = re.compile(r"\d{4}")


def person_to_name(person: Person) -> Name:
    """A pybtex Person as an arxref Name (a lone braced or one-word name is an organisation)."""
    last = latex_to_text(" ".join(person.last_names))
    given = latex_to_text(" ".join(person.first_names + person.middle_names))
    particle = latex_to_text(" ".join(person.prelast_names))
    suffix = latex_to_text(" ".join(person.lineage_names))
    if not given and not particle and not suffix and len(person.last_names) == 1:
        return Name("", last, literal=True)
    return Name(given, last, particle, suffix)


def _field(entry: PybtexEntry, name: str) -> str:
    return latex_to_text(entry.fields.get(name, ""))


def _eprint(entry: PybtexEntry) -> str | None:
    """The arXiv id of an entry that is an arXiv preprint (by eprinttype/archivePrefix or journal)."""
    eprint = _field(entry, "eprint")
    prefix = (_field(entry, "eprinttype") or _field(entry, "archiveprefix")).lower()
    if eprint and prefix == "arxiv":
        return eprint
    return None


def _issued(entry: PybtexEntry) -> dict[str, Any] | None:
    """CSL ``issued`` from biblatex ``date`` or BibTeX ``year``/``month``."""
    match = _DATE_RE.match(_field(entry, "date"))
    if match:
        year, month, day = (int(g) if g else None for g in match.groups())
        return date_parts(year or 0, month, day)
    year_match = _YEAR_RE.search(_field(entry, "year"))
    if not year_match:
        return None
    month_text = _field(entry, "month").strip().lower().rstrip(".")
    month = int(month_text) if month_text.isdigit() and 1 <= int(month_text) <= 12 else _MONTHS.get(month_text)
    return date_parts(int(year_match.group(0)), month)


def entry_to_csl(key: str, entry: PybtexEntry) -> dict[str, Any]:
    """A pybtex entry as a schema-valid CSL-JSON item."""
    kind = entry.type.lower()
    item: dict[str, Any] = {"id": key, "type": CSL_TYPES.get(kind, "document")}
    notes: list[str] = []
    for role, variable in (("author", "author"), ("editor", "editor")):
        persons = entry.persons.get(role)
        if persons:
            item[variable] = [_csl_person(p) for p in persons]
    issued = _issued(entry)
    if issued:
        item["issued"] = issued
    for field, variable in CSL_FIELDS.items():
        value = _field(entry, field)
        if value:
            item[variable] = value
    container = _field(entry, "journal") or _field(entry, "journaltitle") or _field(entry, "booktitle")
    if container:
        item["container-title"] = container
    number = _field(entry, "number")
    if number:
        item["issue" if kind == "article" else "number"] = number
    institution = _field(entry, "institution") or _field(entry, "school") or _field(entry, "organization")
    if institution and "publisher" not in item:
        item["publisher"] = institution
    arxiv_id = _eprint(entry)
    if arxiv_id:
        preprint_journal = not container or "arxiv" in container.lower()
        if kind in ("misc", "unpublished", "online") or (kind == "article" and preprint_journal):
            item["type"] = "article"
            item["publisher"] = "arXiv"
            item["number"] = arxiv_id
            item.pop("container-title", None)
            item.setdefault("DOI", f"10.48550/arXiv.{arxiv_id}")
            item.setdefault("URL", f"https://arxiv.org/abs/{arxiv_id}")
        notes.append(f"arXiv: {arxiv_id}")
        category = _field(entry, "eprintclass") or _field(entry, "primaryclass")
        if category:
            notes.append(f"Primary class: {category}")
    note = _field(entry, "note")
    if note:
        notes.insert(0, note)
    if notes:
        item["note"] = note_text(notes)
    return item


def _csl_person(person: Person) -> dict[str, str]:
    from .formats.csljson import csl_name

    return csl_name(person_to_name(person))


def entry_to_ris(key: str, entry: PybtexEntry) -> list[tuple[str, str]]:
    """A pybtex entry as RIS (tag, value) pairs."""
    from .formats.ris import ris_name

    kind = entry.type.lower()
    arxiv_id = _eprint(entry)
    ris_type = RIS_TYPES.get(kind, "GEN")
    if arxiv_id and kind in ("misc", "unpublished", "online"):
        ris_type = "UNPB"
    tags: list[tuple[str, str]] = [("TY", ris_type), ("ID", key)]
    tags.extend(("AU", ris_name(person_to_name(p))) for p in entry.persons.get("author", []))
    tags.extend(("A2", ris_name(person_to_name(p))) for p in entry.persons.get("editor", []))
    tags.append(("TI", _field(entry, "title")))
    container = _field(entry, "journal") or _field(entry, "journaltitle") or _field(entry, "booktitle")
    tags.append(("T2", container))
    issued = _issued(entry)
    if issued:
        parts = issued["date-parts"][0]
        tags.append(("PY", str(parts[0])))
        if len(parts) > 1:
            tags.append(("DA", "/".join(f"{p:02d}" if i else f"{p:04d}" for i, p in enumerate(parts))))
    for field, tag in (("abstract", "AB"), ("volume", "VL"), ("number", "IS"), ("publisher", "PB"),
                       ("address", "CY"), ("doi", "DO"), ("url", "UR"), ("isbn", "SN"), ("issn", "SN"),
                       ("edition", "ET"), ("keywords", "KW")):
        tags.append((tag, _field(entry, field)))
    pages = _field(entry, "pages")
    if pages:
        start, _, end = pages.replace("\u2013", "-").partition("-")
        tags.append(("SP", start.strip()))
        tags.append(("EP", end.strip("- ")))
    if arxiv_id:
        if not _field(entry, "publisher"):
            tags.append(("PB", "arXiv"))
        if not _field(entry, "doi"):
            tags.append(("DO", f"10.48550/arXiv.{arxiv_id}"))
        if not _field(entry, "url"):
            tags.append(("UR", f"https://arxiv.org/abs/{arxiv_id}"))
        tags.append(("M1", f"arXiv: {arxiv_id}"))
    tags.append(("N1", _field(entry, "note")))
    return tags


class CslJsonWriter(BaseWriter):
    """pybtex writer for CSL-JSON (``pybtex-convert refs.bib refs.json``)."""

    unicode_io = True

    def write_stream(self, bib_data: BibliographyData, stream: TextIO) -> None:
        write_items((entry_to_csl(key, entry) for key, entry in bib_data.entries.items()), stream)


class RisWriter(BaseWriter):
    """pybtex writer for RIS (``pybtex-convert refs.bib refs.ris``); CRLF line ends."""

    unicode_io = True

    def write_stream(self, bib_data: BibliographyData, stream: TextIO) -> None:
        for key, entry in bib_data.entries.items():
            stream.write(format_record(entry_to_ris(key, entry)))
