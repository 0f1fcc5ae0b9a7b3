""".bib entries export writes as the user wrote them: nothing the user wrote is lost.

A paper's ``refs.bib`` holds more than arXiv preprints: books, journal papers, web
pages, ``@string`` abbreviations, ``@preamble`` and comments. ``export`` rewrites only
the entries it resolved to arXiv papers; everything else in every .bib it read goes to
the .bib output unchanged (same keys, types, fields, field order, values and
``@string`` uses, the comments between entries), before the arXiv entries; the kept
entries also go into CSL-JSON and RIS, converted as faithfully as their fields allow
(:func:`arxref.formats.bibitem.item_from_fields`).

Kept are: entries that are not arXiv papers (not searched, or not found and not looking
like a preprint: :func:`arxref.preprint.looks_like_preprint`), entries in conflict with
their arXiv id (:mod:`arxref.conflicts`) and entries arXiv could not give (not found,
unverified); the last two are still reported as problems. A block the scanner could not
parse stays too, as it was written (it was reported with its line).
"""

from __future__ import annotations

import os
import re
from typing import Iterable, Iterator

from .model import KeptBib, Record

__all__ = ["bib_text", "kept_bib"]

#: The start of an entry (not ``@comment``/``@string``/``@preamble``) and its opening delimiter.
_ENTRY_AT_RE = re.compile(r"@\s*(?!(?:comment|string|preamble)\b)[A-Za-z]+\s*([{(])", re.IGNORECASE)


def kept_bib(bib: Iterable[tuple[Record, bool]]) -> KeptBib | None:
    """The pass-through of the .bib records of a run, given each with whether arxref rewrites it.

    ``bib`` is in input order. A file met under two names (given, and again in a directory)
    counts once, under the name met first. None when no .bib file was read.
    """
    names: dict[str, str] = {}  # real path -> the name it was first met under
    rewritten: dict[str, set[int]] = {}
    kept: dict[tuple[str, int, str | None], Record] = {}
    for record, written in bib:
        real = os.path.realpath(record.source)
        source = names.setdefault(real, record.source)
        lines = rewritten.setdefault(source, set())
        if written:
            lines.add(record.line)
        else:
            kept.setdefault((source, record.line, record.key), record)
    if not names:
        return None
    rewritten_lines = {source: frozenset(lines) for source, lines in rewritten.items()}
    records = tuple(r for r in kept.values() if r.line not in rewritten_lines[names[os.path.realpath(r.source)]])
    return KeptBib(tuple(names.values()), rewritten_lines, records)


def bib_text(kept: KeptBib) -> Iterator[str]:
    """The text of every .bib read, less the entries arxref rewrote, file after file."""
    for source in kept.sources:
        yield from _file_text(source, kept.rewritten.get(source, frozenset()))


def _file_text(source: str, rewritten: frozenset[int]) -> Iterator[str]:
    """One .bib's lines, each entry starting on a ``rewritten`` line left out (with one blank line after it)."""
    from .scan.files import open_file, read_lines
    from .scan.records import ignore_problem

    handle = open_file(source)
    try:
        closing: str | None = None  # the delimiter that ends the entry being left out
        depth = 0
        drop_blank = False
        wrote = False
        for number, line in _whole_lines(read_lines(handle, source, ignore_problem)):
            if closing is not None:
                end, depth = _entry_end(line, 0, closing, depth)
                if end is None:
                    continue
                closing, line, drop_blank = None, line[end:], True
                if not line.strip():
                    continue
            elif number in rewritten and (match := _ENTRY_AT_RE.search(line)) is not None:
                closer = ")" if match.group(1) == "(" else "}"
                end, depth = _entry_end(line, match.end(), closer, 0 if closer == ")" else 1)
                head = line[:match.start()]
                drop_blank = True
                if end is None:
                    closing = closer
                    line = head
                else:
                    line = head + line[end:]
                if not line.strip():
                    continue
            elif drop_blank and not line.strip():
                drop_blank = False
                continue
            drop_blank = False
            wrote = True
            yield line + "\n"
        if wrote:
            yield "\n"
    finally:
        handle.close()


def _whole_lines(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Numbered lines with the pieces of a very long line joined again (pieces share a number)."""
    number = 0
    parts: list[str] = []
    for current, text in lines:
        if parts and current != number:
            yield number, "".join(parts)
            parts = []
        number = current
        parts.append(str(text))
    if parts:
        yield number, "".join(parts)


def _entry_end(line: str, start: int, closing: str, depth: int) -> tuple[int | None, int]:
    """Where in ``line`` (from ``start``) the entry ends, just past its closing delimiter, and the
    brace depth reached; None when it goes on past the line. ``depth`` counts braces, and
    the entry's own ``{`` when it opened with one."""
    for index in range(start, len(line)):
        char = line[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if closing == "}" and depth <= 0:
                return index + 1, 0
        elif char == ")" and closing == ")" and depth <= 0:
            return index + 1, 0
    return None, depth
