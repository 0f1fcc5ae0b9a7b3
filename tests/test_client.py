"""ArxivClient against the loopback fake arXiv: batching, politeness, faults, 400 splitting, search.

Assertions are made from the fake server's request log (what arXiv would have seen).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import fakearxiv
from arxref.atom import parse_feed
from arxref.client import (
    MAX_GET_URL,
    MAX_RETRY_AFTER,
    QUICK_RETRY,
    UNREACHABLE_MEMORY,
    USER_AGENT,
    ArxivClient,
    RequestInterval,
    is_html,
    match_entries,
    parse_retry_after,
    query_string,
    use_client,
)
from arxref.config import Settings
from arxref.errors import OfflineError, VerifyError
from fakearxiv import FakeArxiv

RESPONSES = Path(__file__).resolve().parent.parent / "examples" / "arxiv-responses"
EXPECTED = {p.arxiv_id: p for p in parse_feed((RESPONSES / "all.xml").read_bytes()).papers}
SEED_IDS = sorted(EXPECTED)
INTERVAL = 0.05


def make_settings(server: FakeArxiv, **overrides: Any) -> Settings:
    options: dict[str, Any] = dict(api_url=server.url, cache_path="/nonexistent/unused.sqlite", offline=False,
                                   request_interval=0.0, timeout=2.0, max_retries=3, batch_size=100)
    options.update(overrides)
    return Settings(**options)


def no_jitter() -> float:
    return 0.0


def client_for(server: FakeArxiv, **overrides: Any) -> ArxivClient:
    return ArxivClient(make_settings(server, **overrides), jitter=no_jitter)


def assert_exact(found: dict[str, Any], ids: list[str]) -> None:
    """Every paper equals the shipped data (nothing partial or damaged got through)."""
    assert sorted(found) == sorted(ids)
    for key, paper in found.items():
        expected = EXPECTED[paper.arxiv_id]
        assert (paper.title, paper.authors, paper.abstract, paper.version) == (
            expected.title, expected.authors, expected.abstract, expected.version)


# -- batching and request shape ---------------------------------------------------


def test_one_batch_is_one_request_with_max_results_equal_to_its_length(fake_arxiv: FakeArxiv) -> None:
    result = client_for(fake_arxiv).fetch_ids(SEED_IDS)
    assert_exact(result.papers, SEED_IDS)
    assert result.missing == [] and result.invalid == {} and result.requests == 1
    (request,) = fake_arxiv.requests()
    assert request.method == "GET"
    assert request.params["max_results"] == "25" and request.params["start"] == "0"
    assert sorted(request.id_list) == SEED_IDS
    assert request.user_agent == USER_AGENT
    assert USER_AGENT.startswith("arxref/") and "+https://github.com/arxref/arxref" in USER_AGENT


def test_more_than_ten_ids_are_not_cut_by_the_api_default(fake_arxiv: FakeArxiv) -> None:
    """Without max_results the API answers 10 entries; the client always sends the batch length."""
    result = client_for(fake_arxiv).fetch_ids(SEED_IDS[:17])
    assert len(result.papers) == 17 and result.missing == []


def test_results_are_matched_by_id_not_by_order(fake_arxiv: FakeArxiv) -> None:
    ids = list(reversed(SEED_IDS))
    result = client_for(fake_arxiv).fetch_ids(ids)
    for key, paper in result.papers.items():
        assert paper.arxiv_id == key
    # the fake answers in an order unrelated to the request (like arXiv)
    feed_order = [e.base for e in fake_arxiv.lookup(ids)]
    assert feed_order != ids and feed_order != SEED_IDS


def test_versioned_ids_match_only_that_version(fake_arxiv: FakeArxiv) -> None:
    # the shipped entry of 2107.03374 is v2; v1's text is not in the data, so v1 is missing here
    result = client_for(fake_arxiv).fetch_ids(["2107.03374v2", "arXiv:2005.14165", "2107.03374v1"])
    assert set(result.papers) == {"2107.03374v2", "2005.14165"}
    assert result.papers["2107.03374v2"].version == 2
    assert result.missing == ["2107.03374v1"]


def test_duplicates_and_id_forms_collapse(fake_arxiv: FakeArxiv) -> None:
    result = client_for(fake_arxiv).fetch_ids(
        ["2107.03374", "https://arxiv.org/abs/2107.03374", "10.48550/arXiv.2107.03374"])
    assert list(result.papers) == ["2107.03374"]
    (request,) = fake_arxiv.requests()
    assert request.id_list == ["2107.03374"] and request.params["max_results"] == "1"


def test_impossible_ids_are_never_sent(fake_arxiv: FakeArxiv) -> None:
    result = client_for(fake_arxiv).fetch_ids(["2313.00001", "not-an-id", "2107.03374"])
    assert set(result.invalid) == {"2313.00001", "not-an-id"}
    assert "month 13" in result.invalid["2313.00001"]
    (request,) = fake_arxiv.requests()
    assert request.id_list == ["2107.03374"]


def test_unknown_ids_are_missing(fake_arxiv: FakeArxiv) -> None:
    result = client_for(fake_arxiv).fetch_ids(["2107.03374", "2101.99999"])
    assert list(result.papers) == ["2107.03374"] and result.missing == ["2101.99999"]
    assert result.requests == 1  # a partial answer is not an empty feed: no re-check


def test_long_id_lists_are_sent_by_post(fake_arxiv: FakeArxiv) -> None:
    """GET breaks near 600-700 ids (HTTP 414); the client switches to POST past MAX_GET_URL."""
    synthetic_unknown = [f"2101.{n:05d}" for n in range(1, 676)]  # well-formed ids the fake does not hold
    ids = SEED_IDS + synthetic_unknown
    result = client_for(fake_arxiv).fetch_ids(ids)
    assert_exact(result.papers, SEED_IDS)
    assert sorted(result.missing) == sorted(synthetic_unknown)
    (request,) = fake_arxiv.requests()
    assert request.method == "POST"
    assert len(request.id_list) == 700 and request.params["max_results"] == "700"


def test_query_is_the_one_arxiv_py_sends(fake_arxiv: FakeArxiv) -> None:
    """Same parameters, values and order as arxiv.py's own Client (driven through its public API)."""
    import arxiv

    for page_size, search in ((3, arxiv.Search(id_list=SEED_IDS[:3], max_results=3)),
                              (50, arxiv.Search(query='ti:"trained on code" AND au:chen', max_results=50))):
        reference = arxiv.Client(page_size=page_size, delay_seconds=0, num_retries=0)
        reference.query_url_format = fake_arxiv.url + "?{}"
        list(reference.results(search))
    client = client_for(fake_arxiv)
    client.fetch_ids(SEED_IDS[:3])
    client.search('ti:"trained on code" AND au:chen', max_results=50)
    theirs_ids, theirs_search, ours_ids, ours_search = fake_arxiv.requests()
    assert list(ours_ids.params.items()) == list(theirs_ids.params.items())
    assert list(ours_search.params.items()) == list(theirs_search.params.items())
    assert query_string("", ["2107.03374", "2005.14165"], 0, 2) == (
        "search_query=&id_list=2107.03374%2C2005.14165&sortBy=relevance&sortOrder=descending&start=0&max_results=2")


def test_short_lists_use_get_below_the_url_limit(fake_arxiv: FakeArxiv) -> None:
    client = client_for(fake_arxiv)
    url, _ = client._build("", SEED_IDS, 0, 25)
    assert len(url) <= MAX_GET_URL
    client.fetch_ids(SEED_IDS)
    assert [r.method for r in fake_arxiv.requests()] == ["GET"]


# -- politeness -----------------------------------------------------------------


def test_requests_are_spaced_by_the_interval(fake_arxiv: FakeArxiv) -> None:
    client = client_for(fake_arxiv, request_interval=INTERVAL)
    for paper_id in SEED_IDS[:6]:
        client.fetch_ids([paper_id])
    times = [r.time for r in fake_arxiv.requests()]
    assert len(times) == 6
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= INTERVAL


def test_clients_handed_one_interval_share_it(fake_arxiv: FakeArxiv) -> None:
    """Whoever holds the RequestInterval decides the pace: two clients given one keep it together."""
    shared = RequestInterval(INTERVAL)
    first = ArxivClient(make_settings(fake_arxiv, request_interval=INTERVAL), jitter=no_jitter, interval=shared)
    second = ArxivClient(make_settings(fake_arxiv, request_interval=INTERVAL), jitter=no_jitter, interval=shared)
    for paper_id in SEED_IDS[:3]:
        first.fetch_ids([paper_id])
        second.search(f"id:{paper_id}")
    times = [r.time for r in fake_arxiv.requests()]
    assert len(times) == 6
    assert min(b - a for a, b in zip(times, times[1:])) >= INTERVAL


def test_a_second_client_on_the_machine_waits_for_the_first(fake_arxiv: FakeArxiv) -> None:
    """The interval is machine-wide (a lock file beside the cache), not per client or process."""
    client_for(fake_arxiv, request_interval=10.0).fetch_ids(["2107.03374"])
    sleeps: list[float] = []
    ArxivClient(make_settings(fake_arxiv, request_interval=10.0), sleep=sleeps.append,
                jitter=no_jitter).fetch_ids(["2005.14165"])
    assert len(sleeps) == 1 and 9.0 < sleeps[0] <= 10.0 and len(fake_arxiv.requests()) == 2

def test_request_interval_counts_from_the_end_of_the_last_request() -> None:
    now = [100.0]
    sleeps: list[float] = []
    interval = RequestInterval(3.0, sleep=sleeps.append, clock=lambda: now[0])
    with interval.turn():
        now[0] += 0.5  # the request takes half a second
    assert sleeps == []  # the first request never waits
    now[0] += 1.0
    with interval.turn():
        pass
    assert sleeps == [pytest.approx(2.0)]  # 3 s after the previous END, not its start
    now[0] += 10.0
    with interval.turn(at_least=4.0):  # a backoff longer than the interval wins
        pass
    assert sleeps[-1] == 4.0


def test_request_interval_records_the_end_even_when_the_request_fails() -> None:
    now = [0.0]
    sleeps: list[float] = []
    interval = RequestInterval(1.0, sleep=sleeps.append, clock=lambda: now[0])
    with pytest.raises(RuntimeError):
        with interval.turn():
            raise RuntimeError("connection reset")
    with interval.turn():
        pass
    assert sleeps == [1.0]


def test_use_client_lends_the_given_client_and_closes_only_its_own(fake_arxiv: FakeArxiv) -> None:
    given = client_for(fake_arxiv)
    with use_client(given.settings, given) as lent:
        assert lent is given
        lent.fetch_ids(["2107.03374"])
    assert not given.closed  # still open for the run's other stages
    with use_client(given.settings) as own:
        assert own is not given
        own.fetch_ids(["2005.14165"])
    assert own.closed
    given.close()


def test_retries_are_spaced_by_the_interval_too(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.inject(fakearxiv.status(503), times=3)
    client = client_for(fake_arxiv, request_interval=INTERVAL)
    client.fetch_ids(["2107.03374"])
    times = [r.time for r in fake_arxiv.requests()]
    assert len(times) == 4
    assert min(b - a for a, b in zip(times, times[1:])) >= INTERVAL


def test_backoff_is_exponential_and_goes_through_the_injected_sleep(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.inject(fakearxiv.status(500), times=3)
    sleeps: list[float] = []
    client = ArxivClient(make_settings(fake_arxiv, request_interval=0.0), sleep=sleeps.append, jitter=no_jitter)
    client.fetch_ids(["2107.03374"])
    assert sleeps == pytest.approx([0.01, 0.02, 0.04])


def test_backoff_base_is_the_request_interval_and_jitter_only_lengthens(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.inject(fakearxiv.status(503), times=2)
    sleeps: list[float] = []
    client = ArxivClient(make_settings(fake_arxiv, request_interval=0.5), sleep=sleeps.append,
                         jitter=lambda: 0.5)
    client.fetch_ids(["2107.03374"])
    # each retry waits base * 2**n * (1 + jitter), which already covers the interval
    assert sleeps == pytest.approx([0.75, 1.5])


# -- faults ---------------------------------------------------------------------

RECOVERABLE = [
    fakearxiv.status(429),
    fakearxiv.status(503),
    fakearxiv.status(500),
    fakearxiv.status(502),
    fakearxiv.truncated,
    fakearxiv.html,
    fakearxiv.api_error,
    fakearxiv.reset,
    fakearxiv.slow(1.5),
]


@pytest.mark.parametrize("fault", RECOVERABLE, ids=lambda f: f"{f.kind}{f.status if f.kind == 'status' else ''}")
@pytest.mark.parametrize("times", [1, 2])
def test_transient_faults_are_retried_then_everything_arrives(fake_arxiv: FakeArxiv, fault: fakearxiv.Fault,
                                                              times: int) -> None:
    fake_arxiv.inject(fault, times=times)
    client = client_for(fake_arxiv, timeout=0.3)
    result = client.fetch_ids(SEED_IDS)
    assert_exact(result.papers, SEED_IDS)
    assert result.missing == []
    log = fake_arxiv.requests()
    assert [r.fault for r in log] == [fault.kind] * times + [None]
    assert result.requests == times + 1


def test_retry_after_seconds_is_honoured(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.inject(fakearxiv.status(429, retry_after=1))
    client_for(fake_arxiv).fetch_ids(["2107.03374"])
    first, second = fake_arxiv.requests()
    assert first.status == 429 and second.status == 200
    assert second.time - first.time >= 1.0


def test_retry_after_is_used_by_the_backoff(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.inject(fakearxiv.status(503, retry_after=7))
    sleeps: list[float] = []
    ArxivClient(make_settings(fake_arxiv), sleep=sleeps.append, jitter=no_jitter).fetch_ids(["2107.03374"])
    assert sleeps == [7.0]


def test_retry_after_http_date_and_caps() -> None:
    now = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)
    later = (now + timedelta(seconds=42)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after(later, now=now) == pytest.approx(42)
    assert parse_retry_after("100000") == MAX_RETRY_AFTER
    earlier = (now - timedelta(seconds=42)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after(earlier, now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_persistent_failure_is_unverified_not_not_found(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.inject(fakearxiv.status(503), times=10)
    client = client_for(fake_arxiv, max_retries=3)
    with pytest.raises(VerifyError) as info:
        client.fetch_ids(["2107.03374"])
    message = str(info.value)
    assert "could not verify" in message and fake_arxiv.url in message and "HTTP 503" in message
    assert len(fake_arxiv.requests()) == 4


def test_a_moved_endpoint_names_its_new_address(fake_arxiv: FakeArxiv) -> None:
    """http://export.arxiv.org answering 301 to https://: not followed, not retried; the user is told where."""
    fake_arxiv.inject(fakearxiv.redirect(301, "https://export.arxiv.org/api/query?id_list=2107.03374"))
    with pytest.raises(VerifyError, match=r"unexpected HTTP 301 from the arXiv API \(it moved to "
                                          r"https://export\.arxiv\.org/api/query: give that as --api-url"):
        client_for(fake_arxiv, max_retries=2).fetch_ids(["2107.03374"])
    assert len(fake_arxiv.requests()) == 1


@pytest.mark.parametrize("fault", [fakearxiv.truncated, fakearxiv.html, fakearxiv.api_error],
                         ids=lambda f: f.kind)
def test_damaged_answers_are_never_returned_as_data(fake_arxiv: FakeArxiv, fault: fakearxiv.Fault) -> None:
    fake_arxiv.inject(fault, times=10)
    with pytest.raises(VerifyError, match="damaged|error|server sent HTML, not an Atom feed"):
        client_for(fake_arxiv, max_retries=2).fetch_ids(SEED_IDS)
    assert len(fake_arxiv.requests()) == 3


def test_timeouts_give_up_with_a_clear_reason(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.inject(fakearxiv.slow(2), times=3)
    with pytest.raises(VerifyError, match="no answer within 0.2 s"):
        client_for(fake_arxiv, timeout=0.2, max_retries=1).fetch_ids(["2107.03374"])


def test_empty_feed_is_rechecked_once(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.inject(fakearxiv.empty)
    result = client_for(fake_arxiv).fetch_ids(SEED_IDS)
    assert_exact(result.papers, SEED_IDS)
    assert [r.fault for r in fake_arxiv.requests()] == ["empty", None]


def test_empty_feed_twice_is_unverified_not_missing(fake_arxiv: FakeArxiv) -> None:
    """Two empty answers prove nothing (arXiv flakes): the id is unverified, never a remembered miss."""
    fake_arxiv.inject(fakearxiv.empty, times=2)
    result = client_for(fake_arxiv).fetch_ids(["2107.03374"])
    assert result.papers == {} and result.missing == []
    assert result.unverified == {"2107.03374": "arXiv answered empty twice"}
    # the re-check carried a witness, an id known to exist
    assert [r.id_list for r in fake_arxiv.requests()] == [["2107.03374"], ["2107.03374", "2005.14165"]]


def test_an_unknown_id_is_confirmed_missing_by_the_witness(fake_arxiv: FakeArxiv) -> None:
    """A single unknown id gets an empty answer; asked again beside a known paper, arXiv confirms the miss."""
    result = client_for(fake_arxiv).fetch_ids(["2101.99999"])  # SYNTHETIC id nobody serves
    assert result.papers == {} and result.missing == ["2101.99999"] and result.unverified == {}
    assert [r.id_list for r in fake_arxiv.requests()] == [["2101.99999"], ["2101.99999", "2107.03374"]]


def test_ids_left_out_of_a_cut_page_are_unverified_not_missing(fake_arxiv: FakeArxiv) -> None:
    """A batch at the page limit plus the witness: arXiv cuts the page, so what it left out proves nothing."""
    fake_arxiv.page_limit = 3
    fake_arxiv.inject(fakearxiv.empty)
    tokens = ["2004.07213", "2102.02503", "2112.10741"]  # after the witness in the fake's (hash) order
    result = client_for(fake_arxiv).fetch_ids(tokens)
    assert [r.id_list for r in fake_arxiv.requests()] == [tokens, [*tokens, "2107.03374"]]
    assert result.missing == []
    assert_exact(result.papers, tokens[:2])
    assert result.unverified == {"2112.10741": "arXiv's answer was cut at 3 of 4 papers"}


def test_an_answer_for_ids_not_asked_confirms_no_miss(fake_arxiv: FakeArxiv) -> None:
    """A feed of other papers than asked (another request's answer) proves nothing about the ids asked:
    they are unverified, not remembered as papers arXiv lacks."""
    fake_arxiv.inject(fakearxiv.stray({"2107.03374"}))
    result = client_for(fake_arxiv).fetch_ids(["2005.14165", "1706.03762"])  # the second is not in the shipped data
    assert result.papers == {} and result.missing == []
    assert result.unverified == dict.fromkeys(["2005.14165", "1706.03762"],
                                              "arXiv's answer held 2107.03374, which was not asked for")


def test_an_answer_with_a_stray_paper_beside_the_asked_ones_keeps_what_it_found(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.inject(fakearxiv.stray({"2107.03374", "2005.14165"}))
    result = client_for(fake_arxiv).fetch_ids(["2005.14165", "2101.99999"])  # SYNTHETIC: 2101.99999 nobody serves
    assert_exact(result.papers, ["2005.14165"])
    assert result.missing == [] and list(result.unverified) == ["2101.99999"]


def test_dropped_ids_are_missing_not_retried(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.inject(fakearxiv.drop({"2107.03374", "2005.14165"}))
    result = client_for(fake_arxiv).fetch_ids(SEED_IDS)
    assert sorted(result.missing) == ["2005.14165", "2107.03374"]
    assert len(result.papers) == 23 and len(fake_arxiv.requests()) == 1


def test_server_down_then_back_up_within_the_quick_retry(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.go_down()
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        fake_arxiv.up()

    client = ArxivClient(make_settings(fake_arxiv), sleep=sleep, jitter=no_jitter)
    result = client.fetch_ids(SEED_IDS)
    assert_exact(result.papers, SEED_IDS)
    assert result.requests == 2  # a refused connection, then the answer
    assert sleeps == [QUICK_RETRY]
    assert len(fake_arxiv.requests()) == 1


def test_a_refused_connection_is_retried_once_quickly_not_backed_off(fake_arxiv: FakeArxiv,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    """Nothing listening is not a 503: one quick retry (not max_retries with backoff), one stderr line."""
    fake_arxiv.go_down()
    sleeps: list[float] = []
    client = ArxivClient(make_settings(fake_arxiv, max_retries=5, request_interval=3.0), sleep=sleeps.append,
                         jitter=no_jitter, interval=RequestInterval(3.0, sleep=sleeps.append))
    with caplog.at_level(logging.WARNING, logger="arxref.client"):
        with pytest.raises(VerifyError, match=r"connection refused \(gave up after 2 attempts\)"):
            client.fetch_ids(["2107.03374"])
    assert client.requests_made == 2
    assert sum(sleeps) < 10  # the interval (3 s) only; a 503 would back off 3+6+12+24+48 s
    assert [r.getMessage() for r in caplog.records] == [
        f"cannot reach 127.0.0.1:{fake_arxiv.port}: connection refused; retrying in 3.0 s (1 of 1)"]


def test_an_unreachable_host_is_not_asked_again_for_a_while(fake_arxiv: FakeArxiv) -> None:
    """After giving up on an unreachable host, the run's later requests fail at once (no request, no wait)."""
    fake_arxiv.go_down()
    now = [1000.0]
    client = ArxivClient(make_settings(fake_arxiv), jitter=no_jitter, clock=lambda: now[0],
                         interval=RequestInterval(0.0, sleep=lambda seconds: None))
    with pytest.raises(VerifyError):
        client.fetch_ids(["2107.03374"])
    assert client.requests_made == 2
    with pytest.raises(VerifyError, match="could not be reached earlier in this run; not asked again"):
        client.search("ti:transformer")
    assert client.requests_made == 2
    fake_arxiv.up()
    now[0] += UNREACHABLE_MEMORY
    assert client.fetch_ids(["2107.03374"]).papers  # asked again once the memory has passed
    assert client.requests_made == 3


def test_a_name_that_does_not_resolve_fails_fast() -> None:
    settings = Settings(api_url="http://nonexistent.invalid/api/query", cache_path="/nonexistent/unused.sqlite",
                        request_interval=0.0, max_retries=5, timeout=5.0)
    sleeps: list[float] = []
    client = ArxivClient(settings, interval=RequestInterval(0.0, sleep=sleeps.append))
    with pytest.raises(VerifyError, match="cannot reach nonexistent.invalid: the name does not resolve"):
        client.fetch_ids(["2107.03374"])
    assert client.requests_made == 2 and sleeps == [QUICK_RETRY]


def test_each_retry_is_announced_with_its_wait_and_count(fake_arxiv: FakeArxiv,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    fake_arxiv.inject(fakearxiv.status(503), times=2)
    fake_arxiv.inject(fakearxiv.slow(5))
    client = ArxivClient(make_settings(fake_arxiv, request_interval=0.5, timeout=0.5, max_retries=5),
                         jitter=no_jitter, interval=RequestInterval(0.0, sleep=lambda seconds: None))
    with caplog.at_level(logging.INFO, logger="arxref.client"):
        assert client.fetch_ids(["2107.03374"]).papers
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["arXiv answered 503; retrying in 0.5 s (1 of 5)", "arXiv answered 503; retrying in 1.0 s (2 of 5)",
                        "arXiv did not answer within 0.5 s; retrying in 2.0 s (3 of 5)"]
    requests = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(requests) == 4 and requests[0].startswith("arXiv request 1: GET http://127.0.0.1:")
    assert " -> HTTP 503, " in requests[0] and " -> no answer within 0.5 s in " in requests[2]
    assert " -> HTTP 200, " in requests[3]


def test_down_fault_resets_and_stops_listening(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.inject(fakearxiv.down)
    with pytest.raises(VerifyError, match="connection refused"):
        client_for(fake_arxiv, max_retries=2).fetch_ids(["2107.03374"])
    log = fake_arxiv.requests()
    assert [r.fault for r in log] == ["down"] and log[0].status is None
    assert not fake_arxiv.is_up


# -- HTTP 400 ---------------------------------------------------------------------


def test_bad_request_is_split_to_isolate_the_bad_id(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.bad_ids.add("2112.09332")
    result = client_for(fake_arxiv).fetch_ids(SEED_IDS)
    assert list(result.invalid) == ["2112.09332"]
    assert "incorrect id format" in result.invalid["2112.09332"]
    others = [i for i in SEED_IDS if i != "2112.09332"]
    assert_exact(result.papers, others)
    log = fake_arxiv.requests()
    # a 400 is never retried as is: every id set is asked at most once
    asked = [tuple(r.id_list) for r in log]
    assert len(asked) == len(set(asked))
    assert sum(r.status == 400 for r in log) <= 2 * 5 + 1  # one failing path down a binary split of 25
    assert all(r.status in (200, 400) for r in log)


def test_two_bad_ids_in_one_batch(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.bad_ids.update({"2112.09332", "1703.10987"})
    result = client_for(fake_arxiv).fetch_ids(SEED_IDS)
    assert sorted(result.invalid) == ["1703.10987", "2112.09332"]
    assert len(result.papers) == 23 and result.missing == []


def test_single_bad_id_costs_one_request(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.bad_ids.add("2107.03374")
    result = client_for(fake_arxiv).fetch_ids(["2107.03374"])
    assert list(result.invalid) == ["2107.03374"] and len(fake_arxiv.requests()) == 1


def test_failure_while_splitting_marks_only_that_part_unverified(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.bad_ids.add(SEED_IDS[-1])
    # first request: 400 (whole batch); second (first half) fails for good; the rest proceeds
    fake_arxiv.inject(fakearxiv.ok)
    fake_arxiv.inject(fakearxiv.status(503), times=2)
    result = client_for(fake_arxiv, max_retries=1).fetch_ids(SEED_IDS)
    first_half = SEED_IDS[:12]
    assert sorted(result.unverified) == first_half
    assert list(result.invalid) == [SEED_IDS[-1]]
    assert_exact(result.papers, SEED_IDS[12:-1])


# -- offline, search, helpers -----------------------------------------------------


def test_offline_never_opens_a_connection(fake_arxiv: FakeArxiv) -> None:
    client = client_for(fake_arxiv, offline=True)
    with pytest.raises(OfflineError):
        client.fetch_ids(["2107.03374"])
    with pytest.raises(OfflineError):
        client.search("ti:codex")
    assert fake_arxiv.requests(path=None) == []


def test_search_fielded_query(fake_arxiv: FakeArxiv) -> None:
    client = client_for(fake_arxiv)
    result = client.search('ti:"trained on code" AND au:chen')
    assert [p.arxiv_id for p in result.papers] == ["2107.03374"] and result.total_results == 1
    (request,) = fake_arxiv.requests()
    assert request.params["search_query"] == 'ti:"trained on code" AND au:chen'
    assert request.params["max_results"] == "50" and request.id_list == []


def test_search_paging(fake_arxiv: FakeArxiv) -> None:
    client = client_for(fake_arxiv)
    everything = client.search("abs:model", max_results=100)
    assert everything.total_results == len(everything.papers) > 3
    first = client.search("abs:model", max_results=2, start=0)
    second = client.search("abs:model", max_results=2, start=2)
    assert first.total_results == everything.total_results
    assert [p.arxiv_id for p in first.papers + second.papers] == [p.arxiv_id for p in everything.papers[:4]]


def test_search_with_no_match_is_empty_not_an_error(fake_arxiv: FakeArxiv) -> None:
    result = client_for(fake_arxiv).search('ti:"zzzz no such title qqqq"')
    assert result.papers == [] and result.total_results == 0


def test_match_entries_prefers_the_latest_for_a_bare_id() -> None:
    codex = EXPECTED["2107.03374"]
    found, missing = match_entries(["2107.03374", "2107.03374v2", "2005.14165"], [codex])
    assert found == {"2107.03374": codex, "2107.03374v2": codex} and missing == ["2005.14165"]


# -- hostile answers: a deadline for the whole request, a cap on its size --------------


def test_a_dripping_server_is_abandoned_at_the_deadline(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    """One byte every 0.3 s never trips a per-read timeout; the whole-request deadline does."""
    fake_arxiv.inject(fakearxiv.drip(0.3), times=5)
    client = client_for(fake_arxiv, timeout=1.0, max_retries=1, cache_path=tmp_path / "c.sqlite")
    with pytest.raises(VerifyError, match="no answer within 1 s"):
        client.fetch_ids(["2107.03374"])
    first, second = fake_arxiv.requests()
    assert first.finished is not None and second.time >= first.finished  # the retry never overlaps


def test_an_oversized_answer_is_refused_and_retried(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    fake_arxiv.inject(fakearxiv.oversized(40), times=2)
    client = client_for(fake_arxiv, max_retries=2, max_response_bytes=4 << 20, cache_path=tmp_path / "c.sqlite")
    result = client.fetch_ids(["2107.03374"])  # the third answer is a normal one
    assert_exact(result.papers, ["2107.03374"])
    assert [r.fault for r in fake_arxiv.requests()] == ["oversized", "oversized", None]


def test_an_oversized_answer_is_named_response_too_large(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    """Reading stops at the cap: the reason is the size, not the damaged feed it would parse to."""
    fake_arxiv.inject(fakearxiv.oversized(40))
    client = client_for(fake_arxiv, max_retries=0, max_response_bytes=4 << 20, cache_path=tmp_path / "c.sqlite")
    with pytest.raises(VerifyError, match=r"response too large \(over 4,194,304 bytes\)"):
        client.fetch_ids(["2107.03374"])


def test_a_gzip_bomb_is_refused(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    fake_arxiv.inject(fakearxiv.gzip_bomb(64), times=3)
    client = client_for(fake_arxiv, max_retries=1, max_response_bytes=4 << 20, timeout=20.0,
                        cache_path=tmp_path / "c.sqlite")
    with pytest.raises(VerifyError, match="response too large"):
        client.fetch_ids(["2107.03374"])
    assert len(fake_arxiv.requests()) == 2


def test_an_html_page_is_named_as_such(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    fake_arxiv.inject(fakearxiv.html, times=3)
    client = client_for(fake_arxiv, max_retries=0, cache_path=tmp_path / "c.sqlite")
    with pytest.raises(VerifyError, match=r"server sent HTML, not an Atom feed \(status 200\)"):
        client.fetch_ids(["2107.03374"])


@pytest.mark.parametrize("code", [502, 400])
def test_an_html_error_page_is_named_as_such_whatever_its_status(fake_arxiv: FakeArxiv, code: int) -> None:
    """A proxy's 502 page is not a bare 'HTTP 502'; its 400 page is not arXiv rejecting the ids."""
    fake_arxiv.inject(fakearxiv.html_page(code))
    client = client_for(fake_arxiv, max_retries=0)
    with pytest.raises(VerifyError, match=rf"server sent HTML, not an Atom feed \(status {code}\)"):
        client.fetch_ids(["2107.03374"])
    assert len(fake_arxiv.requests()) == 1  # not split in halves as a 400 from arXiv would be


def test_an_html_page_is_retried_then_the_feed_arrives(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.inject(fakearxiv.html_page(400))
    result = client_for(fake_arxiv, max_retries=1).fetch_ids(["2107.03374", "2005.14165"])
    assert_exact(result.papers, ["2107.03374", "2005.14165"])
    assert result.invalid == {}


@pytest.mark.parametrize("page", [
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"\n'
    b' "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml">',
    b"\xef\xbb\xbf<!-- proxy -->\n<HTML><HEAD><TITLE>502 Bad Gateway</TITLE></HEAD>",
    b"  <!doctype html>\n<html lang=en>",
])
def test_html_is_recognised_whatever_the_content_type_says(page: bytes) -> None:
    assert is_html({"content-type": "application/atom+xml"}, page)


def test_an_atom_feed_is_not_html() -> None:
    assert not is_html({"content-type": "application/atom+xml; charset=utf-8"}, (RESPONSES / "all.xml").read_bytes())
