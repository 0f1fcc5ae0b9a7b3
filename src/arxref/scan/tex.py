"""LaTeX: ``\\cite`` keys, ``thebibliography`` items, ids outside comments, and the .bib files a document names.

Every natbib and biblatex citing command is read (``\\cite``, ``\\citep``, ``\\citet``,
``\\citealt``, ``\\citeauthor``, ``\\nocite``, ``\\autocite``, ``\\parencite``, ``\\textcite``,
``\\footcite``, ``\\cites``..., starred, with ``[..][..]`` and ``(..)(..)`` arguments). A key
written as an arXiv id (``\\cite{2108.02818}``, ``\\cite{arXiv:hep-th/9901001}``) gives a
citation record that carries the id as well as the key (:func:`.records.cited_id`).

A ``\\cite{a,`` whose closing brace is on a later line is joined (bounded) and scanned
as one line; each record then gets back the line and column it was written at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from dataclasses import replace
from itertools import chain
from typing import Iterable, Iterator, Sequence

from .. import ids
from ..errors import InputError
from ..model import Record
from .records import (Lines, ProblemHandler, blank, cited_id, find_mentions, id_fields, id_record, offset_of,
                      own_problems, placed, snippet)
from .files import document_lines
from .references import parse_bibitem

_CITE_RE = re.compile(r"\\(?P<cmd>[A-Za-z]*[Cc]ite[A-Za-z]*)\*?")
#: Commands with "cite" in their name that take no citation key.
_NOT_CITING = frozenset({"citestyle", "citetext", "citeindexfalse", "citeindextrue", "citesetup",
                         "citetrackertrue", "citetrackerfalse", "citereset", "citeform"})
_OPT_ARG_RE = re.compile(r"\s*\[[^\]]*\]")
_PAREN_ARG_RE = re.compile(r"\s*\([^()]*\)")
_BRACE_ARG_RE = re.compile(r"\s*\{([^{}]*)\}")
_BIBITEM_RE = re.compile(r"\\bibitem\s*(?:\[[^\]]*\])?\s*\{([^}]*)\}")
_BIB_END_RE = re.compile(r"\\end\s*\{thebibliography\}")
_BIB_BEGIN_RE = re.compile(r"\\begin\s*\{thebibliography\}")
_VERBATIM_RE = re.compile(r"\\(begin|end)\s*\{(verbatim\*?|lstlisting|minted|comment)\}")
_TITLE_RE = re.compile(r"``(.+?)''|\"(.+?)\"|\\emph\{([^{}]+)\}|\\textit\{([^{}]+)\}|\{\\(?:em|it)\s+([^{}]+)\}")
_UNCLOSED_CITE_RE = re.compile(
    r"\\[A-Za-z]*[Cc]ite[A-Za-z]*\*?(?:\s*\([^()]*\))*(?:\s*\[[^\]]*\]|\s*\{[^{}]*\})*\s*\{[^}]*$")
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


_BIBLATEX_RE = re.compile(r"\\usepackage\s*(?:\[[^\]]*\])?\s*\{[^}]*\bbiblatex\b[^}]*\}|\\addbibresource\b")


def named_bibliographies(lines: Iterable[tuple[int, str]], base: str | os.PathLike[str] = ".",
                         ) -> tuple[list[tuple[Path, int]], bool]:
    """The bibliography files a LaTeX document names, with the line naming each, and whether it uses biblatex.

    ``lines`` are numbered as the scan numbers them (:func:`.files.document_lines`).
    ``\\bibliography{a,b}`` and ``\\addbibresource{c.bib}`` outside comments; names are
    relative to ``base`` (the document's folder) and get ``.bib`` when they have no suffix
    of their own. Missing files are listed too (a document may name one not written yet).
    """
    named: list[tuple[Path, int]] = []
    biblatex = False
    for number, raw in lines:
        if "\\" not in raw or ("bib" not in raw):
            continue
        line = strip_tex_comment(raw)
        biblatex = biblatex or bool(_BIBLATEX_RE.search(line))
        for match in _BIB_RESOURCE_RE.finditer(line):
            for name in match.group(1).split(","):
                name = name.strip()
                if name:
                    named.append((Path(base) / (name if name.endswith(".bib") else f"{name}.bib"), number))
    return named, biblatex


def find_bib_files(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """Existing .bib files named by ``\\bibliography{a,b}``/``\\addbibresource{c.bib}`` in the .tex inputs.

    A directory contributes every .tex under it; names are relative to the .tex file
    that gives them, ``.bib`` is added when missing, and names of missing files are skipped.
    """
    found: list[str] = []
    for tex, lines in _tex_documents(paths):
        found.extend(str(bib) for bib, _ in named_bibliographies(lines, tex.parent)[0] if bib.is_file())
    return found


#: A document that loads biblatex (or uses its commands) wants biblatex's fields.
_LOADS_BIBLATEX_RE = re.compile(r"\\(?:usepackage|RequirePackage)\s*(?:\[[^\]]*\])?\s*\{[^}]*\bbiblatex\b[^}]*\}"
                          r"|\\addbibresource\b|\\printbibliography\b")
#: A document that names a bibtex style (or loads natbib) wants bibtex's.
_LOADS_BIBTEX_RE = re.compile(r"\\bibliographystyle\s*\{|\\(?:usepackage|RequirePackage)\s*(?:\[[^\]]*\])?\s*"
                        r"\{[^}]*\bnatbib\b[^}]*\}|\\bibliography\s*\{")


def document_bib_flavor(paths: Sequence[str | os.PathLike[str]]) -> str | None:
    """``biblatex`` or ``bibtex``: what the first .tex input that says loads (biblatex, or a
    ``\\bibliographystyle``/natbib/``\\bibliography``); None when no .tex says either.

    Comments are skipped; a directory contributes every .tex under it, in sorted order.
    """
    for _, lines in _tex_documents(paths):
        flavor = _loaded_flavor(lines)
        if flavor is not None:
            return flavor
    return None


#: A document is searched for what it loads in blocks of about this many characters of its lines
#: (comments stripped), each after the last _FLAVOR_OVERLAP characters of the block before: a
#: ``\\usepackage[...]{biblatex}`` written over several lines is found without holding the file.
_FLAVOR_BLOCK = 1 << 20
_FLAVOR_OVERLAP = 4096


def _loaded_flavor(lines: Iterable[tuple[int, str]]) -> str | None:
    """``biblatex`` when the document loads it anywhere, else ``bibtex`` when it loads that, else None."""
    bibtex = False
    tail: str | None = None  # the end of the text searched last
    block: list[str] = []
    size = 0
    for _, line in lines:
        block.append(strip_tex_comment(line))
        size += len(block[-1]) + 1
        if size < _FLAVOR_BLOCK:
            continue
        text = "\n".join(block if tail is None else [tail, *block])
        if _LOADS_BIBLATEX_RE.search(text):
            return "biblatex"
        bibtex = bibtex or bool(_LOADS_BIBTEX_RE.search(text))
        tail, block, size = text[-_FLAVOR_OVERLAP:], [], 0
    text = "\n".join(block if tail is None else [tail, *block])
    if _LOADS_BIBLATEX_RE.search(text):
        return "biblatex"
    return "bibtex" if bibtex or _LOADS_BIBTEX_RE.search(text) else None


def _tex_documents(paths: Sequence[str | os.PathLike[str]]) -> Iterator[tuple[Path, Lines]]:
    """(path, numbered lines) of every .tex among ``paths`` (directories searched), in order;
    one that cannot be read (a FIFO, a device, a binary file) is left out (the scan reports it)."""
    for path in paths:
        p = Path(path)
        texs = sorted(p.rglob("*.tex")) if p.is_dir() else ([p] if p.suffix == ".tex" else [])
        for tex in texs:
            lines = document_lines(tex)
            try:
                first = next(lines, None)
            except InputError:
                continue
            yield tex, chain([] if first is None else [first], _readable(lines))


def _readable(lines: Lines) -> Lines:
    """``lines`` until a read fails (the scan of the file reports it)."""
    try:
        yield from lines
    except InputError:
        return


def _cites(line: str) -> Iterator[tuple[str, int, int, int]]:
    """(key, column, span start, span end) for every key of every \\cite-like command in the line."""
    for command in _CITE_RE.finditer(line):
        name = command.group("cmd")
        if name in _NOT_CITING:
            continue
        pos = command.end()
        multi = name.endswith("cites")
        if multi:  # biblatex's multicite: (pre)(post) for the whole list come first
            paren = _PAREN_ARG_RE.match(line, pos)
            while paren:
                pos = paren.end()
                paren = _PAREN_ARG_RE.match(line, pos)
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
            parsed, problems = cited_id(key)
            yield Record(source=self.source, line=number, kind="tex", key=key, column=column + offset,
                         role="citation", text=snippet(line, column - 1, column - 1 + len(key)),
                         arxiv_id=parsed.base if parsed else None, version=parsed.version if parsed else None,
                         subject_class=parsed.subject_class if parsed else None, problems=problems)
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
                     problems=first + tuple(p for p in problems if p not in first), **id_fields(parsed))


#: Where each line of a joined \\cite starts in the joined text: (joined index, line number, column of that index).
_Segments = list[tuple[int, int, int]]


def scan_tex(lines: Lines, source: str, report: ProblemHandler) -> Iterator[Record]:
    """A LaTeX file: citations, bibliography items and ids, each a record."""
    scanner = _TexScanner(source)
    pending: tuple[str, _Segments] | None = None  # the joined text so far, and where its lines start
    for number, line in lines:
        if pending is not None:
            # a \cite{a,<newline> b} continues: join (bounded), scan once, give records their own line back
            text, segments = pending
            body = strip_tex_comment(line)
            stripped = body.strip()
            segments.append((len(text) + 1, number, offset_of(line) + len(body) - len(body.lstrip())))
            joined = text + " " + stripped
            if _unclosed_cite(joined) and len(joined) < _MAX_JOINED:
                pending = (joined, segments)
                continue
            pending = None
            yield from _placed_back(scanner.line(segments[0][1], placed(joined, segments[0][2])), segments)
            continue
        if not scanner.in_bibliography and not scanner.verbatim and _unclosed_cite(strip_tex_comment(line)):
            pending = (strip_tex_comment(line), [(0, number, offset_of(line))])
            continue
        yield from scanner.line(number, line)
    if pending is not None:
        yield from _placed_back(scanner.line(pending[1][0][1], placed(pending[0], pending[1][0][2])), pending[1])
    yield from scanner.close_item()


def _placed_back(records: Iterator[Record], segments: _Segments) -> Iterator[Record]:
    """Records of a joined \\cite, each moved to the line and column where it was written."""
    first = segments[0][2]
    for record in records:
        if record.column is None or len(segments) < 2:
            yield record
            continue
        index = record.column - 1 - first  # where the record stands in the joined text
        start, number, column = next(s for s in reversed(segments) if s[0] <= index)
        yield replace(record, line=number, column=index - start + column + 1)
