"""Zotero item JSON: a paper as a Zotero ``preprint``, and the arXiv ids an existing item carries.

The one place where arxref's papers meet Zotero's item schema, in both directions:

* :func:`zotero_item` writes a paper as the editable JSON of the Zotero Web API (and,
  with :func:`connector_item`, of the desktop connector): itemType ``preprint``,
  ``repository`` arXiv, ``archiveID`` ``arXiv:<id>``, arXiv's DataCite ``DOI``, the
  abstract page as ``url``, and Extra lines (``arXiv: <id>``, primary class,
  ``version: <n>`` as Zotero's arXiv translator writes it, the journal reference and
  journal DOI when arXiv has them). Field names are exactly those of zotero-schema's
  ``preprint`` type (tests/data/zotero-schema holds the excerpt the tests check against).
  Titles and names are plain text as in CSL-JSON; particles stay in ``lastName``, a
  suffix follows the given name after a comma, as Zotero stores it.
* :func:`item_identifiers` reads what an item already in a library says about arXiv:
  the id in ``archiveID``, Extra, ``url`` or a 10.48550 ``DOI`` (any item type, so a
  journal article saved by Zotero's arXiv translator counts), the version if written,
  and its DOIs (a published DOI matches arXiv's journal DOI of a paper).

The preprint rules themselves (prefixes, DOI, URL, note lines) come from
:mod:`arxref.preprint`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from .. import ids
from ..keys import Name, split_name
from ..preprint import (DOI_PREFIX, REPOSITORY, VERSION_LINE_PREFIX, abs_url, archive_id, datacite_doi, journal_lines,
                        note_lines, version_line)
from ..tex import clean_text, latex_to_text

if TYPE_CHECKING:
    from ..model import Paper

#: Zotero's item type for arXiv papers (zotero-schema ``preprint``).
ITEM_TYPE = "preprint"
#: Item types that are not bibliographic records: never a paper already in the library.
NOT_RECORDS = frozenset({"attachment", "note", "annotation"})
#: The fields arxref writes and ``--update`` refreshes (the rest of an item is the user's).
OWNED_FIELDS = ("title", "creators", "abstractNote", "repository", "archiveID", "date", "DOI", "url", "extra")


def zotero_creator(name: Name) -> dict[str, str]:
    """A Zotero creator: ``{creatorType, firstName, lastName}``, or ``{creatorType, name}`` for organisations."""
    if name.literal or not name.given:
        return {"creatorType": "author", "name": clean_text(name.full_family)}
    given = clean_text(name.given)
    if name.suffix:
        given = f"{given}, {clean_text(name.suffix)}"
    return {"creatorType": "author", "firstName": given, "lastName": clean_text(name.full_family)}


def zotero_item(paper: Paper, *, collections: Iterable[str] = (), year: str = "first") -> dict[str, Any]:
    """``paper`` as Zotero's editable item JSON (itemType ``preprint``), ready to POST.

    ``year`` picks the date as ``export --year`` does: ``first`` the date of version 1
    (when the work became public), ``latest`` the date of the version described.
    """
    arxiv_id = paper.arxiv_id
    when = paper.published if year == "first" else paper.updated
    category = paper.primary_category or (paper.categories[0] if paper.categories else "")
    extra = note_lines(arxiv_id, category) + [version_line(paper.version)]
    extra += journal_lines(paper.journal_ref, paper.doi)
    item: dict[str, Any] = {
        "itemType": ITEM_TYPE,
        "title": latex_to_text(paper.title),
        "creators": [zotero_creator(split_name(author.name)) for author in paper.authors],
        "abstractNote": clean_text(paper.abstract),
        "repository": REPOSITORY,
        "archiveID": archive_id(arxiv_id),
        "date": when.strftime("%Y-%m-%d"),
        "DOI": datacite_doi(arxiv_id),
        "url": abs_url(arxiv_id),
        "extra": "\n".join(clean_text(line) for line in extra),
    }
    keys = list(collections)
    if keys:
        item["collections"] = keys
    return item


def connector_item(paper: Paper, *, year: str = "first") -> dict[str, Any]:
    """``paper`` as the desktop connector's ``saveItems`` takes an item (translator JSON).

    The same fields as :func:`zotero_item`, plus what the connector expects of a
    translator's item: an ``id`` within the request and empty tag, note and
    attachment lists (arxref attaches no files).
    """
    item = zotero_item(paper, year=year)
    item.update({"id": paper.arxiv_id, "tags": [], "notes": [], "attachments": []})
    return item


#: Extra lines arxref owns (by key, lower-case): an update replaces them and keeps the user's others.
_OWNED_EXTRA_KEYS = frozenset(line.split(":")[0].strip().lower() for line in (
    *note_lines("0704.0001", "x"), version_line(1), *journal_lines("x", "x")))


def merge_extra(old: str, new: str) -> str:
    """Extra for an updated item: arxref's lines (``new``), then the user's lines of ``old`` that are not arxref's.

    A line ``arXiv:<id> [cs.LG]`` as Zotero's arXiv translator writes it counts as arxref's
    ``arXiv:`` line, so an update does not leave two.
    """
    kept = [line for line in old.splitlines()
            if line.strip() and line.split(":")[0].strip().lower() not in _OWNED_EXTRA_KEYS]
    return "\n".join([*new.splitlines(), *kept])


# --------------------------------------------------------------------------- reading items


@dataclass(frozen=True)
class ItemIds:
    """What one library item says about arXiv: ids (versionless), the version, DOIs (lower-case)."""

    arxiv_ids: tuple[str, ...] = ()
    version: int | None = None
    """The arXiv version the item describes, when written (``version: 2`` in Extra, or ``v2`` on an id)."""
    dois: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.arxiv_ids or self.dois)


def item_identifiers(data: Mapping[str, Any]) -> ItemIds:
    """The arXiv ids, version and DOIs in an item's editable JSON (``data`` of a Web API item).

    Attachments, notes and annotations yield nothing (a PDF attachment's URL is not a
    paper in the library). Ids count when written explicitly (``arXiv:``, an arxiv.org
    URL, a 10.48550 DOI) anywhere, or bare in ``archiveID``.
    """
    if data.get("itemType") in NOT_RECORDS or data.get("deleted"):
        return ItemIds()
    found: dict[str, None] = {}
    versions: list[int] = []
    dois: dict[str, None] = {}
    extra = _text(data.get("extra"))
    for field in ("archiveID", "number", "url", "DOI", "extra"):
        text = _text(data.get(field))
        if not text:
            continue
        for match in ids.find_ids(text):
            if match.arxiv_id is None or not (match.explicit or field == "archiveID"):
                continue
            found[match.arxiv_id.base] = None
            if match.arxiv_id.version:
                versions.append(match.arxiv_id.version)
    doi = _text(data.get("DOI")).strip().lower()
    if doi and not doi.startswith(DOI_PREFIX.lower()):
        dois[doi] = None
    for line in extra.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key == VERSION_LINE_PREFIX.rstrip(": ") and value.strip().isdigit():
            versions.append(int(value.strip()))
        elif key in ("doi", "published doi") and value.strip():
            dois[value.strip().lower()] = None
    return ItemIds(tuple(found), max(versions) if versions else None, tuple(dois))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
