"""arxref.resolve: given ids verified, id-less records matched locally first, then searched; never a silent guess.

Data: the real seed dumps and the shipped Atom responses. Noisy variants are DERIVED
from those real abstracts (tests/resolve_support.py), and the extra same-title entries
served by the fake API are SYNTHETIC (labelled as such in their abstracts); no paper
metadata is invented and passed off as real.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from arxref import textnorm
from arxref.cache import Cache
from arxref.client import ArxivClient
from arxref.config import Settings
from arxref.model import Paper, Record
from arxref.resolve import STATUSES, Resolution, resolve_records
from arxref.scan import scan_paths
from arxref.search import CLAUSE_KEY_PREFIX, clauses_for
from resolve_support import (NONSENSE, SEEDS, dead_endpoint, later_version, mistyped, record, seed_papers,
                             synthetic_same_title_entries, truncated, wrapped)


@pytest.fixture(scope="module")
def papers() -> dict[str, Paper]:
    return seed_papers()


def offline(cache_path: Path) -> Settings:
    return Settings(cache_path=cache_path, offline=True, api_url=dead_endpoint(), request_interval=0.0)


def online(cache_path: Path, url: str) -> Settings:
    return Settings(cache_path=cache_path, offline=False, api_url=url, request_interval=0.0, max_retries=1)


# --------------------------------------------------------------------------- the 42 seed abstracts, offline


def _expected_seed_ids(records: list[Record], papers: dict[str, Paper]) -> dict[tuple[str, int], str]:
    """Expected id per seed abstract record, from two independent real sources.

    * the listing (seeds/002_*): the ``arXiv:ID`` line belongs to the abstract above;
      the scanner puts it on that record, and we check it against the raw file here;
    * the shipped data: each ``<summary>`` is exactly one seed abstract (README.md).
    Both must agree wherever both apply.
    """
    by_text = {textnorm.normalize(p.abstract): pid for pid, p in papers.items()}
    listing_lines = (next(SEEDS.glob("002_*.txt"))).read_text(encoding="utf-8").splitlines()
    expected: dict[tuple[str, int], str] = {}
    for rec in records:
        assert rec.text, rec
        from_summary = by_text.get(textnorm.normalize(rec.text))
        if rec.arxiv_id:
            # the id is on a later line, at its start; the record's text is on an earlier line
            raw_ids = [m.group(1) for line in listing_lines[rec.line:] for m in [re.match(r"arXiv:(\d{4}\.\d{4,5})", line)] if m]
            assert raw_ids and raw_ids[0] == rec.arxiv_id, (rec.line, rec.arxiv_id, raw_ids[:1])
            assert from_summary in (None, rec.arxiv_id)
            expected[(rec.source, rec.line)] = rec.arxiv_id
        else:
            assert from_summary is not None, rec.text[:60]
            expected[(rec.source, rec.line)] = from_summary
    return expected


@pytest.fixture(scope="module")
def seed_records() -> list[Record]:
    return [r for r in scan_paths([SEEDS]) if r.kind in ("abstract", "listing") and r.text]


def test_all_42_seed_abstracts_resolve_offline(seeded: Path, seed_records: list[Record],
                                               papers: dict[str, Paper]) -> None:
    expected = _expected_seed_ids(seed_records, papers)
    assert len(seed_records) == 42
    assert len(set(expected.values())) == 25
    # resolve the text alone: listing records lose their id for this test
    idless = [dataclasses.replace(r, arxiv_id=None, version=None) for r in seed_records]
    with Cache(seeded) as cache:
        results = resolve_records(idless, offline(seeded), cache)
    assert [r.record.line for r in results] == [r.line for r in idless]
    wrong = [(r.record.source, r.record.line, r.status, r.arxiv_id) for r in results
             if r.status != "resolved" or r.arxiv_id != expected[(r.record.source, r.record.line)]]
    assert wrong == []
    for res in results:
        assert res.score is not None and res.score >= 0.99
        assert res.evidence["abstract"] >= 0.99
        assert res.paper is not None and res.paper.arxiv_id == res.arxiv_id
        assert res.via == "cache"


def test_seed_listing_records_with_ids_are_given(seeded: Path, seed_records: list[Record]) -> None:
    with_ids = [r for r in seed_records if r.arxiv_id]
    assert with_ids
    with Cache(seeded) as cache:
        results = resolve_records(with_ids, offline(seeded), cache)
    assert {r.status for r in results} == {"given"}
    assert all(r.paper is not None and r.arxiv_id == r.record.arxiv_id for r in results)


def test_given_ids_unknown_invalid_and_uncached(seeded: Path) -> None:
    records = [
        Record("a.tex", 1, "tex", arxiv_id="2203.02155"),
        Record("a.tex", 2, "tex", problems=["invalid arXiv id '2313.00001': month 13 does not exist"]),
        Record("a.tex", 3, "tex", arxiv_id="2301.00001"),
    ]
    with Cache(seeded) as cache:
        cache.mark_not_found(["2301.00001"])
        results = resolve_records(records, offline(seeded), cache)
    assert [r.status for r in results] == ["given", "invalid", "not_found"]
    assert "month 13" in (results[1].reason or "")
    with Cache(seeded) as cache:
        uncached = resolve_records([Record("a.tex", 4, "tex", arxiv_id="2301.00002")], offline(seeded), cache)
    assert uncached[0].status == "unverified" and uncached[0].arxiv_id == "2301.00002"


def test_given_ids_are_checked_on_arxiv(fake_arxiv, tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    records = [
        Record("a.md", 1, "markdown", arxiv_id="2203.02155"),
        Record("a.md", 2, "markdown", arxiv_id="2203.02155", version=9),
        Record("a.md", 3, "markdown", arxiv_id="2301.00001"),
    ]
    with Cache(path) as cache:
        results = resolve_records(records, online(path, fake_arxiv.url), cache)
    assert [(r.status, r.arxiv_id) for r in results] == [
        ("given", "2203.02155"), ("given", "2203.02155"), ("not_found", "2301.00001")]
    assert results[0].paper is not None and results[0].via == "fetch"
    # a version arXiv does not have: the paper's latest, marked (users mistype versions)
    assert results[1].paper == results[0].paper and results[1].missing_version == 9
    assert results[1].version_message("wrote") == "2203.02155v9: no such version; arXiv has v1; wrote 2203.02155v1"
    assert not results[0].missing_version
    assert not [r for r in fake_arxiv.requests() if r.params.get("search_query")]
    assert len(fake_arxiv.requests()) == 1  # the base and the other id in one batch, nothing more


def test_a_mistyped_version_offline(seeded: Path) -> None:
    records = [Record("a.md", 1, "markdown", arxiv_id="2107.03374", version=3),
               Record("a.md", 2, "markdown", arxiv_id="2107.03374", version=2)]
    with Cache(seeded) as cache:
        unchecked = resolve_records(records, offline(seeded), cache)
        cache.mark_not_found(["2107.03374v3"])  # as an online run that asked leaves it
        known = resolve_records(records, offline(seeded), cache)
    assert [(r.status, r.missing_version, r.paper is not None) for r in unchecked] == [
        ("unverified", 3, True), ("given", None, True)]
    assert "offline" in (unchecked[0].reason or "") and "v2" in (unchecked[0].reason or "")
    assert [(r.status, r.missing_version) for r in known] == [("given", 3), ("given", None)]
    assert known[0].to_json()["missing_version"] == 3 and known[0].to_json()["latest_version"] == 2
    assert known[0].format_text().endswith("(no version 3; v2 used)")


def test_the_highest_version_cited_is_asked_whatever_the_order(seeded: Path) -> None:
    """Records citing one paper bare, beyond and below its cached version: one id asked, its highest version."""
    records = [Record("a.md", 1, "markdown", arxiv_id="2107.03374"),
               Record("a.md", 2, "markdown", arxiv_id="2107.03374", version=3),
               Record("a.md", 3, "markdown", arxiv_id="2107.03374", version=1),
               Record("a.md", 4, "markdown", arxiv_id="2203.02155", version=1)]
    with Cache(seeded) as cache:
        results = resolve_records(records, offline(seeded), cache)
    assert [(r.status, r.missing_version, r.via) for r in results] == [
        ("given", None, "cache"), ("unverified", 3, "cache"), ("given", None, "cache"), ("given", None, "cache")]
    assert [r.record.line for r in results] == [1, 2, 3, 4]
    assert results[0].paper is results[1].paper is results[2].paper


def test_offline_without_a_local_match_is_unmatched_and_says_why(tmp_path: Path, papers: dict[str, Paper]) -> None:
    path = tmp_path / "empty.sqlite"
    with Cache(path) as cache:
        results = resolve_records([record(papers["2201.10005"].abstract)], offline(path), cache)
    assert results[0].status == "unmatched"
    assert "offline" in (results[0].reason or "")


def test_records_with_nothing_to_match_and_duplicates(seeded: Path, papers: dict[str, Paper]) -> None:
    text = papers["2112.10741"].abstract
    records = [record(text, line=1), Record("x.tex", 5, "tex", role="citation", key="k"), record(text, line=9)]
    calls: list[tuple[int, int]] = []
    with Cache(seeded) as cache:
        results = resolve_records(records, offline(seeded), cache, progress=lambda d, t: calls.append((d, t)))
    assert [r.status for r in results] == ["resolved", "unmatched", "resolved"]
    assert results[2].record.line == 9 and results[2].arxiv_id == "2112.10741"
    assert calls[-1] == (3, 3)


def test_min_score_overrides_the_threshold(seeded: Path, papers: dict[str, Paper]) -> None:
    rec = record(later_version(mistyped(papers["2207.14157"].abstract, every=15)))
    with Cache(seeded) as cache:
        default = resolve_records([rec], offline(seeded), cache)[0]
        strict = resolve_records([rec], offline(seeded), cache, min_score=0.99)[0]
    assert default.status == "resolved" and default.arxiv_id == "2207.14157"
    assert default.score is not None and default.score < 0.99
    assert strict.status == "unmatched" and strict.score == default.score


# --------------------------------------------------------------------------- the fake arXiv API


def test_search_resolves_batches_and_reruns_from_cache(fake_arxiv, tmp_path: Path, papers: dict[str, Paper]) -> None:
    title, synthetic = synthetic_same_title_entries(papers)
    for raw in synthetic:
        fake_arxiv.add_entry(raw)
    cases = [
        ("title only", record(title=papers["2203.02155"].title), "resolved", "2203.02155"),
        ("abstract only", record(papers["2201.10005"].abstract), "resolved", "2201.10005"),
        ("truncated 40%", record(truncated(papers["2112.09332"].abstract)), "resolved", "2112.09332"),
        ("later version", record(later_version(papers["2207.14157"].abstract)), "resolved", "2207.14157"),
        ("typos", record(mistyped(papers["2303.10130"].abstract)), "resolved", "2303.10130"),
        ("wrapped", record(wrapped(papers["1708.05866"].abstract)), "resolved", "1708.05866"),
        ("seed v1 text", record(papers["1806.00610"].abstract), "resolved", "1806.00610"),
        ("same title", record(title=title), "ambiguous", None),
        ("nonsense", record(NONSENSE), "unmatched", None),
    ]
    records = [dataclasses.replace(rec, line=i + 1) for i, (_, rec, _, _) in enumerate(cases)]
    path = tmp_path / "cache.sqlite"
    settings = online(path, fake_arxiv.url)
    with Cache(path) as cache:
        results = resolve_records(records, settings, cache)
    got = [(name, r.status, r.arxiv_id) for (name, _, _, _), r in zip(cases, results)]
    assert got == [(name, status, pid) for name, _, status, pid in cases]
    ambiguous = results[7]
    assert {cid for cid, _ in ambiguous.candidates} == {"2112.07773", "2601.00011", "2601.00012"}
    for res in results:
        if res.status == "resolved":
            assert res.via == "search" and res.score is not None and res.evidence
    searches = [r for r in fake_arxiv.requests() if r.params.get("search_query")]
    assert 0 < len(searches) < len(records)
    assert all(r.params.get("id_list", "") == "" for r in searches)

    # rerun on the same cache: everything is answered locally, not one request
    before = len(fake_arxiv.requests())
    with Cache(path) as cache:
        again = resolve_records(records, settings, cache)
        assert cache.get_search(searches[0].params["search_query"]) is not None
    assert len(fake_arxiv.requests()) == before
    assert [(r.status, r.arxiv_id) for r in again] == [(r.status, r.arxiv_id) for r in results]

    # and offline too: the stored clause answers stand in for arXiv
    with Cache(path) as cache:
        off = resolve_records(records, Settings(cache_path=path, offline=True), cache)
    assert [(r.status, r.arxiv_id) for r in off] == [(r.status, r.arxiv_id) for r in results]


def test_local_confident_answers_send_no_request(fake_arxiv, seeded: Path, papers: dict[str, Paper]) -> None:
    records = [record(papers[pid].abstract) for pid in ("2112.10741", "2108.02818")]
    records.append(record(title=papers["2005.14165"].title))
    with Cache(seeded) as cache:
        results = resolve_records(records, online(seeded, fake_arxiv.url), cache)
    assert [r.status for r in results] == ["resolved"] * 3
    assert fake_arxiv.requests() == []


def test_clause_answers_are_stored_under_their_own_key(fake_arxiv, tmp_path: Path, papers: dict[str, Paper]) -> None:
    rec = record(papers["2212.08751"].abstract)
    path = tmp_path / "cache.sqlite"
    with Cache(path) as cache:
        resolve_records([rec], online(path, fake_arxiv.url), cache)
        clause = clauses_for(rec, 0)
        assert clause is not None
        assert "2212.08751" in (cache.get_search(CLAUSE_KEY_PREFIX + clause) or [])


def test_search_survives_flaky_answers(fake_arxiv, tmp_path: Path, papers: dict[str, Paper]) -> None:
    import fakearxiv

    path = tmp_path / "cache.sqlite"
    fake_arxiv.inject(fakearxiv.empty)  # arXiv's empty-feed flake: asked again, not stored as "no match"
    fake_arxiv.inject(fakearxiv.status(503))  # throttled: the client waits and retries
    with Cache(path) as cache:
        results = resolve_records([record(papers["2212.08751"].abstract)], online(path, fake_arxiv.url), cache)
    assert (results[0].status, results[0].arxiv_id) == ("resolved", "2212.08751")
    assert [r.status for r in fake_arxiv.requests()][:3] == [200, 503, 200]


def test_rejected_query_is_reported_not_raised(fake_arxiv, tmp_path: Path, papers: dict[str, Paper]) -> None:
    import fakearxiv

    path = tmp_path / "cache.sqlite"
    for _ in range(3):
        fake_arxiv.inject(fakearxiv.status(400))
    with Cache(path) as cache:
        results = resolve_records([record(papers["2212.08751"].abstract)], online(path, fake_arxiv.url), cache)
    assert results[0].status == "unverified" and "400" in (results[0].reason or "")


def test_unreachable_arxiv_makes_search_records_unverified(tmp_path: Path, papers: dict[str, Paper]) -> None:
    path = tmp_path / "cache.sqlite"
    settings = Settings(cache_path=path, offline=False, api_url=dead_endpoint(), request_interval=0.0,
                        max_retries=1)
    with Cache(path) as cache:
        results = resolve_records([record(papers["2201.10005"].abstract), record(NONSENSE)], settings, cache)
    assert [r.status for r in results] == ["unverified", "unverified"]
    assert all("could not" in (r.reason or "") or "failed" in (r.reason or "") for r in results)


def test_resolution_json_carries_the_outcome(papers: dict[str, Paper]) -> None:
    paper = papers["2203.02155"]
    res = Resolution(record(paper.abstract), "resolved", paper.arxiv_id, 0.98765, {"abstract": 0.98765},
                     paper=paper, via="cache")
    data = res.to_json()
    assert data["status"] == "resolved" and data["arxiv_id"] == "2203.02155"
    assert data["score"] == 0.9877 and data["evidence"] == {"abstract": 0.9877}
    assert data["candidates"] == [] and data["matched_title"] == paper.title
    assert data["source"] == "derived.txt" and data["line"] == 1


def test_resolution_formats_one_line_and_its_problem(papers: dict[str, Paper]) -> None:
    paper = papers["2203.02155"]
    resolved = Resolution(record(paper.abstract, line=4), "resolved", paper.arxiv_id, 0.98765, paper=paper)
    assert resolved.settled
    assert resolved.format_text() == f"derived.txt:4: resolved 2203.02155 (0.99) {paper.title!r}"
    unmatched = Resolution(record(NONSENSE, line=7), "unmatched", score=0.1234, reason="no candidate found")
    assert not unmatched.settled
    assert unmatched.format_text() == f"derived.txt:7: unmatched (0.12) {textnorm.snippet(NONSENSE)!r}"
    assert unmatched.format_problem() == f"derived.txt:7: unmatched: {textnorm.snippet(NONSENSE)!r} (no candidate found)"
    ambiguous = Resolution(record(title="T", line=2), "ambiguous", score=0.9, candidates=[("2601.00011", 0.9),
                                                                                          ("2601.00012", 0.88)])
    assert ambiguous.format_problem() == "derived.txt:2: ambiguous: 'T' matches 2601.00011 (0.90), 2601.00012 (0.88)"
    given = Resolution(Record("a.tex", 3, "tex", arxiv_id="2301.00001"), "not_found", "2301.00001", reason="gone")
    assert given.format_text() == "a.tex:3: not_found 2301.00001 arXiv:2301.00001"
    assert given.format_problem() == "a.tex:3: not_found: arXiv:2301.00001 (gone)"
    assert STATUSES == ("resolved", "given", "ambiguous", "unmatched", "not_found", "invalid", "unverified",
                        "conflict", "not_arxiv")


def test_resolutions_are_frozen(papers: dict[str, Paper]) -> None:
    res = Resolution(record("x"), "unmatched")
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.status = "resolved"  # type: ignore[misc]


def test_fetch_and_search_go_through_the_one_client_handed_over(fake_arxiv, tmp_path: Path,
                                                                papers: dict[str, Paper]) -> None:
    """Given ids and id-less records share the caller's client: one interval between ALL requests."""
    interval = 0.05
    path = tmp_path / "cache.sqlite"
    settings = Settings(cache_path=path, api_url=fake_arxiv.url, request_interval=interval, max_retries=1)
    records = [Record("a.md", 1, "markdown", arxiv_id="2203.02155"), record(papers["2201.10005"].abstract, line=2)]
    with Cache(path) as cache, ArxivClient(settings) as client:
        results = resolve_records(records, settings, cache, client=client)
        assert not client.closed  # lent, not closed: the caller may go on using it
    assert [(r.status, r.arxiv_id) for r in results] == [("given", "2203.02155"), ("resolved", "2201.10005")]
    log = fake_arxiv.requests()
    assert client.requests_made == len(log) >= 2
    assert any(r.id_list for r in log) and any(r.params.get("search_query") for r in log)
    times = [r.time for r in log]
    assert min(b - a for a, b in zip(times, times[1:])) >= interval


def test_names_from_before_the_split_stay_importable() -> None:
    from arxref import resolve, scoring, search

    assert resolve.score_title is scoring.score_title and resolve.surname is scoring.surname
    assert resolve.decide is scoring.decide and resolve.score_paper is scoring.score_paper
    assert resolve._Query is scoring.Query and resolve.MARGIN == scoring.MARGIN
    assert resolve.clauses_for is search.clauses_for and resolve.CLAUSE_KEY_PREFIX == search.CLAUSE_KEY_PREFIX


def test_resolution_init_matches_the_declared_fields(seed_records: list[Record]) -> None:
    """Resolution.__init__ is written by hand (speed): the declared fields, defaults and order, fresh containers."""
    import inspect

    params = list(inspect.signature(Resolution.__init__).parameters.values())[1:]
    declared = dataclasses.fields(Resolution)
    assert [p.name for p in params] == [f.name for f in declared]
    for param, spec in zip(params, declared):
        if spec.default_factory is not dataclasses.MISSING:
            assert param.default is None
        else:
            assert param.default == (inspect.Parameter.empty if spec.default is dataclasses.MISSING else spec.default)
    record = seed_records[0]
    plain = Resolution(record, "unmatched")
    assert plain.evidence == {} and plain.candidates == [] and Resolution(record, "unmatched").evidence is not plain.evidence
    full = Resolution(record, "ambiguous", "2107.03374", 0.5, {"title": 0.5}, [("2107.03374", 0.5)], None, "why", "cache",
                      3)
    assert [getattr(full, f.name) for f in declared] == [
        record, "ambiguous", "2107.03374", 0.5, {"title": 0.5}, [("2107.03374", 0.5)], None, "why", "cache", 3]
    assert dataclasses.replace(full, status="unmatched").reason == "why"
    with pytest.raises(dataclasses.FrozenInstanceError):
        full.status = "resolved"  # type: ignore[misc]
