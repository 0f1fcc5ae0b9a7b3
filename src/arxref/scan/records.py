"""What every input kind shares: the problem value, the own-id of a record, mentions and snippets.

Scanners build each :class:`~arxref.model.Record` completely and only then create
it (records are frozen), so the helpers here return parts, not half-made records.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from .. import ids
from ..errors import InputError
from ..model import Record

#: Decoded lines of a file, numbered from 1. A line longer than the reader's piece size comes
#: as several items with the same number; the later ones are :class:`LinePiece` objects.
Lines = Iterator[tuple[int, str]]


class LinePiece(str):
    """A later piece of a very long line: the text, and how many characters of its line come before it.

    Scanners see pieces as lines; they add :func:`offset_of` to the columns they compute,
    so a record in the 300th megabyte of a one-line file still gets its true column.
    """

    offset: int

    def __new__(cls, text: str, offset: int) -> LinePiece:
        piece = super().__new__(cls, text)
        piece.offset = offset
        return piece


def placed(text: str, offset: int) -> str:
    """``text`` standing ``offset`` characters into its line (a :class:`LinePiece` unless 0)."""
    return LinePiece(text, offset) if offset else text


def offset_of(line: str) -> int:
    """Characters of the line before ``line`` (0 unless it is a later :class:`LinePiece`)."""
    return line.offset if type(line) is LinePiece else 0


#: Longest snippet kept as a record's text for an id found in a line.
SNIPPET = 300


@dataclass(frozen=True)
class ScanProblem:
    """Trouble with a file, kept structured until it is printed (path, 1-based line or None, message).

    ``str()`` gives the one-line text users see: ``path:line: message`` or ``path: message``.
    """

    path: str
    line: int | None
    message: str
    code: str = ""
    """What kind of trouble, for callers that act on it: ``unparsable`` (a .bib block bibtexparser
    cannot read), or "" (anything else)."""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"

    @classmethod
    def from_error(cls, error: InputError) -> ScanProblem:
        """The problem an unreadable file is reported as (the scan goes on)."""
        return cls(error.path, error.line, error.message)


#: Receives one :class:`ScanProblem` per problem with a file.
ProblemHandler = Callable[[ScanProblem], None]


def ignore_problem(_: ScanProblem) -> None:
    """Default problem handler: problems are dropped."""


def own_problems(match: ids.IdMatch | None) -> tuple[str, ...]:
    """The problems a record's own id brings: why it is impossible (then the record has no id),
    or what is wrong beside a readable id (``unknown subject class math.ACS``), or none.

    The id fields themselves come from ``match.arxiv_id`` via :func:`id_fields`; callers
    place these problems first or after their own, as the output has them.
    """
    if match is None:
        return ()
    if match.arxiv_id is not None:
        return match.arxiv_id.warnings
    return (invalid_problem(match),)


_NO_ID: dict[str, Any] = {}


def id_fields(parsed: ids.ArxivId | None) -> dict[str, Any]:
    """The :class:`Record` fields a record's own id fills (none without one): pass as ``**id_fields(...)``.

    One place, so every input kind carries the same: base, version, subject class,
    the category hint and the notes on how the id was written.
    """
    if parsed is None:
        return _NO_ID
    return {"arxiv_id": parsed.base, "version": parsed.version, "subject_class": parsed.subject_class,
            "category": parsed.category, "notes": parsed.notes}


def invalid_problem(match: ids.IdMatch) -> str:
    """The Record.problems line for an impossible id."""
    return f"invalid arXiv id {match.id_text!r}: {match.problem}"


@functools.lru_cache(maxsize=1 << 12)
def cited_id(key: str) -> tuple[ids.ArxivId | None, tuple[str, ...]]:
    """The arXiv id a citation key is written as, or None (then the key is a name a bibliography defines).

    Every form :func:`arxref.ids.parse` takes counts (``2108.02818v2``, ``arXiv:2108.02818``,
    ``hep-th/9901001``, ``doi:10.48550/arXiv.2108.02818``...), written exactly: no blank inside,
    nothing but a letter or digit at either end. An explicit but impossible id
    (``arXiv:2313.00001``) is no id and brings its problem. Remembered per key (the answer is
    immutable): a document cites the same keys again and again.
    """
    if not key or not key[0].isalnum() or not key[-1].isalnum() or len(key.split(maxsplit=1)) > 1:
        return None, ()
    try:
        return ids.parse(key), ()
    except ids.InvalidIdError:
        match = ids.match_at(key)
        if match is not None and match.arxiv_id is None and match.explicit and match.end == len(key):
            return None, (invalid_problem(match),)
        return None, ()


def find_mentions(text: str | None, exclude: str | None = None) -> tuple[list[str], list[str]]:
    """Canonical ids written inside ``text`` (references, not the record's own id) and problems."""
    if not text:
        return [], []
    found: dict[str, None] = {}  # ordered and O(1) to test: a long line may mention thousands
    problems: list[str] = []
    for match in ids.find_ids(text):
        if match.arxiv_id is None:
            if match.explicit:
                problems.append(invalid_problem(match))
        elif match.arxiv_id.base != exclude:
            found.setdefault(match.arxiv_id.base)
    return list(found), problems


def snippet(line: str, start: int, end: int) -> str:
    """The stripped line, or a window of SNIPPET characters around [start, end) when it is longer.

    Only a bounded slice is copied: an id in a 50 MB single-line file costs 300 characters.
    """
    if len(line) <= SNIPPET:
        return line.strip()
    first, last = _text_ends(line)
    if last - first <= SNIPPET:
        return line[first:last]
    half = (SNIPPET - (end - start)) // 2
    lo = max(0, start - half)
    return line[lo : lo + SNIPPET].strip()


#: The last long line :func:`snippet` measured, with where its text starts and ends.
_ends_of: tuple[str, int, int] = ("", 0, 0)


def _text_ends(line: str) -> tuple[int, int]:
    """Where the line's text starts and ends (whitespace trimmed), measured once per line.

    Every id of a long line asks; walking a long run of blanks again for each id
    would make a line with many ids quadratic.
    """
    global _ends_of
    known = _ends_of
    if known[0] is line:
        return known[1], known[2]
    first = len(line) - len(line.lstrip())
    last = len(line.rstrip())
    _ends_of = (line, first, max(first, last))
    return first, max(first, last)


def id_record(match: ids.IdMatch, source: str, number: int, kind: str, line: str, offset: int = 0,
              **extra: Any) -> Record:
    """A record for one id found in a line (invalid ids give arxiv_id None and a problem).

    ``offset`` is the number of characters of the line before ``line`` (see :class:`LinePiece`).
    """
    parsed = match.arxiv_id
    if parsed is not None and not extra:  # the common case, by position (once per id of a dump): as below
        return Record(source, number, kind, parsed.base, parsed.version, None, snippet(line, match.start, match.end),
                      (), (), None, parsed.warnings, match.start + 1 + offset, parsed.subject_class, None, None, None,
                      "paper", parsed.category, parsed.notes)
    return Record(source=source, line=number, kind=kind, column=match.start + 1 + offset,
                  text=snippet(line, match.start, match.end), problems=own_problems(match),
                  **id_fields(match.arxiv_id), **extra)


def blank(line: str, spans: list[tuple[int, int]]) -> str:
    """The line with the spans (sorted by start; they may repeat or overlap) replaced by spaces.

    Columns stay right. Built in one pass: re-copying the whole line for each span was
    quadratic on a long line full of code spans or citations.
    """
    parts: list[str] = []
    pos = 0
    for start, end in spans:
        if end <= pos:
            continue  # inside a span already blanked (each key of one \cite repeats its span)
        start = max(start, pos)
        parts.append(line[pos:start])
        parts.append(" " * (end - start))
        pos = end
    parts.append(line[pos:])
    return "".join(parts)


def scan_plain_text(lines: Lines, source: str, report: ProblemHandler) -> Iterator[Record]:
    """Plain text: every id mention is a record, and so is a list item that looks like a reference."""
    from .references import ListItems

    items = ListItems(source, "text")
    for number, line in lines:
        offset = offset_of(line)
        if not items.may_take(line):
            for match in ids.find_ids(line):
                yield id_record(match, source, number, "text", line, offset)
            continue
        found = [id_record(match, source, number, "text", line, offset) for match in ids.find_ids(line)]
        yield from items.records(number, line, found, offset)
    yield from items.finish()
