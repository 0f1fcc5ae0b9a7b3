"""arXiv API Atom: strict, safe parsing (:mod:`.parse`) and rendering in the API's layout (:mod:`.render`).

Rendering loads on first use: the client only reads feeds and never pays for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .parse import ARXIV, ATOM, MAX_DEPTH, NS, OPENSEARCH, Feed, FeedError, entry_to_paper, parse_entry, parse_feed

if TYPE_CHECKING:
    from .render import atom_date, render_entry, render_feed, xml_attr, xml_text

_RENDER = ("atom_date", "render_entry", "render_feed", "xml_attr", "xml_text")

__all__ = [
    "ARXIV", "ATOM", "MAX_DEPTH", "NS", "OPENSEARCH", "Feed", "FeedError", "entry_to_paper", "parse_entry",
    "parse_feed", *_RENDER,
]


def __getattr__(name: str) -> Any:
    if name in _RENDER:
        from . import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
