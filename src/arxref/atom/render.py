"""Rendering Atom in the arXiv API's layout: what ``cache export`` writes and ``parse_feed`` reads back.

Beside the parser (:mod:`.parse`) so both sides of the format share its namespaces.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from ..model import Paper
from ..snapshot import standard_links
from .parse import ARXIV, ATOM, OPENSEARCH

_XML_INVALID_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """Text safe inside an element: escaped, and without characters XML 1.0 forbids."""
    from xml.sax.saxutils import escape

    return escape(_XML_INVALID_RE.sub("", value))


def xml_attr(value: str) -> str:
    """A quoted attribute value (escapes quotes, newlines and markup)."""
    from xml.sax.saxutils import quoteattr

    return quoteattr(_XML_INVALID_RE.sub("", value), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def atom_date(value: datetime) -> str:
    """A time as the API writes it: UTC, whole seconds, ``Z``."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_entry(paper: Paper) -> str:
    """An API-layout Atom ``<entry>`` for a Paper (self-contained: declares its namespaces).

    Used for papers the cache got from the snapshot (or from code) rather than
    from the API, so `cache export` always writes feeds that `parse_feed` reads.
    """
    lines = [
        f'<entry xmlns="{ATOM}" xmlns:arxiv="{ARXIV}">',
        f"    <id>{xml_text(f'http://arxiv.org/abs/{paper.arxiv_id}v{paper.version}')}</id>",
        f"    <title>{xml_text(paper.title)}</title>",
        f"    <updated>{atom_date(paper.updated)}</updated>",
    ]
    links = paper.links or standard_links(paper.arxiv_id, paper.version, paper.doi)
    for link in links:
        attrs = f"href={xml_attr(link.href)}"
        if link.rel:
            attrs += f" rel={xml_attr(link.rel)}"
        if link.content_type:
            attrs += f" type={xml_attr(link.content_type)}"
        if link.title:
            attrs += f" title={xml_attr(link.title)}"
        lines.append(f"    <link {attrs}/>")
    lines.append(f"    <summary>{xml_text(paper.abstract)}</summary>")
    primary = paper.primary_category or (paper.categories[0] if paper.categories else None)
    for term in paper.categories:
        lines.append(f'    <category term={xml_attr(term)} scheme="http://arxiv.org/schemas/atom"/>')
    lines.append(f"    <published>{atom_date(paper.published)}</published>")
    if paper.comment:
        lines.append(f"    <arxiv:comment>{xml_text(paper.comment)}</arxiv:comment>")
    if primary:
        lines.append(f"    <arxiv:primary_category term={xml_attr(primary)}/>")
    if paper.journal_ref:
        lines.append(f"    <arxiv:journal_ref>{xml_text(paper.journal_ref)}</arxiv:journal_ref>")
    for author in paper.authors:
        lines.append("    <author>")
        lines.append(f"      <name>{xml_text(author.name)}</name>")
        for affiliation in author.affiliations:
            lines.append(f"      <arxiv:affiliation>{xml_text(affiliation)}</arxiv:affiliation>")
        lines.append("    </author>")
    if paper.doi:
        lines.append(f"    <arxiv:doi>{xml_text(paper.doi)}</arxiv:doi>")
    lines.append("  </entry>")
    return "\n".join(lines)


def render_feed(arxiv_id: str, entry: str, updated: datetime) -> str:
    """A one-entry feed in the API's layout, as the API answers ``id_list=<id>``.

    The entry is written verbatim, so re-parsing gives back the same raw text
    (up to the whitespace after ``</entry>``, which the cache strips).
    """
    query = f"search_query=&id_list={arxiv_id}&start=0&max_results=1"
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        f'<feed xmlns:opensearch="{OPENSEARCH}" xmlns:arxiv="{ARXIV}" xmlns="{ATOM}">\n'
        f"  <id>{xml_text('https://arxiv.org/api/query?id_list=' + arxiv_id)}</id>\n"
        f"  <title>{xml_text('arXiv Query: ' + query)}</title>\n"
        f"  <updated>{atom_date(updated)}</updated>\n"
        f'  <link href={xml_attr("https://arxiv.org/api/query?" + query)} type="application/atom+xml"/>\n'
        "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
        "  <opensearch:totalResults>1</opensearch:totalResults>\n"
        "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        f"  {entry.rstrip()}\n</feed>\n"
    )
