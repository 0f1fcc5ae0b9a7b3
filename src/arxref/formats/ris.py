"""RIS writer: one record per paper, CRLF line ends, UTF-8, one value per line.

Type ``UNPB`` (unpublished work). No RIS type becomes a Zotero Preprint; the
candidates are GEN/JOUR/UNPB (Zotero: journalArticle), RPRT (report), INPR/UNPD
(manuscript). UNPB is the RIS spec's type for work not formally published, which is
what a preprint is, and EndNote and Mendeley import it as "Unpublished Work"; Zotero
falls back to journalArticle exactly as it does for GEN and JOUR, and a journal
article keeps DOI, URL, abstract and date, which report and manuscript partly lose.
Journal versions (``prefer_published``) are ``JOUR``.

The arXiv id is written as ``M1  - arXiv: <id>``: Zotero's RIS import sends M1 of
non-JOUR records to Extra, where ``arXiv: <id>`` is the line Zotero's own arXiv
importer writes; EndNote shows M1 as "Number". ``N1`` (a child note in Zotero)
carries only the journal reference and the user's note. ``ID`` is the citation key
(Zotero ignores it; EndNote and rispy keep it).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable, TextIO

from ..keys import Name, split_name
from ..model import Entry
from . import WriteOptions, entry_date, has_journal, is_published, journal_year
from .latex import clean_text, latex_to_text

CRLF = "\r\n"
_BUFFER_RECORDS = 512


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
def _author(display_name: str) -> str:
    return ris_name(split_name(display_name))


def format_record(tags: Iterable[tuple[str, str]]) -> str:
    """A record from (tag, value) pairs: values made one line, empty ones skipped, ``ER`` last."""
    return _join_record([(tag, clean_text(value)) for tag, value in tags])


def _join_record(tags: list[tuple[str, str]]) -> str:
    """A record from values that are already clean one-line text (see :func:`entry_tags`)."""
    return "".join([f"{tag}  - {value}{CRLF}" for tag, value in tags if value]) + f"ER  - {CRLF}{CRLF}"


def entry_tags(entry: Entry, options: WriteOptions) -> list[tuple[str, str]]:
    """The (tag, value) pairs of one entry, in the conventional order; every value is clean
    one-line text (cleaned here, or an identifier that cannot hold a line break)."""
    paper = entry.paper
    published = is_published(paper, options)
    container = has_journal(entry.bib_fields)
    kind = "JOUR" if published or container == "journal" else "CPAPER" if container == "booktitle" else "UNPB"
    date = entry_date(paper, options)
    year = date.year
    if published and paper.journal_ref:
        year = journal_year(paper.journal_ref) or year
    authors = paper.authors if options.max_authors is None else paper.authors[: options.max_authors]
    tags: list[tuple[str, str]] = [("TY", kind), ("ID", clean_text(entry.key))]
    tags.extend([("AU", _author(a.name)) for a in authors])
    tags.append(("TI", latex_to_text(paper.title)))
    if published and paper.journal_ref:
        tags.append(("T2", clean_text(paper.journal_ref)))
    elif container:
        tags.append(("T2", latex_to_text(entry.bib_fields.get("journal") or entry.bib_fields.get("journaltitle")
                                         or entry.bib_fields.get("booktitle") or "")))
    tags.append(("PY", str(year)))
    tags.append(("DA", f"{date.year:04d}/{date.month:02d}/{date.day:02d}"))
    tags.append(("AB", clean_text(paper.abstract)))
    tags.append(("PB", "arXiv"))
    doi = entry.bib_fields.get("doi") or (paper.doi if published and paper.doi else paper.datacite_doi)
    tags.append(("DO", latex_to_text(doi)))
    tags.append(("UR", clean_text(paper.abs_url)))
    tags.append(("M1", f"arXiv: {clean_text(paper.arxiv_id)}"))
    for name, tag in (("volume", "VL"), ("number", "IS"), ("pages", "SP"), ("keywords", "KW")):
        if name in entry.bib_fields:
            tags.append((tag, latex_to_text(entry.bib_fields[name])))
    if "note" in entry.bib_fields:
        tags.append(("N1", latex_to_text(entry.bib_fields["note"])))
    if paper.journal_ref and not published:
        tags.append(("N1", clean_text(f"Published in {paper.journal_ref}" + (f", doi:{paper.doi}" if paper.doi else ""))))
    return tags


def write_ris(entries: Iterable[Entry], stream: TextIO, options: WriteOptions) -> None:
    """Write every entry as an RIS record (the stream must not translate newlines)."""
    buffer: list[str] = []
    for entry in entries:
        buffer.append(_join_record(entry_tags(entry, options)))
        if len(buffer) >= _BUFFER_RECORDS:
            stream.write("".join(buffer))
            buffer.clear()
    stream.write("".join(buffer))
