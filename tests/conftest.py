"""Shared fixtures: the loopback fake arXiv API."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakearxiv import FakeArxiv  # noqa: E402


@pytest.fixture
def fake_arxiv() -> Iterator[FakeArxiv]:
    """A fresh fake API on 127.0.0.1 (random port) serving examples/arxiv-responses; stopped after the test."""
    server = FakeArxiv().start()
    try:
        yield server
    finally:
        server.stop()
