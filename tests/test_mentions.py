"""arxref.mentions: export keeps one record per bare id, and where it was written again (bounded)."""

from __future__ import annotations

import pytest

import arxref.mentions as mentions
from arxref.model import Record
from arxref.scan import scan_text


def test_a_bare_id_is_kept_once_with_its_later_places() -> None:
    records = scan_text("a arXiv:2107.03374\nb 2107.03374 and arXiv:2107.03374v2\nc arXiv:2107.03374\n", "d.txt")
    papers = mentions.distinct_papers(records)
    assert [(r.line, r.arxiv_id, r.version) for r in papers.records] == [(1, "2107.03374", None), (2, "2107.03374", 2)]
    assert papers.orders == [0, 2] and papers.mentions == 4
    assert papers.repeats[0].places == [(1, "d.txt", 2, 3), (3, "d.txt", 3, 3)] and papers.repeats[0].count == 2
    assert 1 not in papers.repeats


def test_records_that_carry_more_than_an_id_are_all_kept_and_citations_dropped() -> None:
    bib = Record("r.bib", 1, "bib", arxiv_id="2107.03374", key="codex", fields={"eprint": "2107.03374"})
    titled = Record("n.md", 4, "markdown", arxiv_id="2107.03374", title="Evaluating Large Language Models")
    cite = Record("p.tex", 2, "tex", key="codex", role="citation")
    papers = mentions.distinct_papers([bib, bib, titled, cite, titled])
    assert papers.records == [bib, bib, titled, titled] and papers.repeats == {} and papers.mentions == 4


def test_only_the_first_places_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mentions, "REPEATS_KEPT", 3)
    records = scan_text("".join(f"arXiv:2107.03374 line {n}\n" for n in range(1, 101)), "d.txt")
    papers = mentions.distinct_papers(records)
    assert len(papers.records) == 1
    assert [line for _, _, line, _ in papers.repeats[0].places] == [2, 3, 4] and papers.repeats[0].count == 99


def test_a_warned_id_is_not_folded_into_the_same_id_written_cleanly() -> None:
    """math.ACS/0312059 carries a warning that math/0312059 does not: each keeps its own places."""
    records = scan_text("a math/0312059\nb math.ACS/0312059\nc math/0312059\nd math.ACS/0312059\n", "d.txt")
    papers = mentions.distinct_papers(records)
    assert [(r.line, r.problems) for r in papers.records] == [(1, ()), (2, ("unknown subject class math.ACS",))]
    assert [p[2] for p in papers.repeats[0].places] == [3] and [p[2] for p in papers.repeats[1].places] == [4]


def test_a_citation_of_an_id_cited_again_is_kept_once_per_key() -> None:
    """\\cite{2107.03374} on every line of a big document is one record with its later places (memory
    follows papers); the same paper under another key (arXiv:..., a version) is a record of its own."""
    text = "".join(f"line {n} \\cite{{2107.03374}} and \\citep{{arXiv:2107.03374, 2107.03374v2}}\n" for n in range(1, 51))
    records = scan_text(text, "p.tex")
    papers = mentions.distinct_papers(records)
    assert [(r.key, r.line) for r in papers.records] == [("2107.03374", 1), ("arXiv:2107.03374", 1),
                                                         ("2107.03374v2", 1)]
    assert papers.mentions == 150 and [papers.repeats[i].count for i in range(3)] == [49, 49, 49]
    assert papers.repeats[0].places[0][1:3] == ("p.tex", 2)
