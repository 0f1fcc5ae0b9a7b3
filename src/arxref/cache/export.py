"""``arxref cache export``: one API-layout Atom feed file per cached paper.

A paper stored from the API is written with its own raw ``<entry>``; one from the
snapshot (or from code) gets an entry rendered from its fields, so every file is
a feed that ``cache import`` and ``parse_feed`` read back.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from ..atomic import remove_stale_temps, write_atomically_many
from ..errors import ArxrefError, UsageError
from ..model import Paper
from ..paths import OutputGuard, cache_files
from .rows import COLUMN_LIST, as_row, now, row_to_paper

if TYPE_CHECKING:
    from .store import Cache

_UNSAFE_NAME_RE = re.compile(r"[^A-Za-z0-9._-]")


def export_name(arxiv_id: str) -> str:
    """A file name for an id that cannot leave the export directory.

    ``hep-th/9901001`` -> ``hep-th_9901001.xml``; anything but letters, digits,
    ``.``, ``_`` and ``-`` becomes ``_``, and leading dots are dropped (no ``..``,
    no hidden files, no absolute paths, no NUL).
    """
    name = _UNSAFE_NAME_RE.sub("_", arxiv_id.replace("/", "_")).lstrip(".")[:200]
    return (name or "paper") + ".xml"


def export_atom(cache: "Cache", directory: str | os.PathLike[str]) -> int:
    """Write one Atom feed file per paper of ``cache`` into ``directory``; returns the count."""
    from ..atom.render import render_entry, render_feed

    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"export target {directory} exists and is not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArxrefError(f"cannot create {directory}: {exc.strerror or exc}") from None
    _refuse_writing_over(cache.path, directory)
    remove_stale_temps(directory)  # what a killed export left, once for the whole directory
    used: set[str] = set()
    count = 0
    stamp = now()
    for paper, raw_format in _papers_with_format(cache):
        entry = paper.raw_entry if raw_format == "atom" and paper.raw_entry else render_entry(paper)
        name = export_name(paper.arxiv_id)
        stem, n = name[:-4], 1
        while name in used:
            n += 1
            name = f"{stem}-{n}.xml"
        used.add(name)
        text = render_feed(paper.arxiv_id, entry, paper.fetched_at or stamp)
        _write_file(directory, name, text.encode("utf-8"))
        count += 1
    return count


def _papers_with_format(cache: "Cache", batch: int = 1000) -> Iterator[tuple[Paper, str]]:
    """Every paper in rowid order, with how its raw entry is encoded (streams in batches)."""
    last = -1
    while True:
        with cache.reading("reading papers") as conn:
            rows = conn.execute(f"SELECT id, {COLUMN_LIST} FROM papers WHERE id > ? ORDER BY id LIMIT ?",
                                (last, batch)).fetchall()
            papers = [(row_to_paper(row), row.raw_format) for row in (as_row(values) for _, *values in rows)]
        if not rows:
            return
        yield from papers
        last = rows[-1][0]


def _refuse_writing_over(cache_path: Path, directory: Path) -> None:
    """UsageError, before anything is written, when the cache (or its journal) is a file of
    ``directory`` that an export file could replace: every export file name ends in ``.xml``.
    (A link there to the cache is harmless: the atomic replace swaps the link, not the file.)"""
    real_dir = os.path.realpath(directory)
    guard = OutputGuard(cache_path=cache_path)
    for path in cache_files(cache_path):
        real = os.path.realpath(path)
        if os.path.dirname(real) == real_dir and real.endswith(".xml"):
            guard.check(real, hint="export into another directory")


def _write_file(directory: Path, name: str, data: bytes) -> None:
    """Write atomically inside ``directory`` (replaces a symlink there, never follows it)."""
    if os.path.basename(name) != name or name in (".", "..") or "\0" in name:
        raise ArxrefError(f"refusing unsafe export file name {name!r}")
    target = directory / name
    try:
        _replace(target, data)
    except OSError as exc:
        raise ArxrefError(f"cannot write {target}: {exc.strerror or exc}") from None


def _replace(target: Path, data: bytes) -> None:
    """One small file replaced atomically, without fsync (the cache still holds it) and without
    a directory scan per file (export_atom scans once for stale temporary files)."""
    write_atomically_many([target], lambda streams: streams[0].write(data), binary=True, fsync=False,
                          clean_stale=False)
