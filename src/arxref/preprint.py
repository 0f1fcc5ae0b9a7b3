"""How an arXiv preprint is cited: its DOI, URL, repository and identifier lines.

One home for these rules because four writers need them (BibTeX, CSL-JSON, RIS and
the pybtex output plugins) and :class:`~arxref.model.Paper` exposes two of them; the
plugins know only an eprint string, so every rule works from a bare arXiv id
(``2107.03374``, ``hep-th/9901001``). The hot writer paths put the prefixes below
straight into their f-strings (a global lookup, no call per entry); everything else
calls the functions.
"""

from __future__ import annotations

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
