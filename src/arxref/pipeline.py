"""The whole job as library functions: `export` (dumps -> bibliography files), `check` (CI), `resolve`.

Each is a thin composition of the stages (scan -> resolve -> fetch -> dedup -> write)
that makes the run's one cache connection and one arXiv client; the CLI only
parses options and prints what these return.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, Callable, Iterable, Iterator, NoReturn, Sequence

from .collector import bulk
from .config import Settings
from .errors import ArxrefError, UsageError
from .mentions import distinct_papers
from .model import Paper, Record
from .outcomes import count_at, count_outcome, count_repeats, id_findings, problem_at
from .outputs import prepare_outputs, write_outputs
from .paths import require_existing
from .reports import CheckReport, ExportReport, Problem, ResolveReport

if TYPE_CHECKING:
    from .resolve import Resolution
    from .results import PaperLike
    from .scan import ScanProblem

#: Output format name -> file suffix (the names are part of the CLI contract).
FORMAT_SUFFIXES = {"bib": ".bib", "json": ".json", "ris": ".ris"}

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): called as work advances. Stages: 'resolve' (records), 'fetch'
(ids from arXiv; 'fetch (waiting N s ...)' while arXiv's interval holds it back), 'write' (files)."""


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


def resolve_batch(records: list[Record], settings: Settings, progress: Progress | None = None) -> list[Resolution]:
    """Resolve ``records`` through the run's one cache connection and one arXiv client (as export and check do)."""
    return _resolve(records, settings, None, progress)


@bulk  # an export holds a few objects per paper: no full garbage collection re-reads them again and again
def export(
    paths: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str] | None,
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
    cite_aliases: str = "entries",
    bib_abstracts: bool = False,
    stream: IO[bytes] | None = None,
    bib_flavor: str | None = None,
) -> ExportReport:
    """Scan, resolve, fetch, deduplicate and write ``out_dir/name.{bib,json,ris}``.

    Files are written atomically, never over an input (UsageError before any work);
    records that could not be resolved are left out and reported (file:line) in the
    returned report, except .bib entries: those arxref does not rewrite are written as
    the user wrote them (:mod:`arxref.passthrough`). ``results`` are papers the caller already holds (arxiv.py
    ``Result`` objects, e.g. search results, or Papers): written as they are beside
    what ``paths`` resolve to, and ``paths`` may then be empty. With a binary
    ``stream`` (``export -o -``: stdout), the one format in ``formats`` is written to it
    instead of to files, and ``out_dir`` is not used. A paper cited by its id is keyed
    as cited (``\\cite{2108.02818}`` gives the entry ``2108.02818``); ``cite_aliases`` says
    how a second cited key of the same paper is written: ``entries`` (default: one entry
    per key, for bibtex, pandoc and CSL-JSON) or ``ids`` (one entry, the other keys in
    biblatex's ``ids``; see :mod:`arxref.dedup`). ``bib_flavor`` (``bibtex``/``biblatex``)
    chooses the fields that name a preprint in the .bib
    (:func:`arxref.preprint.bib_preprint_fields`); by default, what the first .tex among
    ``paths`` loads, else ``bibtex``.
    """
    from .formats import WriteOptions

    formats = _check_formats(formats)
    require_existing(paths)
    flavor = _bib_flavor(bib_flavor, paths)
    settings = settings or Settings()
    if stream is None:
        _check_stem(name)
    names = [f"{name}{FORMAT_SUFFIXES[fmt]}" for fmt in formats]
    targets = prepare_outputs(paths, out_dir, names, settings.cache_path, stream)
    report = gather(paths, settings=settings, year=year, min_score=min_score, rekey=rekey, progress=progress,
                    results=results, cite_aliases=cite_aliases)
    report.bib_flavor = flavor
    options = WriteOptions(year=year, prefer_published=prefer_published, ascii=ascii, max_authors=max_authors,
                           bib_abstracts=bib_abstracts, bib_flavor=flavor)
    write_outputs(report.entries, formats, options, targets, stream, progress, kept=report.kept_bib)
    report.files.extend(targets)
    return report


@bulk
def gather(
    paths: Sequence[str | os.PathLike[str]],
    *,
    settings: Settings | None = None,
    year: str = "first",
    min_score: float | None = None,
    rekey: bool = False,
    progress: Progress | None = None,
    results: Iterable[PaperLike] = (),
    cite_aliases: str = "ids",
) -> ExportReport:
    """Scan, resolve, fetch and deduplicate: the entries `export` writes, with its counts and
    problems, and no file written (``report.files`` stays empty).

    For commands that hand the papers somewhere else than files (``zotero push``); by
    default one entry per paper (``cite_aliases="ids"``), whatever keys cite it.
    """
    from .dedup import build_entries
    from .passthrough import kept_bib
    from .results import paper_of

    require_existing(paths)
    given = [paper_of(item) for item in results]
    settings = settings or Settings()
    report = ExportReport()
    started = datetime.now(timezone.utc)
    pairs, bib = _resolve_paths(paths, settings, report, min_score, progress) if paths or not given else ([], [])
    report.kept_bib = kept = kept_bib(bib)
    entries = build_entries(pairs, papers=given, rekey=rekey, year_mode=year, cite_aliases=cite_aliases,
                            existing_keys=kept.keys if kept is not None else ())
    report.entries = entries
    counted: set[str] = set()
    for entry in entries:
        if not entry.sources or entry.paper.arxiv_id in counted:
            continue  # only from ``results`` (neither read from the cache nor fetched), or a paper's second key
        counted.add(entry.paper.arxiv_id)
        fetched_at = entry.paper.fetched_at
        if fetched_at is not None and fetched_at.tzinfo is None:
            fetched_at = fetched_at.replace(tzinfo=timezone.utc)
        if fetched_at is not None and fetched_at >= started:
            report.fetched += 1
        else:
            report.from_cache += 1
    report.changes = [f"{e.key}: {change}" for e in entries for change in e.changes]
    return report


def _resolve_paths(paths: Sequence[str | os.PathLike[str]], settings: Settings, report: ExportReport,
                   min_score: float | None, progress: Progress | None
                   ) -> tuple[list[tuple[Record, Paper]], list[tuple[Record, bool]]]:
    """Scan the inputs and resolve their records; each outcome is counted into ``report``.

    Returns the (record, paper) pairs to write, and every .bib record in input order
    with whether it is one of them (the rest are written as the user wrote them).

    A bare id resolved once counts for each of its mentions, and its problem (if any) is
    reported at each kept place, all in input order, as if every mention were resolved.
    """
    papers = distinct_papers(_scan(paths, report.problems))
    report.records = papers.mentions
    resolutions = _resolve(papers.records, settings, min_score, progress)
    placed: list[tuple[int, Problem]] = []
    pairs: list[tuple[Record, Paper]] = []
    bib: list[tuple[Record, bool]] = []
    for index, res in enumerate(resolutions):
        record = res.record
        if (res.status == "given" and res.paper is not None and not res.missing_version and not record.problems
                and record.kind != "bib"):
            pairs.append((record, res.paper))  # an id found as written: nothing to count or report, at any mention
            continue
        count_at(report, res, papers.orders[index], placed)
        repeats = papers.repeats.get(index)
        if repeats is not None:
            count_repeats(report, res, repeats, placed)
        written = res.paper is not None and (res.status in ("resolved", "given") or bool(res.missing_version))
        if written:  # a mistyped version: the paper's latest is written
            pairs.append((res.record, res.paper))  # type: ignore[arg-type]
        if res.record.kind == "bib":
            bib.append((res.record, written))
    placed.sort(key=lambda item: item[0])
    report.problems.extend(problem for _, problem in placed)
    return pairs, bib


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


def _bib_flavor(given: str | None, paths: Sequence[str | os.PathLike[str]]) -> str:
    """The .bib flavor: ``given`` (checked), else what the .tex inputs load, else ``bibtex``."""
    from .preprint import BIB_FLAVORS

    if given is not None:
        if given not in BIB_FLAVORS:
            raise UsageError(f"unknown bib flavor {given!r}; choose from {', '.join(BIB_FLAVORS)}")
        return given
    from .scan import document_bib_flavor

    return document_bib_flavor(paths) or "bibtex"


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
    * every ``\\cite{key}`` in .tex is defined in the given or discovered .bib files (biblatex
      ``ids`` aliases count); a key that is an arXiv id and is not defined is a ``missing_entry``
      when arXiv has the paper (``arxref sync`` adds it), else ``not_found`` or ``undefined_citation``;
    * .bib entries whose title or first author names another paper than their id are
      flagged as conflicts (:mod:`arxref.conflicts`);
    * invalid ids and ambiguous/unmatched id-less references are reported.
    """
    from .scan import find_bib_files
    from .sync import cited_bibliographies, missing_citation

    require_existing([*paths, *bib_files])
    settings = settings or Settings()
    report = CheckReport()
    problems = report.problems
    scanned = _collect([*paths, *map(str, bib_files), *find_bib_files(paths)], problems)
    records = _dedupe_records(scanned)
    report.files = len({r.source for r in records})
    citations = [r for r in records if r.role == "citation"]
    papers = [r for r in records if r.role == "paper" and _needs_check(r)]
    bibliographies = cited_bibliographies(citations, records)
    defined = bibliographies.keys | {r.key for r in records if r.kind == "tex" and r.role == "paper" and r.key}
    missing: list[Record] = []  # cited by an arXiv id no bibliography defines: is it a paper sync can add?
    for cite in citations:
        report.citations_checked += 1
        if not cite.key or cite.key in defined:
            continue
        if cite.arxiv_id and not bibliographies.names.get(cite.source) and cite.kind == "markdown":
            papers.append(cite)  # pandoc without a bibliography (arxref-pandoc): the id is the reference
        elif cite.arxiv_id:
            missing.append(cite)
        else:
            detail = "".join(f"; {p}" for p in cite.problems)
            problems.append(problem_at(cite, "error", "undefined_citation",
                                     f"citation '{cite.key}' is not defined in any .bib file or \\bibitem{detail}"))
    resolutions = _resolve(papers + missing, settings, min_score, progress)
    problems.extend(missing_citation(res, bibliographies.names.get(res.record.source, ()))
                    for res in resolutions[len(papers):])
    for res in resolutions[:len(papers)]:
        record = res.record
        if record.arxiv_id:
            report.ids_checked += 1
            problems.extend(problem_at(record, "info", "archive_prefix", note) for note in record.notes)
            problems.extend(id_findings(record, "error"))
        status = res.status
        if status in ("given", "resolved"):
            if res.paper is None:
                problems.append(problem_at(record, "error", "unverified",
                                         f"could not verify arXiv:{res.arxiv_id} (arXiv unreachable)"))
                continue
            if res.missing_version:
                problems.append(problem_at(record, "error", "no_such_version", res.version_message()))
            continue
        tmp = ExportReport()
        count_outcome(tmp, res, None)
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
        from .preprint import looks_like_preprint

        return looks_like_preprint(record.fields)
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
    require_existing(paths)
    settings = settings or Settings()
    warnings: list[ScanProblem] = []
    stats = ScanStats()
    records = list(scan_paths(list(paths), on_problem=warnings.append, stats=stats))
    if stats.files_scanned == 0:
        _nothing_read([f"{w.path}: {w.message}" for w in warnings])
    return ResolveReport(tuple(_resolve(records, settings, min_score, progress)), tuple(warnings))
