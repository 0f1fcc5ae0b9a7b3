"""arxref.search: fielded clauses per round, and shared search requests through the run's one client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from arxref import textnorm
from arxref.cache import Cache
from arxref.client import ArxivClient
from arxref.config import Settings
from arxref.model import Paper
from arxref.scoring import RESOLVE_MIN, Query
from arxref.search import CLAUSE_KEY_PREFIX, SEARCH_BATCH, Pending, Searcher, clauses_for
from resolve_support import NONSENSE, record, seed_papers


@pytest.fixture(scope="module")
def papers() -> dict[str, Paper]:
    return seed_papers()


def test_search_clauses_are_fielded_and_change_between_rounds(papers: dict[str, Paper]) -> None:
    rec = record(papers["2107.03374"].abstract)
    first, second = clauses_for(rec, 0), clauses_for(rec, 1)
    assert first and second and first != second
    assert "abs:\"" in first and " AND " in first
    for clause in (first, second):
        for phrase in re.findall(r'"([^"]+)"', clause):
            assert all(textnorm.is_content(w) for w in phrase.split())
    title_clause = clauses_for(record(title="Language Models are Few-Shot Learners"), 0)
    assert title_clause is not None and title_clause.startswith("ti:")
    assert clauses_for(record(title="Language Models are Few-Shot Learners"), 1) is not None
    loose = clauses_for(record(title="Language Models are Few-Shot Learners", authors=["Tom B. Brown",
                                                                                      "Snyder-Beattie, A."]), 2)
    assert loose is not None and " OR " in loose and "au:brown" in loose and "au:beattie" in loose
    assert clauses_for(rec, 2) is not None and clauses_for(rec, 3) is None


def _pending(*records: object) -> list[Pending]:
    return [Pending(rec, Query.of(rec), [i]) for i, rec in enumerate(records)]  # type: ignore[arg-type]


def test_searcher_shares_one_request_per_batch_through_the_given_client(fake_arxiv, tmp_path: Path,
                                                                         papers: dict[str, Paper]) -> None:
    settings = Settings(cache_path=tmp_path / "c.sqlite", api_url=fake_arxiv.url, request_interval=0.0)
    items = _pending(record(papers["2201.10005"].abstract), record(papers["2212.08751"].abstract), record(NONSENSE))
    assert len(items) <= SEARCH_BATCH
    done: list[int] = []
    with Cache(settings.cache_path) as cache, ArxivClient(settings) as client:
        Searcher(settings, cache, RESOLVE_MIN, client).run(items, done.append)
        assert client.requests_made == len(fake_arxiv.requests()) >= 1
        first_round = fake_arxiv.requests()[0].params["search_query"]
        assert all(clauses_for(item.record, 0) in first_round for item in items if clauses_for(item.record, 0))
        stored = cache.get_search(CLAUSE_KEY_PREFIX + (clauses_for(items[0].record, 0) or ""))
        assert stored is not None and "2201.10005" in stored
    assert [item.decision.status if item.decision else None for item in items] == ["resolved", "resolved", "unmatched"]
    assert {item.via for item in items[:2]} == {"search"}
    assert done == [2, 2, 2]  # settled after round 0; the nonsense stays open through the three rounds


def test_searcher_offline_asks_nothing_and_says_why(fake_arxiv, tmp_path: Path, papers: dict[str, Paper]) -> None:
    settings = Settings(cache_path=tmp_path / "c.sqlite", api_url=fake_arxiv.url, offline=True)
    items = _pending(record(papers["2201.10005"].abstract))
    with Cache(settings.cache_path) as cache, ArxivClient(settings) as client:
        Searcher(settings, cache, RESOLVE_MIN, client).run(items, lambda n: None)
    assert fake_arxiv.requests() == []
    assert "offline" in (items[0].reason or "")


def test_author_term_skips_generation_suffixes() -> None:
    from arxref.search import _author_term

    assert _author_term("Mark Chen Jr.") == "chen"
    assert _author_term("Chen, Mark") == "chen"
    assert _author_term("Anders Snyder-Beattie") == "beattie"
