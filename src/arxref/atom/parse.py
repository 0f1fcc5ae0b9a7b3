"""Safe parsing of arXiv API Atom feeds into Paper objects.

arxiv.py's own parser runs lxml with ``recover=True``, so a truncated feed
silently yields partial entries. We must never cache damaged data, so this
module refuses DTDs/entities (defusedxml), parses strictly, checks that every
entry is complete, and delegates the Atom -> Result mapping to arxiv.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..errors import ArxrefError, ExitCode
from ..model import Author, Link, Paper

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
NS = {"atom": ATOM, "arxiv": ARXIV, "opensearch": OPENSEARCH}

#: Deeper than any real feed (feed/entry/author/name = 4): a hostile endpoint's nesting bomb.
MAX_DEPTH = 32
#: Above any count the API can give (arXiv holds a few million papers): an opensearch number
#: beyond it, or below 0, is a damaged answer (and would not fit the cache's INTEGER column).
MAX_COUNT = 10**9


def _register_namespaces() -> None:
    """Serialise stored entries with the API's own prefixes (not ns0:, ns1:)."""
    import xml.etree.ElementTree as ET

    ET.register_namespace("", ATOM)
    ET.register_namespace("arxiv", ARXIV)
    ET.register_namespace("opensearch", OPENSEARCH)


_register_namespaces()

_ID_URL_RE = re.compile(r"^https?://arxiv\.org/abs/(?P<id>.+?)(?:v(?P<version>\d+))?$")


class FeedError(ArxrefError):
    """The response is not a complete, well-formed arXiv Atom feed (never cache it)."""

    exit_code: int = ExitCode.UNVERIFIED


@dataclass
class Feed:
    """One parsed API response."""

    papers: list[Paper] = field(default_factory=list)
    total_results: int = 0
    items_per_page: int = 0
    start_index: int = 0
    api_error: str | None = None
    """Text of an arXiv ``Error`` entry (e.g. ``incorrect id format for X``)."""


def _check_safe(data: bytes) -> None:
    """Reject DTDs (entity expansion, external entities) before any parser sees the bytes."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise FeedError("the feed contains a DTD or entity declarations; refusing to parse it")


def _depth_ok(root: object) -> bool:
    import xml.etree.ElementTree as ET

    stack: list[tuple[ET.Element, int]] = [(root, 1)]  # type: ignore[list-item]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        stack.extend((child, depth + 1) for child in node)
    return True


def _parse_dt(text: str | None) -> datetime:
    """An entry's date; FeedError (a damaged answer, retried) when it is missing or not a date."""
    if not text:
        raise FeedError("entry without a date")
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise FeedError(f"entry date {_shown(text)} is not a date") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _text(node: object, path: str) -> str | None:
    found = node.find(path, NS)  # type: ignore[attr-defined]
    if found is None or found.text is None:
        return None
    return str(found.text)


def _shown(text: str) -> str:
    """A value from the answer as a message quotes it: repr, cut short (an answer may hold megabytes)."""
    return repr(text) if len(text) <= 60 else repr(text[:57]) + "..."


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def parse_entry(entry: object, raw: str | None = None) -> Paper:
    """Map one complete ``<entry>`` element to a Paper; FeedError if anything required is missing."""
    from ..ids import InvalidIdError, parse as parse_id

    entry_url = _text(entry, "atom:id")
    if not entry_url:
        raise FeedError("entry without <id>")
    match = _ID_URL_RE.match(entry_url.strip())
    if not match:
        raise FeedError(f"entry id {entry_url!r} is not an arXiv abstract URL")
    written = match.group("id") + (f"v{match.group('version')}" if match.group("version") else "")
    try:  # the id grammar's versions (v1..v9999): v0 or v99999999999 is a damaged answer, not a paper
        parsed = parse_id(written)
    except InvalidIdError as exc:
        raise FeedError(f"entry id {_shown(entry_url)}: {exc.reason}") from None
    arxiv_id = parsed.base
    version = parsed.version or 1
    title = _text(entry, "atom:title")
    summary = _text(entry, "atom:summary")
    authors = []
    for node in entry.iterfind("atom:author", NS):  # type: ignore[attr-defined]
        name = _text(node, "atom:name")
        if not name or not name.strip():
            raise FeedError(f"{arxiv_id}: author without a name (truncated feed?)")
        affiliations = tuple(
            _squash(a.text) for a in node.iterfind("arxiv:affiliation", NS) if a.text and a.text.strip()
        )
        authors.append(Author(_squash(name), affiliations))
    if title is None or summary is None or not authors:
        raise FeedError(f"{arxiv_id}: entry is missing its title, abstract or authors (truncated feed?)")
    categories = [c.get("term") for c in entry.iterfind("atom:category", NS) if c.get("term")]  # type: ignore[attr-defined]
    primary_node = entry.find("arxiv:primary_category", NS)  # type: ignore[attr-defined]
    primary = primary_node.get("term") if primary_node is not None else None
    if primary and primary in categories:
        categories.remove(primary)
    if primary:
        categories.insert(0, primary)
    links = [
        Link(href=l.get("href"), rel=l.get("rel") or "", title=l.get("title"), content_type=l.get("type"))
        for l in entry.iterfind("atom:link", NS)  # type: ignore[attr-defined]
        if l.get("href")
    ]
    return Paper(
        arxiv_id=arxiv_id,
        version=version,
        title=_squash(title),
        authors=authors,
        abstract=_squash(summary),
        published=_parse_dt(_text(entry, "atom:published")),
        updated=_parse_dt(_text(entry, "atom:updated")),
        categories=[c for c in categories if c],
        primary_category=primary or None,
        comment=_squash(_text(entry, "arxiv:comment") or "") or None,
        journal_ref=_squash(_text(entry, "arxiv:journal_ref") or "") or None,
        doi=(_text(entry, "arxiv:doi") or "").strip() or None,
        links=links,
        versions=list(range(1, version + 1)) if version else [],
        raw_entry=raw,
    )


def parse_feed(data: bytes) -> Feed:
    """Parse a whole API response strictly; FeedError on anything incomplete or unsafe."""
    import xml.etree.ElementTree as ET

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    if not data or not data.strip():
        raise FeedError("empty response body")
    _check_safe(data)
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ET.ParseError, DefusedXmlException) as exc:
        raise FeedError(f"malformed XML: {exc}") from None
    if root.tag != f"{{{ATOM}}}feed":
        raise FeedError(f"not an Atom feed (root element {root.tag!r})")
    if not _depth_ok(root):
        raise FeedError(f"XML nested deeper than {MAX_DEPTH} levels; refusing it")

    def _int(path: str) -> int:
        text = _text(root, path)
        try:
            value = int(text.strip()) if text else 0
        except ValueError:
            value = -1
        if not 0 <= value <= MAX_COUNT:
            raise FeedError(f"bad <{path}> value {_shown(text or '')}")
        return value

    feed = Feed(
        total_results=_int("opensearch:totalResults"),
        items_per_page=_int("opensearch:itemsPerPage"),
        start_index=_int("opensearch:startIndex"),
    )
    for entry in root.iterfind("atom:entry", NS):
        entry_url = (_text(entry, "atom:id") or "").strip()
        title = _text(entry, "atom:title") or ""
        if title.strip() == "Error" and "/api/errors" in entry_url:
            feed.api_error = _squash(_text(entry, "atom:summary") or "unknown API error")
            continue
        raw = ET.tostring(entry, encoding="unicode")
        feed.papers.append(parse_entry(entry, raw))
    return feed


def entry_to_paper(raw_entry: str) -> Paper:
    """Re-parse a stored raw ``<entry>`` (as kept in the cache)."""
    wrapped = f'<feed xmlns="{ATOM}" xmlns:arxiv="{ARXIV}" xmlns:opensearch="{OPENSEARCH}">{raw_entry}</feed>'
    feed = parse_feed(wrapped.encode("utf-8"))
    if len(feed.papers) != 1:
        raise FeedError("stored entry does not hold exactly one paper")
    return feed.papers[0]
