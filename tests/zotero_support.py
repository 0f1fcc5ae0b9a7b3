"""Helpers for the Zotero tests: settings pointing at the fakes, recorded waits, an input file of real ids."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, TypeVar

import pytest
from fakezotero import FakeZotero

from arxref.config import Settings
from arxref.model import Paper
from arxref.zotero import WebSettings

LIBRARY = "user:1234567"
T = TypeVar("T")


class Waits(list[float]):
    """Stands in for time.sleep: records each wait instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def web_settings(fake: FakeZotero, waits: Waits | None = None, **changes: object) -> WebSettings:
    values: dict[str, object] = {"base_url": fake.url, "api_key": fake.api_key, "timeout": 5.0,
                                 "sleep": waits if waits is not None else Waits()}
    values.update(changes)
    return WebSettings(**values)  # type: ignore[arg-type]


def finishes(call: Callable[[], T], guard: float = 60.0) -> T:
    """``call()``, its result or its exception; a test failure, not a hung suite, if it has not
    returned after ``guard`` seconds (a hang guard, not a timing assertion)."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            failure.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(guard)
    if worker.is_alive():
        pytest.fail(f"still running after {guard:g} s: the request was not bounded")
    if failure:
        raise failure[0]
    return outcome[0]


def offline(cache: Path) -> Settings:
    """The arXiv side: the seeded cache only, never the network."""
    return Settings(cache_path=cache, offline=True)


def ids_file(directory: Path, papers: list[Paper]) -> Path:
    """A reading list naming the papers by arXiv id, one per line (real ids of the shipped data)."""
    path = directory / "reading-list.txt"
    path.write_text("".join(f"arXiv:{p.arxiv_id}\n" for p in papers), encoding="utf-8")
    return path


# Fixtures the push tests share (imported by name into each test module).
@pytest.fixture
def papers(seed_papers: dict[str, Paper]) -> list[Paper]:
    return list(seed_papers.values())


@pytest.fixture
def reading_list(tmp_path: Path, papers: list[Paper]) -> Path:
    return ids_file(tmp_path, papers)
