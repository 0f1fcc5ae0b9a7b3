"""Bulk loading: Atom feeds and arXiv's JSON Lines snapshot into a :class:`Cache`, on two cores.

Streams files in chunked transactions (``synchronous=OFF`` while loading: kill-safe,
made durable by a checkpoint and fsync at the end). A helper process parses blocks
of lines while this one writes, and writing a chunk costs one UNIQUE-index probe per
new paper (insert first, merge only what conflicted: see :mod:`.merge`).
"""

from __future__ import annotations

import collections
import gzip
import json
import os
import re
import sqlite3
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from . import lines
from .rows import PaperRow, paper_row
from .schema import wal_pages

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .store import Cache

#: Rows per transaction during imports (a kill loses at most one chunk of work).
IMPORT_CHUNK = 10_000
#: Lines per parsing task (smaller than a chunk, so the two processes share work evenly).
PARSE_CHUNK = 2500
#: Tasks queued for the helper parsing process before this process parses one itself
#: (enough to keep it busy while this process writes a chunk).
HELPER_QUEUE = 8
#: WAL size at which an import checkpoints: small enough that the copy into the
#: database is spread over the import (beside the helper's parsing) instead of
#: all at its end, large enough that FTS pages rewritten by merges are copied once.
IMPORT_WAL_BYTES = 64 << 20
#: File name suffixes picked up when a directory is imported.
IMPORT_SUFFIXES = (".xml", ".atom", ".json", ".jsonl", ".ndjson")
#: Problems kept in an ImportReport (the rest are only counted).
MAX_PROBLEMS = 1000
_FEED_UPDATED_RE = re.compile(rb"<updated>\s*([^<]{10,40}?)\s*</updated>")


@dataclass
class ImportReport:
    """What an import did: papers written, files read, and one line per problem."""

    papers: int = 0
    """Records written (new papers, newer versions, or versions merged)."""
    records: int = 0
    """Records read (valid or not)."""
    files: int = 0
    problems: list[str] = field(default_factory=list)
    """``file:line: message`` (or ``file: message``) for each bad file or line (first MAX_PROBLEMS)."""
    unchanged: int = 0
    """Records identical to what the cache already held (nothing written)."""
    problem_count: int = 0
    """All problems, including those beyond the ones kept in ``problems``."""


def import_paths(cache: "Cache", paths: Iterable[str | os.PathLike[str]],
                 progress: Callable[[int], None] | None = None) -> ImportReport:
    """Load Atom feeds and snapshot JSON Lines (files or directories, gzip too) into ``cache``.

    The format is detected from the content. Bad files and lines are reported
    (``file:line: message``) and skipped; everything else is committed in
    chunks of :data:`IMPORT_CHUNK` records. ``progress`` gets the number of
    records read so far.
    """
    return _Importer(cache, progress).run(paths)


def bulk_mode(conn: sqlite3.Connection, on: bool) -> None:
    """Loading settings for this connection only (other processes keep their own).

    ``synchronous = OFF`` skips the fsync at each commit. That is safe against
    what an import must survive, the process being killed (even ``kill -9``):
    every committed page has been handed to the OS, which writes it out later.
    Only an OS crash or power cut during the import could lose or damage the
    last writes; afterwards ``NORMAL`` is restored, a checkpoint is run and
    the files are fsynced (:func:`_fsync_files`), so a finished import is
    durable. The WAL is checkpointed every :data:`IMPORT_WAL_BYTES` while loading.
    """
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        import_pages = max(1000, IMPORT_WAL_BYTES // page_size)
        settings = (("synchronous", "OFF"), ("wal_autocheckpoint", str(import_pages))) if on \
            else (("synchronous", "NORMAL"), ("wal_autocheckpoint", str(wal_pages(page_size))))
        for name, value in settings:
            conn.execute(f"PRAGMA {name} = {value}")
        if not on and not conn.in_transaction:
            # PASSIVE: never waits for other processes' readers (they may hold the WAL for long)
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.Error:  # a failed checkpoint only postpones the copy; the data is committed
        pass


class _Importer:
    """Streams files into the cache in chunked transactions and collects problems.

    A big snapshot is parsed by a helper process (JSON decoding and mapping are
    pure Python and hold the GIL) while this process writes the previous chunk
    (SQLite insert + FTS indexing). This process hands the helper whole blocks
    of lines (it only looks for newlines), and parses a block itself when it has
    nothing to write, so an import uses two cores whichever side is slower; at
    most :data:`HELPER_QUEUE` blocks are in flight, so memory stays bounded.
    """

    def __init__(self, cache: "Cache", progress: Callable[[int], None] | None) -> None:
        self.cache = cache
        self.progress = progress
        self.report = ImportReport()
        self.rows: list[PaperRow] = []
        self._pool: Any = None

    def run(self, paths: Iterable[str | os.PathLike[str]]) -> ImportReport:
        conn = self.cache.conn
        bulk_mode(conn, True)
        try:
            for path in map(Path, paths):
                if path.is_dir():
                    for found in _walk(path):
                        self._file(found, explicit=False)
                elif path.exists():
                    self._file(path, explicit=True)
                else:
                    self._problem(f"{path}: no such file or directory")
            self._flush()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
            bulk_mode(conn, False)
            _fsync_files(self.cache.path)
        return self.report

    def _problem(self, message: str) -> None:
        self.report.problem_count += 1
        if len(self.report.problems) < MAX_PROBLEMS:
            self.report.problems.append(message)

    def _flush(self) -> None:
        if self.rows:
            written, unchanged = self.cache.write_rows(self.rows)
            self.report.papers += written
            self.report.unchanged += unchanged
            self.rows = []
        if self.progress:
            self.progress(self.report.records)

    def _add(self, row: PaperRow) -> None:
        self.rows.append(row)
        if len(self.rows) >= IMPORT_CHUNK:
            self._flush()

    def _file(self, path: Path, explicit: bool) -> None:
        try:
            with open(path, "rb", buffering=1 << 20) as raw:
                compressed = raw.read(2) == b"\x1f\x8b"
                raw.seek(0)
                stream: Any = gzip.GzipFile(fileobj=raw) if compressed else raw
                skipped, first = _first_line(stream)
                kind = _sniff(first)
                if kind is None:
                    if explicit:
                        self._problem(f"{path}: neither an Atom feed nor a JSON Lines snapshot; skipped")
                    return
                self.report.files += 1
                if kind == "atom":
                    self._atom(path, first + stream.read())
                else:
                    self._jsonl(path, stream, first, skipped + 1)
        except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
            self._problem(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}")

    def _atom(self, path: Path, data: bytes) -> None:
        from ..atom import FeedError, parse_feed

        self.report.records += 1
        try:
            feed = parse_feed(data)
        except FeedError as exc:
            self._problem(f"{path}: {exc}")
            return
        if feed.api_error:
            self._problem(f"{path}: the feed is an arXiv API error: {feed.api_error}")
        fetched_at = _feed_updated(data)
        for paper in feed.papers:
            self._add(paper_row(paper, "atom", fetched_at))
        self.report.records += len(feed.papers) - 1

    def _jsonl(self, path: Path, stream: Any, first: bytes, first_number: int) -> None:
        """Parse in chunks: inline for a small file, shared with a helper process for a big one.

        This process only cuts the file into blocks of whole lines (one bytes
        object per chunk, no per-line work) and writes; the helper splits and
        parses them. Chunks are written in file order. The helper gets a chunk
        when it has fewer than :data:`HELPER_QUEUE` chunks queued; otherwise
        this process parses the chunk itself instead of waiting, so whichever
        side is faster (parsing or writing) never idles while the other is behind.
        """
        label = str(path)
        pending: collections.deque[Future[lines.Transfer]] = collections.deque()
        cut = None
        try:
            read_bytes = lines.GZIP_READ_BYTES if isinstance(stream, gzip.GzipFile) else lines.BLOCK_BYTES
            self._blocks(lines.line_blocks(stream, first, first_number, PARSE_CHUNK, self._long_line(label),
                                           read_bytes), label, pending)
        except lines.CutShort as exc:  # a download cut short: the lines before the cut are still imported
            cut = exc
        while pending:
            self._take(pending.popleft().result())
        if cut is not None:
            self._problem(f"{label}:{cut.number}: cannot read on ({cut.cause.__class__.__name__}: "
                          f"{getattr(cut.cause, 'strerror', None) or cut.cause}; a download cut short?); "
                          "the lines before it were imported")

    def _blocks(self, blocks: Iterator[tuple[int, bytes, int]], label: str,
                pending: collections.deque[Future[lines.Transfer]]) -> None:
        """Parse each block here or in the helper process (see :meth:`_jsonl`); ``pending``: parses not yet written."""
        parse = lines.parse_snapshot_block
        for number, block, count in blocks:
            pool = None
            if self._pool is not None or count >= PARSE_CHUNK or pending:
                pool = self._get_pool()
            if pool is None:  # small file (or its tail), or no processes available
                if pending:
                    pending.append(_done(parse(label, number, block)))
                else:
                    self._take(parse(label, number, block))
                continue
            while True:  # keep the helper fed, else write what is ready, else parse here
                if len(pending) >= 2 * HELPER_QUEUE:
                    self._take(pending.popleft().result())
                elif sum(not future.done() for future in pending) < HELPER_QUEUE:
                    pending.append(pool.submit(parse, label, number, block))
                    break
                elif pending[0].done():
                    self._take(pending.popleft().result())
                else:
                    pending.append(_done(parse(label, number, block)))
                    break

    def _long_line(self, label: str) -> Callable[[int], None]:
        def report(number: int) -> None:
            self.report.records += 1
            self._problem(f"{label}:{number}: line longer than {lines.MAX_LINE_BYTES >> 20} MiB; skipped")

        return report

    def _get_pool(self) -> Any:
        """One helper process, started on the first full chunk (None if processes are unavailable)."""
        if self._pool is None:
            try:
                from concurrent.futures import ProcessPoolExecutor

                self._pool = ProcessPoolExecutor(max_workers=1, initializer=_watch_parent, initargs=(os.getpid(),))
            except (OSError, ImportError, NotImplementedError):
                self._pool = False
        return self._pool or None

    def _take(self, parsed: lines.Transfer) -> None:
        rows, problems, records = lines.received(parsed)
        self.report.records += records
        for problem in problems:
            self._problem(problem)
        self.rows.extend(rows)
        while len(self.rows) >= IMPORT_CHUNK:  # whole chunks: a kill loses at most the one in flight
            rest = self.rows[IMPORT_CHUNK:]
            del self.rows[IMPORT_CHUNK:]
            self._flush()
            self.rows = rest


def _fsync_files(path: Path) -> None:
    """Flush the database and its WAL to disk (what ``synchronous = OFF`` skipped)."""
    for suffix in ("-wal", ""):
        try:
            fd = os.open(f"{path}{suffix}", os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


def _done(result: lines.Transfer) -> "Future[lines.Transfer]":
    """A finished Future holding ``result`` (a chunk this process parsed itself)."""
    from concurrent.futures import Future

    future: Future[lines.Transfer] = Future()
    future.set_result(result)
    return future


def _watch_parent(parent: int) -> None:
    """In the helper process: exit as soon as the importing process is gone (even after kill -9)."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="arxref-parent-watch", daemon=True).start()


def import_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[str]:
    """The files an import reads: named files as given, directories walked (as :meth:`_Importer.run` does)."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from map(str, _walk(path))
        else:
            yield str(path)


def _walk(root: Path) -> Iterator[Path]:
    """Importable files under a directory, in a stable order."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            lowered = name.lower()
            if lowered.endswith(".gz"):
                lowered = lowered[:-3]
            if lowered.endswith(IMPORT_SUFFIXES):
                yield Path(folder) / name


def _first_line(stream: Any) -> tuple[int, bytes]:
    """Skip leading blank lines; return how many were skipped and the first non-blank one."""
    skipped = 0
    while True:
        line = stream.readline(1 << 24)
        if not line or line.strip(b"\xef\xbb\xbf \t\r\n"):
            return skipped, line
        skipped += 1


def _sniff(first: bytes) -> str | None:
    """'atom' when the content starts with '<', 'jsonl' when its first line is a JSON object."""
    text = first.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return "atom"
    if text.startswith(b"{"):
        try:
            return "jsonl" if isinstance(json.loads(text), dict) else None
        except ValueError:
            return None
    return None


def _feed_updated(data: bytes) -> datetime | None:
    """The feed's own <updated> (the API sets it to the request time): when it was fetched."""
    head = data[: data.find(b"<entry")] if b"<entry" in data else data[:4096]
    match = _FEED_UPDATED_RE.search(head)
    if not match:
        return None
    try:
        value = datetime.fromisoformat(match.group(1).decode("ascii").replace("Z", "+00:00"))
    except (ValueError, UnicodeDecodeError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
