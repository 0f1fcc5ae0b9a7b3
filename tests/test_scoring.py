"""arxref.scoring: how alike a record and a paper are, on the real seed abstracts and noise derived from them."""

from __future__ import annotations

import re

import pytest

from arxref.model import Paper, Record
from arxref.scoring import MARGIN, RESOLVE_MIN, Query, decide, rank, score_paper, surname
from resolve_support import later_version, mistyped, record, seed_papers, truncated, wrapped


@pytest.fixture(scope="module")
def papers() -> dict[str, Paper]:
    return seed_papers()


def _rank(papers: dict[str, Paper], rec: Record) -> list[tuple[str, float]]:
    query = Query.of(rec)
    scored = sorted(((p.arxiv_id, score_paper(query, p)[0]) for p in papers.values()), key=lambda x: -x[1])
    return scored


@pytest.mark.parametrize(
    "derive",
    [truncated, mistyped, later_version, wrapped, lambda t: mistyped(truncated(t, 0.3), every=25)],
    ids=["truncated-40%", "typos", "later-version", "wrapped-hyphenated", "truncated+typos"],
)
def test_noisy_copies_of_every_real_abstract_score_their_paper_first(papers: dict[str, Paper], derive) -> None:
    for pid, paper in papers.items():
        if len(re.split(r"(?<=[.!?])\s+", paper.abstract)) < 4 and derive is later_version:
            continue
        ranked = _rank(papers, record(derive(paper.abstract)))
        assert ranked[0][0] == pid, (pid, ranked[:3])
        assert ranked[0][1] >= RESOLVE_MIN + 0.05, (pid, ranked[0])
        assert ranked[0][1] - ranked[1][1] >= MARGIN + 0.1, (pid, ranked[:2])


def test_titles_and_authors_score(papers: dict[str, Paper]) -> None:
    paper = papers["2203.02155"]
    ranked = _rank(papers, record(title=paper.title))
    assert ranked[0] == ("2203.02155", 1.0)
    # a title cited without its subtitle, in another case, with TeX braces
    ranked = _rank(papers, record(title="{Evaluating CLIP}: towards characterization of broader capabilities"))
    assert ranked[0][0] == "2108.02818"
    surnames = [a.name.split()[-1] for a in paper.authors[:3]]
    query = Query.of(record(title=paper.title, authors=surnames))
    score, evidence = score_paper(query, paper)
    assert evidence == {"title": 1.0, "authors": 1.0} and score == 1.0
    other = Query.of(record(title=paper.title, authors=["Nobody", "Madeup"]))
    assert score_paper(other, paper)[0] == pytest.approx(0.7)


@pytest.mark.parametrize(
    ("name", "family"),
    [("Mark Chen", "chen"), ("Chen, Mark", "chen"), ("M. Chen", "chen"), ("Chen et al.", "chen"),
     ("Andrew Snyder-Beattie", "snyderbeattie"), ("Martin Luther King Jr.", "king"), ("Sch\u00f6lkopf", "scholkopf")],
)
def test_surname(name: str, family: str) -> None:
    assert surname(name) == family


def test_unrelated_text_scores_low_everywhere(papers: dict[str, Paper]) -> None:
    nonsense = ("Purple calculators negotiate with lighthouse otters about the melting schedule of "
                "marmalade glaciers, while seventeen accordions audit the tax returns of a sleepy volcano.")
    ranked = _rank(papers, record(nonsense))
    assert ranked[0][1] < RESOLVE_MIN


def test_decide_needs_both_threshold_and_margin(papers: dict[str, Paper]) -> None:
    a, b = papers["2203.02155"], papers["2201.10005"]
    assert decide([(a, 0.9, {}), (b, 0.2, {})], RESOLVE_MIN).status == "resolved"
    close = decide([(a, 0.9, {}), (b, 0.85, {})], RESOLVE_MIN)
    assert close.status == "ambiguous" and [c[0] for c in close.candidates] == ["2203.02155", "2201.10005"]
    assert decide([(a, 0.3, {})], RESOLVE_MIN).status == "unmatched"
    assert decide([], RESOLVE_MIN).status == "unmatched"


def test_rank_scores_every_candidate_and_decides(papers: dict[str, Paper]) -> None:
    paper = papers["2203.02155"]
    decision = rank(Query.of(record(paper.abstract)), papers.values(), RESOLVE_MIN)
    assert decision.status == "resolved" and decision.best is not None
    assert decision.best[0].arxiv_id == "2203.02155" and decision.best[1] == 1.0
    assert rank(Query.of(record(paper.abstract)), [], RESOLVE_MIN).status == "unmatched"


def test_the_threshold_is_the_configured_one() -> None:
    from arxref import config, resolve

    assert RESOLVE_MIN == config.RESOLVE_MIN == resolve.RESOLVE_MIN == 0.4
