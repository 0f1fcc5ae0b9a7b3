"""Strict, safe Atom parsing (arxref.atom.parse): real feeds parse; damaged and hostile ones raise FeedError."""

from __future__ import annotations

import re
import tracemalloc
from pathlib import Path

import pytest

from arxref.atom import MAX_DEPTH, FeedError, entry_to_paper, parse_feed

RESPONSES = Path(__file__).resolve().parent.parent / "examples" / "arxiv-responses"
ALL = (RESPONSES / "all.xml").read_bytes()
FEED_OPEN = (
    b'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom" '
    b'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
)


def test_all_xml_gives_every_seed_paper() -> None:
    feed = parse_feed(ALL)
    assert feed.total_results == 25 and len(feed.papers) == 25
    assert feed.items_per_page == 100 and feed.start_index == 0
    assert feed.api_error is None
    by_id = {p.arxiv_id: p for p in feed.papers}
    codex = by_id["2107.03374"]
    assert codex.title == "Evaluating Large Language Models Trained on Code"
    assert codex.version == 2 and codex.versions == [1, 2]
    assert codex.authors[0].name == "Mark Chen"
    assert codex.primary_category == "cs.LG"


@pytest.mark.parametrize("path", sorted(p for p in RESPONSES.glob("*.xml") if p.name != "all.xml"),
                         ids=lambda p: p.stem)
def test_each_per_paper_file_holds_its_paper(path: Path) -> None:
    feed = parse_feed(path.read_bytes())
    assert [p.arxiv_id for p in feed.papers] == [path.stem]
    paper = feed.papers[0]
    assert paper.raw_entry is not None
    again = entry_to_paper(paper.raw_entry)
    assert (again.arxiv_id, again.version, again.title, again.authors) == (
        paper.arxiv_id, paper.version, paper.title, paper.authors)


@pytest.mark.parametrize("fraction", [i / 40 for i in range(1, 40)])
def test_truncated_feed_is_never_data(fraction: float) -> None:
    """arxiv.py's recover=True parser would return partial entries here; we must refuse."""
    cut = ALL[: int(len(ALL) * fraction)]
    with pytest.raises(FeedError):
        parse_feed(cut)


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(FeedError):
        parse_feed(b"<html><head><title>503</title></head><body>busy</body></html>")
    with pytest.raises(FeedError):
        parse_feed(b"<!DOCTYPE html><html><body>busy</body></html>")


def test_empty_body_is_an_error() -> None:
    with pytest.raises(FeedError, match="empty"):
        parse_feed(b"   ")


def test_api_error_entry_is_reported_not_a_paper() -> None:
    feed = parse_feed(
        FEED_OPEN
        + b"<opensearch:totalResults>1</opensearch:totalResults>"
        b"<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.5</id><title>Error</title>"
        b"<summary>incorrect id format for 1234.5</summary><updated>2026-11-23T00:00:00Z</updated>"
        b"<author><name>arXiv api core</name></author></entry></feed>"
    )
    assert feed.papers == []
    assert feed.api_error == "incorrect id format for 1234.5"


def test_entry_without_authors_is_refused() -> None:
    """A complete-looking entry that lost its authors (cut and re-closed) must not be cached."""
    text = ALL.decode("utf-8")
    damaged = re.sub(r"<author>.*?</author>", "", text, count=0, flags=re.S)
    with pytest.raises(FeedError, match="authors"):
        parse_feed(damaged.encode("utf-8"))


def test_billion_laughs_is_refused_fast_without_memory_blowup() -> None:
    lol = b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    for i in range(1, 10):
        prev = b"lol" if i == 1 else b"lol%d" % (i - 1)
        lol += b' <!ENTITY lol%d "%s">\n' % (i, (b"&" + prev + b";") * 10)
    lol += b"]>\n" + FEED_OPEN + b"<title>&lol9;</title></feed>"
    tracemalloc.start()
    try:
        with pytest.raises(FeedError, match="DTD|entit"):
            parse_feed(lol)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000


def test_entity_declaration_after_a_long_prefix_is_refused() -> None:
    """The DOCTYPE check looks at the head; entity declarations anywhere are refused too."""
    data = b"<!-- " + b"x" * 10_000 + b" -->" + b'<!DOCTYPE f [<!ENTITY e "boom">]>' + FEED_OPEN + b"&e;</feed>"
    with pytest.raises(FeedError):
        parse_feed(data)


def test_external_entity_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret", encoding="utf-8")
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY xxe SYSTEM "file://'
        + str(secret).encode()
        + b'">]>\n'
        + FEED_OPEN
        + b"<title>&xxe;</title></feed>"
    )
    with pytest.raises(FeedError) as info:
        parse_feed(data)
    assert "top secret" not in str(info.value)


def test_parameter_entity_without_doctype_keyword_in_head_is_refused() -> None:
    data = b'<?xml version="1.0"?>\n<!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd">' + FEED_OPEN + b"</feed>"
    with pytest.raises(FeedError):
        parse_feed(data)


def test_deep_nesting_is_refused_fast_without_memory_blowup() -> None:
    depth = 100_000
    data = FEED_OPEN + b"<entry>" + b"<a>" * depth + b"x" + b"</a>" * depth + b"</entry></feed>"
    tracemalloc.start()
    try:
        with pytest.raises(FeedError, match="nested"):
            parse_feed(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200_000_000


def test_nesting_at_the_limit_is_checked_not_just_huge_bombs() -> None:
    too_deep = MAX_DEPTH + 1
    data = FEED_OPEN + b"<a>" * too_deep + b"</a>" * too_deep + b"</feed>"
    with pytest.raises(FeedError, match="nested"):
        parse_feed(data)


def test_feed_error_means_arxiv_could_not_be_verified() -> None:
    from arxref.errors import ExitCode

    assert FeedError("x").exit_code == ExitCode.UNVERIFIED == 3


GPT3 = (RESPONSES / "2005.14165.xml").read_bytes()


@pytest.mark.parametrize("date", [b"yesterday", b"99999-05-28T00:00:00Z", b"2020-13-45T00:00:00Z"])
def test_an_entry_date_that_is_not_a_date_is_a_damaged_feed(date: bytes) -> None:
    """A hostile answer's date was a ValueError (a traceback), not an answer to retry."""
    damaged = GPT3.replace(b"<published>2020-05-28T00:00:00Z</published>", b"<published>" + date + b"</published>")
    assert damaged != GPT3
    with pytest.raises(FeedError, match="is not a date"):
        parse_feed(damaged)


@pytest.mark.parametrize("version", [b"0", b"5000000", b"99999999999"])
def test_a_version_the_id_grammar_cannot_name_is_a_damaged_feed(version: bytes) -> None:
    """v0 is no arXiv version; v99999999999 made a list of that many versions (MemoryError)."""
    damaged = GPT3.replace(b"<id>http://arxiv.org/abs/2005.14165v4</id>", b"<id>http://arxiv.org/abs/2005.14165v"
                           + version + b"</id>")
    assert damaged != GPT3
    with pytest.raises(FeedError, match="not an arXiv identifier"):
        parse_feed(damaged)


@pytest.mark.parametrize("total", [b"-7", b"9" * 30, b"9" * 5000], ids=["negative", "30-digits", "5000-digits"])
def test_an_opensearch_count_out_of_range_is_a_damaged_feed(total: bytes) -> None:
    """A negative or absurd totalResults is no count (and 30 digits overflowed the cache's INTEGER column)."""
    damaged = GPT3.replace(b"<opensearch:totalResults>1<", b"<opensearch:totalResults>" + total + b"<")
    assert damaged != GPT3
    with pytest.raises(FeedError, match="bad <opensearch:totalResults> value") as caught:
        parse_feed(damaged)
    assert len(str(caught.value)) < 120  # the value is quoted cut short, not 5000 digits long
