"""arxiv.py's ``Result`` at arxref's boundary: a Paper from a Result and back.

arxiv.py is the arXiv vocabulary Python users already hold: ``arxiv.Client().results``
yields ``arxiv.Result`` objects. arxref's writers (:func:`arxref.formats.write_formats`
and the single-format ones) and :func:`arxref.pipeline.export` take them as they are,
converted here through arxiv.py's public attributes and constructors only.

A Result is cleaned exactly as :mod:`arxref.atom` cleans the Atom entry it came from
(whitespace runs squashed, the primary category first, blank fields None), so arxiv.py's
parse and arxref's parse of one response give equal Papers. Nothing is invented: what a
Result does not carry (the raw Atom entry, when it was fetched) stays None, and a Result
without a title, an author or a date is refused rather than filled in.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from itertools import chain
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Union

from . import ids
from .model import Author, Entry, Link, Paper

if TYPE_CHECKING:
    import arxiv

#: What the writers and ``export`` accept: arxref's own objects or arxiv.py's.
PaperLike = Union[Paper, "arxiv.Result"]

_SPACE_RE = re.compile(r"\s+")
#: How arXiv's API writes entry ids (``<id>`` of an Atom entry, ``Result.entry_id``).
ENTRY_ID_PREFIX = "http://arxiv.org/abs/"


def _squash(text: str) -> str:
    """Whitespace runs to one space, ends stripped (as :mod:`arxref.atom` reads every text field)."""
    return _SPACE_RE.sub(" ", text).strip()


def _optional(text: str | None) -> str | None:
    return _squash(text or "") or None


def _utc(value: datetime | None, what: str, entry_id: str) -> datetime:
    """A Result's date as tz-aware UTC; arxiv.py's placeholder ``datetime.min`` is no date."""
    if value is None or value.replace(tzinfo=None) == datetime.min:
        raise ValueError(f"{entry_id}: the Result has no {what} date")
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def paper_from_result(result: arxiv.Result) -> Paper:
    """The Paper for an arxiv.py ``Result`` (ValueError when it lacks an id, title, author or date)."""
    entry_id = str(result.entry_id)
    parsed = ids.parse(entry_id.strip())  # InvalidIdError (a ValueError) for a foreign id
    version = parsed.version or 1
    title = _squash(result.title or "")
    authors = [
        Author(_squash(a.name), tuple(_squash(x) for x in getattr(a, "affiliation", None) or () if x and x.strip()))
        for a in result.authors
    ]
    if not title or not authors or any(not a.name for a in authors):
        raise ValueError(f"{entry_id}: the Result is missing its title or an author's name")
    primary = result.primary_category or None
    categories = [c for c in result.categories if c]
    if primary and primary in categories:
        categories.remove(primary)
    if primary:
        categories.insert(0, primary)
    return Paper(
        arxiv_id=parsed.base,
        version=version,
        title=title,
        authors=authors,
        abstract=_squash(result.summary or ""),
        published=_utc(result.published, "publication", entry_id),
        updated=_utc(result.updated, "update", entry_id),
        categories=categories,
        primary_category=primary,
        comment=_optional(result.comment),
        journal_ref=_optional(result.journal_ref),
        doi=(result.doi or "").strip() or None,
        links=[Link(link.href, link.rel or "", link.title, link.content_type) for link in result.links if link.href],
        versions=list(range(1, version + 1)),
    )


def result_from_paper(paper: Paper) -> arxiv.Result:
    """An arxiv.py ``Result`` for a Paper, built with arxiv.py's public constructors."""
    import arxiv

    def author(item: Author) -> Any:
        if item.affiliations:  # arxiv.py releases without affiliation support take a name only
            return arxiv.Result.Author(item.name, list(item.affiliations))
        return arxiv.Result.Author(item.name)

    return arxiv.Result(
        entry_id=ENTRY_ID_PREFIX + paper.versioned_id,
        updated=paper.updated,
        published=paper.published,
        title=paper.title,
        authors=[author(a) for a in paper.authors],
        summary=paper.abstract,
        comment=paper.comment,
        journal_ref=paper.journal_ref,
        doi=paper.doi,
        primary_category=paper.primary_category or "",
        categories=list(paper.categories),
        links=[arxiv.Result.Link(link.href, title=link.title, rel=link.rel, content_type=link.content_type)
               for link in paper.links],
    )


def paper_of(item: PaperLike) -> Paper:
    """A Paper as is, an arxiv.py Result converted (TypeError for anything else, an Entry included)."""
    if isinstance(item, Paper):
        return item
    import arxiv

    if isinstance(item, arxiv.Result):
        return paper_from_result(item)
    raise TypeError(f"expected an arxref Paper or an arxiv.Result, not {type(item).__name__}")


def as_entries(items: Iterable[Entry] | Iterable[PaperLike], *, year_mode: str = "first") -> Iterable[Entry]:
    """What the writers write: Entries pass through untouched (a list stays the same list, an
    iterator stays lazy); Papers and arxiv.py Results become one entry per paper with generated
    keys, sorted by key (:func:`arxref.dedup.build_entries`, as ``export`` would write them)."""
    iterator: Iterator[Any] = iter(items)
    first = next(iterator, None)
    if first is None:
        return [] if not isinstance(items, list) else items
    if isinstance(first, Entry):
        return items if isinstance(items, list) else chain([first], iterator)
    from .dedup import build_entries

    return build_entries((), papers=[paper_of(x) for x in chain([first], iterator)], year_mode=year_mode)
