"""BibTeX through bibtexparser v2, a chunk of blocks at a time so huge .bib files stay in bounded memory.

Broken blocks and duplicate keys are reported with their line; a broken entry still
gives its arXiv id when one is written in it.
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from typing import Any, Iterator, Mapping

from .. import ids, taxonomy
from ..model import Record
from .records import Lines, ProblemHandler, ScanProblem, id_fields, invalid_problem, own_problems

_ENTRY_START_RE = re.compile(r"^\s*@\s*(?P<type>[A-Za-z]+)\s*[{(]\s*(?P<key>[^,\s]*)")
_ID_FIELDS = ("eprint", "doi", "url", "journal", "volume", "note", "howpublished", "pages", "number")
_AND_SPLIT_RE = re.compile(r"\s+and\s+", re.IGNORECASE)
_MONTHS = {m: m for m in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")}
_COMMENT_START_RE = re.compile(r"@\s*comment\s*([{(])", re.IGNORECASE)
#: A .bib is handed to bibtexparser in pieces of about this many characters.
_BIB_CHUNK = 1 << 18


@contextmanager
def _quiet_bibtexparser() -> Iterator[None]:
    """bibtexparser logs each failed block; we report them ourselves, with the file name."""
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _bib_chunks(lines: Lines) -> Iterator[tuple[int, str]]:
    """(first line number, text) pieces of a .bib, cut only between blocks.

    A cut happens at a line starting with ``@`` when the braces so far balance,
    or when the open block is not a comment (a broken entry then fails alone).
    The pieces of a very long line (same number) are joined without a line break,
    so bibtexparser's line count stays true.
    """
    buffer: list[str] = []
    first = size = depth = 0
    last = -1  # number of the line read before
    in_comment = False
    for number, line in lines:
        if number == last:  # a later piece of the same line: never a block start
            buffer.append(line)
            size += len(line)
            depth += line.count("{") - line.count("}")
            continue
        last = number
        stripped = line.lstrip()
        if stripped.startswith("@") and (depth <= 0 or not in_comment):
            if buffer and size >= _BIB_CHUNK:
                yield first, "".join(buffer)
                buffer, size = [], 0
            depth = 0
            in_comment = stripped[1:].lstrip().lower().startswith("comment")
        if not buffer:
            first = number
        else:
            buffer.append("\n")
        buffer.append(line)
        size += len(line) + 1
        depth += line.count("{") - line.count("}")
    if buffer:
        yield first, "".join(buffer)


def _expand_value(raw: str, strings: dict[str, str]) -> str:
    """A field value with enclosing braces/quotes removed and ``#`` concatenation of @string macros done."""
    parts = _split_concat(raw)
    out = []
    for part in parts:
        part = part.strip()
        if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
            out.append(part[1:-1])
        elif part.isdigit():
            out.append(part)
        else:
            out.append(strings.get(part.lower(), _MONTHS.get(part.lower(), part)))
    return "".join(out)


def _split_concat(raw: str) -> list[str]:
    """Split ``a # "b" # {c}`` at the ``#`` signs that are outside braces and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(raw):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(raw[start:index])
            start = index + 1
    parts.append(raw[start:])
    return parts


def _comment_end(text: str, start: re.Match[str]) -> int:
    """Where the ``@comment`` block opened at ``start`` ends (brace-matched; unbalanced: its first line)."""
    opening = start.group(1)
    close = "}" if opening == "{" else ")"
    depth = 0
    for index in range(start.end() - 1, len(text)):
        char = text[index]
        if char == opening:
            depth += 1
        elif char == close:
            depth -= 1
            if depth == 0:
                return index + 1
    end = text.find("\n", start.start())
    return len(text) if end < 0 else end


def _blank_bib_comments(text: str) -> str:
    """``@comment{...}`` blocks (brace-matched, as biber and JabRef read them) turned into spaces.

    bibtexparser ends a comment at the next line starting with ``@``, so an
    entry kept inside a comment would otherwise come back to life.
    Newlines stay, so line numbers do not move.
    """
    out = []
    pos = 0
    for start in _COMMENT_START_RE.finditer(text):
        if start.start() < pos:
            continue
        end = _comment_end(text, start)
        out.append(text[pos:start.start()])
        out.append(re.sub(r"[^\n]", " ", text[start.start():end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _bib_error(error: Exception | None) -> str:
    """bibtexparser's reason for a failed block, in one line."""
    if error is None:
        return "syntax error"
    reason = getattr(error, "abort_reason", None) or getattr(error, "message", None) or str(error)
    first = reason.strip().splitlines()[0] if reason and reason.strip() else type(error).__name__
    return first


def _clean_bib_text(value: str) -> str:
    return " ".join(value.replace("{", "").replace("}", "").split())


class _BibScanner:
    """BibTeX through bibtexparser v2, one chunk of blocks at a time."""

    def __init__(self, source: str, report: ProblemHandler) -> None:
        self.source = source
        self.report = report
        self.strings: dict[str, str] = {}
        self.keys: dict[str, int] = {}

    def chunk(self, first: int, text: str) -> Iterator[Record]:
        import bibtexparser
        from bibtexparser import model

        if "@" in text and _COMMENT_START_RE.search(text):
            text = _blank_bib_comments(text)
        with _quiet_bibtexparser():
            library = bibtexparser.parse_string(text, parse_stack=[])
        for block in library.blocks:
            number = first + (block.start_line or 0)
            if isinstance(block, model.String):
                self.strings[block.key.lower()] = _expand_value(block.value, self.strings)
            elif isinstance(block, model.DuplicateBlockKeyBlock):
                entry = block.ignore_error_block
                if isinstance(entry, model.Entry):
                    yield self.entry(entry, number)
            elif isinstance(block, model.ParsingFailedBlock):
                yield from self.failed(block, number)
            elif isinstance(block, model.Entry):
                yield self.entry(block, number)

    def entry(self, entry: Any, number: int) -> Record:
        fields = {f.key.lower(): _expand_value(str(f.value), self.strings) for f in entry.fields}
        problems: list[str] = []
        if entry.key in self.keys:
            message = f"duplicate key '{entry.key}' (first defined on line {self.keys[entry.key]})"
            problems.append(message)
            self.report(ScanProblem(self.source, number, message))
        else:
            self.keys[entry.key] = number
        authors: tuple[str, ...] = ()
        if "author" in fields:
            authors = tuple(_clean_bib_text(a) for a in _AND_SPLIT_RE.split(fields["author"].strip())
                            if a.strip() and a.strip().lower() != "others")
        own, mentions = _bib_ids(fields, problems)
        found = id_fields(own)
        if own is not None and own.category is None and fields.get("primaryclass"):
            # the entry's own primaryClass is the hint when the id carries none
            found = {**found, "category": taxonomy.category(fields["primaryclass"].strip())}
        return Record(source=self.source, line=number, kind="bib", key=entry.key,
                      entry_type=entry.entry_type.lower(), fields=fields,
                      title=_clean_bib_text(fields["title"]) if "title" in fields else None,
                      authors=authors, text=fields.get("abstract"), mentions=mentions, problems=tuple(problems),
                      **found)

    def failed(self, block: Any, number: int) -> Iterator[Record]:
        """Report a block bibtexparser could not read; keep any id written in it."""
        raw = block.raw or ""
        error = _bib_error(block.error)
        head = _ENTRY_START_RE.match(raw)
        match = next((m for m in ids.find_ids(raw) if m.explicit or m.arxiv_id), None)
        is_entry = head is not None and head.group("type").lower() not in ("comment", "string", "preamble")
        kept = "; only its arXiv id is kept" if is_entry and match is not None else "; skipped"
        self.report(ScanProblem(self.source, number, f"entry could not be parsed ({error}){kept}", "unparsable"))
        if head is None or match is None or not is_entry:
            return
        yield Record(source=self.source, line=number, kind="bib", key=head.group("key") or None,
                     entry_type=head.group("type").lower(),
                     problems=(f"entry could not be parsed: {error}",) + own_problems(match),
                     **id_fields(match.arxiv_id))


def _bib_ids(fields: dict[str, str], problems: list[str]) -> tuple[ids.ArxivId | None, tuple[str, ...]]:
    """The entry's own arXiv id from eprint/doi/url/journal/note... and the other ids its fields name.

    Impossible ids and fields that disagree are added to ``problems``.
    """
    found = _found_ids(fields, problems)
    if not found:
        return None, ()
    own = found[0][1]
    problems.extend(own.warnings)  # unknown subject class math.ACS: the id is read, the class questioned
    others = [(name, aid) for name, aid in found if aid.base != own.base]
    if not others:
        return own, ()
    listed = ", ".join(f"{name} {aid.base}" for name, aid in [found[0], *others])
    problems.append(f"fields name different arXiv ids: {listed}")
    return own, tuple(dict.fromkeys(aid.base for _, aid in others))


def own_id_field(fields: Mapping[str, str]) -> str | None:
    """The field (lower-case name) an entry's own arXiv id was read from: ``eprint``, ``url``, ``doi``...

    Messages name it ("eprint 2108.02818 is ..."); None when the entry names no id.
    """
    found = _found_ids(fields, [])
    return found[0][0] if found else None


def _found_ids(fields: Mapping[str, str], problems: list[str]) -> list[tuple[str, ids.ArxivId]]:
    """(field, id) for every arXiv id the id-bearing fields name, in :data:`_ID_FIELDS` order."""
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().lower()
    found: list[tuple[str, ids.ArxivId]] = []
    for name in _ID_FIELDS:
        value = fields.get(name)
        if not value:
            continue
        if name == "eprint":
            if prefix and prefix != "arxiv":
                continue
            try:
                found.append((name, ids.parse(value)))
            except ids.InvalidIdError as exc:
                if prefix == "arxiv" or re.search(r"\d{4}\.\d|/\d{7}", value):
                    problems.append(f"invalid arXiv id {value.strip()!r}: {exc.reason}")
            continue
        for match in ids.find_ids(value):
            if match.arxiv_id is not None and (match.explicit or name == "doi"):
                found.append((name, match.arxiv_id))
            elif match.arxiv_id is None and match.explicit:
                problems.append(invalid_problem(match))
    return found


def scan_bib(lines: Lines, source: str, report: ProblemHandler) -> Iterator[Record]:
    """A .bib file: one record per entry (and per broken entry that names an arXiv id)."""
    scanner = _BibScanner(source, report)
    for first, text in _bib_chunks(lines):
        yield from scanner.chunk(first, text)
