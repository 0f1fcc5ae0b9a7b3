"""arxref.errors: one exit-code table, and the exit code each error family maps to."""

from __future__ import annotations

import pytest

from arxref.errors import (
    ArxrefError,
    CacheError,
    ExitCode,
    InputError,
    InvalidIdError,
    OfflineError,
    UsageError,
    VerifyError,
)


def test_exit_code_values_are_the_documented_contract() -> None:
    """README: 0 success, 1 problems found, 2 usage error, 3 could not verify, 4 unusable cache; 129/130/143 signals."""
    assert [(code.name, int(code)) for code in ExitCode] == [
        ("OK", 0), ("PROBLEMS", 1), ("USAGE", 2), ("UNVERIFIED", 3), ("CACHE", 4), ("HANGUP", 129),
        ("INTERRUPTED", 130), ("TERMINATED", 143)]


@pytest.mark.parametrize("error, code", [
    (ArxrefError("x"), ExitCode.PROBLEMS),
    (InputError("a.txt", 3, "unreadable"), ExitCode.PROBLEMS),
    (UsageError("x"), ExitCode.USAGE),
    (InvalidIdError("2313.00001", "month 13"), ExitCode.USAGE),
    (CacheError("x"), ExitCode.CACHE),
    (VerifyError("x"), ExitCode.UNVERIFIED),
    (OfflineError("x"), ExitCode.UNVERIFIED),
])
def test_each_error_has_its_exit_code(error: ArxrefError, code: ExitCode) -> None:
    assert error.exit_code == code
    assert isinstance(error, ArxrefError)


def test_input_error_keeps_its_location() -> None:
    error = InputError("notes.md", 12, "not UTF-8")
    assert (error.path, error.line, error.message) == ("notes.md", 12, "not UTF-8")
    assert str(error) == "notes.md:12: not UTF-8"
    assert str(InputError("notes.md", None, "empty")) == "notes.md: empty"


def test_invalid_id_error_is_also_a_value_error() -> None:
    error = InvalidIdError("2313.00001", "month 13")
    assert isinstance(error, ValueError)
    assert (error.value, error.reason) == ("2313.00001", "month 13")
    assert str(error) == "invalid arXiv id '2313.00001': month 13"
