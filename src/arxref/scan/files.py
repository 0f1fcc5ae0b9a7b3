"""Which files a scan reads and how: directory walking, opening, decoding into numbered lines.

Files are read line by line, so memory stays flat on huge dumps. Whatever goes
wrong with a file becomes one :class:`~arxref.scan.records.ScanProblem` or an
:class:`~arxref.errors.InputError`; it never stops the scan of the other files.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from ..errors import InputError
from .records import Lines, ProblemHandler, ScanProblem, placed

#: File suffixes scanned when a directory is walked (a file named explicitly is always scanned).
SCAN_SUFFIXES = frozenset({".txt", ".text", ".tex", ".ltx", ".md", ".markdown", ".bib", ".rst"})
_BINARY_PROBE = 8192


@dataclass
class ScanStats:
    """What :func:`~arxref.scan.scan_paths` did, for callers that need an exit status."""

    files_scanned: int = 0
    files_failed: int = 0
    problems: list[ScanProblem] = field(default_factory=list)


def expand(paths: Iterable[str | os.PathLike[str]], report: ProblemHandler) -> Iterator[str]:
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
            report(ScanProblem(entry.path, None, "symlink loop, skipped"))
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
        report(ScanProblem(directory, None, f"cannot list directory: {exc.strerror or exc}"))
        return None


#: Why a path that is no regular file is not read: opening a FIFO blocks forever, a device never ends.
NOT_REGULAR = "not a regular file (FIFO, socket or device)"


def open_file(source: str, skipped: str = ", skipped") -> io.BufferedReader:
    """Open a regular file for binary reading, turning OS errors into one clear InputError.

    ``skipped`` ends the message for a FIFO, socket or device (the scan goes on without it).
    """
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
        raise InputError(source, None, NOT_REGULAR + skipped)
    try:
        return open(source, "rb")  # noqa: SIM115 - closed by scan_file
    except OSError as exc:
        raise InputError(source, None, f"cannot read: {exc.strerror or exc}") from None


def read_bytes(source: str | os.PathLike[str]) -> bytes:
    """A whole file (a bibliography read for its keys), as :func:`open_file` opens it:
    InputError for a FIFO (which would block forever), a device (endless) or an unreadable file."""
    path = os.fspath(source)
    with open_file(path, skipped="") as handle:
        try:
            return handle.read()
        except OSError as exc:
            raise InputError(path, None, f"read failed: {exc.strerror or exc}") from None


def document_lines(source: str | os.PathLike[str]) -> Lines:
    """A document's numbered lines as the scan reads them, for the callers that look in it for a
    few commands (the bibliographies it names, the bib flavor): regular files only, and memory
    stays flat however big the file. InputError (when iterated) if it cannot be read; decoding
    trouble is not reported here (the scan of the file reports it)."""
    path = os.fspath(source)
    with open_file(path, skipped="") as handle:
        yield from read_lines(handle, path, lambda problem: None)


def read_lines(handle: io.BufferedReader, source: str, report: ProblemHandler) -> Lines:
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
    lines = _Numbering(source, report)
    number = 0  # kept in a local on the common path (this loop runs once per line)
    long_line = False  # the line read last goes on in the next piece
    try:
        for raw, continues in _pieces(handle):
            if number == 0 and not long_line and raw.startswith(codecs.BOM_UTF8):
                raw = raw[3:]
            if continues or long_line:
                if not long_line:
                    lines.number = lines.first = number
                yield from lines.piece(raw, continues)
                number, long_line = lines.number, continues
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                line = lines.undecodable(raw, number + 1)
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


class _Numbering:
    """Line numbers, and the place in a very long line that comes in pieces."""

    def __init__(self, source: str, report: ProblemHandler) -> None:
        self.source = source
        self.report = report
        self.number = 0  # lines finished so far
        self.offset = 0  # characters of the unfinished line already handed on
        self.first = 0  # lines finished before the line now read in pieces began
        self.bad_line = 0
        self.after_cr = False  # the last piece ended with a CR: a LF starting the next one is its CRLF

    def undecodable(self, raw: bytes, line: int) -> str:
        """The text with U+FFFD for bad bytes; reported once per file, at ``line``.

        ``line`` is where the bytes read at once begin (with old Mac line ends, the
        first of the lines they hold), whether they came whole or in pieces.
        """
        if not self.bad_line:
            self.bad_line = line
            self.report(ScanProblem(self.source, line, "invalid UTF-8, undecodable bytes replaced by U+FFFD"))
        return raw.decode("utf-8", errors="replace")

    def piece(self, raw: bytes, continues: bool) -> Lines:
        """A piece of a long line (``continues``: more of the line follows), as the general case of read_lines.

        A later piece is a :class:`LinePiece` that knows its column offset; a CR inside
        (old Mac line ends) still ends a line.
        """
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = self.undecodable(raw, self.first + 1)
        if self.after_cr:
            self.after_cr = False
            if text.startswith("\n"):  # a CRLF cut between its two bytes ended one line, not two
                text = text[1:]
                if not text and not continues:
                    return
        if continues:
            self.after_cr = text.endswith("\r")
        else:
            text = text.rstrip("\n")
            if text.endswith("\r"):
                text = text[:-1]
        parts = text.split("\r")
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part or not (last and continues):  # an empty tail of a piece is not a line
                yield self.number + 1, placed(part, self.offset)
            if last and continues:
                self.offset += len(part)
            else:
                self.number += 1
                self.offset = 0


#: Longest piece of a line handed to the scanners at once. A longer line (a 1 GiB one-line
#: dump) is cut into pieces of about this size, so memory stays flat; see :func:`_cut`.
LINE_PIECE = 4 << 20
#: A cut has no digit this close on either side when it can: then no id, and nothing an id's
#: checks look at (``arXiv: 2107.03374``, ``room 1203.4567``, ``2107.0337 ms``), spans it.
_CLEARANCE = 80
#: How far back from a piece's end such a cut is looked for.
_CUT_SEARCH = 1 << 16
_CLEAR_RUN_RE = re.compile(rb"[^0-9]{%d,}" % (2 * _CLEARANCE + 1))
_NOT_IN_IDS_RE = re.compile(rb"[^A-Za-z0-9./:+_\-\x80-\xff][A-Za-z0-9./:+_\-\x80-\xff]*\Z")


def _pieces(handle: io.BufferedReader) -> Iterator[tuple[bytes, bool]]:
    """Lines as read, each with whether it is an unfinished piece of a longer line.

    A finished line is yielded whole with its line break (False); a line longer than
    LINE_PIECE comes as pieces (True) cut by :func:`_cut`, its last piece as a finished line.
    """
    carry = b""
    while True:
        chunk = handle.readline(LINE_PIECE)
        if not chunk:
            if carry:
                yield carry, False
            return
        chunk = carry + chunk
        carry = b""
        if chunk.endswith(b"\n") or len(chunk) < LINE_PIECE:
            yield chunk, False
            continue
        cut = _cut(chunk)
        yield chunk[:cut], True
        carry = chunk[cut:]


def _cut(chunk: bytes) -> int:
    """Where to end a piece of a long line: the best of these found nearest the end.

    1. after a blank with no digit within _CLEARANCE bytes either side: ids are found
       exactly as in the whole line (the usual case: prose between ids);
    2. after any blank: no id is cut (ids hold no blanks);
    3. after a byte no id or URL holds (``,`` ``;`` ``)``...);
    4. between two UTF-8 characters.
    """
    start = max(0, len(chunk) - _CUT_SEARCH)
    clear = None
    for clear in _CLEAR_RUN_RE.finditer(chunk, start):
        pass  # the last digit-free run of the tail
    if clear is not None:
        blank = max(chunk.rfind(b" ", clear.start() + _CLEARANCE, clear.end() - _CLEARANCE),
                    chunk.rfind(b"\t", clear.start() + _CLEARANCE, clear.end() - _CLEARANCE))
        if blank >= 0:
            return blank + 1
    blank = max(chunk.rfind(b" "), chunk.rfind(b"\t"))
    if blank > 0:
        return blank + 1
    other = _NOT_IN_IDS_RE.search(chunk, start)
    if other is not None and other.start() > 0:
        return other.start() + 1
    cut = len(chunk) - 1
    while cut > 0 and 0x80 <= chunk[cut] < 0xC0:
        cut -= 1
    return cut if cut > 0 else len(chunk)  # not UTF-8 at all: any cut will do (decoding replaces)


def _read_utf16(handle: io.BufferedReader, source: str, report: ProblemHandler) -> Lines:
    text = io.TextIOWrapper(handle, encoding="utf-16", errors="replace", newline=None)
    try:
        for number, line in enumerate(text, 1):
            if "\ufffd" in line:
                report(ScanProblem(source, number, "invalid UTF-16, undecodable bytes replaced by U+FFFD"))
            yield number, line.rstrip("\n")
    finally:
        text.detach()
