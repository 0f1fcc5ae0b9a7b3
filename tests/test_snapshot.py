"""arXiv's bulk metadata snapshot (arxref.snapshot): real papers round trip through the snapshot layout.

The seed papers come from the shipped API responses and are written in the
snapshot's layout by ``paper_to_snapshot``; broken lines are broken structure,
not invented metadata.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from arxref.errors import InvalidIdError
from arxref.model import Paper
from arxref.snapshot import (
    SnapshotError, canonical_id, links_json, paper_to_snapshot, parse_created, parse_record, squash, standard_links,
)
from cache_support import real_papers as load_real_papers

UTC = timezone.utc


@pytest.fixture(scope="module")
def real_papers() -> dict[str, Paper]:
    return load_real_papers()


def test_paper_to_snapshot_and_back_keeps_the_metadata(real_papers: dict[str, Paper]) -> None:
    for paper in real_papers.values():
        line = json.dumps(paper_to_snapshot(paper), ensure_ascii=False)  # as a file holds it
        record = parse_record(json.loads(line))
        assert record.arxiv_id == paper.arxiv_id and record.version == paper.version
        assert record.versions == tuple(sorted({1, paper.version}))  # only versions with a known date
        assert record.title == paper.title and record.abstract == paper.abstract
        assert record.authors == tuple(author.name for author in paper.authors)
        assert (record.published, record.updated) == (paper.published, paper.updated)
        assert record.categories == tuple(paper.categories)
        assert (record.comment, record.journal_ref, record.doi) == (paper.comment, paper.journal_ref, paper.doi)


def test_snapshot_layout_of_a_real_paper(real_papers: dict[str, Paper]) -> None:
    codex = paper_to_snapshot(real_papers["2107.03374"])
    assert codex["id"] == "2107.03374" and codex["categories"].split()[0] == "cs.LG"
    assert codex["versions"][0] == {"version": "v1", "created": "Wed, 7 Jul 2021 00:00:00 GMT"}
    assert codex["versions"][-1]["version"] == "v2"
    assert codex["authors_parsed"][0] == ["Chen", "Mark", ""]
    assert codex["update_date"] == real_papers["2107.03374"].updated.strftime("%Y-%m-%d")


def test_links_json_is_the_standard_links_as_json(real_papers: dict[str, Paper]) -> None:
    for paper in real_papers.values():
        expected = [[l.href, l.rel, l.title, l.content_type] for l in standard_links(paper.arxiv_id, paper.version,
                                                                                        paper.doi)]
        assert json.loads(links_json(paper.arxiv_id, paper.version, paper.doi)) == expected
        assert standard_links(paper.arxiv_id, paper.version, paper.doi) == paper.links, paper.arxiv_id
    assert len(standard_links("2107.03374", 2, "10.1000 with space")) == 2  # not a DOI: no link


def test_authors_parsed_of_any_shape(real_papers: dict[str, Paper]) -> None:
    line = paper_to_snapshot(real_papers["2107.03374"])
    line["authors_parsed"] = [["Chen", "Mark", ""], ["Smith", "", "Jr"], ["Doe", "J. R.", "III"]]
    assert parse_record(line).authors == ("Mark Chen", "Smith Jr", "J. R. Doe III")
    line["authors_parsed"] = [["Chen", "Mark"], ["Tworek"]]
    assert parse_record(line).authors == ("Mark Chen", "Tworek")
    line["authors_parsed"] = []  # falls back to the authors string
    line["authors"] = "Mark Chen, Jerry Tworek and Heewoo Jun"
    assert parse_record(line).authors == ("Mark Chen", "Jerry Tworek", "Heewoo Jun")


def test_canonical_ids_old_and_new() -> None:
    assert canonical_id("hep-th/9901001") == "hep-th/9901001"
    assert canonical_id("math.GT/0309136") == "math/0309136"
    assert canonical_id("2107.03374") == "2107.03374"
    for bad in ("2313.00001", "2107.00000"):
        with pytest.raises(InvalidIdError):
            canonical_id(bad)


def test_version_dates() -> None:
    assert parse_created("Wed, 7 Jul 2021 17:41:24 GMT") == datetime(2021, 7, 7, 17, 41, 24, tzinfo=UTC)
    assert parse_created("Wed, 7 Jul 2021 19:41:24 +0200") == datetime(2021, 7, 7, 17, 41, 24, tzinfo=UTC)
    with pytest.raises(SnapshotError, match="bad version date"):
        parse_created("yesterday")


@pytest.mark.parametrize("change, message", [
    ({"id": None}, "no 'id' field"),
    ({"title": " "}, "no title"),
    ({"title": 7}, "field 'title' is not a string"),
    ({"versions": []}, "no versions"),
    ({"versions": [{"version": "one", "created": "Wed, 7 Jul 2021 17:41:24 GMT"}]}, "bad version label"),
    ({"versions": [{"version": "v1"}]}, "version v1 has no date"),
    # beyond the id grammar's v9999: 20 digits overflowed the cache's INTEGER column (a traceback)
    ({"versions": [{"version": "v10000", "created": "Wed, 7 Jul 2021 17:41:24 GMT"}]}, "bad version number 10000"),
    ({"versions": [{"version": "v" + "9" * 20, "created": "Wed, 7 Jul 2021 17:41:24 GMT"}]}, "bad version"),
    ({"versions": [{"version": "v" + "9" * 5000, "created": "Wed, 7 Jul 2021 17:41:24 GMT"}]}, "bad version label"),
    ({"categories": ["cs.LG"]}, "field 'categories' is not a string"),
    ({"authors_parsed": [], "authors": ""}, "no authors"),
    ({"authors_parsed": [[1, 2, 3, 4]]}, "authors_parsed entries must be lists of strings"),
])
def test_broken_lines_say_which_field(real_papers: dict[str, Paper], change: dict, message: str) -> None:
    line = {**paper_to_snapshot(real_papers["2107.03374"]), **change}
    with pytest.raises(SnapshotError, match=message):
        parse_record(line)
    with pytest.raises(SnapshotError, match="not a JSON object"):
        parse_record([line])


def test_squash_collapses_line_breaks() -> None:
    assert squash("  Evaluating Large\n  Language Models \t Trained on Code ") == \
        "Evaluating Large Language Models Trained on Code"
