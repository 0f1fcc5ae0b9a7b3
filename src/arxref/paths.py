"""The user's paths: inputs that must exist, and outputs that must never be inputs.

Two rules every command keeps, checked before any work (or any network request):

* a path the user named that does not exist is a typo, not an empty input: a usage
  error (exit 2) naming it, so a CI job with a wrong path fails instead of passing;
* nothing arxref writes may replace one of the run's inputs (after following
  symbolic links; a directory's inputs are the files the scan reads in it) or the
  cache it reads: ``export refs.bib -o . --name refs`` would otherwise turn the
  user's own bibliography, with its comments and non-arXiv entries, into arxref's.
  Updating a .bib in place, keeping it, is what ``arxref sync`` is for.

Files are compared by identity (device and inode), so a symbolic or hard link to
an input, or a different spelling of its path, is caught too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO, Callable, Iterable, Sequence

from .errors import UsageError

#: What the refusal suggests instead.
SYNC_HINT = ("to update a .bib in place, keeping its comments and entries, use `arxref sync`, "
             "or choose another -o/--name")


def require_existing(paths: Iterable[str | os.PathLike[str]]) -> None:
    """UsageError naming every path that does not exist (a broken symbolic link counts as missing)."""
    missing = []
    for raw in paths:
        path = os.fspath(raw)
        if not os.path.exists(path):
            why = "broken symbolic link" if os.path.islink(path) else "no such file or directory"
            missing.append(f"{path}: {why}")
    if missing:
        raise UsageError("; ".join(missing))


def _identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """(device, inode) of the file ``path`` leads to, or None when there is none (yet)."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def cache_files(cache_path: str | os.PathLike[str]) -> list[Path]:
    """The cache file and the companions SQLite keeps beside it."""
    path = Path(cache_path)
    return [path] + [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


class OutputGuard:
    """Knows the run's inputs and refuses any output that is one of them.

    The inputs are walked only when an output that already exists is asked about
    (a new file cannot be an input), and then once. ``files`` lists the files read
    from the inputs (default: what a scan reads, :func:`arxref.scan.files.expand`).
    """

    def __init__(self, inputs: Sequence[str | os.PathLike[str]] = (),
                 cache_path: str | os.PathLike[str] | None = None,
                 files: Callable[[Sequence[str | os.PathLike[str]]], Iterable[str]] | None = None) -> None:
        self._inputs = list(inputs)
        self._files = files
        self._cache = cache_files(cache_path) if cache_path is not None else []
        self._known: dict[tuple[int, int], tuple[str, bool]] | None = None

    def _read_files(self) -> dict[tuple[int, int], tuple[str, bool]]:
        """Identity -> (path, is the cache) for the cache files and every file the scan reads."""
        if self._known is None:
            known: dict[tuple[int, int], tuple[str, bool]] = {}
            for path in self._cache:
                ident = _identity(path)
                if ident is not None:
                    known.setdefault(ident, (str(path), True))
            for name in self._list_files():
                ident = _identity(name)
                if ident is not None:
                    known.setdefault(ident, (name, False))
            self._known = known
        return self._known

    def _list_files(self) -> Iterable[str]:
        if self._files is not None:
            return self._files(self._inputs)
        from .scan.files import expand

        return expand(self._inputs, lambda problem: None)  # the files the scan reads

    def check(self, target: str | os.PathLike[str], hint: str = SYNC_HINT) -> None:
        """UsageError when writing ``target`` would replace an input or the cache; ``hint`` says what to do."""
        self._refuse(_identity(target), os.fspath(target), hint)

    def check_stream(self, stream: IO[bytes], shown: str = "stdout",
                     hint: str = "send the output to another file") -> None:
        """UsageError when ``stream`` is one of the input files (``export refs.bib -o - >> refs.bib``)."""
        try:
            info = os.fstat(stream.fileno())
        except (AttributeError, OSError, ValueError):  # no descriptor (a buffer): not a file of ours
            return
        if stat.S_ISREG(info.st_mode):
            self._refuse((info.st_dev, info.st_ino), shown, hint)

    def _refuse(self, ident: tuple[int, int] | None, shown: str, hint: str) -> None:
        if ident is None:
            return
        known = self._read_files().get(ident)
        if known is None:
            return
        path, is_cache = known
        if is_cache:
            why = f"it is the cache file {path}"
        else:
            why = "it is an input of this run" + ("" if path == shown else f" ({path})")
        raise UsageError(f"refusing to write {shown}: {why}. arxref never writes over an input: {hint}")

    def check_all(self, targets: Iterable[str | os.PathLike[str]], hint: str = SYNC_HINT) -> None:
        for target in targets:
            self.check(target, hint)
