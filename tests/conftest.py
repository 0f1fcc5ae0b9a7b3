"""Shared fixtures: the loopback fake arXiv API and the real seed data (papers, an imported cache)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakearxiv import FakeArxiv  # noqa: E402
from fakezotero import FakeConnector, FakeZotero  # noqa: E402

from arxref.atom import parse_feed  # noqa: E402
from arxref.cache import Cache  # noqa: E402
from arxref.dedup import build_entries  # noqa: E402
from arxref.model import Entry, Paper, Record  # noqa: E402

RESPONSES = Path(__file__).resolve().parent.parent / "examples" / "arxiv-responses"


@pytest.fixture(scope="session")
def seed_papers() -> dict[str, Paper]:
    """The 25 real seed papers, parsed from the shipped all.xml."""
    return {p.arxiv_id: p for p in parse_feed((RESPONSES / "all.xml").read_bytes()).papers}


@pytest.fixture(scope="session")
def seed_entries(seed_papers: dict[str, Paper]) -> list[Entry]:
    """The seed papers as deduplicated, keyed bibliography entries."""
    return build_entries([(Record("seeds", i, "text", arxiv_id=p.arxiv_id), p) for i, p in enumerate(seed_papers.values())])


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache with the shipped responses imported (shared: copy it before writing)."""
    path = tmp_path_factory.mktemp("seeded") / "cache.sqlite"
    with Cache(path) as cache:
        cache.import_paths([RESPONSES])
    return path


@pytest.fixture
def seeded(seeded_file: Path, tmp_path: Path) -> Path:
    """A private copy of the imported cache (a test may add to it)."""
    copy = tmp_path / "cache.sqlite"
    shutil.copy(seeded_file, copy)
    return copy


@pytest.fixture
def fake_arxiv() -> Iterator[FakeArxiv]:
    """A fresh fake API on 127.0.0.1 (random port) serving examples/arxiv-responses; stopped after the test."""
    server = FakeArxiv().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def real_papers() -> dict[str, Paper]:
    """The 25 seed papers parsed from their own per-paper response files (see cache_support)."""
    from cache_support import real_papers as load_real_papers

    return load_real_papers()


@pytest.fixture
def imported(seeded: Path) -> Iterator[Cache]:
    """A private copy of a cache holding the shipped responses, open."""
    cache = Cache(seeded)
    yield cache
    cache.close()


@pytest.fixture
def fake_zotero() -> Iterator[FakeZotero]:
    """A fresh fake Zotero Web API on 127.0.0.1 (one empty library, user:1234567, one key)."""
    server = FakeZotero().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fake_connector() -> Iterator[FakeConnector]:
    """A fresh fake running Zotero desktop (connector and local API), with a collection 'Reading' (C7)."""
    server = FakeConnector(collections={7: "Reading"}).start()
    try:
        yield server
    finally:
        server.stop()
