"""The Web API client against the loopback fake: paging, since, waits the server asks for, refusals."""

from __future__ import annotations

import logging

import pytest
from fakezotero import FakeZotero, Fault, backoff, drip, free_port, silent, status
from zotero_support import LIBRARY, Waits, finishes, web_settings

from arxref.errors import ExitCode
from arxref.zotero import Library, ZoteroRefused, ZoteroUnreachable
from arxref.zotero.web import WebClient, new_write_token


def _notes(fake: FakeZotero, count: int) -> list[str]:
    """Standalone notes: library content that is no paper (so no paper metadata is made up)."""
    return [fake.library.add_item({"itemType": "note", "note": f"<p>note {n}</p>", "tags": []}) for n in range(count)]


def test_library_names() -> None:
    assert Library.parse("user:123") == Library("user", "123") and Library.parse(" Group:9 ").prefix == "/groups/9"
    for bad in ("123", "user:", "org:1", "user:abc"):
        with pytest.raises(ZoteroRefused.__mro__[1]):  # UsageError
            Library.parse(bad)


def test_reads_every_page_and_then_only_what_changed(fake_zotero: FakeZotero) -> None:
    keys = _notes(fake_zotero, 130)
    with WebClient(web_settings(fake_zotero), Library.parse(LIBRARY)) as client:
        items, version = client.read_items(0)
        assert sorted(i["key"] for i in items) == sorted(keys) and version == 130
        pages = fake_zotero.requests("GET", "/items")
        assert [r.query["start"] for r in pages] == ["0", "100"] and all(r.query["limit"] == "100" for r in pages)
        assert all(r.headers["Zotero-API-Version"] == "3" for r in pages)
        more = _notes(fake_zotero, 2)
        items, version = client.read_items(130)
        assert [i["key"] for i in items] == more and version == 132
        assert fake_zotero.requests("GET", "/items")[-1].query["since"] == "130"


def test_a_library_that_changes_between_pages_is_read_again(fake_zotero: FakeZotero) -> None:
    _notes(fake_zotero, 120)
    settings = web_settings(fake_zotero)
    with WebClient(settings, Library.parse(LIBRARY)) as client:
        original = client.request
        calls = []

        def request(method: str, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
            calls.append(path)
            if len(calls) == 1:  # another client writes while the first page is read
                answer = original(method, path, **kwargs)  # type: ignore[arg-type]
                fake_zotero.library.add_item({"itemType": "note", "note": "<p>late</p>"})
                return answer
            return original(method, path, **kwargs)  # type: ignore[arg-type]

        client.request = request  # type: ignore[method-assign]
        items, version = client.read_items(0)
    assert len(items) == 121 and version == 121
    assert len(calls) == 4  # two pages, twice


def test_429_waits_as_long_as_retry_after_and_sends_the_same_write_again(fake_zotero: FakeZotero) -> None:
    waits = Waits()
    fake_zotero.inject(status(429, Retry_After="7"))
    fake_zotero.inject(status(503, Backoff="4"))
    token = new_write_token()
    with WebClient(web_settings(fake_zotero, waits), Library.parse(LIBRARY)) as client:
        answer = client.post_items([{"itemType": "note", "note": "<p>x</p>"}], version=0, token=token)
    assert answer.status == 200 and waits == [7.0, 4.0]
    posts = fake_zotero.requests("POST", "/items")
    assert [r.status for r in posts] == [429, 503, 200]
    assert {r.headers["Zotero-Write-Token"] for r in posts} == {token}
    assert {r.headers["If-Unmodified-Since-Version"] for r in posts} == {"0"}
    assert len(fake_zotero.library.items) == 1


def test_backoff_on_a_normal_answer_delays_the_next_request(fake_zotero: FakeZotero) -> None:
    waits = Waits()
    fake_zotero.inject(backoff("30"))
    with WebClient(web_settings(fake_zotero, waits), Library.parse(LIBRARY)) as client:
        client.read_items(0)
        assert waits == []
        client.read_items(0)
    assert len(waits) == 1 and 29 < waits[0] <= 30


def test_without_retry_after_the_waits_grow(fake_zotero: FakeZotero) -> None:
    waits = Waits()
    fake_zotero.inject(status(503), times=3)
    with WebClient(web_settings(fake_zotero, waits, retry_base=1.0), Library.parse(LIBRARY)) as client:
        client.read_items(0)
    assert waits == [1.0, 2.0, 4.0]


def test_waits_too_long_or_too_many_stop_with_exit_3(fake_zotero: FakeZotero) -> None:
    fake_zotero.inject(status(429, Retry_After="86400"))
    with WebClient(web_settings(fake_zotero), Library.parse(LIBRARY)) as client:
        with pytest.raises(ZoteroUnreachable, match="asks to wait 86400 s") as caught:
            client.read_items(0)
    assert caught.value.exit_code == ExitCode.UNVERIFIED
    fake_zotero.inject(status(503), times=10)
    with WebClient(web_settings(fake_zotero, max_retries=2), Library.parse(LIBRARY)) as client:
        with pytest.raises(ZoteroUnreachable, match="kept answering 503 after 3 attempts"):
            client.read_items(0)


def test_nothing_listening_is_unreachable() -> None:
    fake = FakeZotero()
    fake.port = free_port()
    waits = Waits()
    with WebClient(web_settings(fake, waits, max_retries=2), Library.parse(LIBRARY)) as client:
        with pytest.raises(ZoteroUnreachable, match="could not be reached: connection refused"):
            client.read_items(0)
    assert len(waits) == 2


def test_wrong_key_or_library_is_refused_without_showing_the_key(fake_zotero: FakeZotero) -> None:
    secret = "not-the-key-5f1e2d3c4b5a69788796"
    with WebClient(web_settings(fake_zotero, api_key=secret), Library.parse(LIBRARY)) as client:
        with pytest.raises(ZoteroRefused, match="403 Invalid key") as caught:
            client.read_items(0)
    assert caught.value.exit_code == ExitCode.USAGE and secret not in str(caught.value)
    with WebClient(web_settings(fake_zotero), Library.parse("group:42")) as client:
        with pytest.raises(ZoteroRefused, match="no library group:42"):
            client.read_items(0)
    # the key travels in a header only, never in a URL
    assert all("key" not in r.query for r in fake_zotero.log)


@pytest.mark.parametrize("code", [301, 302, 307, 308])
def test_a_redirect_is_not_followed_and_says_where_to(fake_zotero: FakeZotero, code: int) -> None:
    """Following it would send the API key to wherever it points: the user is told the new address instead."""
    fake_zotero.inject(status(code, Location="https://elsewhere.example/users/1234567/items?since=0&key=x"))
    with WebClient(web_settings(fake_zotero), Library.parse(LIBRARY)) as client:
        with pytest.raises(ZoteroRefused, match=f"answered {code}: it moved to https://elsewhere.example/users/"
                                                f"1234567/items; use that address") as caught:
            client.read_items(0)
    assert caught.value.exit_code == ExitCode.USAGE and "key=x" not in str(caught.value)
    assert len(fake_zotero.log) == 1  # nothing sent anywhere else, nothing retried


def test_stale_version_and_used_token_are_412(fake_zotero: FakeZotero) -> None:
    with WebClient(web_settings(fake_zotero), Library.parse(LIBRARY)) as client:
        token = new_write_token()
        first = client.post_items([{"itemType": "note", "note": "<p>a</p>"}], version=0, token=token)
        assert first.status == 200 and first.version == 1 and first.body["successful"]["0"]["key"]
        again = client.post_items([{"itemType": "note", "note": "<p>a</p>"}], version=1, token=token)
        assert again.status == 412 and "Write token already used" in again.body
        stale = client.post_items([{"itemType": "note", "note": "<p>b</p>"}], version=0, token=new_write_token())
        assert stale.status == 412 and "expected 0, found 1" in stale.body
    assert len(fake_zotero.library.items) == 1


@pytest.mark.parametrize("fault", [drip(0.5), silent()], ids=["dripping-body", "never-answers"])
def test_a_request_ends_at_the_timeout_whole_answer_included(fake_zotero: FakeZotero, fault: Fault,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    """A byte every half second keeps every read of requests' timeout alive; the deadline is the whole request."""
    fake_zotero.inject(fault, times=5)
    waits = Waits()
    settings = web_settings(fake_zotero, waits, timeout=1.0, max_retries=2)
    with WebClient(settings, Library.parse(LIBRARY)) as client, caplog.at_level(logging.INFO, logger="arxref"):
        with pytest.raises(ZoteroUnreachable) as caught:
            finishes(lambda: client.read_items(0))
    assert str(caught.value) == (f"the Zotero Web API at {fake_zotero.url} could not be reached: "
                                 "no answer within 1 s (gave up after 3 attempts)")
    assert caught.value.exit_code == ExitCode.UNVERIFIED
    assert len(fake_zotero.requests("GET", "/items")) == 3 and waits == [2.0, 4.0]
    retries = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert retries == ["the Zotero Web API did not answer within 1 s; retrying in 2.0 s (1 of 2)",
                       "the Zotero Web API did not answer within 1 s; retrying in 4.0 s (2 of 2)"]
    shown = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(shown) == 3 and all(" -> no answer within 1 s in " in line for line in shown)
    assert all(fake_zotero.api_key not in r.getMessage() for r in caplog.records)


def test_a_request_cut_off_then_answered_is_a_success(fake_zotero: FakeZotero) -> None:
    _notes(fake_zotero, 3)
    fake_zotero.inject(drip(0.5))
    with WebClient(web_settings(fake_zotero, timeout=1.0), Library.parse(LIBRARY)) as client:
        items, version = finishes(lambda: client.read_items(0))
    assert len(items) == 3 and version == 3 and len(fake_zotero.requests("GET", "/items")) == 2


def test_each_retry_is_one_log_line(fake_zotero: FakeZotero, caplog: pytest.LogCaptureFixture) -> None:
    fake_zotero.inject(status(503, Retry_After="3"))
    fake_zotero.inject(status(429, Retry_After="12"))
    with WebClient(web_settings(fake_zotero), Library.parse(LIBRARY)) as client, \
            caplog.at_level(logging.WARNING, logger="arxref"):
        client.read_items(0)
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        ("arxref.zotero.web", "the Zotero Web API answered 503; retrying in 3.0 s (1 of 5)"),
        ("arxref.zotero.web", "the Zotero Web API answered 429; retrying in 12 s (2 of 5)")]
