"""`arxref sync`: the bibliography a document uses gets an entry for every arXiv id it cites and lacks.

A document cites papers by their ids (``\\cite{2108.02818}``, ``\\citep{arXiv:2307.03718}``,
``[@arxiv:2108.02818]``). sync finds the bibliography the document names
(``\\bibliography{refs}``, ``\\addbibresource{refs.bib}``, pandoc's YAML ``bibliography:``;
``bib=`` overrides), and appends one entry per cited key it does not define yet, keyed
exactly as cited. What the file holds already is never rewritten: its bytes are kept as
they are and the new entries follow them, in one atomic replacement (:mod:`arxref.atomic`),
so comments, order and formatting stay. A second run finds every key defined and changes
nothing.

A paper cited under two keys gets, for a biblatex document, one entry with the other key
in ``ids``; for bibtex and pandoc (which have no aliases) one entry per key
(:mod:`arxref.dedup`). A CSL-JSON bibliography gets its new items inserted before the
array's closing bracket. A .bib that bibtexparser cannot read, or a CSL-JSON file that is not
an array, is refused (nothing written, exit 2): keys it holds could not be seen, and an
entry added beside them could duplicate one.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from .config import Settings
from .errors import ExitCode, InputError, UsageError
from .model import Entry, Paper, Record
from .pipeline import Problem, resolve_batch

if TYPE_CHECKING:
    from .resolve import Resolution

#: Document suffixes sync reads, by scanner kind.
DOCUMENT_KINDS = {".tex": "tex", ".ltx": "tex", ".md": "markdown", ".markdown": "markdown"}


@dataclass(frozen=True)
class Document:
    """A document's citations and the bibliographies it names (path, line naming it)."""

    path: str
    kind: str
    citations: tuple[Record, ...]
    bibliographies: tuple[tuple[Path, int], ...]
    biblatex: bool = False


@dataclass(frozen=True)
class Bibliography:
    """A bibliography file as sync found it: its keys (biblatex ``ids`` aliases included) and bytes."""

    path: Path
    kind: str
    """``bib`` or ``json`` (CSL-JSON)."""
    keys: frozenset[str] = frozenset()
    content: bytes | None = None
    """The file's bytes; None when it does not exist."""


@dataclass(frozen=True)
class Added:
    """One entry sync added (or would add): where, its key, the paper, and its other cited keys."""

    target: Path
    key: str
    arxiv_id: str
    label: str
    """``Agarwal et al. 2021``."""
    aliases: tuple[str, ...] = ()


@dataclass
class SyncReport:
    """What sync did or, with ``check``/``dry_run``, would do; ``exit_code`` as the CLI returns it."""

    added: list[Added] = field(default_factory=list)
    created: list[Path] = field(default_factory=list)
    """Bibliographies that did not exist (created unless ``check``/``dry_run``)."""
    written: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    check: bool = False
    documents: list[str] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return not self.added and not self.created

    @property
    def exit_code(self) -> ExitCode:
        """1 for a citation that cannot be satisfied (or, with ``check``, a file not up to date), else 3
        when arXiv could not be asked, else 0. As for `check`, 1 wins: a wrong citation stays wrong."""
        if any(p.code != "unverified" for p in self.problems) or (self.check and not self.up_to_date):
            return ExitCode.PROBLEMS
        if self.problems:
            return ExitCode.UNVERIFIED
        return ExitCode.OK


def sync(
    documents: Sequence[str | os.PathLike[str]],
    *,
    bib: str | os.PathLike[str] | None = None,
    check: bool = False,
    dry_run: bool = False,
    settings: Settings | None = None,
) -> SyncReport:
    """Add to each document's bibliography an entry for every arXiv id it cites and does not define.

    ``bib`` names the bibliography for every document (else each document's own).
    ``check``/``dry_run`` change nothing; the report says what would be added.
    Raises UsageError (exit 2) for a document that names no bibliography and for a
    bibliography that cannot be read safely (file and line in the message).
    """
    if not documents:
        raise UsageError("no document given")
    settings = settings or Settings()
    report = SyncReport(check=check, documents=[os.fspath(d) for d in documents])
    docs = [read_document(d) for d in documents]
    groups = _groups(docs, Path(bib) if bib is not None else None)
    files = {path: read_bibliography(path) for group in groups.values() for path in group[1]}
    wanted: list[tuple[Path, Record]] = []
    for target, (members, paths) in groups.items():
        defined = frozenset().union(*(files[p].keys for p in paths))
        wanted.extend((target, cite) for cite in _missing(members, defined, _names(paths), report.problems))
    papers = _papers([cite for _, cite in wanted], settings, report.problems)
    for target, (members, paths) in groups.items():
        found = [(cite, papers[id(cite)]) for t, cite in wanted if t == target and id(cite) in papers]
        defined = frozenset().union(*(files[p].keys for p in paths))
        biblatex = files[target].kind == "bib" and any(d.biblatex for d in members)
        _update(files[target], found, defined, "ids" if biblatex else "entries", report,
                write=not (check or dry_run), flavor="biblatex" if biblatex else "bibtex")
    return report


def read_document(path: str | os.PathLike[str]) -> Document:
    """A .tex or Markdown document's citations and named bibliographies (UsageError when it cannot be read)."""
    from .scan import scan_file
    from .scan.files import document_lines
    from .scan.markdown import named_bibliographies as markdown_bibliographies
    from .scan.tex import named_bibliographies as tex_bibliographies

    source = os.fspath(path)
    kind = DOCUMENT_KINDS.get(Path(source).suffix.lower())
    if kind is None:
        raise UsageError(f"{source}: sync reads LaTeX (.tex) and Markdown (.md) documents")
    try:
        records = list(scan_file(source, kind))
        items = {r.key for r in records if r.role == "paper" and r.key}  # its own \bibitem entries define these
        citations = tuple(r for r in records if r.role == "citation" and r.key not in items)
        base = Path(source).parent
        if kind == "tex":
            named, biblatex = tex_bibliographies(document_lines(source), base)
            return Document(source, kind, citations, tuple(named), biblatex)
        return Document(source, kind, citations, tuple(markdown_bibliographies(document_lines(source), base)))
    except InputError as exc:
        raise UsageError(str(exc)) from None


def read_bibliography(path: Path) -> Bibliography:
    """The keys a bibliography defines; UsageError (exit 2) naming file:line when it cannot be read safely."""
    kind = "json" if path.suffix.lower() == ".json" else "bib"
    if path.suffix.lower() in (".yaml", ".yml"):
        raise UsageError(f"{path}: CSL YAML bibliographies are not updated; use a .bib or CSL-JSON (.json) file")
    from .scan.files import read_bytes

    if not os.path.exists(path):
        return Bibliography(path, kind)
    try:
        content = read_bytes(path)
    except InputError as exc:
        raise UsageError(str(exc)) from None
    keys = _json_keys(path, content) if kind == "json" else _bib_keys(path)
    return Bibliography(path, kind, frozenset(keys), content)


def _bib_keys(path: Path) -> set[str]:
    """Entry keys and biblatex ``ids`` aliases of a .bib; a block bibtexparser cannot read stops everything."""
    from .scan import ScanProblem, scan_file

    broken: list[ScanProblem] = []

    def on_problem(problem: ScanProblem) -> None:
        if problem.code == "unparsable":
            broken.append(problem)

    keys: set[str] = set()
    for record in scan_file(path, "bib", on_problem=on_problem):
        if record.key:
            keys.add(record.key)
        keys.update(part.strip() for part in record.fields.get("ids", "").split(",") if part.strip())
    if broken:
        first = broken[0]
        raise UsageError(f"{first.path}:{first.line}: {first.message.split(';')[0]}; "
                         "not touched (fix the entry, then run sync again)")
    return keys


def _json_keys(path: Path, content: bytes) -> set[str]:
    """The ``id`` of every item of a CSL-JSON array."""
    try:
        items = json.loads(content.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8, so not CSL-JSON; not touched") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); not touched") from None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise UsageError(f"{path}: not a CSL-JSON array of items; not touched")
    return {str(item["id"]) for item in items if "id" in item}


def _groups(docs: list[Document], bib: Path | None) -> dict[Path, tuple[list[Document], list[Path]]]:
    """target bibliography -> (documents writing to it, every bibliography defining their keys; target first)."""
    groups: dict[Path, tuple[list[Document], list[Path]]] = {}
    seen: dict[str, Path] = {}  # one file named by several documents, or by several spellings, is one target
    for doc in docs:
        if not doc.citations:
            continue  # nothing to sync (a README, a chapter without citations)
        if bib is not None:
            named = [bib]
        elif doc.bibliographies:
            named = [path for path, _ in doc.bibliographies]
        else:
            hint = "\\bibliography{refs} or \\addbibresource{refs.bib}" if doc.kind == "tex" else \
                "a YAML 'bibliography: refs.bib' line"
            raise UsageError(f"{doc.path}: names no bibliography ({hint}); give one with --bib FILE")
        named = [seen.setdefault(os.path.realpath(path), path) for path in named]
        members, paths = groups.setdefault(named[0], ([], []))
        members.append(doc)
        paths.extend(path for path in named if path not in paths)
    return groups


def _names(paths: list[Path]) -> str:
    """``refs.bib`` or ``refs.bib or extra.bib``: where a missing key was looked for."""
    return " or ".join(p.name for p in paths)


def _missing(docs: list[Document], defined: frozenset[str], names: str, problems: list[Problem]) -> list[Record]:
    """Citations of arXiv ids that ``defined`` lacks; every other undefined key is a problem (file:line:col)."""
    from .keys import is_valid_key

    missing: list[Record] = []
    for doc in docs:
        for cite in doc.citations:
            key = cite.key or ""
            if key in defined:
                continue
            if cite.arxiv_id is None:
                why = f"; {'; '.join(cite.problems)}" if cite.problems else "; not an arXiv id, so sync cannot add it"
                problems.append(_problem(cite, "undefined_citation", f"citation '{key}' is not in {names}{why}"))
            elif not is_valid_key(key):
                problems.append(_problem(cite, "invalid", f"citation '{key}' cannot be a .bib key"))
            else:
                missing.append(cite)
    return missing


def _papers(citations: list[Record], settings: Settings, problems: list[Problem]) -> dict[int, Paper]:
    """id(citation) -> its paper (cache first, then arXiv); ids arXiv lacks or could not answer become problems."""
    if not citations:
        return {}
    unique: dict[tuple[str, int | None], Record] = {}
    for cite in citations:
        unique.setdefault((cite.arxiv_id or "", cite.version), cite)
    resolutions = resolve_batch(list(unique.values()), settings)
    outcome = {(res.record.arxiv_id or "", res.record.version): res for res in resolutions}
    papers: dict[int, Paper] = {}
    for cite in citations:
        res = outcome[(cite.arxiv_id or "", cite.version)]
        if res.paper is not None and res.settled:
            papers[id(cite)] = res.paper
        elif res.status == "not_found":
            problems.append(_problem(cite, "not_found", f"citation '{cite.key}': arXiv has no paper {cite.arxiv_id}"))
        else:
            reason = res.reason or "arXiv unreachable"
            problems.append(_problem(cite, "unverified",
                                     f"citation '{cite.key}': could not get arXiv:{cite.arxiv_id}: {reason}"))
    return papers


def cited_entries(found: Sequence[tuple[Record, Paper]], *, existing_keys: frozenset[str] = frozenset(),
                  cite_aliases: str = "entries") -> list[Entry]:
    """Entries for citations of ids and their papers, keyed as cited, in the order first cited.

    ``existing_keys`` are defined already and never written; ``cite_aliases`` as in
    :func:`arxref.dedup.build_entries` (``entries`` for bibtex, pandoc and CSL-JSON).
    """
    from .dedup import build_entries

    entries = build_entries(found, existing_keys=existing_keys, cite_aliases=cite_aliases)
    order = {id(cite): index for index, (cite, _) in enumerate(found)}
    entries.sort(key=lambda e: min((order.get(id(r), len(order)) for r in e.sources), default=len(order)))
    return entries


def entries_for_keys(keys: Sequence[str], settings: Settings | None = None, *,
                     source: str = "<citations>") -> tuple[list[Entry], list[Problem]]:
    """Entries for the citation keys among ``keys`` that are arXiv ids, keyed exactly as given, in order.

    For callers that hold keys, not documents (a pandoc filter turning ``@arxiv:2108.02818``
    into CSL items, with :func:`arxref.formats.write_csljson`): papers come from the cache,
    then arXiv (``settings.offline`` forbids that); an id arXiv lacks or could not answer is
    a problem. Keys that are no id are left out: the caller's bibliography defines them.
    """
    from .scan.records import cited_id

    citations = []
    for index, key in enumerate(dict.fromkeys(keys), 1):
        parsed, _ = cited_id(key)
        if parsed is not None:
            citations.append(Record(source=source, line=index, kind="markdown", key=key, role="citation",
                                    arxiv_id=parsed.base, version=parsed.version))
    problems: list[Problem] = []
    papers = _papers(citations, settings or Settings(), problems)
    found = [(cite, papers[id(cite)]) for cite in citations if id(cite) in papers]
    return cited_entries(found), problems


def _problem(record: Record, code: str, message: str) -> Problem:
    return Problem(record.source, record.line, record.column or 1, "error", code, message)


def _update(bibliography: Bibliography, found: list[tuple[Record, Paper]], defined: frozenset[str], aliases: str,
            report: SyncReport, write: bool, flavor: str = "bibtex") -> None:
    """Append the entries of ``found`` to ``bibliography`` (when ``write``) and say so in ``report``;
    a .bib gets the preprint fields of ``flavor`` (:func:`arxref.preprint.bib_preprint_fields`)."""
    from .keys import paper_year, short_label

    target = bibliography.path
    entries = cited_entries(found, existing_keys=defined, cite_aliases=aliases)
    for entry in entries:
        paper = entry.paper
        label = short_label([a.name for a in paper.authors], paper_year(paper.published, paper.updated))
        alias_keys = tuple(k.strip() for k in entry.bib_fields.get("ids", "").split(",") if k.strip())
        report.added.append(Added(target, entry.key, paper.arxiv_id, label, alias_keys))
    created = bibliography.content is None
    if created:
        report.created.append(target)
    if not write or not (entries or created):
        return
    content = bibliography.content or b""
    new = _appended_json(content, entries) if bibliography.kind == "json" else _appended_bib(content, entries, flavor)
    from .atomic import write_atomically_many

    real = Path(os.path.realpath(target))  # a link to a shared .bib: that file gets the entries, the link stays
    if bibliography.content is not None and not (os.access(real, os.W_OK) and real.stat().st_mode & 0o222):
        raise UsageError(f"{target}: read-only file; not touched (make it writable, then run sync again)")
    try:
        write_atomically_many([real], lambda streams: streams[0].write(new), binary=True)
    except OSError as exc:
        raise UsageError(f"{target}: cannot write: {exc.strerror or exc}") from None
    report.written.append(target)


def _appended_bib(content: bytes, entries: list[Entry], flavor: str = "bibtex") -> bytes:
    """``content`` unchanged, then the entries as BibTeX after a blank line (the file's line ending kept).

    A file that is not UTF-8 gets its new entries in ASCII (LaTeX escapes), which any
    ASCII-based encoding reads the same.
    """
    from .formats import WriteOptions, write_bibtex

    if not entries:
        return content
    try:
        content.decode("utf-8")
        ascii = False
    except UnicodeDecodeError:
        ascii = True
    stream = io.StringIO()
    write_bibtex(entries, stream, WriteOptions(ascii=ascii, bib_flavor=flavor))
    text = stream.getvalue().rstrip("\n") + "\n"
    newline = b"\r\n" if b"\r\n" in content else b"\n"
    if not content.strip() or content.endswith(newline * 2):
        lead = b""
    elif content.endswith(b"\n"):
        lead = newline  # one blank line between the last entry and the first new one
    else:
        lead = newline * 2
    return content + lead + text.replace("\n", newline.decode()).encode("utf-8")


def _appended_json(content: bytes, entries: list[Entry]) -> bytes:
    """``content`` with the entries' CSL-JSON items inserted before the array's closing bracket.

    Every byte already there is kept (items, spacing, what follows the array): the new
    items go right after the last one, one a line.
    """
    from .formats import write_csljson

    if not entries:
        return content if content.strip() else b"[]\n"
    stream = io.StringIO()
    write_csljson(entries, stream)
    items = [line.rstrip(",") for line in stream.getvalue().splitlines() if line.startswith("{")]
    body = ",\n".join(items)
    if not content.strip():
        return f"[\n{body}\n]\n".encode("utf-8")
    close = content.rindex(b"]")  # a valid CSL-JSON file is an array: its last bracket closes it
    before = content[:close].rstrip()
    gap = content[len(before):close]
    separator = b"\n" if before.endswith(b"[") else b",\n"
    return before + separator + body.encode("utf-8") + (gap or b"\n") + content[close:]


# --------------------------------------------------------------------------- for `check`


@dataclass(frozen=True)
class CitedBibliographies:
    """What `check` needs to judge citations: every defined key, and the bibliographies each document names."""

    keys: frozenset[str]
    names: dict[str, tuple[Path, ...]]
    """Citing document -> the bibliographies it names (none for a document that names none)."""


def cited_bibliographies(citations: Sequence[Record], records: Sequence[Record]) -> CitedBibliographies:
    """Keys defined by the scanned .bib records (their biblatex ``ids`` too) and by the bibliographies
    the citing documents name that were not scanned (CSL-JSON, a Markdown document's .bib)."""
    keys = {r.key for r in records if r.kind == "bib" and r.key}
    keys.update(alias.strip() for r in records if r.kind == "bib" and "ids" in r.fields
                for alias in r.fields["ids"].split(",") if alias.strip())
    scanned = {os.path.realpath(r.source) for r in records if r.kind == "bib"}
    names: dict[str, tuple[Path, ...]] = {}
    for source in dict.fromkeys(c.source for c in citations):
        try:
            named = read_document_bibliographies(source)
        except InputError:  # the scan of the document reported it
            named = []
        names[source] = tuple(named)
        for path in named:
            if os.path.realpath(path) not in scanned:
                scanned.add(os.path.realpath(path))
                try:
                    keys.update(read_bibliography(path).keys)
                except UsageError:
                    pass  # unreadable: its keys stay undefined, and the citations say so
    return CitedBibliographies(frozenset(keys), names)


def read_document_bibliographies(path: str | os.PathLike[str]) -> list[Path]:
    """The bibliography files a .tex or Markdown document names (existing or not); InputError when it cannot be read."""
    from .scan.files import document_lines
    from .scan.markdown import named_bibliographies as markdown_bibliographies
    from .scan.tex import named_bibliographies as tex_bibliographies

    source = Path(path)
    kind = DOCUMENT_KINDS.get(source.suffix.lower())
    if kind is None:
        return []
    if kind == "tex":
        return [p for p, _ in tex_bibliographies(document_lines(source), source.parent)[0]]
    return [p for p, _ in markdown_bibliographies(document_lines(source), source.parent)]


def missing_citation(res: Resolution, bibliographies: Sequence[Path]) -> Problem:
    """`check`'s finding for a citation of an arXiv id no bibliography defines, by what arXiv said about the id:

    it has the paper (``missing_entry``: run sync), it has none (``not_found``), or it could not
    be asked (``undefined_citation``: the key is undefined whatever arXiv would say).
    """
    from .keys import paper_year, short_label

    cite = res.record
    where = " or ".join(p.name for p in bibliographies) or "any .bib file"
    lead = f"citation '{cite.key}' is not in {where}"
    if res.paper is not None and res.settled:
        paper = res.paper
        label = short_label([a.name for a in paper.authors], paper_year(paper.published, paper.updated))
        return _problem(cite, "missing_entry", f"{lead}; arXiv has it ({label}); run `arxref sync {cite.source}`")
    if res.status == "not_found":
        return _problem(cite, "not_found", f"{lead}, and arXiv has no paper {cite.arxiv_id}")
    return _problem(cite, "undefined_citation",
                    f"{lead}; could not ask arXiv about {cite.arxiv_id} ({res.reason or 'arXiv unreachable'})")
