"""Which files a scan reads and how: directory walking, opening, decoding into numbered lines.

Files are read line by line, so memory stays flat on huge dumps. Whatever goes
wrong with a file becomes one :class:`~arxref.scan.records.ScanProblem` or an
:class:`~arxref.errors.InputError`; it never stops the scan of the other files.
"""

from __future__ import annotations

import codecs
import io
import os
import stat
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from ..errors import InputError
from .records import Lines, ProblemHandler, ScanProblem

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


def open_file(source: str) -> io.BufferedReader:
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
    bad_line = 0
    number = 0
    try:
        for raw, continues in _pieces(handle):
            if continues:  # one piece of a very long line: same line number, no line end to strip
                if number == 0 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[3:]
                yield number + 1, raw.decode("utf-8", errors="replace")
                continue
            if number == 0 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                line = raw.decode("utf-8", errors="replace")
                if not bad_line:
                    bad_line = number + 1
                    report(ScanProblem(source, bad_line, "invalid UTF-8, undecodable bytes replaced by U+FFFD"))
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


#: Longest piece of a line handed to the scanners at once. A longer line (a 1 GiB one-line
#: dump) is cut at whitespace into pieces of about this size, so memory stays flat and no
#: id (which never contains whitespace) is cut in two.
LINE_PIECE = 4 << 20


def _pieces(handle: io.BufferedReader) -> Iterator[tuple[bytes, bool]]:
    """Lines as read, each with whether it is an unfinished piece of a longer line.

    A finished line is yielded whole with its line break (False); a line longer than
    LINE_PIECE comes as pieces cut after whitespace (True), its last piece as a finished line.
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
        cut = max(chunk.rfind(b" "), chunk.rfind(b"\t"))
        if cut <= 0:  # no whitespace at all: cut anywhere outside a UTF-8 sequence
            cut = len(chunk) - 1
            while cut > 0 and 0x80 <= chunk[cut] < 0xC0:
                cut -= 1
            if cut <= 0:  # not UTF-8 at all: any cut will do (decoding replaces the bytes)
                cut = len(chunk)
        else:
            cut += 1
        yield chunk[:cut], True
        carry = chunk[cut:]


def _read_utf16(handle: io.BufferedReader, source: str, report: ProblemHandler) -> Lines:
    text = io.TextIOWrapper(handle, encoding="utf-16", errors="replace", newline=None)
    try:
        for number, line in enumerate(text, 1):
            if "\ufffd" in line:
                report(ScanProblem(source, number, "invalid UTF-16, undecodable bytes replaced by U+FFFD"))
            yield number, line.rstrip("\n")
    finally:
        text.detach()
