"""fetch_papers: cache first, batches, remembered not-found, faults, the run's shared client, crash safety.

Every assertion about network use is read from the fake arXiv's request log.
"""

from __future__ import annotations

import dataclasses
import math
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import fakearxiv
from arxref.atom import parse_feed
from arxref.cache import Cache
from arxref.client import FALLBACK_WITNESSES
from arxref.config import Settings
from arxref.fetch import NOT_FOUND_TTL, FetchReport, fetch_papers
from fakearxiv import FakeArxiv

RESPONSES = Path(__file__).resolve().parent.parent / "examples" / "arxiv-responses"
EXPECTED = {p.arxiv_id: p for p in parse_feed((RESPONSES / "all.xml").read_bytes()).papers}
SEED_IDS = sorted(EXPECTED)


def make_settings(server: FakeArxiv, cache_path: Path, **overrides: Any) -> Settings:
    options: dict[str, Any] = dict(api_url=server.url, cache_path=cache_path, offline=False, refresh=False,
                                   request_interval=0.0, timeout=2.0, max_retries=2, batch_size=100)
    options.update(overrides)
    return Settings(**options)


def run(server: FakeArxiv, cache_path: Path, ids: list[str], **overrides: Any) -> FetchReport:
    with Cache(cache_path) as cache:
        return fetch_papers(ids, make_settings(server, cache_path, **overrides), cache)


def cached(cache_path: Path) -> dict[str, Any]:
    with Cache(cache_path) as cache:
        return cache.get_many(SEED_IDS)


def same_as_shipped(paper: Any) -> bool:
    expected = EXPECTED[paper.arxiv_id]
    return (paper.title, paper.authors, paper.abstract, paper.version) == (
        expected.title, expected.authors, expected.abstract, expected.version)


# -- batching and the cache --------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 7, 10, 25, 100])
def test_n_uncached_ids_cost_ceil_n_over_batch_requests(fake_arxiv: FakeArxiv, tmp_path: Path,
                                                        batch_size: int) -> None:
    report = run(fake_arxiv, tmp_path / "c.sqlite", SEED_IDS, batch_size=batch_size)
    assert set(report.papers) == set(SEED_IDS) == report.fetched
    assert all(same_as_shipped(p) for p in report.papers.values())
    log = fake_arxiv.requests()
    assert len(log) == report.requests == math.ceil(len(SEED_IDS) / batch_size)
    assert [len(r.id_list) for r in log] == [min(batch_size, len(SEED_IDS) - i) for i in
                                             range(0, len(SEED_IDS), batch_size)]
    for request in log:
        assert request.params["max_results"] == str(len(request.id_list))
    assert sorted(i for r in log for i in r.id_list) == SEED_IDS


def test_second_run_is_answered_from_the_cache(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    run(fake_arxiv, path, SEED_IDS[:10])
    assert len(fake_arxiv.requests()) == 1
    report = run(fake_arxiv, path, SEED_IDS)
    assert report.from_cache == set(SEED_IDS[:10]) and report.fetched == set(SEED_IDS[10:])
    log = fake_arxiv.requests()
    assert len(log) == 2 and sorted(log[1].id_list) == SEED_IDS[10:]
    assert all(same_as_shipped(p) for p in report.papers.values())
    third = run(fake_arxiv, path, SEED_IDS)
    assert third.from_cache == set(SEED_IDS) and third.requests == 0 and len(fake_arxiv.requests()) == 2


def test_fetched_papers_carry_fetched_at(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    report = run(fake_arxiv, tmp_path / "c.sqlite", ["2107.03374"])
    assert report.papers["2107.03374"].fetched_at is not None


def test_progress_counts_settled_ids(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    run(fake_arxiv, path, SEED_IDS[:5])
    seen: list[int] = []
    with Cache(path) as cache:
        fetch_papers(SEED_IDS, make_settings(fake_arxiv, path, batch_size=10), cache, progress=seen.append)
    assert seen == [5, 15, 25]


def test_versioned_request_fetches_the_base_id(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    report = run(fake_arxiv, path, ["2107.03374v1", "arXiv:2005.14165v4"])
    assert sorted(r for req in fake_arxiv.requests() for r in req.id_list) == ["2005.14165", "2107.03374"]
    assert set(report.papers) == {"2107.03374", "2005.14165"}
    assert report.papers["2107.03374"].version == 2 and report.papers["2107.03374"].versions == [1, 2]
    # a version newer than any seen is not invented: the latest answers, the version is reported missing
    newer = run(fake_arxiv, path, ["2107.03374v9"])
    assert not newer.not_found and newer.missing_versions == {"2107.03374": 9}
    assert newer.papers["2107.03374"].version == 2


# -- a version arXiv does not have ---------------------------------------------------


def test_a_mistyped_version_gives_the_latest_with_one_request(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    report = run(fake_arxiv, path, ["2107.03374v3", "2005.14165v2"])  # Codex has v1-v2, GPT-3 v1-v4
    assert [sorted(r.id_list) for r in fake_arxiv.requests()] == [["2005.14165", "2107.03374"]]
    assert report.missing_versions == {"2107.03374": 3} and not report.not_found
    assert report.fetched == {"2107.03374", "2005.14165"}
    assert same_as_shipped(report.papers["2107.03374"]) and report.papers["2005.14165"].version == 4
    with Cache(path) as cache:  # remembered like any miss
        assert set(cache.not_found(["2107.03374v3", "2107.03374"])) == {"2107.03374v3"}


def test_a_cached_paper_is_asked_again_once_then_the_missing_version_is_remembered(
        fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    run(fake_arxiv, path, ["2107.03374"])
    report = run(fake_arxiv, path, ["2107.03374v3"])  # the cached v2 may be stale: the base is asked again
    assert report.missing_versions == {"2107.03374": 3} and report.fetched == {"2107.03374"}
    assert [r.id_list for r in fake_arxiv.requests()] == [["2107.03374"], ["2107.03374"]]
    for settings in ({}, {"offline": True}):  # then answered by the cache, online or not
        again = run(fake_arxiv, path, ["2107.03374v3"], **settings)
        assert again.missing_versions == {"2107.03374": 3} and again.from_cache == {"2107.03374"}
        assert again.requests == 0 and not again.unchecked_versions and not again.uncached
    assert len(fake_arxiv.requests()) == 2


def test_offline_a_version_beyond_the_cache_is_answered_unchecked(seeded: Path) -> None:
    with Cache(seeded) as cache:
        report = fetch_papers(["2107.03374v3", "2203.02155v1"], Settings(cache_path=seeded, offline=True), cache)
    assert report.unchecked_versions == {"2107.03374": 3} and not report.missing_versions
    assert set(report.papers) == report.from_cache == {"2107.03374", "2203.02155"} and not report.uncached


def test_an_old_style_mistyped_version_gives_the_latest(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    for version in (1, 2):
        fake_arxiv.add_entry(OLD_STYLE_SYNTHETIC.replace("v1</id>", f"v{version}</id>"))
    path = tmp_path / "c.sqlite"
    report = run(fake_arxiv, path, ["hep-th/9901001v3", "hep-th/9901002v2"])
    assert report.missing_versions == {"hep-th/9901001": 3} and report.papers["hep-th/9901001"].version == 2
    assert report.not_found == {"hep-th/9901002"}  # no paper at all: not found, whatever the version
    assert [sorted(r.id_list) for r in fake_arxiv.requests()][0] == ["hep-th/9901001", "hep-th/9901002"]


def test_invalid_ids_are_reported_and_never_sent(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    report = run(fake_arxiv, tmp_path / "c.sqlite", ["2313.00001", "hello", "2107.03374"])
    assert set(report.invalid) == {"2313.00001", "hello"}
    assert [r.id_list for r in fake_arxiv.requests()] == [["2107.03374"]]


def test_arxiv_rejected_ids_are_invalid_and_the_rest_fetched(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    fake_arxiv.bad_ids.add("2203.02155")
    report = run(fake_arxiv, tmp_path / "c.sqlite", SEED_IDS)
    assert list(report.invalid) == ["2203.02155"]
    assert set(report.papers) == set(SEED_IDS) - {"2203.02155"}


# -- not found ----------------------------------------------------------------------


def test_not_found_is_remembered_and_refresh_asks_again(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    first = run(fake_arxiv, path, ["2101.99999", "2107.03374"])
    assert first.not_found == {"2101.99999"} and first.fetched == {"2107.03374"}
    assert len(fake_arxiv.requests()) == 1
    second = run(fake_arxiv, path, ["2101.99999"])
    assert second.not_found == {"2101.99999"} and second.requests == 0
    assert len(fake_arxiv.requests()) == 1
    third = run(fake_arxiv, path, ["2101.99999"], refresh=True)
    assert third.not_found == {"2101.99999"}
    # alone in its batch the empty answer is asked again beside a witness (a cached paper):
    # only an answer that holds the witness but not the id confirms the miss
    assert [r.id_list for r in fake_arxiv.requests()[1:]] == [["2101.99999"], ["2101.99999", "2107.03374"]]


def test_an_old_not_found_record_is_asked_again(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with Cache(path) as cache:
        cache.mark_not_found(["2101.99999"], when=datetime.now(timezone.utc) - NOT_FOUND_TTL - timedelta(days=1))
        cache.mark_not_found(["2101.99998"], when=datetime.now(timezone.utc) - NOT_FOUND_TTL + timedelta(days=1))
    report = run(fake_arxiv, path, ["2101.99999", "2101.99998"])
    assert report.not_found == {"2101.99999", "2101.99998"}
    asked = {i for r in fake_arxiv.requests() for i in r.id_list}
    assert asked - set(FALLBACK_WITNESSES) == {"2101.99999"}  # (plus the witness of the empty answer)


def test_a_paper_that_appears_later_is_found_on_refresh(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    assert run(fake_arxiv, path, ["2101.00042"]).not_found == {"2101.00042"}
    fake_arxiv.add_entry(SYNTHETIC_ENTRY)
    assert run(fake_arxiv, path, ["2101.00042"]).not_found == {"2101.00042"}  # remembered, not asked
    report = run(fake_arxiv, path, ["2101.00042"], refresh=True)
    assert report.fetched == {"2101.00042"} and not report.not_found
    with Cache(path) as cache:
        assert cache.not_found(["2101.00042"]) == {}
        assert cache.get("2101.00042") is not None


SYNTHETIC_ENTRY = """<entry>
    <id>http://arxiv.org/abs/2101.00042v1</id>
    <title>Synthetic Test Entry For The Fake Server</title>
    <updated>2021-01-04T00:00:00Z</updated>
    <link href="https://arxiv.org/abs/2101.00042v1" rel="alternate" type="text/html"/>
    <summary>Synthetic abstract written for arxref's tests; not a real paper.</summary>
    <category term="cs.SE" scheme="http://arxiv.org/schemas/atom"/>
    <published>2021-01-04T00:00:00Z</published>
    <arxiv:primary_category term="cs.SE"/>
    <author>
      <name>Test Author</name>
    </author>
  </entry>"""


OLD_STYLE_SYNTHETIC = """<entry>
    <id>http://arxiv.org/abs/hep-th/9901001v1</id>
    <title>Synthetic Old-Style Test Entry For The Fake Server</title>
    <updated>1999-01-04T00:00:00Z</updated>
    <summary>Synthetic abstract written for arxref's tests; not real metadata of this id.</summary>
    <published>1999-01-04T00:00:00Z</published>
    <author>
      <name>Test Author</name>
    </author>
  </entry>"""


# -- faults -------------------------------------------------------------------------------


def test_failed_batch_is_unverified_and_the_others_are_kept(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    fake_arxiv.inject(fakearxiv.ok)  # first batch fine
    fake_arxiv.inject(fakearxiv.status(503), times=3)  # second batch: every attempt fails (max_retries=2)
    report = run(fake_arxiv, path, SEED_IDS, batch_size=10)
    assert set(report.unverified) == set(SEED_IDS[10:20])
    assert all("could not verify" in reason and "HTTP 503" in reason for reason in report.unverified.values())
    assert not report.not_found
    assert report.fetched == set(SEED_IDS[:10]) | set(SEED_IDS[20:])
    assert set(cached(path)) == report.fetched
    again = run(fake_arxiv, path, SEED_IDS, batch_size=10)
    assert again.fetched == set(SEED_IDS[10:20]) and again.from_cache == report.fetched


@pytest.mark.parametrize("fault", [fakearxiv.truncated, fakearxiv.html, fakearxiv.api_error],
                         ids=lambda f: f.kind)
def test_damaged_answers_never_reach_the_cache(fake_arxiv: FakeArxiv, tmp_path: Path,
                                               fault: fakearxiv.Fault) -> None:
    path = tmp_path / "c.sqlite"
    fake_arxiv.inject(fault, times=3)
    report = run(fake_arxiv, path, SEED_IDS)
    assert set(report.unverified) == set(SEED_IDS) and not report.not_found
    assert cached(path) == {}
    fake_arxiv.inject(fault)
    report = run(fake_arxiv, path, SEED_IDS)
    assert report.fetched == set(SEED_IDS)
    assert all(same_as_shipped(p) for p in cached(path).values())


def test_dropped_ids_are_not_found(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    fake_arxiv.inject(fakearxiv.drop({"2107.03374"}))
    report = run(fake_arxiv, tmp_path / "c.sqlite", SEED_IDS)
    assert report.not_found == {"2107.03374"} and len(report.papers) == 24


def test_server_down_everything_unverified_nothing_lost(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    run(fake_arxiv, path, SEED_IDS[:3])
    fake_arxiv.go_down()
    report = run(fake_arxiv, path, SEED_IDS, batch_size=10, max_retries=1)
    assert report.from_cache == set(SEED_IDS[:3])
    assert set(report.unverified) == set(SEED_IDS[3:])
    assert all("connection refused" in reason for reason in report.unverified.values())
    # one quick retry for the first batch; the later batches are not asked at all
    assert report.requests == 2 and len(fake_arxiv.requests()) == 1


def test_a_dead_endpoint_costs_one_backoff_cycle_not_one_per_batch(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    fake_arxiv.inject(fakearxiv.status(503), times=100)
    report = run(fake_arxiv, tmp_path / "c.sqlite", SEED_IDS, batch_size=10, max_retries=3)
    assert set(report.unverified) == set(SEED_IDS)
    # first batch: 1 + 3 retries; the two later batches: one attempt each
    assert report.requests == len(fake_arxiv.requests()) == 4 + 1 + 1


def test_a_recovered_endpoint_gets_full_retries_again(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    fake_arxiv.inject(fakearxiv.status(503), times=3)  # batch 1 fails for good (max_retries=2)
    fake_arxiv.inject(fakearxiv.ok)  # batch 2 succeeds at once
    fake_arxiv.inject(fakearxiv.status(503), times=2)  # batch 3 needs two retries, and gets them
    report = run(fake_arxiv, tmp_path / "c.sqlite", SEED_IDS, batch_size=10, max_retries=2)
    assert set(report.unverified) == set(SEED_IDS[:10])
    assert report.fetched == set(SEED_IDS[10:])


def test_offline_sends_nothing_and_reports_uncached(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    run(fake_arxiv, path, SEED_IDS[:3])
    before = len(fake_arxiv.requests(path=None))
    report = run(fake_arxiv, path, SEED_IDS, offline=True)
    assert report.from_cache == set(SEED_IDS[:3]) and report.uncached == set(SEED_IDS[3:])
    assert report.requests == 0 and len(fake_arxiv.requests(path=None)) == before


def test_offline_with_an_empty_cache_makes_no_request_at_all(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    report = run(fake_arxiv, tmp_path / "c.sqlite", ["2107.03374"], offline=True)
    assert report.uncached == {"2107.03374"} and fake_arxiv.requests(path=None) == []


# -- the run's shared client -------------------------------------------------------------


def test_a_client_handed_over_is_used_and_left_open(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    from arxref.client import ArxivClient

    path = tmp_path / "c.sqlite"
    settings = make_settings(fake_arxiv, path, batch_size=10)
    with Cache(path) as cache, ArxivClient(settings) as client:
        report = fetch_papers(SEED_IDS, settings, cache, client=client)
        assert client.requests_made == report.requests == len(fake_arxiv.requests()) == 3
        assert not client.closed  # lent, not closed: the run's other stages share it
        again = fetch_papers(["2101.99999"], dataclasses.replace(settings, refresh=True), cache, client=client)
    assert client.requests_made == 3 + again.requests


# -- crash safety ---------------------------------------------------------------------------


def test_kill_9_mid_fetch_loses_at_most_the_batch_in_flight(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    env = {**os.environ, "ARXREF_API_URL": fake_arxiv.url, "ARXREF_CACHE": str(path), "ARXREF_REQUEST_INTERVAL": "0.1",
           "ARXREF_OFFLINE": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "arxref", "fetch", "--batch-size", "1", "--format", "jsonl", *SEED_IDS],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while len(fake_arxiv.requests()) < 6 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert proc.poll() is None, "the fetch finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
    asked_first = [r.id_list[0] for r in fake_arxiv.requests()]
    stored = set(cached(path))
    assert len(stored) >= len(asked_first) - 1  # only the batch in flight may be lost
    assert stored <= set(asked_first)
    assert all(same_as_shipped(p) for p in cached(path).values())

    rerun = subprocess.run([sys.executable, "-m", "arxref", "fetch", "--batch-size", "5", *SEED_IDS],
                           env={**env, "ARXREF_REQUEST_INTERVAL": "0"}, capture_output=True, text=True, timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    asked_again = [i for r in fake_arxiv.requests()[len(asked_first):] for i in r.id_list]
    assert not set(asked_again) & stored
    assert set(asked_again) == set(SEED_IDS) - stored
    assert set(cached(path)) == set(SEED_IDS)


def test_an_oversized_answer_caches_nothing_and_is_unverified(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    fake_arxiv.inject(fakearxiv.gzip_bomb(64), times=10)
    settings = dataclasses.replace(make_settings(fake_arxiv, path, max_retries=1), max_response_bytes=4 << 20,
                                   timeout=20.0)
    with Cache(path) as cache:
        report = fetch_papers(["2107.03374"], settings, cache)
        assert "response too large" in report.unverified["2107.03374"]
        assert not report.papers and not report.not_found
        assert len(cache) == 0 and cache.not_found(["2107.03374"]) == {}
