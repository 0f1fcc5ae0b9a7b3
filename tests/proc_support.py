"""Running arxref in a child process that must not block (a FIFO, a device named as an input)."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest


def run_unblocked(args: list[str], blocked: str, *, timeout: float = 30, **options: Any) -> subprocess.CompletedProcess[str]:
    """``subprocess.run`` capturing text output; past ``timeout`` the test fails saying ``blocked``
    (a hang guard, not a timing: the run takes well under a second when nothing blocks)."""
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout, **options)
    except subprocess.TimeoutExpired:
        pytest.fail(blocked)
