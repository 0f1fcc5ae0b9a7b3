"""Atom rendering (arxref.atom.render): what it writes, the parser reads back; hostile text stays text."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from arxref.atom import atom_date, entry_to_paper, parse_feed, render_entry, render_feed, xml_attr, xml_text
from arxref.model import Author, Paper
from cache_support import real_papers as load_real_papers, same_metadata


@pytest.fixture(scope="module")
def real_papers() -> dict[str, Paper]:
    return load_real_papers()


def test_rendered_entry_parses_back_to_the_same_metadata(real_papers: dict[str, Paper]) -> None:
    for paper in real_papers.values():
        assert same_metadata(entry_to_paper(render_entry(paper)), paper), paper.arxiv_id


def test_rendered_feed_is_an_api_answer_for_one_id(real_papers: dict[str, Paper]) -> None:
    paper = real_papers["2107.03374"]
    when = datetime(2026, 11, 23, tzinfo=timezone.utc)
    text = render_feed(paper.arxiv_id, paper.raw_entry, when)
    assert text.startswith("<?xml version='1.0' encoding='UTF-8'?>\n<feed ") and text.endswith("</entry>\n</feed>\n")
    assert "<updated>2026-11-23T00:00:00Z</updated>" in text
    feed = parse_feed(text.encode("utf-8"))
    assert (feed.total_results, feed.items_per_page, feed.start_index) == (1, 1, 0)
    [back] = feed.papers
    assert same_metadata(back, paper) and back.raw_entry.rstrip() == paper.raw_entry.rstrip()  # up to the tail


def test_paper_without_links_gets_the_standard_ones(real_papers: dict[str, Paper]) -> None:
    paper = real_papers["2107.03374"]
    back = entry_to_paper(render_entry(dataclasses.replace(paper, links=[])))
    assert back.links == paper.links


def test_hostile_text_is_escaped_and_control_characters_dropped(real_papers: dict[str, Paper]) -> None:
    paper = dataclasses.replace(real_papers["2107.03374"], title='A </title> & "B" \x01 <![CDATA[x]]>',
                                authors=[Author("O'Brien <x>", ("Lab & Co",))], comment="a < b")
    back = entry_to_paper(render_entry(paper))
    assert back.title == 'A </title> & "B" <![CDATA[x]]>'
    assert back.authors == [Author("O'Brien <x>", ("Lab & Co",))] and back.comment == "a < b"


def test_xml_helpers() -> None:
    assert xml_text("a < b & c > d\x00\x1b") == "a &lt; b &amp; c &gt; d"
    assert xml_attr('say "hi"\n\tthere') == "'say \"hi\"&#10;&#9;there'"
    assert xml_attr('it\'s "hi"') == '"it\'s &quot;hi&quot;"'
    assert atom_date(datetime(2021, 7, 7, 19, 41, 24, tzinfo=timezone(timedelta(hours=2)))) == "2021-07-07T17:41:24Z"
