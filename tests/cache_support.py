"""Shared data for the cache tests (tests/test_cache_*.py, tests/test_snapshot.py): not a test module.

The real seed papers come from the shipped per-paper API responses
(examples/arxiv-responses/); volume comes from clearly synthetic records.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

from arxref.atom import parse_feed
from arxref.model import Paper
from arxref.snapshot import paper_to_snapshot

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = ROOT / "examples" / "arxiv-responses"


@functools.lru_cache(maxsize=1)
def real_papers() -> dict[str, Paper]:
    """The 25 seed papers as parsed from their own per-paper response files (raw entry and all)."""
    papers = {}
    for path in sorted(RESPONSES.glob("*.xml")):
        if path.name == "all.xml":
            continue
        [paper] = parse_feed(path.read_bytes()).papers
        papers[paper.arxiv_id] = paper
    assert len(papers) == 25
    return papers


def same_metadata(a: Paper, b: Paper) -> bool:
    """Everything arXiv told us, ignoring how it was stored (raw text, fetch time)."""
    skip = {"raw_entry", "fetched_at"}
    return all(getattr(a, f.name) == getattr(b, f.name) for f in dataclasses.fields(Paper) if f.name not in skip)


def write_snapshot(path: Path, papers: list[Paper]) -> None:
    """A snapshot file (JSON Lines, arXiv's layout) of real papers."""
    with open(path, "w", encoding="utf-8") as out:
        for paper in papers:
            out.write(json.dumps(paper_to_snapshot(paper)) + "\n")


def synthetic_snapshot(path: Path, count: int) -> None:
    """Clearly synthetic records (made-up titles/abstracts, valid new-style ids)."""
    with open(path, "w", encoding="utf-8") as out:
        for n in range(count):
            record = {
                "id": f"2001.{n + 1:05d}", "authors": "Synthetic Author",
                "title": f"Synthetic record {n}", "abstract": f"Synthetic abstract number {n} " + "filler " * 60,
                "categories": "cs.LG", "versions": [{"version": "v1", "created": "Wed, 1 Jan 2020 00:00:00 GMT"}],
                "authors_parsed": [["Author", "Synthetic", ""]],
            }
            out.write(json.dumps(record) + "\n")
