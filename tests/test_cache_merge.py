"""Writing rows (arxref.cache.merge): version merging, API-over-snapshot, FTS index kept in step.

Fixtures are the shipped real API responses; later versions made up to drive the
rules are marked SYNTHETIC.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from pathlib import Path


from arxref.cache import Cache
from arxref.cache.rows import paper_row
from arxref.model import Paper

UTC = timezone.utc


def test_versions_merge_older_keeps_newer_metadata(tmp_path: Path, real_papers: dict[str, Paper]) -> None:
    v1 = real_papers["2412.06966"]  # the shipped file answers 2412.06966v1
    assert v1.version == 1
    # clearly synthetic later versions, to drive the merge rules
    v3 = dataclasses.replace(v1, version=3, versions=[1, 2, 3], title="SYNTHETIC v3 title", raw_entry=None)
    v4 = dataclasses.replace(v1, version=4, versions=[4], title="SYNTHETIC v4 title", raw_entry=None)
    with Cache(tmp_path / "c.sqlite") as cache:
        cache.put_papers([v3])
        cache.put_papers([v1])
        kept = cache.get("2412.06966")
        assert kept.version == 3 and kept.title == "SYNTHETIC v3 title" and kept.versions == [1, 2, 3]
        cache.put_papers([v4])
        newer = cache.get("2412.06966")
        assert newer.version == 4 and newer.title == "SYNTHETIC v4 title" and newer.versions == [1, 2, 3, 4]
        # the FTS index follows the metadata: the old title is gone, the new one found
        assert [p.version for p in cache.search_local("SYNTHETIC v4 title")] == [4]
        assert cache.integrity_check() == []
        # two versions in one batch: the newer wins whatever the order
        cache.put_papers([dataclasses.replace(v1, version=6, versions=[6], title="SYNTHETIC v6", raw_entry=None),
                          dataclasses.replace(v1, version=5, versions=[5], title="SYNTHETIC v5", raw_entry=None)])
        assert cache.get("2412.06966").title == "SYNTHETIC v6"
        assert cache.get("2412.06966").versions == [1, 2, 3, 4, 5, 6]
        assert len(cache) == 1


def test_titles_of_other_versions_are_kept(tmp_path: Path, real_papers: dict[str, Paper]) -> None:
    """A paper retitled between versions: the title a version lost stays known (conflict checks need it)."""
    v1 = real_papers["2412.06966"]  # the shipped file answers 2412.06966v1, under its v1 title
    v2 = dataclasses.replace(v1, version=2, versions=[1, 2], title="SYNTHETIC v2 title", raw_entry=None)
    v3 = dataclasses.replace(v1, version=3, versions=[3], title="SYNTHETIC v3 title", raw_entry=None)
    with Cache(tmp_path / "c.sqlite") as cache:
        cache.put_papers([v1])
        assert cache.other_titles(["2412.06966"]) == {}
        cache.put_papers([v2])  # newer replaces: v1's title is remembered
        assert cache.other_titles(["2412.06966", "2107.03374"]) == {"2412.06966": [v1.title]}
        cache.put_papers([v1])  # served again: nothing new
        assert cache.other_titles(["2412.06966"]) == {"2412.06966": [v1.title]}
    with Cache(tmp_path / "d.sqlite") as cache:
        cache.put_papers([v3])
        cache.put_papers([v1, v2])  # older versions arrive later, two in one batch
        assert cache.get("2412.06966").title == "SYNTHETIC v3 title"
        assert cache.other_titles(["2412.06966"]) == {"2412.06966": [v1.title, "SYNTHETIC v2 title"]}
        assert cache.integrity_check() == []


def test_same_entry_again_only_refreshes_fetched_at(imported: Cache, real_papers: dict[str, Paper]) -> None:
    later = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert imported.put_papers([real_papers["2107.03374"]], fetched_at=later) == 0
    assert imported.get("2107.03374").fetched_at == later
    assert imported.integrity_check() == []


def test_write_rows_counts_written_and_unchanged(tmp_path: Path, real_papers: dict[str, Paper]) -> None:
    """The import's write path: rows in, (written, unchanged) out; a snapshot row never replaces an API one."""
    papers = list(real_papers.values())[:4]
    with Cache(tmp_path / "c.sqlite") as cache:
        assert cache.write_rows([paper_row(p, "atom", None) for p in papers]) == (4, 0)
        assert cache.write_rows([paper_row(p, "atom", None) for p in papers]) == (0, 4)
        snapshot_rows = [paper_row(p, "atom", None)._replace(raw_format="snapshot", raw_entry="{}") for p in papers]
        assert cache.write_rows(snapshot_rows) == (0, 4)
        assert {cache.row_format(p.arxiv_id) for p in papers} == {"atom"}
        assert cache.integrity_check() == []
