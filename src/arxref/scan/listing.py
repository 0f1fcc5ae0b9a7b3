"""Text copied from arXiv: abstract dumps, listings, search-result pages, and the sniffing among them.

A file that is not .tex/.md/.bib is one of these shapes, or plain text; :func:`sniff`
decides from its first lines. In a listing the id line *follows* its abstract, so the
abstract waits (:class:`_Pending`) until the id line closes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, Sequence

from .. import ids
from ..model import Record
from .records import Lines, ProblemHandler, find_mentions, id_fields, id_record, offset_of, own_problems

#: Lines at least this long are abstracts, shorter ones are comments or noise.
_MIN_ABSTRACT = 200
_SEARCH_HEADER_RE = re.compile(
    r"\s*(?:\d+\.\s*)?(?P<id>arxiv:\s?\S+?)\s*\[(?:pdf|ps|other|html|src)\b[^\]]*\](?P<rest>.*)$", re.IGNORECASE)
_ABSTRACT_LEAD_RE = re.compile(r"\s*(?:(?P<pre>\S[^\n]{0,80}?)\s*)?\babstract\s*:\s*", re.IGNORECASE)
_LEAD_ID_RE = re.compile(r"\s*arxiv:\s?(?:[a-z][a-z.-]*/\d{7}|\d{4}\.\d{4,5})", re.IGNORECASE)
_NUMBERING_RE = re.compile(r"[\[(]?\d{1,6}[.):\]]?")


def sniff(lines: list[str]) -> str:
    """Which dump shape the first lines of a file have: search_page, abstract, listing or text."""
    abstracts = leading_ids = long_lines = 0
    for line in lines:
        if _SEARCH_HEADER_RE.match(line):
            return "search_page"
        if _abstract_start(line):
            abstracts += 1
        elif _LEAD_ID_RE.match(line):
            leading_ids += 1
        if len(line) >= _MIN_ABSTRACT:
            long_lines += 1
    if abstracts:
        return "abstract"
    if leading_ids and long_lines:
        return "listing"
    return "text"


def _abstract_start(line: str) -> tuple[int, ids.IdMatch | None] | None:
    """Where the text of an ``Abstract:`` line starts, and the id written before the label, if any.

    Only a numbering (``3.``) or an id may stand before the label, so prose that
    happens to say "abstract:" is not taken for a dump line.
    """
    if line.startswith("Abstract:"):  # the common case, without the regex
        return 9, None
    lead = _ABSTRACT_LEAD_RE.match(line)
    if lead is None:
        return None
    pre = lead.group("pre")
    if not pre:
        return lead.end(), None
    own = next((m for m in ids.find_ids(pre) if m.arxiv_id), None)
    if own is None and not _NUMBERING_RE.fullmatch(pre):
        return None
    return lead.end(), own


# --------------------------------------------------------------------------- abstract dumps and listings

_SENTENCE_END_RE = re.compile(r"[.!?](?:\s|$)")
_COMMENT_RE = re.compile(
    r"""^\s*(?:
        comments?\s*: | arxiv\s+admin\s+note | journal[\s-]ref | to\s+appear | accepted | published
      | submitted\s+to | presented | in\s+proceedings | proceedings | appeared | camera[\s-]ready | preprint
      | extended\s+version | v\d+\s*: | code\s*: | project\s+page | \d+\s*(?:pages?|pp\.?|figures?|figs?\.?|tables?)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_COUNTS_RE = re.compile(r"\b\d+\s*(?:pages?|figures?|figs?\.?|tables?)\b", re.IGNORECASE)


def _is_comment(line: str) -> bool:
    """A listing's Comments line: page counts, venue, admin notes."""
    return bool(_COMMENT_RE.match(line) or (len(line) < _MIN_ABSTRACT and _COUNTS_RE.search(line)))


def _is_abstract(line: str) -> bool:
    """Prose long enough to be an abstract (a lone name or a heading is not)."""
    if len(line) >= _MIN_ABSTRACT:
        return True
    return len(line) >= 80 and len(_SENTENCE_END_RE.findall(line)) >= 2 and not _is_comment(line)


@dataclass
class _Pending:
    """An abstract waiting for the id line that follows it in a listing."""

    number: int
    column: int
    text: str
    comments: list[str] = field(default_factory=list)


class _DumpScanner:
    """Abstract dumps and copied listings, one line at a time."""

    def __init__(self, source: str, kind: str) -> None:
        self.source = source
        self.kind = kind
        self.pending: _Pending | None = None
        self.empty_abstract: int | None = None  # line of an "Abstract:" with the text on the next line

    def abstract_line(self, number: int, line: str) -> Sequence[Record]:
        """The records of one line of a dump (a list, not a generator: this runs once per line)."""
        offset = offset_of(line)  # a later piece of a very long line: columns count from the line's start
        start = _abstract_start(line) if "bstract" in line[:120].lower() else None
        if start is not None:
            end, own = start
            text = line[end:].strip()
            if not text:
                self.empty_abstract = number
                return ()
            return (self.record(number, end + 1 + offset, text, [], own),)
        if self.empty_abstract is not None and line.strip():
            self.empty_abstract = None
            return (self.record(number, 1 + offset, line.strip(), [], None),)
        # a stray line: only its ids count
        return [id_record(match, self.source, number, "text", line, offset) for match in ids.find_ids(line)]

    def listing_line(self, number: int, line: str) -> Sequence[Record]:
        """The records one line of a listing completes (a list, not a generator: this runs once per line)."""
        stripped = line.strip()
        if not stripped:
            return ()
        offset = offset_of(line)  # a later piece of a very long line: columns count from the line's start
        match = ids.match_at(line, len(line) - len(line.lstrip())) if stripped[:6].lower() == "arxiv:" else None
        if match is not None:
            # the id closes the abstract above; what follows on the line opens the next one
            closed = self.close(match, number, offset)
            rest = line[match.end:]
            if rest.strip():
                self.pending = _Pending(number, match.end + len(rest) - len(rest.lstrip()) + 1 + offset, rest.strip())
            return (closed,) if closed is not None else ()
        if self.pending is not None and not _is_abstract(stripped):
            self.pending.comments.append(stripped)
            return ()
        if _is_abstract(stripped):
            closed = self.close(None, number)
            self.pending = _Pending(number, len(line) - len(line.lstrip()) + 1 + offset, stripped)
            return (closed,) if closed is not None else ()
        # noise with an id in it
        return [id_record(match, self.source, number, "text", line, offset) for match in ids.find_ids(line)]

    def close(self, match: ids.IdMatch | None, number: int, offset: int = 0) -> Record | None:
        """The pending abstract with ``match`` as its id (or a bare id record, or None).

        ``offset``: characters of the id's line before the piece ``match`` was found in.
        """
        pending, self.pending = self.pending, None
        if pending is not None:
            return self.record(pending.number, pending.column, pending.text, pending.comments, match)
        if match is None:
            return None
        # an id line with no abstract above it: the record is only an id
        return Record(source=self.source, line=number, kind=self.kind, column=match.start + 1 + offset,
                      problems=own_problems(match), **id_fields(match.arxiv_id))

    def record(self, number: int, column: int, text: str, comments: list[str],
               match: ids.IdMatch | None) -> Record:
        """An abstract as a record: ``match`` is its own id; ids in its text and comments are mentions."""
        comment = " ".join(comments) or None
        parsed = match.arxiv_id if match is not None else None
        own = parsed.base if parsed else None
        mentions, problems = find_mentions(text, own)
        if comment:
            more, more_problems = find_mentions(comment, own)
            mentions = list(dict.fromkeys(mentions + more))  # in order, each once: linear however many
            problems += more_problems
        return Record(source=self.source, line=number, kind=self.kind, text=text, column=column, comment=comment,
                      mentions=tuple(mentions), problems=own_problems(match) + tuple(problems), **id_fields(parsed))


def scan_abstracts(lines: Lines, source: str, report: ProblemHandler) -> Iterator[Record]:
    """An abstract dump: one record per ``Abstract:`` line (an id before the label is its own id)."""
    scanner = _DumpScanner(source, "abstract")
    for number, line in lines:
        yield from scanner.abstract_line(number, line)


def scan_listing(lines: Lines, source: str, report: ProblemHandler) -> Iterator[Record]:
    """A copied arXiv listing: each abstract, with the id line below it and its Comments."""
    scanner = _DumpScanner(source, "listing")
    for number, line in lines:
        yield from scanner.listing_line(number, line)
    last = scanner.close(None, 0)
    if last is not None:
        yield last


# --------------------------------------------------------------------------- arXiv search-result pages

_LABEL_RE = re.compile(r"(?:(authors?|abstract|comments?|journal[\s-]ref|doi|report[\s-]number|msc[\s-]class|"
                       r"acm[\s-]class)\s*:|(submitted|originally\s+announced)\b)\s*", re.IGNORECASE)
_TOGGLE_RE = re.compile(r"\u25bd\s*More|\u25b3\s*Less", re.IGNORECASE)
_MORE_RE = re.compile(r"\u25bd\s*More")


def _clean_search_abstract(text: str) -> str:
    """The abstract without the page's ``▽ More`` / ``△ Less`` toggles (full text when both copies exist).

    Each toggle goes with the blanks and the ``…`` before it and the blanks after it, all
    replaced by one space. The search starts at the toggle sign and walks back: a pattern
    starting with blanks would be tried at every blank of a long run (quadratic).
    """
    if "\u25bd" not in text and "\u25b3" not in text:
        return text.strip()
    more = _MORE_RE.search(text)
    if more and text[more.end():].strip():
        text = text[more.end():]  # short copy, then the expanded one
    parts: list[str] = []
    floor = 0
    for toggle in _TOGGLE_RE.finditer(text):
        start, end = toggle.start(), toggle.end()
        while start > floor and text[start - 1].isspace():
            start -= 1
        if start > floor and text[start - 1] == "\u2026":
            start -= 1
            while start > floor and text[start - 1].isspace():
                start -= 1
        while end < len(text) and text[end].isspace():
            end += 1
        parts += [text[floor:start], " "]
        floor = end
    parts.append(text[floor:])
    return "".join(parts).strip()


@dataclass
class _SearchResult:
    """One result of a search page while its lines are read (a Record is made when it ends).

    Wrapped parts are kept as lists of lines and joined once at the end: adding each line
    to a growing string copied it again every time (quadratic on long pages).
    """

    line: int
    column: int
    parsed: ids.ArxivId | None
    """The result's own id; None when the header's is impossible (then ``id_problems`` says why)."""
    id_problems: tuple[str, ...]
    title: list[str] | None = None
    authors: list[str] = field(default_factory=list)
    text: list[str] | None = None
    comment: list[str] | None = None

    def store(self, name: str, value: str) -> str:
        """A labelled line (``Authors:``...); returns the part later plain lines continue."""
        if name.startswith("author"):
            self.authors = [a.strip() for a in value.split(",") if a.strip()]
            return "authors"
        if name == "abstract":
            self.text = [value] if value else []
            return "abstract"
        if name.startswith("comment"):
            self.comment = [value] if value else []
            return "comment"
        return ""  # submitted, journal ref...: not needed downstream

    def append(self, name: str, value: str) -> None:
        """A plain (non-empty) line continues the part being read (titles and abstracts wrap)."""
        if name == "title":
            self.title = _added(self.title, value)
        elif name == "authors":
            self.authors += [a.strip() for a in value.split(",") if a.strip()]
        elif name == "abstract":
            self.text = _added(self.text, value)
        elif name == "comment":
            self.comment = _added(self.comment, value)

    def record(self, source: str) -> Record:
        title, comment = _joined(self.title), _joined(self.comment)
        text = _joined(self.text)
        text = _clean_search_abstract(text) if text else text
        parsed = self.parsed
        own = parsed.base if parsed else None
        mentions, problems = find_mentions(" ".join(filter(None, [text, comment])), own)
        return Record(source=source, line=self.line, kind="search_page", column=self.column, title=title,
                      text=text, authors=tuple(self.authors), comment=comment, mentions=tuple(mentions),
                      problems=self.id_problems + tuple(problems), **id_fields(parsed))


def _added(lines: list[str] | None, value: str) -> list[str]:
    """``lines`` with ``value`` appended in place (a new list when there were none)."""
    if lines is None:
        return [value]
    lines.append(value)
    return lines


def _joined(lines: list[str] | None) -> str | None:
    """The lines of a wrapped part as one string (None when the part never appeared)."""
    return None if lines is None else " ".join(lines)


def _search_header(line: str, number: int) -> _SearchResult | None:
    """The result a ``1. arXiv:ID [pdf, other]`` line opens, or None for any other line."""
    header = _SEARCH_HEADER_RE.match(line)
    if not header:
        return None
    column = header.start("id") + 1 + offset_of(line)
    match = next(ids.find_ids(header.group("id")), None)
    if match is None:
        return _SearchResult(number, column, None, (f"not an arXiv id: {header.group('id')!r}",))
    return _SearchResult(number, column, match.arxiv_id, own_problems(match))


def scan_search_page(lines: Lines, source: str, report: ProblemHandler) -> Iterator[Record]:
    """A copied arXiv search-result page: one record per result, with title, authors and abstract."""
    current: _SearchResult | None = None
    part = ""  # which part of the current result the next plain line continues
    for number, line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        opened = _search_header(line, number)
        if opened is not None:
            if current is not None:
                yield current.record(source)
            current, part = opened, "title"
            continue
        if current is None:
            continue  # page furniture before the first result
        label = _LABEL_RE.match(stripped)
        if label:
            part = current.store((label.group(1) or label.group(2)).lower(), stripped[label.end():])
        else:
            current.append(part, stripped)
    if current is not None:
        yield current.record(source)
