"""Find every paper mentioned in input files: the first stage of arxref.

Inputs are whatever people paste or keep around: abstract dumps (``Abstract:``
lines), copied arXiv listings, copied arXiv search-result pages, LaTeX, Markdown,
BibTeX and plain text. Each becomes a stream of :class:`~arxref.model.Record`.

The scanner never stops on bad input. File-level trouble (binary, invalid
UTF-8, unreadable, broken .bib blocks, duplicate keys) is reported through an
``on_problem`` callback as a :class:`ScanProblem` (path, line, message; ``str()``
gives ``path[:line]: message``); id-level trouble (``arXiv:2313.00001``) is kept
on the record in ``Record.problems``.

Modules: :mod:`.files` (walking, decoding), :mod:`.listing` (arXiv dumps and the
sniffing among them), :mod:`.tex`, :mod:`.markdown`, :mod:`.bib`, :mod:`.records`
(shared helpers, plain text). A new input kind is a ``scan_<kind>(lines, source,
report)`` generator registered in ``_HANDLERS`` below.
"""

from __future__ import annotations

import os
import re
from itertools import chain
from typing import Callable, Iterable, Iterator

from ..errors import InputError
from ..model import Record
from .bib import scan_bib
from .files import SCAN_SUFFIXES, ScanStats, expand, open_file, read_lines
from .listing import scan_abstracts, scan_listing, scan_search_page, sniff
from .markdown import scan_markdown
from .records import Lines, ProblemHandler, ScanProblem, ignore_problem, invalid_problem, scan_plain_text
from .tex import document_bib_flavor, find_bib_files, scan_tex, strip_tex_comment

__all__ = [
    "SCAN_SUFFIXES", "ProblemHandler", "ScanProblem", "ScanStats", "document_bib_flavor", "find_bib_files",
    "invalid_problem",
    "scan_file", "scan_paths", "scan_text", "sniff", "strip_tex_comment",
]

_SUFFIX_KINDS = {".tex": "tex", ".ltx": "tex", ".bbl": "tex", ".md": "markdown", ".markdown": "markdown",
                 ".bib": "bib"}
#: How much of a file without a telling suffix is read to decide its kind.
_SNIFF_LINES = 64
_SNIFF_BYTES = 1 << 20
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")

_HANDLERS: dict[str, Callable[[Lines, str, ProblemHandler], Iterator[Record]]] = {
    "abstract": scan_abstracts,
    "listing": scan_listing,
    "search_page": scan_search_page,
    "tex": scan_tex,
    "markdown": scan_markdown,
    "bib": scan_bib,
    "text": scan_plain_text,
}


def scan_text(text: str, source: str = "<text>", kind: str | None = None,
              on_problem: ProblemHandler | None = None) -> list[Record]:
    """Every record in ``text``; ``kind`` forces a format, else the suffix of ``source`` or the content decides."""
    lines = enumerate(_LINE_BREAK_RE.split(text), 1)
    return list(_scan_lines(lines, source, kind, on_problem or ignore_problem))


def scan_file(path: str | os.PathLike[str], kind: str | None = None, *,
              on_problem: ProblemHandler | None = None) -> Iterator[Record]:
    """Stream the records of one file.

    Raises InputError when the file cannot be scanned at all (missing, unreadable,
    binary); recoverable trouble (invalid UTF-8, broken .bib blocks) goes to ``on_problem``.
    """
    source = os.fspath(path)
    report = on_problem or ignore_problem
    handle = open_file(source)
    try:
        lines = read_lines(handle, source, report)
        first = next(lines, None)
        if first is None:
            report(ScanProblem(source, None, "empty file"))
            return
        yield from _scan_lines(chain([first], lines), source, kind, report)
    finally:
        handle.close()


def scan_paths(paths: Iterable[str | os.PathLike[str]], on_problem: ProblemHandler | None = None,
               stats: ScanStats | None = None) -> Iterator[Record]:
    """Stream the records of files and directories (walked recursively, in sorted order).

    Directories contribute files with a suffix in SCAN_SUFFIXES; hidden entries
    (``.git``) are skipped and symlink loops are detected. Each bad file is
    reported once through ``on_problem`` and counted in ``stats``; the scan goes on.
    """
    stats = stats if stats is not None else ScanStats()

    def report(problem: ScanProblem) -> None:
        stats.problems.append(problem)
        if on_problem is not None:
            on_problem(problem)

    for path in expand(paths, report):
        try:
            yield from scan_file(path, on_problem=report)
        except InputError as exc:
            stats.files_failed += 1
            report(ScanProblem.from_error(exc))
        else:
            stats.files_scanned += 1


def _scan_lines(lines: Lines, source: str, kind: str | None, report: ProblemHandler) -> Iterator[Record]:
    """The records of numbered lines, by the scanner ``kind`` names (else the suffix, else :func:`sniff`)."""
    if kind is None:
        kind = _SUFFIX_KINDS.get(os.path.splitext(source)[1].lower())
    if kind is None:
        head: list[tuple[int, str]] = []
        size = 0
        for item in lines:
            head.append(item)
            size += len(item[1])
            if len(head) >= _SNIFF_LINES or size >= _SNIFF_BYTES:
                break
        kind = sniff([line for _, line in head])
        lines = chain(head, lines)
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise ValueError(f"unknown record kind {kind!r}; expected one of {sorted(_HANDLERS)}")
    return handler(lines, source, report)
