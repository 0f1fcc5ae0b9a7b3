"""arxref.results: arxiv.py's ``Result`` objects at arxref's boundary.

The Results are arxiv.py's own: a public ``arxiv.Client`` (its documented
``query_url_format`` pointed at the loopback fake API of tests/fakearxiv.py) runs a
public ``arxiv.Search(id_list=...)`` over the shipped responses in
examples/arxiv-responses. arxref's parse of the very same responses is the reference.
The Results built by hand below restate part of a shipped paper and say so; the
incomplete ones are made incomplete on purpose (SYNTHETIC).
"""

from __future__ import annotations

import dataclasses
import io
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

import arxiv
import pytest
from fakearxiv import FakeArxiv

from arxref.atom import parse_feed
from arxref.config import Settings
from arxref.dedup import build_entries
from arxref.formats import WriteOptions, write_bibtex, write_formats
from arxref.model import Entry, Paper, Record
from arxref.pipeline import export
from arxref.results import as_entries, paper_from_result, paper_of, result_from_paper

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "examples" / "output"
CODEX = "2107.03374"
FIELDS = ("arxiv_id", "version", "versions", "title", "authors", "abstract", "published", "updated",
          "categories", "primary_category", "doi", "journal_ref", "comment", "links")


@pytest.fixture
def served(fake_arxiv: FakeArxiv) -> tuple[list[arxiv.Result], dict[str, Paper]]:
    """arxiv.py's Results for every shipped paper, and arxref's parse of the same answer."""
    client = arxiv.Client(page_size=100, delay_seconds=0, num_retries=0)
    client.query_url_format = fake_arxiv.url + "?{}"
    results = list(client.results(arxiv.Search(id_list=fake_arxiv.ids, max_results=100)))
    query = urlencode({"id_list": ",".join(fake_arxiv.ids), "max_results": 100})
    with urllib.request.urlopen(f"{fake_arxiv.url}?{query}", timeout=10) as answer:
        ours = {p.arxiv_id: p for p in parse_feed(answer.read()).papers}
    assert len(results) == len(ours) == 25
    return results, ours


def test_a_result_gives_the_paper_arxref_parses(served: tuple[list[arxiv.Result], dict[str, Paper]]) -> None:
    results, ours = served
    for result in results:
        paper = paper_from_result(result)
        reference = ours[paper.arxiv_id]
        for name in FIELDS:
            assert getattr(paper, name) == getattr(reference, name), (paper.arxiv_id, name)
        assert paper == dataclasses.replace(reference, raw_entry=None)  # nothing is invented
        assert paper.raw_entry is None and paper.fetched_at is None


def test_a_paper_round_trips_through_a_result(served: tuple[list[arxiv.Result], dict[str, Paper]]) -> None:
    _, ours = served
    for paper in ours.values():
        result = result_from_paper(paper)
        assert isinstance(result, arxiv.Result)
        assert result.get_short_id() == paper.versioned_id
        assert paper_from_result(result) == dataclasses.replace(paper, raw_entry=None)


def test_writers_take_results_byte_for_byte(served: tuple[list[arxiv.Result], dict[str, Paper]]) -> None:
    results, ours = served
    entries = build_entries([(Record("seeds", i, "text", arxiv_id=p.arxiv_id), p) for i, p in enumerate(ours.values())])

    def written(items: object) -> list[bytes]:
        streams = {"bib": io.BytesIO(), "json": io.BytesIO(), "ris": io.BytesIO()}
        write_formats(items, streams, WriteOptions(), processes=1)  # type: ignore[arg-type]
        return [stream.getvalue() for stream in streams.values()]

    expected = written(entries)
    assert written(results) == expected
    assert written(iter(results)) == expected
    assert written(list(ours.values())) == expected  # arxref Papers are taken the same way
    text = io.StringIO()
    write_bibtex(results, text)
    assert text.getvalue().encode() == expected[0]


def test_export_of_results_is_the_shipped_example(served: tuple[list[arxiv.Result], dict[str, Paper]],
                                                  tmp_path: Path) -> None:
    """examples/output is seeds/ resolved through the cache; arxiv.py's Results give the same bytes."""
    results, _ = served
    settings = Settings.from_options(cache_path=tmp_path / "unused" / "cache.sqlite", offline=True)
    report = export([], tmp_path / "out", settings=settings, results=results)
    assert report.exit_code == 0 and len(report.entries) == 25
    assert (report.fetched, report.from_cache, report.records) == (0, 0, 0)  # no input, no cache, no request
    assert not (tmp_path / "unused").exists()
    for name in ("references.bib", "references.json", "references.ris"):
        assert (tmp_path / "out" / name).read_bytes() == (OUTPUT / name).read_bytes(), name


def test_entries_pass_through_untouched(seed_entries: list[Entry]) -> None:
    assert as_entries(seed_entries) is seed_entries
    assert list(as_entries(iter(seed_entries))) == seed_entries
    assert as_entries([]) == [] and list(as_entries(iter([]))) == []


def test_only_papers_and_results_convert(seed_entries: list[Entry]) -> None:
    paper = seed_entries[0].paper
    assert paper_of(paper) is paper
    with pytest.raises(TypeError):
        paper_of(seed_entries[0])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        as_entries([paper, seed_entries[1]])  # type: ignore[list-item]


def _codex_by_hand(**changes: object) -> arxiv.Result:
    """Codex as shipped (examples/arxiv-responses/2107.03374.xml) through arxiv.py's public
    constructor: its first author only, and its abstract's first words with extra whitespace."""
    values: dict[str, object] = dict(
        entry_id=f"http://arxiv.org/abs/{CODEX}v2",
        published=datetime(2021, 7, 7, tzinfo=timezone.utc),
        updated=datetime(2021, 7, 14, tzinfo=timezone.utc),
        title="Evaluating Large Language Models Trained on Code",
        authors=[arxiv.Result.Author("Mark Chen")],
        summary="  We introduce Codex,\n a GPT language model ",
        primary_category="cs.LG", categories=["cs.LG"],
    )
    values.update(changes)
    return arxiv.Result(**values)


def test_a_hand_made_result_is_cleaned_like_a_parsed_one() -> None:
    paper = paper_from_result(_codex_by_hand(comment="", journal_ref="  ", doi=None))
    assert (paper.arxiv_id, paper.version, paper.versions) == (CODEX, 2, [1, 2])
    assert paper.abstract == "We introduce Codex, a GPT language model"
    assert (paper.comment, paper.journal_ref, paper.doi) == (None, None, None)
    naive = paper_from_result(_codex_by_hand(published=datetime(2021, 7, 7)))
    assert naive.published == paper.published  # arXiv's dates are UTC


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"title": " "}, id="no-title"),
        pytest.param({"authors": []}, id="no-author"),
        pytest.param({"authors": [arxiv.Result.Author(" ")]}, id="blank-author"),
        pytest.param({"published": datetime.min}, id="no-date"),
        pytest.param({"entry_id": "https://example.org/paper/1"}, id="foreign-id"),
    ],
)
def test_an_incomplete_result_is_refused_not_filled_in(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        paper_from_result(_codex_by_hand(**changes))
