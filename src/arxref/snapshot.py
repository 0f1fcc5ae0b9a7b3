"""arXiv's bulk metadata snapshot (``arxiv-metadata-oai-snapshot.json``): one JSON object a line.

The snapshot is how a user loads all of arXiv (~2.7 M papers) into the cache, so
this module is the hot loop of ``arxref cache import``: it maps one decoded line
to a light :class:`SnapshotRecord` (no Paper/Author objects, no regex-heavy id
parsing for the common new-style ids) that the cache turns straight into a row.

Field layout (as published by arXiv on Kaggle)::

    id, submitter, authors, title, comments, journal-ref, doi, report-no,
    categories ("cs.LG cs.AI"), license, abstract,
    versions [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, ...],
    update_date "2008-11-13", authors_parsed [[last, first, suffix], ...]
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any, NamedTuple

from .errors import InvalidIdError
from .ids import MAX_VERSION, check_new_style, parse as parse_id
from .model import Link, Paper

_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}
_NEW_ID_RE = re.compile(r"(\d{4})\.(\d{4,5})")
_AUTHOR_SPLIT_RE = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")


class SnapshotError(ValueError):
    """One snapshot line cannot be used (the message names the field)."""


class SnapshotRecord(NamedTuple):
    """One snapshot line, mapped to arxref's fields (the cache stores these as a row)."""

    arxiv_id: str
    version: int
    versions: tuple[int, ...]
    title: str
    authors: tuple[str, ...]
    abstract: str
    published: datetime
    updated: datetime
    categories: tuple[str, ...]
    comment: str | None
    journal_ref: str | None
    doi: str | None


def links_json(arxiv_id: str, version: int, doi: str | None) -> str:
    """:func:`standard_links` as the cache stores them (JSON), built without json.dumps.

    Only for canonical ids (digits, letters, ``.``, ``-``, ``/``: nothing to escape).
    """
    text = (f'[["https://arxiv.org/abs/{arxiv_id}v{version}","alternate",null,"text/html"],'
            f'["https://arxiv.org/pdf/{arxiv_id}v{version}","related","pdf","application/pdf"]')
    if doi and " " not in doi:
        import json

        text += f',[{json.dumps("https://doi.org/" + doi, ensure_ascii=False)},"related","doi",null]'
    return text + "]"


def standard_links(arxiv_id: str, version: int, doi: str | None) -> list[Link]:
    """The links the API lists for every entry (abstract page, PDF, journal DOI)."""
    links = [
        Link(f"https://arxiv.org/abs/{arxiv_id}v{version}", "alternate", None, "text/html"),
        Link(f"https://arxiv.org/pdf/{arxiv_id}v{version}", "related", "pdf", "application/pdf"),
    ]
    if doi and " " not in doi:
        links.append(Link(f"https://doi.org/{doi}", "related", "doi", None))
    return links


def squash(text: str) -> str:
    """Collapse whitespace runs (snapshot titles/abstracts keep the submitter's line breaks)."""
    return " ".join(text.split())


@lru_cache(maxsize=4096)
def _new_style_problem(yymm: str, digits: int) -> str | None:
    """Memoised month/length check (a snapshot has a few hundred distinct months)."""
    return check_new_style(yymm, "1" * digits)


def canonical_id(value: str) -> str:
    """Canonical base id; a fast path for well-formed new-style ids (most of the snapshot)."""
    match = _NEW_ID_RE.fullmatch(value)
    if match:
        reason = _new_style_problem(match.group(1), len(match.group(2)))
        if reason is None and int(match.group(2)) == 0:
            reason = "sequence number 0 does not exist"
        if reason:
            raise InvalidIdError(value, reason)
        return value
    return parse_id(value).base


def parse_created(text: str) -> datetime:
    """``Mon, 2 Apr 2007 19:18:42 GMT`` -> aware UTC datetime (fast path, RFC 2822 fallback)."""
    parts = text.split()
    try:
        if len(parts) == 6 and parts[5] == "GMT":
            hour, minute, second = parts[4].split(":")
            return datetime(int(parts[3]), _MONTHS[parts[2]], int(parts[1]),
                            int(hour), int(minute), int(second), tzinfo=timezone.utc)
        value = parsedate_to_datetime(text)
    except (KeyError, ValueError, TypeError, IndexError):
        raise SnapshotError(f"bad version date {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _text(obj: dict[str, Any], name: str) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SnapshotError(f"field {name!r} is not a string")
    return squash(value) or None


def _authors(obj: dict[str, Any]) -> tuple[str, ...]:
    parsed = obj.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for item in parsed:
            if type(item) is list and len(item) == 3:  # the usual [last, first, suffix]: inline, hot
                last, first, suffix = item
                try:
                    name = " ".join((first + " " + last + " " + suffix).split())
                except TypeError:  # a part is not a string
                    name = _parsed_name(item)
            else:
                name = _parsed_name(item)
            if name:
                names.append(name)
        if names:
            return tuple(names)
    text = _text(obj, "authors")
    if not text:
        raise SnapshotError("no authors")
    return tuple(name for name in _AUTHOR_SPLIT_RE.split(text) if name)


def _parsed_name(item: Any) -> str:
    """"First Last Suffix" from an ``authors_parsed`` entry of any length (validated)."""
    if not isinstance(item, list) or not all(isinstance(part, str) for part in item):
        raise SnapshotError("authors_parsed entries must be lists of strings")
    last, first, suffix = (list(item) + ["", "", ""])[:3]
    return squash(f"{first} {last} {suffix}")


def _versions(obj: dict[str, Any]) -> tuple[tuple[int, ...], datetime, datetime]:
    """Versions seen, v1 date (published) and the latest version's date (updated)."""
    raw = obj.get("versions")
    if not isinstance(raw, list) or not raw:
        raise SnapshotError("no versions")
    dated: dict[int, datetime] = {}
    for item in raw:
        if not isinstance(item, dict):
            raise SnapshotError("versions entries must be objects")
        label = item.get("version")
        if not isinstance(label, str) or not label[:1] in ("v", "V") or not label[1:].isdigit() or len(label) > 20:
            raise SnapshotError(f"bad version label {label!r:.40}")
        created = item.get("created")
        if not isinstance(created, str):
            raise SnapshotError(f"version {label} has no date")
        dated[int(label[1:])] = parse_created(created)
    numbers = tuple(sorted(dated))
    if numbers[0] < 1:
        raise SnapshotError(f"bad version number {numbers[0]}")
    if numbers[-1] > MAX_VERSION:
        raise SnapshotError(f"bad version number {str(numbers[-1])[:20]}")
    return numbers, dated[numbers[0]], dated[numbers[-1]]


def parse_record(obj: Any) -> SnapshotRecord:
    """Map one decoded snapshot line; SnapshotError / InvalidIdError say what is wrong."""
    if not isinstance(obj, dict):
        raise SnapshotError("line is not a JSON object")
    raw_id = obj.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise SnapshotError("no 'id' field")
    arxiv_id = canonical_id(raw_id.strip())
    title = _text(obj, "title")
    abstract = _text(obj, "abstract")
    if not title:
        raise SnapshotError("no title")
    versions, published, updated = _versions(obj)
    categories = obj.get("categories") or ""
    if not isinstance(categories, str):
        raise SnapshotError("field 'categories' is not a string")
    return SnapshotRecord(
        arxiv_id=arxiv_id,
        version=versions[-1],
        versions=versions,
        title=title,
        authors=_authors(obj),
        abstract=abstract or "",
        published=published,
        updated=updated,
        categories=tuple(categories.split()),
        comment=_text(obj, "comments"),
        journal_ref=_text(obj, "journal-ref"),
        doi=_text(obj, "doi"),
    )


def paper_to_snapshot(paper: Paper) -> dict[str, Any]:
    """The snapshot-layout object for a Paper (used to build snapshot files from Atom data).

    Version dates other than v1 and the latest are unknown to a Paper; only the
    versions whose dates are known are listed (the latest always is).
    """
    def created(value: datetime) -> str:
        value = value.astimezone(timezone.utc)
        day = "Mon Tue Wed Thu Fri Sat Sun".split()[value.weekday()]
        month = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()[value.month - 1]
        return f"{day}, {value.day} {month} {value.year} {value:%H:%M:%S} GMT"

    versions = [{"version": "v1", "created": created(paper.published)}]
    if paper.version > 1:
        versions.append({"version": f"v{paper.version}", "created": created(paper.updated)})
    parsed = []
    for author in paper.authors:
        first, _, last = author.name.rpartition(" ")
        parsed.append([last, first, ""])
    return {
        "id": paper.arxiv_id,
        "submitter": None,
        "authors": ", ".join(a.name for a in paper.authors),
        "title": paper.title,
        "comments": paper.comment,
        "journal-ref": paper.journal_ref,
        "doi": paper.doi,
        "report-no": None,
        "categories": " ".join(paper.categories),
        "license": None,
        "abstract": paper.abstract,
        "versions": versions,
        "update_date": paper.updated.strftime("%Y-%m-%d"),
        "authors_parsed": parsed,
    }

