"""Find every paper mentioned in input files: the first stage of arxref.

Inputs are whatever people paste or keep around: abstract dumps (``Abstract:``
lines), copied arXiv listings, copied arXiv search-result pages, LaTeX, Markdown,
BibTeX and plain text. Each becomes a stream of :class:`~arxref.model.Record`.

The scanner never stops on bad input. File-level trouble (binary, invalid
UTF-8, unreadable, broken .bib blocks, duplicate keys) is reported through an
``on_problem`` callback as ONE string ``path[:line]: message``; id-level trouble
(``arXiv:2313.00001``) is kept on the record in ``Record.problems``.

Files are read line by line, so memory stays flat on huge dumps: only the
current line (and, for a .bib, the current block) is held.
"""

from __future__ import annotations

import codecs
import io
import logging
import os
import re
import stat
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Callable, Iterable, Iterator

from . import ids
from .errors import InputError
from .model import Record

#: Receives one ``path[:line]: message`` line per problem with a file.
ProblemHandler = Callable[[str], None]

#: File suffixes scanned when a directory is walked (a file named explicitly is always scanned).
SCAN_SUFFIXES = frozenset({".txt", ".text", ".tex", ".ltx", ".md", ".markdown", ".bib", ".rst"})
_SUFFIX_KINDS = {".tex": "tex", ".ltx": "tex", ".bbl": "tex", ".md": "markdown", ".markdown": "markdown",
                 ".bib": "bib"}
#: Kinds decided by looking at the content of a file that is not .tex/.md/.bib.
_SNIFF_LINES = 64
_SNIFF_BYTES = 1 << 20
_BINARY_PROBE = 8192
_SNIPPET = 300


def _ignore(_: str) -> None:
    """Default problem handler: problems are dropped."""


@dataclass
class ScanStats:
    """What :func:`scan_paths` did, for callers that need an exit status."""

    files_scanned: int = 0
    files_failed: int = 0
    problems: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- public API

_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")


def scan_text(text: str, source: str = "<text>", kind: str | None = None,
              on_problem: ProblemHandler | None = None) -> list[Record]:
    """Every record in ``text``; ``kind`` forces a format, else the suffix of ``source`` or the content decides."""
    lines = enumerate(_LINE_BREAK_RE.split(text), 1)
    return list(_scan_lines(lines, source, kind, on_problem or _ignore))


def scan_file(path: str | os.PathLike[str], kind: str | None = None, *,
              on_problem: ProblemHandler | None = None) -> Iterator[Record]:
    """Stream the records of one file.

    Raises InputError when the file cannot be scanned at all (missing, unreadable,
    binary); recoverable trouble (invalid UTF-8, broken .bib blocks) goes to ``on_problem``.
    """
    source = os.fspath(path)
    report = on_problem or _ignore
    handle = _open(source)
    try:
        lines = _read_lines(handle, source, report)
        first = next(lines, None)
        if first is None:
            report(f"{source}: empty file")
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

    def report(message: str) -> None:
        stats.problems.append(message)
        if on_problem is not None:
            on_problem(message)

    for path in _expand(paths, report):
        try:
            yield from scan_file(path, on_problem=report)
        except InputError as exc:
            stats.files_failed += 1
            report(str(exc))
        else:
            stats.files_scanned += 1


# --------------------------------------------------------------------------- files and directories


def _expand(paths: Iterable[str | os.PathLike[str]], report: ProblemHandler) -> Iterator[str]:
    """Files to scan, in order: named files as given, directories walked."""
    visited: set[str] = set()
    for raw in paths:
        path = os.fspath(raw)
        if os.path.isdir(path):
            yield from _walk(path, visited, report)
        else:
            yield path  # missing or odd files are reported when opened


def _walk(root: str, visited: set[str], report: ProblemHandler) -> Iterator[str]:
    """Files under ``root`` in sorted order (``a/x``, ``b/y``, ``c``); each real directory is entered once."""
    real_root = os.path.realpath(root)
    visited.add(real_root)
    stack: list[tuple[Iterator[os.DirEntry[str]], tuple[str, ...]]] = []
    listing = _list_dir(root, report)
    if listing is not None:
        stack.append((listing, (real_root,)))
    while stack:
        entries, ancestors = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if not is_dir:
            if os.path.splitext(entry.name)[1].lower() in SCAN_SUFFIXES:
                yield entry.path
            continue
        real = os.path.realpath(entry.path)
        if real in ancestors:
            report(f"{entry.path}: symlink loop, skipped")
        elif real not in visited:  # else reached again through another symlink: already scanned
            visited.add(real)
            sub = _list_dir(entry.path, report)
            if sub is not None:
                stack.append((sub, ancestors + (real,)))


def _list_dir(directory: str, report: ProblemHandler) -> Iterator[os.DirEntry[str]] | None:
    try:
        with os.scandir(directory) as found:
            return iter(sorted(found, key=lambda e: e.name))
    except OSError as exc:
        report(f"{directory}: cannot list directory: {exc.strerror or exc}")
        return None


def _open(source: str) -> io.BufferedReader:
    """Open for binary reading, turning OS errors into one clear InputError."""
    try:
        info = os.stat(source)
    except FileNotFoundError:
        raise InputError(source, None, "no such file or directory" if not os.path.islink(source)
                         else "broken symbolic link") from None
    except OSError as exc:
        raise InputError(source, None, f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(source, None, "is a directory")
    if not stat.S_ISREG(info.st_mode):
        # opening a FIFO would block forever; sockets and devices are not documents
        raise InputError(source, None, "not a regular file (FIFO, socket or device), skipped")
    try:
        return open(source, "rb")  # noqa: SIM115 - closed by scan_file
    except OSError as exc:
        raise InputError(source, None, f"cannot read: {exc.strerror or exc}") from None


def _read_lines(handle: io.BufferedReader, source: str, report: ProblemHandler) -> Iterator[tuple[int, str]]:
    """Decoded lines without their line break, numbered from 1.

    UTF-8 (with or without BOM) line by line; UTF-16 with a BOM through a text
    wrapper; NUL bytes without a BOM mean a binary file (InputError).
    Invalid UTF-8 is replaced (U+FFFD) and reported once, with its first line.
    """
    try:
        head = handle.peek(_BINARY_PROBE)[:_BINARY_PROBE]
    except OSError as exc:
        raise InputError(source, None, f"cannot read: {exc.strerror or exc}") from None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        yield from _read_utf16(handle, source, report)
        return
    if b"\x00" in head:
        raise InputError(source, None, "binary file (not text), skipped")
    bad_line = 0
    number = 0
    try:
        for raw in handle:
            if number == 0 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                line = raw.decode("utf-8", errors="replace")
                if not bad_line:
                    bad_line = number + 1
                    report(f"{source}:{number + 1}: invalid UTF-8, undecodable bytes replaced by U+FFFD")
            line = line.rstrip("\n")
            if line.endswith("\r"):
                line = line[:-1]
            if "\r" not in line:
                number += 1
                yield number, line
                continue
            # old Mac (CR-only) line ends: each CR ends a line, as editors count them
            for part in line.split("\r"):
                number += 1
                yield number, part
    except OSError as exc:
        raise InputError(source, None, f"read failed: {exc.strerror or exc}") from None


def _read_utf16(handle: io.BufferedReader, source: str, report: ProblemHandler) -> Iterator[tuple[int, str]]:
    text = io.TextIOWrapper(handle, encoding="utf-16", errors="replace", newline=None)
    try:
        for number, line in enumerate(text, 1):
            if "\ufffd" in line:
                report(f"{source}:{number}: invalid UTF-16, undecodable bytes replaced by U+FFFD")
            yield number, line.rstrip("\n")
    finally:
        text.detach()


# --------------------------------------------------------------------------- format detection

Lines = Iterator[tuple[int, str]]


def _scan_lines(lines: Lines, source: str, kind: str | None, report: ProblemHandler) -> Iterator[Record]:
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


_SEARCH_HEADER_RE = re.compile(
    r"\s*(?:\d+\.\s*)?(?P<id>arxiv:\s?\S+?)\s*\[(?:pdf|ps|other|html|src)\b[^\]]*\](?P<rest>.*)$", re.IGNORECASE)
_ABSTRACT_LEAD_RE = re.compile(r"\s*(?:(?P<pre>\S[^\n]{0,80}?)\s*)?\babstract\s*:\s*", re.IGNORECASE)
_LEAD_ID_RE = re.compile(r"\s*arxiv:\s?(?:[a-z][a-z.-]*/\d{7}|\d{4}\.\d{4,5})", re.IGNORECASE)


_NUMBERING_RE = re.compile(r"[\[(]?\d{1,6}[.):\]]?")


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


# --------------------------------------------------------------------------- shared helpers


def invalid_problem(match: ids.IdMatch) -> str:
    """The Record.problems line for an impossible id."""
    return f"invalid arXiv id {match.id_text!r}: {match.problem}"


def _mentions(text: str | None, exclude: str | None = None) -> tuple[list[str], list[str]]:
    """Canonical ids written inside ``text`` (references, not the record's own id) and problems."""
    if not text:
        return [], []
    found: list[str] = []
    problems: list[str] = []
    for match in ids.find_ids(text):
        if match.arxiv_id is None:
            if match.explicit:
                problems.append(invalid_problem(match))
        elif match.arxiv_id.base != exclude and match.arxiv_id.base not in found:
            found.append(match.arxiv_id.base)
    return found, problems


def _snippet(line: str, start: int, end: int) -> str:
    """The line, or a window of it around [start, end) when the line is very long."""
    stripped = line.strip()
    if len(stripped) <= _SNIPPET:
        return stripped
    half = (_SNIPPET - (end - start)) // 2
    lo = max(0, start - half)
    return line[lo : lo + _SNIPPET].strip()


def _id_record(match: ids.IdMatch, source: str, number: int, kind: str, line: str,
               offset: int = 0, **extra: object) -> Record:
    """A record for one id found in a line (invalid ids give arxiv_id None and a problem)."""
    record = Record(source=source, line=number, kind=kind, column=offset + match.start + 1,
                    text=_snippet(line, offset + match.start, offset + match.end), **extra)  # type: ignore[arg-type]
    _set_id(record, match)
    return record


def _set_id(record: Record, match: ids.IdMatch) -> None:
    if match.arxiv_id is None:
        record.problems.append(invalid_problem(match))
        return
    record.arxiv_id = match.arxiv_id.base
    record.version = match.arxiv_id.version
    record.subject_class = match.arxiv_id.subject_class


def _plain_ids(lines: Lines, source: str, report: ProblemHandler) -> Iterator[Record]:
    """Plain text: every id mention is a record."""
    for number, line in lines:
        for match in ids.find_ids(line):
            yield _id_record(match, source, number, "text", line)


# --------------------------------------------------------------------------- abstract dumps and listings

#: Lines at least this long are abstracts, shorter ones are comments or noise.
_MIN_ABSTRACT = 200
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

    def abstract_line(self, number: int, line: str) -> Iterator[Record]:
        start = _abstract_start(line) if "bstract" in line[:120].lower() else None
        if start is not None:
            end, own = start
            text = line[end:].strip()
            if not text:
                self.empty_abstract = number
                return
            yield self.record(number, end + 1, text, [], own)
        elif self.empty_abstract is not None and line.strip():
            yield self.record(number, 1, line.strip(), [], None)
            self.empty_abstract = None
        else:
            for match in ids.find_ids(line):  # a stray line: only its ids count
                yield _id_record(match, self.source, number, "text", line)

    def listing_line(self, number: int, line: str) -> Iterator[Record]:
        stripped = line.strip()
        if not stripped:
            return
        match = ids.match_at(line, len(line) - len(line.lstrip())) if stripped[:6].lower() == "arxiv:" else None
        if match is not None:
            # the id closes the abstract above; what follows on the line opens the next one
            yield from self.close(match, number)
            rest = line[match.end:]
            if rest.strip():
                self.pending = _Pending(number, match.end + len(rest) - len(rest.lstrip()) + 1, rest.strip())
            return
        if self.pending is not None and not _is_abstract(stripped):
            self.pending.comments.append(stripped)
            return
        if _is_abstract(stripped):
            yield from self.close(None, number)
            self.pending = _Pending(number, len(line) - len(line.lstrip()) + 1, stripped)
            return
        for match in ids.find_ids(line):  # noise with an id in it
            yield _id_record(match, self.source, number, "text", line)

    def close(self, match: ids.IdMatch | None, number: int) -> Iterator[Record]:
        """Emit the pending abstract with ``match`` as its id (or a bare id record)."""
        pending, self.pending = self.pending, None
        if pending is None:
            if match is not None:  # an id line with no abstract above it: the record is only an id
                record = Record(source=self.source, line=number, kind=self.kind, column=match.start + 1)
                _set_id(record, match)
                yield record
            return
        yield self.record(pending.number, pending.column, pending.text, pending.comments, match)

    def finish(self) -> Iterator[Record]:
        yield from self.close(None, 0)

    def record(self, number: int, column: int, text: str, comments: list[str],
               own: ids.IdMatch | None) -> Record:
        comment = " ".join(comments) or None
        record = Record(source=self.source, line=number, kind=self.kind, text=text, column=column,
                        comment=comment)
        if own is not None:
            _set_id(record, own)
        mentions, problems = _mentions(text, record.arxiv_id)
        if comment:
            more, more_problems = _mentions(comment, record.arxiv_id)
            mentions += [m for m in more if m not in mentions]
            problems += more_problems
        record.mentions = mentions
        record.problems += problems
        return record


def _scan_abstracts(lines: Lines, source: str, report: ProblemHandler) -> Iterator[Record]:
    scanner = _DumpScanner(source, "abstract")
    for number, line in lines:
        yield from scanner.abstract_line(number, line)


def _scan_listing(lines: Lines, source: str, report: ProblemHandler) -> Iterator[Record]:
    scanner = _DumpScanner(source, "listing")
    for number, line in lines:
        yield from scanner.listing_line(number, line)
    yield from scanner.finish()


# --------------------------------------------------------------------------- arXiv search-result pages

_LABEL_RE = re.compile(r"(?:(authors?|abstract|comments?|journal[\s-]ref|doi|report[\s-]number|msc[\s-]class|"
                       r"acm[\s-]class)\s*:|(submitted|originally\s+announced)\b)\s*", re.IGNORECASE)
_MORE_LESS_RE = re.compile(r"\s*(?:\u2026\s*)?(?:\u25bd\s*More|\u25b3\s*Less)\s*", re.IGNORECASE)


def _clean_search_abstract(text: str) -> str:
    """The abstract without the page's ``▽ More`` / ``△ Less`` toggles (full text when both copies exist)."""
    more = re.search(r"\u2026?\s*\u25bd\s*More", text)
    if more and text[more.end():].strip():
        text = text[more.end():]  # short copy, then the expanded one
    return _MORE_LESS_RE.sub(" ", text).strip()


def _scan_search_page(lines: Lines, source: str, report: ProblemHandler) -> Iterator[Record]:
    current: Record | None = None
    field_name = ""  # which part of the current result the next plain line continues
    for number, line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        header = _SEARCH_HEADER_RE.match(line)
        if header:
            if current is not None:
                yield _finish_search(current)
            current = Record(source=source, line=number, kind="search_page",
                             column=header.start("id") + 1)
            match = next(ids.find_ids(header.group("id")), None)
            if match is None:
                current.problems.append(f"not an arXiv id: {header.group('id')!r}")
            else:
                _set_id(current, match)
            field_name = "title"
            continue
        if current is None:
            continue  # page furniture before the first result
        label = _LABEL_RE.match(stripped)
        if label:
            name = (label.group(1) or label.group(2)).lower()
            field_name = _store_search_field(current, name, stripped[label.end():])
            continue
        _append_search_field(current, field_name, stripped)
    if current is not None:
        yield _finish_search(current)


def _store_search_field(record: Record, name: str, value: str) -> str:
    if name.startswith("author"):
        record.authors = [a.strip() for a in value.split(",") if a.strip()]
        return "authors"
    if name == "abstract":
        record.text = value
        return "abstract"
    if name.startswith("comment"):
        record.comment = value
        return "comment"
    return ""  # submitted, journal ref...: not needed downstream


def _append_search_field(record: Record, name: str, value: str) -> None:
    """A plain line continues the part being read (titles and abstracts wrap)."""
    if name == "title":
        record.title = f"{record.title} {value}" if record.title else value
    elif name == "authors":
        record.authors += [a.strip() for a in value.split(",") if a.strip()]
    elif name == "abstract":
        record.text = f"{record.text} {value}" if record.text else value
    elif name == "comment":
        record.comment = f"{record.comment} {value}" if record.comment else value


def _finish_search(record: Record) -> Record:
    if record.text:
        record.text = _clean_search_abstract(record.text)
    mentions, problems = _mentions(" ".join(filter(None, [record.text, record.comment])), record.arxiv_id)
    record.mentions, record.problems = mentions, record.problems + problems
    return record


# --------------------------------------------------------------------------- LaTeX

_CITE_RE = re.compile(r"\\(?P<cmd>[A-Za-z]*[Cc]ite[A-Za-z]*)\*?")
_OPT_ARG_RE = re.compile(r"\s*\[[^\]]*\]")
_BRACE_ARG_RE = re.compile(r"\s*\{([^{}]*)\}")
_BIBITEM_RE = re.compile(r"\\bibitem\s*(?:\[[^\]]*\])?\s*\{([^}]*)\}")
_BIB_END_RE = re.compile(r"\\end\s*\{thebibliography\}")
_BIB_BEGIN_RE = re.compile(r"\\begin\s*\{thebibliography\}")
_VERBATIM_RE = re.compile(r"\\(begin|end)\s*\{(verbatim\*?|lstlisting|minted|comment)\}")
_TITLE_RE = re.compile(r"``(.+?)''|\"(.+?)\"|\\emph\{([^{}]+)\}|\\textit\{([^{}]+)\}|\{\\(?:em|it)\s+([^{}]+)\}")


def strip_tex_comment(line: str) -> str:
    """The line up to its first unescaped ``%`` (``\\%`` is a percent sign, ``\\\\%`` starts a comment)."""
    start = 0
    while True:
        index = line.find("%", start)
        if index < 0:
            return line
        backslashes = 0
        while index - backslashes - 1 >= 0 and line[index - backslashes - 1] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return line[:index]
        start = index + 1


def _cites(line: str) -> Iterator[tuple[str, int, int, int]]:
    """(key, column, span start, span end) for every key of every \\cite-like command in the line."""
    for command in _CITE_RE.finditer(line):
        pos = command.end()
        multi = command.group("cmd").endswith("cites")
        while True:
            opt = _OPT_ARG_RE.match(line, pos)
            while opt:
                pos = opt.end()
                opt = _OPT_ARG_RE.match(line, pos)
            arg = _BRACE_ARG_RE.match(line, pos)
            if not arg:
                break
            offset = arg.start(1)
            for part in arg.group(1).split(","):
                key = part.strip()
                if key and key != "*":
                    yield key, offset + part.index(key) + 1, command.start(), arg.end()
                offset += len(part) + 1
            pos = arg.end()
            if not multi:
                break


def _blank(line: str, spans: list[tuple[int, int]]) -> str:
    """The line with the spans replaced by spaces (columns stay right)."""
    for start, end in spans:
        line = line[:start] + " " * (end - start) + line[end:]
    return line


class _TexScanner:
    """LaTeX: citations, thebibliography items, and ids anywhere outside comments."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.in_bibliography = False
        self.verbatim = False
        self.item: Record | None = None
        self.item_text: list[str] = []
        self.carry = ""  # a \cite{ whose closing brace is on a later line
        self.carry_start = 0

    def line(self, number: int, raw: str) -> Iterator[Record]:
        fence = _VERBATIM_RE.search(raw)
        if self.verbatim:
            if fence and fence.group(1) == "end":
                self.verbatim = False
            return
        if fence and fence.group(1) == "begin" and fence.group(2).startswith("comment"):
            self.verbatim = True
            return
        line = strip_tex_comment(raw)
        if fence and fence.group(1) == "begin":
            self.verbatim = True
        if _BIB_BEGIN_RE.search(line):
            self.in_bibliography = True
        end = _BIB_END_RE.search(line)
        if self.in_bibliography:
            yield from self.bibliography_line(number, line if not end else line[:end.start()])
            if end:
                yield from self.close_item()
                self.in_bibliography = False
            return
        yield from self.body_line(number, line)

    def body_line(self, number: int, line: str) -> Iterator[Record]:
        spans = []
        for key, column, start, end in _cites(line):
            spans.append((start, end))
            yield Record(source=self.source, line=number, kind="tex", key=key, column=column, role="citation",
                         text=_snippet(line, column - 1, column - 1 + len(key)))
        text = _blank(line, spans) if spans else line
        for match in ids.find_ids(text):
            yield _id_record(match, self.source, number, "tex", line)

    def bibliography_line(self, number: int, line: str) -> Iterator[Record]:
        pos = 0
        for item in _BIBITEM_RE.finditer(line):
            self.add_text(line[pos:item.start()])
            yield from self.close_item()
            self.item = Record(source=self.source, line=number, kind="tex", key=item.group(1).strip(),
                               column=item.start() + 1)
            pos = item.end()
        self.add_text(line[pos:])

    def add_text(self, text: str) -> None:
        if self.item is not None and text.strip():
            self.item_text.append(text.strip())

    def close_item(self) -> Iterator[Record]:
        item, self.item = self.item, None
        if item is None:
            return
        text = " ".join(self.item_text)
        self.item_text = []
        item.text = text or None
        own = next((m for m in ids.find_ids(text) if m.arxiv_id), None)
        if own is None:
            own = next((m for m in ids.find_ids(text) if m.explicit), None)
        if own is not None:
            _set_id(item, own)
        mentions, problems = _mentions(text, item.arxiv_id)
        item.mentions = mentions
        item.problems += [p for p in problems if p not in item.problems]
        title = _TITLE_RE.search(text)
        if title:
            item.title = next(g for g in title.groups() if g).strip().rstrip(",.")
        yield item


def _scan_tex(lines: Lines, source: str, report: ProblemHandler) -> Iterator[Record]:
    scanner = _TexScanner(source)
    pending: tuple[int, str] | None = None
    for number, line in lines:
        if pending is not None:
            # a \cite{a,<newline> b} continues: join (bounded) and scan at the first line
            first, text = pending
            joined = text + " " + strip_tex_comment(line).strip()
            if _unclosed_cite(joined) and len(joined) < 4096:
                pending = (first, joined)
                continue
            pending = None
            yield from scanner.line(first, joined)
            continue
        if not scanner.in_bibliography and not scanner.verbatim and _unclosed_cite(strip_tex_comment(line)):
            pending = (number, strip_tex_comment(line))
            continue
        yield from scanner.line(number, line)
    if pending is not None:
        yield from scanner.line(*pending)
    yield from scanner.close_item()


_UNCLOSED_CITE_RE = re.compile(r"\\[A-Za-z]*[Cc]ite[A-Za-z]*\*?(?:\s*\[[^\]]*\])*\s*\{[^}]*$")


def _unclosed_cite(line: str) -> bool:
    return "ite" in line and bool(_UNCLOSED_CITE_RE.search(line))


# --------------------------------------------------------------------------- Markdown

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN_RE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_LINK_RE = re.compile(r"!?\[(?P<text>[^\]]*)\]\(\s*<?(?P<url>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_DEF_RE = re.compile(r"^ {0,3}\[(?P<label>[^\]]+)\]:\s*<?(?P<url>\S+?)>?(?:\s+[\"'(](?P<title>.*?)[\"')])?\s*$")
_HTML_COMMENT_RE = re.compile(r"<!--.*?-->")
_UNTITLED_RE = re.compile(r"^(?:here|link|this|pdf|abs|paper|preprint|arxiv|source|code|url|html|\W*)$", re.IGNORECASE)


def _link_title(text: str) -> str | None:
    """The link text when it reads like a title (not an id, a URL or 'here')."""
    text = re.sub(r"[*_]{1,3}", "", text).strip()
    if len(text) < 8 or _UNTITLED_RE.match(text) or "://" in text or next(ids.find_ids(text), None):
        return None
    return text


def _scan_markdown(lines: Lines, source: str, report: ProblemHandler) -> Iterator[Record]:
    fence: str | None = None
    for number, raw in lines:
        opening = _FENCE_RE.match(raw)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        line = _blank(raw, [m.span() for m in _CODE_SPAN_RE.finditer(raw)]) if "`" in raw else raw
        if "<!--" in line:
            line = _blank(line, [m.span() for m in _HTML_COMMENT_RE.finditer(line)])
        yield from _markdown_line(number, line, source)


def _markdown_line(number: int, line: str, source: str) -> Iterator[Record]:
    """Ids in one Markdown line; an id inside a link gets the link's text as title."""
    links: list[tuple[int, int, str | None]] = []  # span and title of each link
    ref = _REF_DEF_RE.match(line)
    if ref:
        links.append((0, len(line), ref.group("title") or None))
    elif "](" in line:
        links = [(m.start(), m.end(), _link_title(m.group("text"))) for m in _LINK_RE.finditer(line)]
    seen: set[tuple[int, str | None]] = set()
    for match in ids.find_ids(line):
        link = next((i for i, (start, end, _) in enumerate(links) if start <= match.start < end), None)
        marker = (link if link is not None else -1 - match.start,
                  match.arxiv_id.base if match.arxiv_id else match.raw)
        if marker in seen:
            continue  # [arXiv:X](https://arxiv.org/abs/X): one record
        seen.add(marker)
        title = links[link][2] if link is not None else None
        yield _id_record(match, source, number, "markdown", line, title=title)


# --------------------------------------------------------------------------- BibTeX

_ENTRY_START_RE = re.compile(r"^\s*@\s*(?P<type>[A-Za-z]+)\s*[{(]\s*(?P<key>[^,\s]*)")
_ID_FIELDS = ("eprint", "doi", "url", "journal", "volume", "note", "howpublished", "pages", "number")
_AND_SPLIT_RE = re.compile(r"\s+and\s+", re.IGNORECASE)
_MONTHS = {m: m for m in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")}
_BIB_CHUNK = 1 << 18


@contextmanager
def _quiet_bibtexparser() -> Iterator[None]:
    """bibtexparser logs each failed block; we report them ourselves, with the file name."""
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _bib_chunks(lines: Lines) -> Iterator[tuple[int, str]]:
    """(first line number, text) pieces of a .bib, cut only between blocks.

    A cut happens at a line starting with ``@`` when the braces so far balance,
    or when the open block is not a comment (a broken entry then fails alone).
    """
    buffer: list[str] = []
    first = size = depth = 0
    in_comment = False
    for number, line in lines:
        stripped = line.lstrip()
        if stripped.startswith("@") and (depth <= 0 or not in_comment):
            if buffer and size >= _BIB_CHUNK:
                yield first, "\n".join(buffer)
                buffer, size = [], 0
            depth = 0
            in_comment = stripped[1:].lstrip().lower().startswith("comment")
        if not buffer:
            first = number
        buffer.append(line)
        size += len(line) + 1
        depth += line.count("{") - line.count("}")
    if buffer:
        yield first, "\n".join(buffer)


def _expand_value(raw: str, strings: dict[str, str]) -> str:
    """A field value with enclosing braces/quotes removed and ``#`` concatenation of @string macros done."""
    parts = _split_concat(raw)
    out = []
    for part in parts:
        part = part.strip()
        if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
            out.append(part[1:-1])
        elif part.isdigit():
            out.append(part)
        else:
            out.append(strings.get(part.lower(), _MONTHS.get(part.lower(), part)))
    return "".join(out)


def _split_concat(raw: str) -> list[str]:
    """Split ``a # "b" # {c}`` at the ``#`` signs that are outside braces and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(raw):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(raw[start:index])
            start = index + 1
    parts.append(raw[start:])
    return parts


_COMMENT_START_RE = re.compile(r"@\s*comment\s*([{(])", re.IGNORECASE)


def _blank_bib_comments(text: str) -> str:
    """``@comment{...}`` blocks (brace-matched, as biber and JabRef read them) turned into spaces.

    bibtexparser ends a comment at the next line starting with ``@``, so an
    entry kept inside a comment would otherwise come back to life.
    Newlines stay, so line numbers do not move.
    """
    out = []
    pos = 0
    for start in _COMMENT_START_RE.finditer(text):
        if start.start() < pos:
            continue
        close = "}" if start.group(1) == "{" else ")"
        depth, index = 0, start.end() - 1
        end = len(text)
        while index < len(text):
            char = text[index]
            if char == start.group(1):
                depth += 1
            elif char == close:
                depth -= 1
                if depth == 0:
                    end = index + 1
                    break
            index += 1
        else:
            end = text.find("\n", start.start())  # unbalanced: only its first line is dropped
            end = len(text) if end < 0 else end
        out.append(text[pos:start.start()])
        out.append(re.sub(r"[^\n]", " ", text[start.start():end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _bib_error(error: Exception | None) -> str:
    """bibtexparser's reason for a failed block, in one line."""
    if error is None:
        return "syntax error"
    reason = getattr(error, "abort_reason", None) or getattr(error, "message", None) or str(error)
    first = reason.strip().splitlines()[0] if reason and reason.strip() else type(error).__name__
    return first


def _clean_bib_text(value: str) -> str:
    return " ".join(value.replace("{", "").replace("}", "").split())


class _BibScanner:
    """BibTeX through bibtexparser v2, one chunk of blocks at a time."""

    def __init__(self, source: str, report: ProblemHandler) -> None:
        self.source = source
        self.report = report
        self.strings: dict[str, str] = {}
        self.keys: dict[str, int] = {}

    def chunk(self, first: int, text: str) -> Iterator[Record]:
        import bibtexparser
        from bibtexparser import model

        if "@" in text and _COMMENT_START_RE.search(text):
            text = _blank_bib_comments(text)
        with _quiet_bibtexparser():
            library = bibtexparser.parse_string(text, parse_stack=[])
        for block in library.blocks:
            number = first + (block.start_line or 0)
            if isinstance(block, model.String):
                self.strings[block.key.lower()] = _expand_value(block.value, self.strings)
            elif isinstance(block, model.DuplicateBlockKeyBlock):
                entry = block.ignore_error_block
                if isinstance(entry, model.Entry):
                    yield self.entry(entry, number)
            elif isinstance(block, model.ParsingFailedBlock):
                yield from self.failed(block, number)
            elif isinstance(block, model.Entry):
                yield self.entry(block, number)

    def entry(self, entry: Any, number: int) -> Record:
        fields = {f.key.lower(): _expand_value(str(f.value), self.strings) for f in entry.fields}
        record = Record(source=self.source, line=number, kind="bib", key=entry.key,
                        entry_type=entry.entry_type.lower(), fields=fields)
        if entry.key in self.keys:
            message = f"duplicate key '{entry.key}' (first defined on line {self.keys[entry.key]})"
            record.problems.append(message)
            self.report(f"{self.source}:{number}: {message}")
        else:
            self.keys[entry.key] = number
        if "title" in fields:
            record.title = _clean_bib_text(fields["title"])
        if "author" in fields:
            record.authors = [_clean_bib_text(a) for a in _AND_SPLIT_RE.split(fields["author"].strip())
                              if a.strip() and a.strip().lower() != "others"]
        if "abstract" in fields:
            record.text = fields["abstract"]
        _bib_ids(record, fields)
        return record

    def failed(self, block: Any, number: int) -> Iterator[Record]:
        """Report a block bibtexparser could not read; keep any id written in it."""
        raw = block.raw or ""
        error = _bib_error(block.error)
        head = _ENTRY_START_RE.match(raw)
        match = next((m for m in ids.find_ids(raw) if m.explicit or m.arxiv_id), None)
        is_entry = head is not None and head.group("type").lower() not in ("comment", "string", "preamble")
        kept = "; only its arXiv id is kept" if is_entry and match is not None else "; skipped"
        self.report(f"{self.source}:{number}: entry could not be parsed ({error}){kept}")
        if head is None or match is None or not is_entry:
            return
        record = Record(source=self.source, line=number, kind="bib", key=head.group("key") or None,
                        entry_type=head.group("type").lower(),
                        problems=[f"entry could not be parsed: {error}"])
        _set_id(record, match)
        yield record


def _bib_ids(record: Record, fields: dict[str, str]) -> None:
    """The entry's own arXiv id from eprint/doi/url/journal/note..., and disagreements as problems."""
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().lower()
    found: list[tuple[str, ids.ArxivId]] = []
    for name in _ID_FIELDS:
        value = fields.get(name)
        if not value:
            continue
        if name == "eprint":
            if prefix and prefix != "arxiv":
                continue
            try:
                found.append((name, ids.parse(value)))
            except ids.InvalidIdError as exc:
                if prefix == "arxiv" or re.search(r"\d{4}\.\d|/\d{7}", value):
                    record.problems.append(f"invalid arXiv id {value.strip()!r}: {exc.reason}")
            continue
        for match in ids.find_ids(value):
            if match.arxiv_id is not None and (match.explicit or name == "doi"):
                found.append((name, match.arxiv_id))
            elif match.arxiv_id is None and match.explicit:
                record.problems.append(invalid_problem(match))
    if not found:
        return
    own = found[0][1]
    record.arxiv_id, record.version, record.subject_class = own.base, own.version, own.subject_class
    others = [(name, aid) for name, aid in found if aid.base != own.base]
    if others:
        record.mentions = list(dict.fromkeys(aid.base for _, aid in others))
        listed = ", ".join(f"{name} {aid.base}" for name, aid in [found[0], *others])
        record.problems.append(f"fields name different arXiv ids: {listed}")


def _scan_bib(lines: Lines, source: str, report: ProblemHandler) -> Iterator[Record]:
    scanner = _BibScanner(source, report)
    for first, text in _bib_chunks(lines):
        yield from scanner.chunk(first, text)


_HANDLERS: dict[str, Callable[[Lines, str, ProblemHandler], Iterator[Record]]] = {
    "abstract": _scan_abstracts,
    "listing": _scan_listing,
    "search_page": _scan_search_page,
    "tex": _scan_tex,
    "markdown": _scan_markdown,
    "bib": _scan_bib,
    "text": _plain_ids,
}
