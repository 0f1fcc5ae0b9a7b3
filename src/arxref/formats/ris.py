"""RIS writer: one record per paper, CRLF line ends, UTF-8, one value per line.

Type ``UNPB`` (unpublished work). No RIS type becomes a Zotero Preprint; the
candidates are GEN/JOUR/UNPB (Zotero: journalArticle), RPRT (report), INPR/UNPD
(manuscript). UNPB is the RIS spec's type for work not formally published, which is
what a preprint is, and EndNote and Mendeley import it as "Unpublished Work"; Zotero
falls back to journalArticle exactly as it does for GEN and JOUR, and a journal
article keeps DOI, URL, abstract and date, which report and manuscript partly lose.
Journal versions (``prefer_published``) are ``JOUR``.

The arXiv id is written as ``M2  - arXiv: <id>``: Zotero's RIS import sends M2 to
Extra for every type (``arXiv: <id>`` is the line Zotero reads back as the arXiv id),
while M1 of a journal article lands in its **Issue** field (Zotero's "EndNote hack"),
so M1 is never used. With Zotero's translation-server (``POST /import``) an ``UNPB``
record becomes a journal article with Title, Creators, Date, Abstract, DOI and URL in
their own fields and the arXiv id in Extra (tests/test_zotero_import.py). ``N1`` (a
child note in Zotero) carries only the journal reference and the user's note. ``ID``
is the citation key (Zotero ignores it; EndNote and rispy keep it). The preprint's
DOI, URL, repository and ``M2`` line follow :mod:`arxref.preprint`.

:func:`bib_tags` writes any BibTeX entry (a :class:`~arxref.formats.bibitem.BibItem`,
from the pybtex output plugin) with the same names, framing and preprint rules.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

from ..keys import Name, split_name
from ..preprint import ABS_URL_PREFIX, ARCHIVE_LINE_PREFIX, DOI_PREFIX, REPOSITORY, abs_url, archive_line, datacite_doi
from ..tex import clean_text, latex_to_text
from .bibitem import PREPRINT_TYPES, BibItem
from .prepared import Prepared

if TYPE_CHECKING:
    from . import WriteOptions

CRLF = "\r\n"
#: The RIS type of a preprint (see above).
PREPRINT_TYPE = "UNPB"


def ris_name(name: Name) -> str:
    """``Family, Given[, Suffix]``; organisations without a comma (RIS: corporate author)."""
    if name.literal:
        return clean_text(name.family).replace(",", " ")
    text = clean_text(name.full_family).replace(",", " ")
    if name.given:
        text += ", " + clean_text(name.given).replace(",", " ")
    if name.suffix:
        text += ", " + clean_text(name.suffix).replace(",", " ")
    return text


@lru_cache(maxsize=65536)
def _author_line(display_name: str) -> str:
    """The ``AU`` line of an arXiv display name ('' when nothing is left of it); cached."""
    name = ris_name(split_name(display_name))
    return f"AU  - {name}{CRLF}" if name else ""


def format_record(tags: Iterable[tuple[str, str]]) -> str:
    """A record from (tag, value) pairs: values made one line, empty ones skipped, ``ER`` last."""
    return "".join([f"{tag}  - {value}{CRLF}" for tag, value in
                    ((tag, clean_text(value)) for tag, value in tags) if value]) + f"ER  - {CRLF}{CRLF}"


def _line(tag: str, value: str) -> str:
    """One tag line of a value that is already clean one-line text; nothing for an empty value."""
    return f"{tag}  - {value}{CRLF}" if value else ""


def format_prepared(prepared: Prepared, options: WriteOptions) -> tuple[str, str]:
    """One entry as an RIS record in the conventional tag order, ``ER`` and a blank line last,
    in two pieces: through the title, and the rest.

    Every value is clean one-line text: cleaned here, or built by arxref from the
    cleaned arXiv id (URL, DataCite DOI). One f-string with its optional lines worked
    out first: per-field string operations count at 100,000 entries.
    """
    if prepared.entry.bib_type:  # a user's entry for a published version: as any BibTeX entry
        return format_record(bib_tags(prepared.as_written)), ""
    paper = prepared.paper
    bib = prepared.bib_fields
    container = prepared.container
    published = prepared.published
    kind = "JOUR" if published or container == "journal" else "CPAPER" if container == "booktitle" else PREPRINT_TYPE
    date = prepared.date
    arxiv_id = paper.arxiv_id if prepared.plain_ids else clean_text(paper.arxiv_id)
    if published and paper.journal_ref:
        container_line = _line("T2", clean_text(paper.journal_ref))
    elif container:
        container_line = _line("T2", latex_to_text(bib.get("journal") or bib.get("journaltitle")
                                                   or bib.get("booktitle") or ""))
    else:
        container_line = ""
    if bib and bib.get("doi"):
        doi = latex_to_text(bib["doi"])
    elif published and paper.doi:
        doi = latex_to_text(paper.doi)
    else:
        doi = f"{DOI_PREFIX}{arxiv_id}"
    extra = ""
    if bib:
        for name, tag in (("volume", "VL"), ("number", "IS"), ("pages", "SP"), ("keywords", "KW")):
            if name in bib:
                extra += _line(tag, latex_to_text(bib[name]))
        if "note" in bib:
            extra += _line("N1", latex_to_text(bib["note"]))
    if paper.journal_ref and not published:
        extra += _line("N1", clean_text(f"Published in {paper.journal_ref}" + (f", doi:{paper.doi}" if paper.doi else "")))
    authors = "".join(map(_author_line, prepared.names))
    return (f"TY  - {kind}{CRLF}{_line('ID', clean_text(prepared.entry.key))}{authors}"
            f"{_line('TI', prepared.title_text)}{container_line}",
            f"PY  - {prepared.year}{CRLF}"
            f"DA  - {date.year:04d}/{date.month:02d}/{date.day:02d}{CRLF}{_line('AB', prepared.abstract_text)}"
            f"PB  - {REPOSITORY}{CRLF}{_line('DO', doi)}UR  - {ABS_URL_PREFIX}{arxiv_id}{CRLF}"
            f"M2  - {ARCHIVE_LINE_PREFIX}{arxiv_id}{CRLF}{extra}ER  - {CRLF}{CRLF}")


# --------------------------------------------------------------------------- any BibTeX entry

#: BibTeX/biblatex entry type -> RIS type (Zotero's RIS.js import map chose these).
RIS_TYPES = {
    "article": "JOUR", "book": "BOOK", "mvbook": "BOOK", "booklet": "PAMP", "inbook": "CHAP",
    "incollection": "CHAP", "bookinbook": "CHAP", "inproceedings": "CPAPER", "conference": "CPAPER",
    "proceedings": "CONF", "manual": "GEN", "mastersthesis": "THES", "phdthesis": "THES",
    "thesis": "THES", "techreport": "RPRT", "report": "RPRT", "unpublished": "UNPB", "misc": "GEN",
    "online": "ELEC", "electronic": "ELEC", "www": "ELEC", "dataset": "DATA", "software": "COMP",
    "patent": "PAT",
}
#: BibTeX field -> RIS tag, in the order written after the date.
_BIB_TAGS = (("abstract", "AB"), ("volume", "VL"), ("number", "IS"), ("publisher", "PB"), ("address", "CY"),
             ("doi", "DO"), ("url", "UR"), ("isbn", "SN"), ("issn", "SN"), ("edition", "ET"), ("keywords", "KW"))


def bib_tags(entry: BibItem) -> list[tuple[str, str]]:
    """Any BibTeX entry as RIS (tag, value) pairs for :func:`format_record`.

    Types map to Zotero's choices; an entry with an arXiv eprint gets the preprint's
    repository, DOI, URL and ``M2`` line where it has none of its own, and a
    misc/unpublished/online one is typed as the preprint it is.
    """
    arxiv_id = entry.arxiv_id
    ris_type = RIS_TYPES.get(entry.type, "GEN")
    if arxiv_id and entry.type in PREPRINT_TYPES:
        ris_type = PREPRINT_TYPE
    tags: list[tuple[str, str]] = [("TY", ris_type), ("ID", entry.key)]
    tags.extend(("AU", ris_name(name)) for name in entry.authors)
    tags.extend(("A2", ris_name(name)) for name in entry.editors)
    tags.append(("TI", entry.get("title")))
    tags.append(("T2", entry.container))
    issued = entry.issued
    if issued:
        tags.append(("PY", str(issued[0])))
        if len(issued) > 1:
            tags.append(("DA", "/".join(f"{p:02d}" if i else f"{p:04d}" for i, p in enumerate(issued))))
    tags.extend((tag, entry.get(name)) for name, tag in _BIB_TAGS)
    pages = entry.get("pages")
    if pages:
        start, _, end = pages.replace("\u2013", "-").partition("-")
        tags.append(("SP", start.strip()))
        tags.append(("EP", end.strip("- ")))
    if arxiv_id:
        tags.extend(_bib_preprint_tags(entry, arxiv_id))
    tags.append(("N1", entry.get("note")))
    return tags


def _bib_preprint_tags(entry: BibItem, arxiv_id: str) -> list[tuple[str, str]]:
    """The preprint's tags an entry with an arXiv eprint does not give itself; a published
    version's entry (:attr:`BibItem.is_preprint` false) only gets the ``M2`` id line, never
    arXiv's DOI, URL or repository."""
    if not entry.is_preprint:
        return [("M2", archive_line(arxiv_id))]
    tags = [] if entry.get("publisher") else [("PB", REPOSITORY)]
    if not entry.get("doi"):
        tags.append(("DO", datacite_doi(arxiv_id)))
    if not entry.get("url"):
        tags.append(("UR", abs_url(arxiv_id)))
    tags.append(("M2", archive_line(arxiv_id)))
    return tags
