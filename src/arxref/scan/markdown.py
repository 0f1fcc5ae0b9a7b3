"""Markdown: ids outside code, with a link's text as the title when it reads like one.

A pandoc citation whose key is an arXiv id (``@arxiv:2108.02818``, ``[@arXiv:2108.02818v2;
@doi:10.48550/arXiv.2307.03718]``, ``[-@arxiv:hep-th/9901001]``) is a citation record that
carries the id as well as the key, as in .tex. Other pandoc keys are not read: ``@name``
in prose is as often a handle as a citation, and pandoc itself reports the ones it cannot find.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable, Iterator

from .. import ids
from ..model import Record
from .records import Lines, ProblemHandler, blank, cited_id, id_record, offset_of, snippet
from .references import ListItems

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN_RE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_LINK_RE = re.compile(r"!?\[(?P<text>[^\]]*)\]\(\s*<?(?P<url>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_DEF_RE = re.compile(r"^ {0,3}\[(?P<label>[^\]]+)\]:\s*<?(?P<url>\S+?)>?(?:\s+[\"'(](?P<title>.*?)[\"')])?\s*$")
_HTML_COMMENT_RE = re.compile(r"<!--.*?-->")
#: A pandoc citation key (pandoc's grammar: inner punctuation only before a letter, digit or _),
#: after ``@`` not preceded by a word character (an e-mail address) or a path/URL character.
_CITATION_RE = re.compile(r"(?<![\w/@.])@(?P<key>[A-Za-z0-9_](?:[A-Za-z0-9_]|[:.#$%&\-+?<>~/](?=[A-Za-z0-9_]))*)")
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
        yield from items.records(number, line, list(_markdown_line(number, line, source, offset)), offset)
    yield from items.finish()


def _markdown_line(number: int, line: str, source: str, offset: int = 0) -> Iterator[Record]:
    """Ids in one Markdown line; an id inside a link gets the link's text as title.

    ``offset``: characters of the line before this piece of it (a very long line comes in pieces).
    """
    if "@" in line:
        cites = list(_id_citations(number, line, source, offset))
        if cites:
            yield from (record for record, _ in cites)
            line = blank(line, [span for _, span in cites])
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


def _id_citations(number: int, line: str, source: str, offset: int) -> Iterator[tuple[Record, tuple[int, int]]]:
    """Pandoc citations whose key is an arXiv id, each a citation record, with the span the key takes."""
    for match in _CITATION_RE.finditer(line):
        key = match.group("key")
        parsed, problems = cited_id(key)
        if parsed is None and not problems:
            continue
        start = match.start("key")
        yield (Record(source=source, line=number, kind="markdown", key=key, column=start + 1 + offset,
                      role="citation", text=snippet(line, start, match.end()), problems=problems,
                      arxiv_id=parsed.base if parsed else None, version=parsed.version if parsed else None,
                      subject_class=parsed.subject_class if parsed else None), match.span())


_YAML_KEY_RE = re.compile(r"^bibliography\s*:\s*(?P<value>.*?)\s*$")
_YAML_ITEM_RE = re.compile(r"^\s+-\s*(?P<value>.*?)\s*$")


def named_bibliographies(lines: Iterable[tuple[int, str]], base: str | os.PathLike[str] = ".",
                         ) -> list[tuple[Path, int]]:
    """The files the document's YAML front matter names in ``bibliography:``, with their lines.

    ``lines`` are numbered as the scan numbers them (:func:`.files.document_lines`); only
    the front matter is read. A scalar (``bibliography: refs.bib``), a flow list
    (``[a.bib, "b.json"]``) or a block list (``- a.bib`` lines); names are relative to
    ``base`` (the document's folder).
    """
    numbered = iter(lines)
    first = next(numbered, None)
    if first is None or first[1].rstrip() != "---":
        return []
    named: list[tuple[Path, int]] = []
    in_list = False
    for number, line in numbered:
        if line.rstrip() in ("---", "..."):
            break
        item = _YAML_ITEM_RE.match(line) if in_list else None
        if item:
            named.extend((Path(base) / name, number) for name in _yaml_names(item.group("value")))
            continue
        in_list = False
        key = _YAML_KEY_RE.match(line)
        if key:
            value = key.group("value")
            in_list = not value
            named.extend((Path(base) / name, number) for name in _yaml_names(value))
    return named


def _yaml_names(value: str) -> list[str]:
    """File names in a YAML scalar or flow list (quotes and a trailing comment removed)."""
    value = re.sub(r"\s+#.*$", "", value).strip()
    if value.startswith("[") and value.endswith("]"):
        parts = value[1:-1].split(",")
    elif value.startswith(("[", "{")):  # an unclosed list or a mapping: broken YAML names no file (pandoc fails)
        return []
    else:
        parts = [value]
    return [part.strip().strip("\"'") for part in parts if part.strip().strip("\"'")]
