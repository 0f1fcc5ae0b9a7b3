"""The loopback fake arXiv (tests/fakearxiv.py) follows the API facts of examples/arxiv-responses/README.md.

Checked with a plain HTTP client (requests), not arxref's, so the fake is judged on its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import fakearxiv
from arxref.atom import parse_feed
from fakearxiv import FakeArxiv

RESPONSES = Path(__file__).resolve().parent.parent / "examples" / "arxiv-responses"
SEED_IDS = sorted(p.arxiv_id for p in parse_feed((RESPONSES / "all.xml").read_bytes()).papers)


def raw_get(server: FakeArxiv, **params: str) -> tuple[int, bytes]:
    import requests

    response = requests.get(server.url, params=params, timeout=5)
    return response.status_code, response.content


def test_fake_defaults_to_ten_results_and_echoes_max_results(fake_arxiv: FakeArxiv) -> None:
    status, body = raw_get(fake_arxiv, id_list=",".join(SEED_IDS))
    feed = parse_feed(body)
    assert status == 200 and len(feed.papers) == 10
    assert feed.total_results == 25 and feed.items_per_page == 10
    status, body = raw_get(fake_arxiv, id_list="2107.03374,2101.99999,2107.03374", max_results="40")
    feed = parse_feed(body)
    assert [p.arxiv_id for p in feed.papers] == ["2107.03374"]  # duplicates once, unknown omitted
    assert feed.total_results == 1 and feed.items_per_page == 40


def test_fake_rejects_malformed_ids_with_an_error_entry(fake_arxiv: FakeArxiv) -> None:
    status, body = raw_get(fake_arxiv, id_list="2107.03374,arXiv:2107.03374")
    assert status == 400
    assert parse_feed(body).api_error == "incorrect id format for arXiv:2107.03374"
    # the API's own check is lenient: month 13 passes it and simply finds nothing
    status, body = raw_get(fake_arxiv, id_list="2313.00001")
    assert status == 200 and parse_feed(body).papers == []


def test_fake_matches_ids_verbatim(fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.add_entry(OLD_STYLE_SYNTHETIC)
    assert [e.base for e in fake_arxiv.lookup(["math/0309136"])] == ["math/0309136"]
    assert fake_arxiv.lookup(["math.GT/0309136"]) == []


OLD_STYLE_SYNTHETIC = """<entry>
    <id>http://arxiv.org/abs/math/0309136v1</id>
    <title>Synthetic Old Style Entry</title>
    <updated>2003-09-08T00:00:00Z</updated>
    <summary>Synthetic abstract for the fake server tests; not real metadata.</summary>
    <published>2003-09-08T00:00:00Z</published>
    <author>
      <name>Test Author</name>
    </author>
  </entry>"""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('ti:"trained on code"', ["2107.03374"]),
        ("ti:CODE AND au:chen", ["2107.03374"]),
        ('au:"Mark Chen" ANDNOT ti:code', ["2005.14165", "2112.10741", "2212.08751", "2410.21276"]),
        ("id:2005.14165", ["2005.14165"]),
        ("(ti:codex OR ti:webgpt) AND all:browser", ["2112.09332"]),
        ('"language models are few-shot learners"', ["2005.14165"]),
        ("learners", ["2005.14165"]),
        ("au:del_maestro", []),
    ],
)
def test_fake_search_syntax(fake_arxiv: FakeArxiv, query: str, expected: list[str]) -> None:
    assert sorted(e.base for e in fake_arxiv.search(query)) == expected


def test_fake_search_and_or_andnot_are_set_operations(fake_arxiv: FakeArxiv) -> None:
    a = {e.base for e in fake_arxiv.search("abs:language")}
    b = {e.base for e in fake_arxiv.search("abs:safety")}
    assert a and b and a != b
    assert {e.base for e in fake_arxiv.search("abs:language AND abs:safety")} == a & b
    assert {e.base for e in fake_arxiv.search("abs:language OR abs:safety")} == a | b
    assert {e.base for e in fake_arxiv.search("abs:language abs:safety")} == a | b  # missing operator = OR
    assert {e.base for e in fake_arxiv.search("abs:language ANDNOT abs:safety")} == a - b
    assert {e.base for e in fake_arxiv.search("(abs:language ANDNOT abs:safety) OR abs:safety")} == a | b


def test_fake_search_is_case_insensitive_and_whole_word(fake_arxiv: FakeArxiv) -> None:
    assert {e.base for e in fake_arxiv.search("ti:EVALUATING")} == {e.base for e in fake_arxiv.search("ti:evaluating")}
    assert fake_arxiv.search("ti:evaluat") == []
    assert fake_arxiv.search("ti:evaluat*") != []


def test_fake_rejects_broken_queries_with_400(fake_arxiv: FakeArxiv) -> None:
    status, body = raw_get(fake_arxiv, search_query="(ti:code")
    assert status == 400 and "malformed query" in (parse_feed(body).api_error or "")


def test_fake_log_records_post_bodies_and_unknown_paths(fake_arxiv: FakeArxiv) -> None:
    import requests

    requests.post(fake_arxiv.url, data={"id_list": "2107.03374", "max_results": "1"}, timeout=5)
    assert requests.get(fake_arxiv.url.replace("/api/query", "/other"), timeout=5).status_code == 404
    post, other = fake_arxiv.requests(path=None)
    assert post.method == "POST" and post.id_list == ["2107.03374"] and post.status == 200
    assert other.path == "/other" and other.status == 404


def test_fake_page_limit_cuts_the_entries_but_total_results_counts_all(fake_arxiv: FakeArxiv) -> None:
    """arXiv sends at most 2000 entries; a test lowers the limit to see a cut page."""
    fake_arxiv.page_limit = 3
    status, body = raw_get(fake_arxiv, id_list=",".join(SEED_IDS[:5]), max_results="5")
    feed = parse_feed(body)
    assert status == 200 and len(feed.papers) == 3 and feed.total_results == 5


@pytest.mark.parametrize("code", [200, 400, 502])
def test_fake_html_page_has_the_status_asked_for(fake_arxiv: FakeArxiv, code: int) -> None:
    import requests

    fake_arxiv.inject(fakearxiv.html_page(code))
    response = requests.get(fake_arxiv.url, params={"id_list": "2107.03374"}, timeout=5)
    assert response.status_code == code and response.headers["Content-Type"] == "text/html"
    assert response.content.startswith(b"<!DOCTYPE html>")
