"""How an arXiv preprint is cited: its DOI, URL, repository and identifier lines.

One home for these rules because four writers need them (BibTeX, CSL-JSON, RIS and
the pybtex output plugins) and :class:`~arxref.model.Paper` exposes two of them; so are
the rules that read a user's .bib entry as a preprint, a published work or neither
(:func:`looks_like_preprint`, :func:`published_version`, :func:`never_arxiv`); the
plugins know only an eprint string, so every rule works from a bare arXiv id
(``2107.03374``, ``hep-th/9901001``). The hot writer paths put the prefixes below
straight into their f-strings (a global lookup, no call per entry); everything else
calls the functions.
"""

from __future__ import annotations

import re
from typing import Mapping

#: Publisher (CSL-JSON), ``PB`` (RIS) and ``archivePrefix`` (BibTeX): Zotero's "Repository".
REPOSITORY = "arXiv"
#: biblatex's ``eprinttype`` (lower-case, as biblatex and Zotero expect).
EPRINT_TYPE = "arxiv"
#: arXiv's DataCite DOI prefix: every paper has ``10.48550/arXiv.<id>``.
DOI_PREFIX = "10.48550/arXiv."
#: The abstract page of the latest version.
ABS_URL_PREFIX = "https://arxiv.org/abs/"
#: The line Zotero's own arXiv importer writes into Extra (CSL-JSON ``note``, RIS ``M2``).
ARCHIVE_LINE_PREFIX = "arXiv: "
#: Zotero's "Archive ID" of an arXiv preprint, as Zotero's arXiv translator writes it
#: (``arXiv:2107.03374``); CSL-JSON ``number``, which Zotero imports into that field.
ARCHIVE_ID_PREFIX = "arXiv:"
#: The note line naming the primary category.
CLASS_LINE_PREFIX = "Primary class: "
#: The note line carrying arXiv's journal reference (CSL-JSON ``note``, Zotero Extra).
JOURNAL_REF_LINE_PREFIX = "Journal reference: "
#: The note line carrying the journal DOI arXiv knows (the item's own DOI stays arXiv's).
PUBLISHED_DOI_LINE_PREFIX = "Published DOI: "
#: The Extra line naming the version the metadata describes, as Zotero's arXiv translator
#: writes it (``version: 2``; also CSL's ``version`` variable when Zotero cites from Extra).
VERSION_LINE_PREFIX = "version: "


def datacite_doi(arxiv_id: str) -> str:
    """arXiv's own DOI, registered for every paper (``10.48550/arXiv.2107.03374``)."""
    return DOI_PREFIX + arxiv_id


def abs_url(arxiv_id: str) -> str:
    """The abstract page (``https://arxiv.org/abs/2107.03374``): what a reference links to."""
    return ABS_URL_PREFIX + arxiv_id


def archive_id(arxiv_id: str) -> str:
    """``arXiv:<id>``: the preprint's number in CSL-JSON, Zotero's Archive ID once imported."""
    return ARCHIVE_ID_PREFIX + arxiv_id


def archive_line(arxiv_id: str) -> str:
    """``arXiv: <id>``: Zotero reads it back from Extra as the item's arXiv id."""
    return ARCHIVE_LINE_PREFIX + arxiv_id


def version_line(version: int) -> str:
    """``version: <n>``: the Extra line Zotero's arXiv translator writes for a versioned paper."""
    return f"{VERSION_LINE_PREFIX}{int(version)}"


def class_line(category: str) -> str:
    """``Primary class: <category>``, the note line for arXiv's primary category."""
    return CLASS_LINE_PREFIX + category


def note_lines(arxiv_id: str, category: str | None) -> list[str]:
    """The ``key: value`` lines a preprint's note carries (id, then primary class when known)."""
    lines = [archive_line(arxiv_id)]
    if category:
        lines.append(class_line(category))
    return lines


def journal_lines(journal_ref: str | None, published_doi: str | None) -> list[str]:
    """The note lines of a preprint that also appeared in a journal (none when arXiv knows no journal ref)."""
    if not journal_ref:
        return []
    lines = [JOURNAL_REF_LINE_PREFIX + journal_ref]
    if published_doi:
        lines.append(PUBLISHED_DOI_LINE_PREFIX + published_doi)
    return lines


def is_arxiv_archive(prefix: str) -> bool:
    """True when a .bib ``eprinttype``/``archivePrefix`` value names arXiv (any case)."""
    return prefix.strip().lower() == EPRINT_TYPE


# --------------------------------------------------------------------------- .bib entries: preprint or not

#: .bib entry types arXiv never holds (BibTeX's and biblatex's): such an entry without an
#: arXiv id is not searched on arXiv, and is written as the user wrote it.
NEVER_ARXIV_TYPES = frozenset(
    """book mvbook bookinbook inbook incollection collection mvcollection proceedings mvproceedings
    phdthesis mastersthesis thesis manual techreport report patent periodical booklet""".split()
)
#: Web page types: never arXiv papers unless their url is arXiv's.
WEB_TYPES = frozenset("online webpage www electronic software dataset".split())
#: Types that name a formally published work: with arXiv's id added they stay what they are.
PUBLISHED_TYPES = NEVER_ARXIV_TYPES | {"inproceedings", "conference"}
#: Field values that say "arXiv" (``arXiv preprint arXiv:...``, ``ArXiv``, DBLP's ``CoRR``).
_ARXIV_VENUE_RE = re.compile(r"\barxiv|^\s*corr\s*$", re.IGNORECASE)
_ARXIV_URL_RE = re.compile(r"arxiv\.org/", re.IGNORECASE)
_ARXIV_DOI_RE = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/)?10\.48550/arxiv\.", re.IGNORECASE)
_VENUE_FIELDS = ("journal", "journaltitle", "howpublished", "note", "publisher", "booktitle")


def is_arxiv_venue(value: str) -> bool:
    """True when a journal/howpublished/note... value names arXiv rather than a venue."""
    return _ARXIV_VENUE_RE.search(value) is not None


def is_arxiv_doi(value: str) -> bool:
    """True for arXiv's own DataCite DOI (``10.48550/arXiv.<id>``, bare or as a doi.org URL)."""
    return _ARXIV_DOI_RE.match(value) is not None


def looks_like_preprint(fields: Mapping[str, str]) -> bool:
    """A .bib entry that says it is an arXiv preprint (an ``eprint``, ``archivePrefix = arXiv``, an
    arXiv journal/howpublished/note, an arxiv.org url, arXiv's DOI): one arXiv must find.

    ``fields`` are the entry's fields by lower-case name. An entry that does not look like
    one (a journal paper, a web page) and is not found on arXiv is kept as written.
    """
    prefix = fields.get("archiveprefix") or fields.get("eprinttype") or ""
    if prefix.strip():
        return is_arxiv_archive(prefix)
    if fields.get("eprint", "").strip():
        return True
    if any(is_arxiv_venue(fields.get(name, "")) for name in _VENUE_FIELDS):
        return True
    return _ARXIV_URL_RE.search(fields.get("url", "")) is not None or is_arxiv_doi(fields.get("doi", ""))


def never_arxiv(entry_type: str | None, fields: Mapping[str, str]) -> bool:
    """An entry type arXiv never holds: a book, a thesis, a report..., or a web page whose url is not arXiv's."""
    kind = (entry_type or "").lower()
    if kind in NEVER_ARXIV_TYPES:
        return True
    return kind in WEB_TYPES and _ARXIV_URL_RE.search(fields.get("url", "")) is None


def published_version(entry_type: str | None, fields: Mapping[str, str]) -> bool:
    """A user's .bib entry that cites the published version, not the preprint.

    Its type is a publication's (``@inproceedings``, ``@incollection``, ``@book``...), or, when
    no venue field names arXiv, it names a venue (a journal, a booktitle) or a DOI that is not arXiv's.
    Such an entry keeps its type, venue and DOI; arXiv's eprint may be added to it,
    arXiv's DOI never.
    """
    kind = (entry_type or "").lower()
    if kind in PUBLISHED_TYPES:
        return True
    venues = [fields.get(name, "").strip() for name in ("journal", "journaltitle", "booktitle", "howpublished")]
    if any(is_arxiv_venue(venue) for venue in venues if venue):
        return False  # it says it is the arXiv preprint (DBLP's CoRR entries carry other DOIs too)
    if any(venues[:3]):
        return True
    doi = fields.get("doi", "").strip()
    return bool(doi) and not is_arxiv_doi(doi)


# --------------------------------------------------------------------------- .bib fields by flavor

#: How a .bib names a preprint (``export --bib-flavor``): for bibtex styles or for biblatex.
BIB_FLAVORS = ("bibtex", "biblatex")
#: ``arXiv:<id> [<class>]``: arXiv's own way to cite a preprint, and what the biblatex styles print.
CITATION_PREFIX = "arXiv:"
_CITATION_RE = re.compile(r"^\s*arXiv:\s*(?P<id>[A-Za-z0-9.\-]+(?:/[0-9]+)?(?:v[0-9]+)?)\s*(?:\[(?P<cls>[^\]]*)\])?\s*$")


def citation(arxiv_id: str, category: str | None) -> str:
    """``arXiv:2005.14165 [cs.CL]`` (the class left out when unknown)."""
    return f"{CITATION_PREFIX}{arxiv_id} [{category}]" if category else CITATION_PREFIX + arxiv_id


def parse_citation(text: str) -> tuple[str, str] | None:
    """(id, class) of a value that is exactly :func:`citation`'s form (class '' when absent), else None."""
    match = _CITATION_RE.match(text)
    return (match.group("id"), match.group("cls") or "") if match else None


def bib_preprint_fields(arxiv_id: str, category: str | None, flavor: str) -> list[tuple[str, str]]:
    """The fields that name a preprint in a .bib of ``flavor``, so that every standard style
    prints its arXiv id once (never also a DOI or URL that repeats it).

    * ``bibtex``: ``howpublished = {arXiv:<id> [<class>]}``, which plain, unsrt, alpha, the
      natbib styles, IEEEtran and ACM-Reference-Format all print for ``@misc``. No
      ``eprint``: ACM-Reference-Format prints it too (twice, then), and the others ignore it;
      no ``url``/``doi``: natbib, IEEEtran and ACM print them, and both hold the id.
    * ``biblatex``: ``eprint``/``eprinttype``/``eprintclass``, which biblatex's styles print as
      ``arXiv: <id> [<class>]`` (linked to arxiv.org with hyperref); no ``doi``/``url``, which
      they would print as well.
    """
    if flavor == "biblatex":
        return bib_eprint_fields(arxiv_id, category, flavor)
    return [("howpublished", citation(arxiv_id, category))]


def bib_eprint_fields(arxiv_id: str, category: str | None, flavor: str) -> list[tuple[str, str]]:
    """The fields that add arXiv's id to a published version's entry (a journal article, a
    conference paper): arXiv's recommended ``eprint``/``archivePrefix``/``primaryClass``, or
    biblatex's ``eprint``/``eprinttype``/``eprintclass``. Never arXiv's DOI: it names the preprint."""
    if flavor == "biblatex":
        fields = [("eprint", arxiv_id), ("eprinttype", EPRINT_TYPE)]
        return fields + [("eprintclass", category)] if category else fields
    fields = [("eprint", arxiv_id), ("archivePrefix", REPOSITORY)]
    return fields + [("primaryClass", category)] if category else fields


def check_flavor(flavor: str) -> str:
    """``flavor`` when it is one of :data:`BIB_FLAVORS`, else ValueError."""
    if flavor not in BIB_FLAVORS:
        raise ValueError(f"bib flavor must be one of {', '.join(BIB_FLAVORS)}, not {flavor!r}")
    return flavor
