"""One exception family for arxref; the CLI turns each into a one-line message and an exit code."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit status of every command: one table, relied on by users' scripts and CI jobs."""

    OK = 0
    PROBLEMS = 1
    """Something the user should fix: unresolved, not found, invalid, undefined citation, nothing read."""
    USAGE = 2
    """Bad option, missing path, impossible request."""
    UNVERIFIED = 3
    """arXiv (or the cache) could not answer, so results could not be verified; for
    ``zotero push``, also Zotero could not be reached."""
    CACHE = 4
    """The cache file is unusable (corrupt, unwritable, disk full): the message names it."""
    HANGUP = 129
    """SIGHUP (128 + 1, the terminal went away): cleaned up as for SIGTERM."""
    INTERRUPTED = 130
    """Ctrl-C, as shells report SIGINT."""
    TERMINATED = 143
    """SIGTERM (128 + 15): temporary files were removed, finished outputs kept."""


class ArxrefError(Exception):
    """Base of every error arxref raises on purpose (an expected failure, never a bug)."""

    exit_code: int = ExitCode.PROBLEMS


class UsageError(ArxrefError):
    """The user asked for something impossible (bad option value, missing path)."""

    exit_code: int = ExitCode.USAGE


class InvalidIdError(ArxrefError, ValueError):
    """A string is not a possible arXiv identifier (wrong shape, month 13, too early...)."""

    exit_code: int = ExitCode.USAGE

    def __init__(self, value: str, reason: str) -> None:
        self.value = value
        self.reason = reason
        super().__init__(f"invalid arXiv id {value!r}: {reason}")


class InputError(ArxrefError):
    """An input file could not be read or parsed; carries the file and line."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class CacheError(ArxrefError):
    """The cache file cannot be opened or written (read-only directory, full disk, corrupt file).

    Its own exit code: a broken cache is neither the user's citation (1) nor arXiv being down (3).
    """

    exit_code: int = ExitCode.CACHE


class VerifyError(ArxrefError):
    """arXiv could not be reached or answered garbage: data could not be *verified*.

    Distinct from "not found" (arXiv answered and does not know the id).
    """

    exit_code: int = ExitCode.UNVERIFIED


class OfflineError(VerifyError):
    """Network access was needed but --offline / ARXREF_OFFLINE forbids it."""
