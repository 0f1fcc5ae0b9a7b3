"""The whole job as library functions: `export` (dumps -> bibliography files), `check` (CI), `resolve`.

Each is a thin composition of the stages (scan -> resolve -> fetch -> dedup -> write)
that makes the run's one cache connection and one arXiv client; the CLI only
parses options and prints what these return.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, NoReturn, Sequence

from .atomic import write_atomically_many
from .collector import bulk
from .config import Settings
from .errors import ArxrefError, ExitCode, UsageError
from .mentions import Repeats, distinct_papers
from .model import Entry, Paper, Record

if TYPE_CHECKING:
    from .resolve import Resolution
    from .results import PaperLike
    from .scan import ScanProblem

#: Output format name -> file suffix (the names are part of the CLI contract).
FORMAT_SUFFIXES = {"bib": ".bib", "json": ".json", "ris": ".ris"}

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): called as work advances. Stages: 'resolve' (records), 'fetch'
(ids from arXiv; 'fetch (waiting N s ...)' while arXiv's interval holds it back), 'write' (files)."""


@dataclass
class Problem:
    """A finding about one place in one input file."""

    source: str
    line: int
    column: int
    level: str
    """'error' (fails check / export) or 'warning'."""
    code: str
    """Stable machine-readable kind: unmatched, ambiguous, not_found, invalid, unverified, undefined_citation,
    title_mismatch, unreadable, no_such_version (export: a warning, the latest version written)."""
    message: str

    def format_text(self) -> str:
        return f"{self.source}:{self.line}:{self.column}: {self.level}: {self.message}"

    def format_github(self) -> str:
        def esc(value: str) -> str:
            return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

        props = f"file={esc(self.source).replace(',', '%2C').replace(':', '%3A')},line={self.line},col={self.column}"
        return f"::{self.level} {props},title=arxref {self.code}::{esc(self.message)}"

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.source,
            "line": self.line,
            "column": self.column,
            "level": self.level,
            "code": self.code,
            "message": self.message,
        }


@dataclass
class ExportReport:
    """What `export` did: files written, counts, and every problem with its file:line."""

    files: list[Path] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    records: int = 0
    from_cache: int = 0
    fetched: int = 0
    resolved: int = 0
    unresolved: int = 0
    ambiguous: int = 0
    not_found: int = 0
    invalid: int = 0
    unverified: int = 0
    problems: list[Problem] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        if self.unverified:
            return ExitCode.UNVERIFIED
        if self.unresolved or self.ambiguous or self.not_found or self.invalid:
            return ExitCode.PROBLEMS
        return ExitCode.OK

    def summary(self) -> str:
        return (
            f"{len(self.entries)} papers written ({self.from_cache} from cache, {self.fetched} fetched); "
            f"{self.unresolved} unresolved, {self.ambiguous} ambiguous, {self.not_found} not found, "
            f"{self.invalid} invalid, {self.unverified} could not be verified"
        )


@dataclass
class CheckReport:
    """Findings of `check`; `exit_code` tells 'your citation is wrong' (1) from 'arXiv is down' (3)."""

    problems: list[Problem] = field(default_factory=list)
    ids_checked: int = 0
    citations_checked: int = 0
    files: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def exit_code(self) -> ExitCode:
        if any(p.code != "unverified" for p in self.errors):
            return ExitCode.PROBLEMS
        if any(p.code == "unverified" for p in self.errors):
            return ExitCode.UNVERIFIED
        return ExitCode.OK


@dataclass(frozen=True)
class ResolveReport:
    """What `resolve` found: one Resolution per record (input order) and the unreadable inputs."""

    resolutions: tuple[Resolution, ...]
    warnings: tuple[ScanProblem, ...] = ()
    """Inputs that could not be read, with file and line, in the order met."""

    @property
    def counts(self) -> dict[str, int]:
        """Records per status: every status, in :data:`arxref.resolve.STATUSES` order."""
        from .resolve import STATUSES

        counts = {status: 0 for status in STATUSES}
        for res in self.resolutions:
            counts[res.status] = counts.get(res.status, 0) + 1
        return counts

    @property
    def problems(self) -> list[Resolution]:
        """The records that did not get their paper (reported with file:line)."""
        return [res for res in self.resolutions if not res.settled]

    @property
    def exit_code(self) -> ExitCode:
        """As export: UNVERIFIED when arXiv could not answer, else PROBLEMS when a record did not get its paper."""
        if self.counts["unverified"]:
            return ExitCode.UNVERIFIED
        return ExitCode.PROBLEMS if self.problems else ExitCode.OK

    def summary(self) -> str:
        return ", ".join(f"{status} {n}" for status, n in self.counts.items())


def _collect(paths: Sequence[str | os.PathLike[str]], problems: list[Problem]) -> list[Record]:
    """Scan all inputs; unreadable files become problems instead of stopping the run."""
    return list(_scan(paths, problems))


def _scan(paths: Sequence[str | os.PathLike[str]], problems: list[Problem]) -> Iterator[Record]:
    """Stream the records of all inputs; unreadable files become problems instead of stopping the run.

    Raises (exit 1) when no input file at all could be read, before any output is written.
    """
    from .scan import ScanProblem, ScanStats, scan_paths

    if not paths:
        raise UsageError("no input paths given")

    def on_problem(problem: ScanProblem) -> None:
        problems.append(Problem(problem.path, problem.line or 1, 1, "warning", "unreadable", problem.message))

    stats = ScanStats()
    yield from scan_paths(paths, on_problem=on_problem, stats=stats)
    if stats.files_scanned == 0:
        # Nothing to work from: stop before any output file is replaced by an empty one.
        _nothing_read([f"{p.source}: {p.message}" for p in problems[:3]])


def _nothing_read(reasons: list[str]) -> NoReturn:
    """Stop (exit 1): not one input file could be read, so there is nothing to report or write."""
    where = "; ".join(reasons[:3])
    raise ArxrefError("no input file could be read" + (f" ({where})" if where else ""))


def _problem(record: Record, level: str, code: str, message: str) -> Problem:
    return Problem(record.source, record.line, record.column or 1, level, code, message)


def _snippet(record: Record) -> str:
    """How a problem message names a record: its title, text or key, cut to one short line."""
    from .textnorm import snippet

    return snippet(record.title or record.text or record.key, trim=False)


def _resolve(records: list[Record], settings: Settings, min_score: float | None,
             progress: Progress | None) -> list[Resolution]:
    """Resolve records with the run's cache and its ONE arXiv client (fetch and search share its interval)."""
    from .cache import Cache
    from .client import ArxivClient
    from .ratelimit import RequestGate
    from .resolve import resolve_records

    with Cache(settings.cache_path) as cache, ArxivClient(settings) as client:
        if progress is None:
            return resolve_records(records, settings, cache, min_score=min_score, client=client)
        fetched = [0, 0]

        def fetch_progress(done: int, total: int) -> None:
            fetched[:] = [done, total]
            progress("fetch", done, total)

        def on_wait(seconds: float) -> None:  # arXiv's interval: say why nothing moves
            progress(f"fetch (waiting {seconds:.1f} s for arXiv's interval)", fetched[0], fetched[1])

        if isinstance(client.interval, RequestGate):
            client.interval.on_wait = on_wait
        return resolve_records(
            records, settings, cache, min_score=min_score, client=client,
            progress=lambda done, total: progress("resolve", done, total), fetch_progress=fetch_progress,
        )


@bulk  # an export holds a few objects per paper: no full garbage collection re-reads them again and again
def export(
    paths: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    name: str = "references",
    formats: Iterable[str] = ("bib", "json", "ris"),
    settings: Settings | None = None,
    year: str = "first",
    prefer_published: bool = False,
    ascii: bool = False,
    max_authors: int | None = None,
    min_score: float | None = None,
    rekey: bool = False,
    progress: Progress | None = None,
    results: Iterable[PaperLike] = (),
) -> ExportReport:
    """Scan, resolve, fetch, deduplicate and write ``out_dir/name.{bib,json,ris}``.

    Files are written atomically; records that could not be resolved are left
    out and reported (file:line) in the returned report. ``results`` are papers the
    caller already holds (arxiv.py ``Result`` objects, e.g. search results, or
    Papers): written as they are beside what ``paths`` resolve to, and ``paths`` may
    then be empty.
    """
    from .dedup import build_entries
    from .formats import WriteOptions, write_formats
    from .results import paper_of

    formats = _check_formats(formats)
    _check_stem(name)
    given = [paper_of(item) for item in results]
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out}: cannot create output directory: {exc.strerror or exc}") from None
    settings = settings or Settings()
    report = ExportReport()
    started = datetime.now(timezone.utc)
    pairs = _resolve_paths(paths, settings, report, min_score, progress) if paths or not given else []
    entries = build_entries(pairs, papers=given, rekey=rekey, year_mode=year)
    report.entries = entries
    for entry in entries:
        if not entry.sources:
            continue  # only from ``results``: neither read from the cache nor fetched
        fetched_at = entry.paper.fetched_at
        if fetched_at is not None and fetched_at.tzinfo is None:
            fetched_at = fetched_at.replace(tzinfo=timezone.utc)
        if fetched_at is not None and fetched_at >= started:
            report.fetched += 1
        else:
            report.from_cache += 1
    report.changes = [f"{e.key}: {change}" for e in entries for change in e.changes]
    options = WriteOptions(year=year, prefer_published=prefer_published, ascii=ascii, max_authors=max_authors)
    targets = [out / f"{name}{FORMAT_SUFFIXES[fmt]}" for fmt in formats]
    if progress is not None:  # writing a big bibliography takes seconds: say so
        progress("write", 0, len(targets))
    write_atomically_many(targets, lambda streams: write_formats(entries, dict(zip(formats, streams)), options),
                          binary=True)
    if progress is not None:
        progress("write", len(targets), len(targets))
    report.files.extend(targets)
    return report


def _resolve_paths(paths: Sequence[str | os.PathLike[str]], settings: Settings, report: ExportReport,
                   min_score: float | None, progress: Progress | None) -> list[tuple[Record, Paper]]:
    """Scan the inputs and resolve their records; each outcome is counted into ``report``.

    A bare id resolved once counts for each of its mentions, and its problem (if any) is
    reported at each kept place, all in input order, as if every mention were resolved.
    """
    papers = distinct_papers(_scan(paths, report.problems))
    report.records = papers.mentions
    resolutions = _resolve(papers.records, settings, min_score, progress)
    placed: list[tuple[int, Problem]] = []
    pairs: list[tuple[Record, Paper]] = []
    for index, res in enumerate(resolutions):
        _account_at(report, res, papers.orders[index], placed)
        repeats = papers.repeats.get(index)
        if repeats is not None:
            _account_repeats(report, res, repeats, placed)
        if res.paper is not None and (res.settled or res.missing_version):
            pairs.append((res.record, res.paper))  # a mistyped version: the paper's latest is written
    placed.sort(key=lambda item: item[0])
    report.problems.extend(problem for _, problem in placed)
    return pairs


def _account_at(report: ExportReport, res: Resolution, order: int, placed: list[tuple[int, Problem]]) -> None:
    """Count ``res`` into ``report``; its problem, if any, goes to ``placed`` with its input order."""
    before = len(report.problems)
    _account(report, res)
    if len(report.problems) > before:
        placed.append((order, report.problems.pop()))


def _account_repeats(report: ExportReport, res: Resolution, repeats: Repeats,
                     placed: list[tuple[int, Problem]]) -> None:
    """The later mentions of a bare id: counted like the first, a problem at each kept place."""
    scratch = ExportReport()
    _account(scratch, res)
    listed = repeats.places if scratch.problems else []
    for order, source, line, column in listed:
        again = replace(res.record, source=source, line=line, column=column)
        _account_at(report, replace(res, record=again), order, placed)
    hidden = repeats.count - len(listed)
    for name in ("resolved", "unresolved", "ambiguous", "not_found", "invalid", "unverified"):
        setattr(report, name, getattr(report, name) + hidden * getattr(scratch, name))
    if scratch.problems and hidden:
        placed[-1][1].message += f" (and {hidden} more mentions, not listed)"


def _account(report: ExportReport, res: Resolution, done: str | None = "wrote") -> None:
    """Count one resolution into the report and record a problem for anything not usable (``done``:
    what became of a paper cited with a version arXiv lacks, see :meth:`Resolution.version_message`)."""
    status = res.status
    record = res.record
    if status in ("resolved", "given"):
        if status == "resolved":
            report.resolved += 1
        if res.paper is None:
            report.unverified += 1
            report.problems.append(_problem(record, "error", "unverified",
                                            f"{res.arxiv_id}: metadata could not be fetched"))
        elif res.missing_version:
            report.problems.append(_problem(record, "warning", "no_such_version", res.version_message(done)))
        return
    reason = res.reason or ""
    arxiv_id = res.arxiv_id
    if status == "unverified" and res.paper is not None and res.missing_version:
        report.unverified += 1
        report.problems.append(_problem(record, "error", "unverified", f"could not verify {res.version_message(done)}"))
        return
    if status == "ambiguous":
        report.ambiguous += 1
        cands = ", ".join(f"{c[0]} ({c[1]:.2f})" for c in res.candidates[:5])
        report.problems.append(_problem(record, "error", "ambiguous", f"ambiguous: {_snippet(record)!r} matches {cands}"))
    elif status == "unmatched":
        report.unresolved += 1
        report.problems.append(_problem(record, "error", "unmatched",
                                        f"unmatched: {_snippet(record)!r}" + (f" ({reason})" if reason else "")))
    elif status == "not_found":
        report.not_found += 1
        report.problems.append(_problem(record, "error", "not_found", f"arXiv has no paper {arxiv_id}"))
    elif status == "invalid":
        report.invalid += 1
        detail = "; ".join(record.problems) or f"invalid arXiv id {arxiv_id!r}"
        report.problems.append(_problem(record, "error", "invalid", detail))
    elif status == "unverified":
        report.unverified += 1
        report.problems.append(_problem(record, "error", "unverified",
                                        f"could not verify {arxiv_id or _snippet(record)!r}: {reason or 'arXiv unreachable'}"))


def _check_formats(formats: Iterable[str]) -> list[str]:
    chosen: list[str] = []
    for fmt in formats:
        fmt = fmt.strip().lower()
        if not fmt:
            continue
        if fmt not in FORMAT_SUFFIXES:
            raise UsageError(f"unknown format {fmt!r}; choose from {', '.join(FORMAT_SUFFIXES)}")
        if fmt not in chosen:
            chosen.append(fmt)
    if not chosen:
        raise UsageError("no output format chosen; use --formats bib,json,ris")
    return chosen


def _check_stem(name: str) -> None:
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise UsageError(f"--name {name!r} must be a plain file stem such as 'references'")


# --------------------------------------------------------------------------- check


def check(
    paths: Sequence[str | os.PathLike[str]],
    *,
    settings: Settings | None = None,
    bib_files: Sequence[str | os.PathLike[str]] = (),
    min_score: float | None = None,
    progress: Progress | None = None,
) -> CheckReport:
    """Check that every arXiv id and every citation in the inputs resolves.

    * every arXiv id (any form) exists (cache first, then the API);
    * every ``\\cite{key}`` in .tex is defined in the given or discovered .bib files;
    * .bib entries with an ``eprint`` whose title disagrees with arXiv's are flagged;
    * invalid ids and ambiguous/unmatched id-less references are reported.
    """
    from .scan import find_bib_files
    from .textnorm import clean_title, same_title

    settings = settings or Settings()
    report = CheckReport()
    problems = report.problems
    scanned = _collect([*paths, *map(str, bib_files), *find_bib_files(paths)], problems)
    records = _dedupe_records(scanned)
    report.files = len({r.source for r in records})
    citations = [r for r in records if r.role == "citation"]
    papers = [r for r in records if r.role == "paper" and _needs_check(r)]
    defined = {r.key for r in records if r.kind == "bib" and r.key} | {
        r.key for r in records if r.kind == "tex" and r.role == "paper" and r.key
    }
    for cite in citations:
        report.citations_checked += 1
        if cite.key and cite.key not in defined:
            problems.append(_problem(cite, "error", "undefined_citation",
                                     f"citation '{cite.key}' is not defined in any .bib file or \\bibitem"))
    for res in _resolve(papers, settings, min_score, progress):
        record = res.record
        if record.arxiv_id:
            report.ids_checked += 1
        status = res.status
        if status in ("given", "resolved"):
            if res.paper is None:
                problems.append(_problem(record, "error", "unverified",
                                         f"could not verify arXiv:{res.arxiv_id} (arXiv unreachable)"))
                continue
            if res.missing_version:
                problems.append(_problem(record, "error", "no_such_version", res.version_message()))
            if record.kind == "bib" and record.title and not same_title(record.title, res.paper.title, typos=True):
                problems.append(_problem(
                    record, "error", "title_mismatch",
                    f"entry '{record.key}' cites arXiv:{res.arxiv_id} but its title {clean_title(record.title)!r} "
                    f"disagrees with arXiv's {res.paper.title!r} (wrong paper cited?)"))
            continue
        tmp = ExportReport()
        _account(tmp, res, None)
        problems.extend(tmp.problems)
    problems.sort(key=lambda p: (p.source, p.line, p.column, p.code))
    return report


def _needs_check(record: Record) -> bool:
    """Records worth resolving in CI: every id, and id-less records that are clearly papers."""
    if record.arxiv_id or record.problems:
        return True
    if record.kind in ("abstract", "listing", "search_page"):
        return True
    if record.kind == "bib":
        fields = {k.lower(): v.lower() for k, v in record.fields.items()}
        return "arxiv" in fields.get("archiveprefix", "") + fields.get("eprinttype", "") + fields.get("journal", "")
    return False


def _dedupe_records(records: list[Record]) -> list[Record]:
    """A .bib named explicitly and discovered again is scanned once."""
    seen: set[tuple[str, int, int, str | None, str | None, str]] = set()
    unique = []
    for r in records:
        marker = (os.path.realpath(r.source), r.line, r.column or 0, r.arxiv_id, r.key, r.role)
        if marker not in seen:
            seen.add(marker)
            unique.append(r)
    return unique


# --------------------------------------------------------------------------- resolve


def resolve(
    paths: Sequence[str | os.PathLike[str]],
    *,
    settings: Settings | None = None,
    min_score: float | None = None,
    progress: Progress | None = None,
) -> ResolveReport:
    """Scan ``paths`` and resolve every record in them: the library side of `arxref resolve`.

    Unlike `export`, every record is kept (citations too), each with its status.
    """
    from .scan import ScanStats, scan_paths

    if not paths:
        raise UsageError("no input paths given")
    settings = settings or Settings()
    warnings: list[ScanProblem] = []
    stats = ScanStats()
    records = list(scan_paths(list(paths), on_problem=warnings.append, stats=stats))
    if stats.files_scanned == 0:
        _nothing_read([f"{w.path}: {w.message}" for w in warnings])
    return ResolveReport(tuple(_resolve(records, settings, min_score, progress)), tuple(warnings))
