"""LaTeX: ``\\cite`` keys, ``thebibliography`` items, ids outside comments, and the .bib files a document names.

A ``\\cite{a,`` whose closing brace is on a later line is joined (bounded) and
scanned at its first line, so keys keep their line and column.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterator, Sequence

from .. import ids
from ..model import Record
from .records import Lines, ProblemHandler, blank, find_mentions, id_record, offset_of, own_problems, placed, snippet
from .references import parse_bibitem

_CITE_RE = re.compile(r"\\(?P<cmd>[A-Za-z]*[Cc]ite[A-Za-z]*)\*?")
_OPT_ARG_RE = re.compile(r"\s*\[[^\]]*\]")
_BRACE_ARG_RE = re.compile(r"\s*\{([^{}]*)\}")
_BIBITEM_RE = re.compile(r"\\bibitem\s*(?:\[[^\]]*\])?\s*\{([^}]*)\}")
_BIB_END_RE = re.compile(r"\\end\s*\{thebibliography\}")
_BIB_BEGIN_RE = re.compile(r"\\begin\s*\{thebibliography\}")
_VERBATIM_RE = re.compile(r"\\(begin|end)\s*\{(verbatim\*?|lstlisting|minted|comment)\}")
_TITLE_RE = re.compile(r"``(.+?)''|\"(.+?)\"|\\emph\{([^{}]+)\}|\\textit\{([^{}]+)\}|\{\\(?:em|it)\s+([^{}]+)\}")
_UNCLOSED_CITE_RE = re.compile(r"\\[A-Za-z]*[Cc]ite[A-Za-z]*\*?(?:\s*\[[^\]]*\])*\s*\{[^}]*$")
_BIB_RESOURCE_RE = re.compile(r"\\(?:bibliography|addbibresource)\s*(?:\[[^\]]*\])?\s*\{([^}]*)\}")
#: A \bibitem's title is looked for in its first characters only (it comes before the venue and the rest).
_TITLE_WITHIN = 2000
#: A \cite continued on later lines is joined up to this many characters.
_MAX_JOINED = 4096


def strip_tex_comment(line: str) -> str:
    """The line up to its first unescaped ``%`` (``\\%`` is a percent sign, ``\\\\%`` starts a comment)."""
    start = 0
    while True:
        index = line.find("%", start)
        if index < 0:
            return line
        backslashes = 0
        while index - backslashes - 1 >= 0 and line[index - backslashes - 1] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return line[:index]
        start = index + 1


def find_bib_files(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """Existing .bib files named by ``\\bibliography{a,b}``/``\\addbibresource{c.bib}`` in the .tex inputs.

    A directory contributes every .tex under it; names are relative to the .tex file
    that gives them, ``.bib`` is added when missing, and names of missing files are skipped.
    """
    found: list[str] = []
    for path in paths:
        p = Path(path)
        texs = sorted(p.rglob("*.tex")) if p.is_dir() else ([p] if p.suffix == ".tex" else [])
        for tex in texs:
            try:
                content = tex.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for match in _BIB_RESOURCE_RE.finditer(content):
                for name in match.group(1).split(","):
                    name = name.strip()
                    if not name:
                        continue
                    candidate = tex.parent / (name if name.endswith(".bib") else f"{name}.bib")
                    if candidate.is_file():
                        found.append(str(candidate))
    return found


def _cites(line: str) -> Iterator[tuple[str, int, int, int]]:
    """(key, column, span start, span end) for every key of every \\cite-like command in the line."""
    for command in _CITE_RE.finditer(line):
        pos = command.end()
        multi = command.group("cmd").endswith("cites")
        while True:
            opt = _OPT_ARG_RE.match(line, pos)
            while opt:
                pos = opt.end()
                opt = _OPT_ARG_RE.match(line, pos)
            arg = _BRACE_ARG_RE.match(line, pos)
            if not arg:
                break
            offset = arg.start(1)
            for part in arg.group(1).split(","):
                key = part.strip()
                if key and key != "*":
                    yield key, offset + part.index(key) + 1, command.start(), arg.end()
                offset += len(part) + 1
            pos = arg.end()
            if not multi:
                break


def _unclosed_cite(line: str) -> bool:
    return "ite" in line and bool(_UNCLOSED_CITE_RE.search(line))


class _TexScanner:
    """LaTeX: citations, thebibliography items, and ids anywhere outside comments."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.in_bibliography = False
        self.verbatim = False
        self.item: tuple[int, str, int] | None = None  # line, key and column of the open \bibitem
        self.item_text: list[str] = []

    def line(self, number: int, raw: str) -> Iterator[Record]:
        fence = _VERBATIM_RE.search(raw)
        if self.verbatim:
            if fence and fence.group(1) == "end":
                self.verbatim = False
            return
        if fence and fence.group(1) == "begin" and fence.group(2).startswith("comment"):
            self.verbatim = True
            return
        line = strip_tex_comment(raw)
        if fence and fence.group(1) == "begin":
            self.verbatim = True
        if _BIB_BEGIN_RE.search(line):
            self.in_bibliography = True
        end = _BIB_END_RE.search(line)
        offset = offset_of(raw)  # a later piece of a very long line: columns count from the line's start
        if self.in_bibliography:
            yield from self.bibliography_line(number, line if not end else line[:end.start()], offset)
            if end:
                yield from self.close_item()
                self.in_bibliography = False
            return
        yield from self.body_line(number, line, offset)

    def body_line(self, number: int, line: str, offset: int = 0) -> Iterator[Record]:
        spans = []
        for key, column, start, end in _cites(line):
            spans.append((start, end))
            yield Record(source=self.source, line=number, kind="tex", key=key, column=column + offset,
                         role="citation", text=snippet(line, column - 1, column - 1 + len(key)))
        text = blank(line, spans) if spans else line
        for match in ids.find_ids(text):
            yield id_record(match, self.source, number, "tex", line, offset)

    def bibliography_line(self, number: int, line: str, offset: int = 0) -> Iterator[Record]:
        pos = 0
        for item in _BIBITEM_RE.finditer(line):
            self.add_text(line[pos:item.start()])
            yield from self.close_item()
            self.item = (number, item.group(1).strip(), item.start() + 1 + offset)
            pos = item.end()
        self.add_text(line[pos:])

    def add_text(self, text: str) -> None:
        if self.item is not None and text.strip():
            self.item_text.append(text.strip())

    def close_item(self) -> Iterator[Record]:
        """The open \\bibitem as a record: its id, the ids it mentions, and a quoted or emphasised title."""
        item, self.item = self.item, None
        if item is None:
            return
        number, key, column = item
        text = " ".join(self.item_text)
        self.item_text = []
        match = next((m for m in ids.find_ids(text) if m.arxiv_id), None)
        if match is None:
            match = next((m for m in ids.find_ids(text) if m.explicit), None)
        parsed = match.arxiv_id if match is not None else None
        first = own_problems(match)
        mentions, problems = find_mentions(text, parsed.base if parsed else None)
        found = _TITLE_RE.search(text[:_TITLE_WITHIN])  # bounded: ``(.+?)''`` on a run-on item was quadratic
        title = next(g for g in found.groups() if g).strip().rstrip(",.") if found else None
        ref = parse_bibitem(text) if parsed is None and text else None
        authors: tuple[str, ...] = ()
        if ref is not None:  # no id: title, authors and year are what resolution matches (the text would blur them)
            title, authors, text = ref.title, ref.authors, ""
        yield Record(source=self.source, line=number, kind="tex", key=key, column=column, text=text or None,
                     title=title, authors=authors, year=ref.year if ref else None, mentions=tuple(mentions),
                     problems=first + tuple(p for p in problems if p not in first),
                     arxiv_id=parsed.base if parsed else None, version=parsed.version if parsed else None,
                     subject_class=parsed.subject_class if parsed else None)


def scan_tex(lines: Lines, source: str, report: ProblemHandler) -> Iterator[Record]:
    """A LaTeX file: citations, bibliography items and ids, each a record."""
    scanner = _TexScanner(source)
    pending: tuple[int, str, int] | None = None  # line, text so far, column offset of a piece
    for number, line in lines:
        if pending is not None:
            # a \cite{a,<newline> b} continues: join (bounded) and scan at the first line
            first, text, offset = pending
            joined = text + " " + strip_tex_comment(line).strip()
            if _unclosed_cite(joined) and len(joined) < _MAX_JOINED:
                pending = (first, joined, offset)
                continue
            pending = None
            yield from scanner.line(first, placed(joined, offset))
            continue
        if not scanner.in_bibliography and not scanner.verbatim and _unclosed_cite(strip_tex_comment(line)):
            pending = (number, strip_tex_comment(line), offset_of(line))
            continue
        yield from scanner.line(number, line)
    if pending is not None:
        yield from scanner.line(pending[0], placed(pending[1], pending[2]))
    yield from scanner.close_item()
