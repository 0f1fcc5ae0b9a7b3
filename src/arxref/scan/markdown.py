"""Markdown: ids outside code, with a link's text as the title when it reads like one."""

from __future__ import annotations

import re
from typing import Iterator

from .. import ids
from ..model import Record
from .records import Lines, ProblemHandler, blank, id_record, offset_of
from .references import ListItems

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN_RE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_LINK_RE = re.compile(r"!?\[(?P<text>[^\]]*)\]\(\s*<?(?P<url>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_DEF_RE = re.compile(r"^ {0,3}\[(?P<label>[^\]]+)\]:\s*<?(?P<url>\S+?)>?(?:\s+[\"'(](?P<title>.*?)[\"')])?\s*$")
_HTML_COMMENT_RE = re.compile(r"<!--.*?-->")
_UNTITLED_RE = re.compile(r"^(?:here|link|this|pdf|abs|paper|preprint|arxiv|source|code|url|html|\W*)$", re.IGNORECASE)


def _link_title(text: str) -> str | None:
    """The link text when it reads like a title (not an id, a URL or 'here')."""
    text = re.sub(r"[*_]{1,3}", "", text).strip()
    if len(text) < 8 or _UNTITLED_RE.match(text) or "://" in text or next(ids.find_ids(text), None):
        return None
    return text


def scan_markdown(lines: Lines, source: str, report: ProblemHandler) -> Iterator[Record]:
    """A Markdown file: fenced blocks, code spans and HTML comments are skipped.

    List items without an id that look like references (:mod:`.references`) are id-less records.
    """
    fence: str | None = None
    items = ListItems(source, "markdown")
    for number, raw in lines:
        opening = _FENCE_RE.match(raw)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            closed = items.close()
            if closed is not None:
                yield closed
            continue
        line = blank(raw, [m.span() for m in _CODE_SPAN_RE.finditer(raw)]) if "`" in raw else raw
        if "<!--" in line:
            line = blank(line, [m.span() for m in _HTML_COMMENT_RE.finditer(line)])
        offset = offset_of(raw)
        if not items.may_take(line):
            yield from _markdown_line(number, line, source, offset)
            continue
        found = list(_markdown_line(number, line, source, offset))
        closed = items.line(number, line, bool(found) or offset > 0)
        if closed is not None:
            yield closed
        yield from found
    closed = items.close()
    if closed is not None:
        yield closed


def _markdown_line(number: int, line: str, source: str, offset: int = 0) -> Iterator[Record]:
    """Ids in one Markdown line; an id inside a link gets the link's text as title.

    ``offset``: characters of the line before this piece of it (a very long line comes in pieces).
    """
    links: list[tuple[int, int, str | None]] = []  # span and title of each link
    ref = _REF_DEF_RE.match(line)
    if ref:
        links.append((0, len(line), ref.group("title") or None))
    elif "](" in line:
        links = [(m.start(), m.end(), _link_title(m.group("text"))) for m in _LINK_RE.finditer(line)]
    seen: set[tuple[int, str | None]] = set()
    ahead = 0  # links and ids both come in order: the link an id may sit in is never behind the last one
    for match in ids.find_ids(line):
        while ahead < len(links) and links[ahead][1] <= match.start:
            ahead += 1
        link = ahead if ahead < len(links) and links[ahead][0] <= match.start else None
        marker = (link if link is not None else -1 - match.start,
                  match.arxiv_id.base if match.arxiv_id else match.raw)
        if marker in seen:
            continue  # [arXiv:X](https://arxiv.org/abs/X): one record
        seen.add(marker)
        title = links[link][2] if link is not None else None
        yield id_record(match, source, number, "markdown", line, offset, title=title)
