"""One exception family for arxref; the CLI turns each into a one-line message and an exit code."""

from __future__ import annotations


class ArxrefError(Exception):
    """Base of every error arxref raises on purpose (an expected failure, never a bug)."""

    exit_code = 1


class UsageError(ArxrefError):
    """The user asked for something impossible (bad option value, missing path)."""

    exit_code = 2


class InvalidIdError(ArxrefError, ValueError):
    """A string is not a possible arXiv identifier (wrong shape, month 13, too early...)."""

    exit_code = 2

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
    """The cache file cannot be opened or written (read-only directory, full disk, corrupt file)."""

    exit_code = 3


class VerifyError(ArxrefError):
    """arXiv could not be reached or answered garbage: data could not be *verified*.

    Distinct from "not found" (arXiv answered and does not know the id).
    """

    exit_code = 3


class OfflineError(VerifyError):
    """Network access was needed but --offline / ARXREF_OFFLINE forbids it."""
