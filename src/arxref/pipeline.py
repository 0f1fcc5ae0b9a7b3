"""The whole job as library functions: `export` (dumps -> bibliography files) and `check` (CI).

Both are thin compositions of the stages (scan -> resolve -> fetch -> dedup -> write);
the CLI only parses options and prints what these return.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .atomic import write_atomically_many
from .config import Settings
from .errors import UsageError
from .model import Entry, Paper, Record

#: Output format name -> file suffix (the names are part of the CLI contract).
FORMAT_SUFFIXES = {"bib": ".bib", "json": ".json", "ris": ".ris"}

#: Exit codes shared by `export` and `check` (a contract with users' CI jobs).
EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_UNVERIFIED = 3

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): called as work advances (stage is 'resolve' or 'fetch')."""


@dataclass
class Problem:
    """A finding about one place in one input file."""

    source: str
    line: int
    column: int
    level: str
    """'error' (fails check / export) or 'warning'."""
    code: str
    """Stable machine-readable kind: unmatched, ambiguous, not_found, invalid, unverified,
    undefined_citation, title_mismatch, unreadable."""
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
    def exit_code(self) -> int:
        if self.unverified:
            return EXIT_UNVERIFIED
        if self.unresolved or self.ambiguous or self.not_found or self.invalid:
            return EXIT_PROBLEMS
        return EXIT_OK

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
    def exit_code(self) -> int:
        if any(p.code != "unverified" for p in self.errors):
            return EXIT_PROBLEMS
        if any(p.code == "unverified" for p in self.errors):
            return EXIT_UNVERIFIED
        return EXIT_OK


def _collect(paths: Sequence[str | os.PathLike[str]], problems: list[Problem]) -> list[Record]:
    """Scan all inputs; unreadable files become problems instead of stopping the run."""
    from .scan import scan_paths

    if not paths:
        raise UsageError("no input paths given")

    def on_problem(message: str) -> None:
        source, line = _split_location(message)
        problems.append(Problem(source, line, 1, "warning", "unreadable", message.split(": ", 1)[-1]))

    return list(scan_paths(paths, on_problem=on_problem))


def _split_location(message: str) -> tuple[str, int]:
    """'path:12: text' -> ('path', 12); 'path: text' -> ('path', 1)."""
    head = message.split(": ", 1)[0]
    source, _, line = head.rpartition(":")
    if source and line.isdigit():
        return source, int(line)
    return head, 1


def _problem(record: Record, level: str, code: str, message: str) -> Problem:
    return Problem(record.source, record.line, record.column or 1, level, code, message)


def _snippet(record: Record, width: int = 60) -> str:
    text = record.title or record.text or record.key or ""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


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
) -> ExportReport:
    """Scan, resolve, fetch, deduplicate and write ``out_dir/name.{bib,json,ris}``.

    Files are written atomically; records that could not be resolved are left
    out and reported (file:line) in the returned report.
    """
    from .cache import Cache
    from .dedup import build_entries
    from .formats import WriteOptions, write_formats
    from .resolve import resolve_records

    formats = _check_formats(formats)
    _check_stem(name)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out}: cannot create output directory: {exc.strerror or exc}") from None
    settings = settings or Settings()
    report = ExportReport()
    started = datetime.now(timezone.utc)
    records = [r for r in _collect(paths, report.problems) if r.role == "paper"]
    report.records = len(records)
    with Cache(settings.cache_path) as cache:
        resolutions = resolve_records(
            records, settings, cache, min_score=min_score,
            progress=(lambda done, total: progress("resolve", done, total)) if progress else None,
        )
        pairs: list[tuple[Record, Paper]] = []
        for res in resolutions:
            _account(report, res)
            if res.paper is not None and res.status in ("resolved", "given"):
                pairs.append((res.record, res.paper))
        entries = build_entries(pairs, rekey=rekey, year_mode=year)
    report.entries = entries
    for entry in entries:
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
    write_atomically_many(targets, lambda streams: write_formats(entries, dict(zip(formats, streams)), options),
                          binary=True)
    report.files.extend(targets)
    return report


def _account(report: ExportReport, res: object) -> None:
    """Count one resolution into the report and record a problem for anything not usable."""
    status = getattr(res, "status")
    record: Record = getattr(res, "record")
    if status in ("resolved", "given"):
        if status == "resolved":
            report.resolved += 1
        if getattr(res, "paper", None) is None:
            report.unverified += 1
            report.problems.append(_problem(record, "error", "unverified",
                                            f"{getattr(res, 'arxiv_id', '?')}: metadata could not be fetched"))
        return
    reason = getattr(res, "reason", None) or ""
    arxiv_id = getattr(res, "arxiv_id", None)
    if status == "ambiguous":
        report.ambiguous += 1
        cands = ", ".join(f"{c[0]} ({c[1]:.2f})" for c in (getattr(res, "candidates", None) or [])[:5])
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

CHECKED_SUFFIXES = (".tex", ".bib", ".md", ".markdown", ".txt", ".rst")


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
    from .cache import Cache
    from .resolve import resolve_records

    settings = settings or Settings()
    report = CheckReport()
    problems = report.problems
    scanned = _collect(list(paths) + _discover_bibs(paths, bib_files), problems)
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
    with Cache(settings.cache_path) as cache:
        resolutions = resolve_records(
            papers, settings, cache, min_score=min_score,
            progress=(lambda done, total: progress("resolve", done, total)) if progress else None,
        )
    for res in resolutions:
        record = res.record
        if record.arxiv_id:
            report.ids_checked += 1
        status = res.status
        if status in ("given", "resolved"):
            if res.paper is None:
                problems.append(_problem(record, "error", "unverified",
                                         f"could not verify arXiv:{res.arxiv_id} (arXiv unreachable)"))
            elif record.kind == "bib" and record.title and not _titles_agree(record.title, res.paper.title):
                problems.append(_problem(
                    record, "error", "title_mismatch",
                    f"entry '{record.key}' cites arXiv:{res.arxiv_id} but its title {_clean_title(record.title)!r} "
                    f"disagrees with arXiv's {res.paper.title!r} (wrong paper cited?)"))
            continue
        tmp = ExportReport()
        _account(tmp, res)
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


def _discover_bibs(paths: Sequence[str | os.PathLike[str]], extra: Sequence[str | os.PathLike[str]]) -> list[str]:
    """.bib files named by ``\\bibliography{}``/``\\addbibresource{}`` in given .tex files."""
    import re

    found: list[str] = [str(p) for p in extra]
    pattern = re.compile(r"\\(?:bibliography|addbibresource)\s*(?:\[[^\]]*\])?\s*\{([^}]*)\}")
    for path in paths:
        p = Path(path)
        texs = sorted(p.rglob("*.tex")) if p.is_dir() else ([p] if p.suffix == ".tex" else [])
        for tex in texs:
            try:
                content = tex.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for match in pattern.finditer(content):
                for name in match.group(1).split(","):
                    name = name.strip()
                    if not name:
                        continue
                    candidate = tex.parent / (name if name.endswith(".bib") else f"{name}.bib")
                    if candidate.is_file():
                        found.append(str(candidate))
    return found


def _clean_title(title: str) -> str:
    return " ".join(title.replace("{", "").replace("}", "").split())


def _titles_agree(ours: str, arxivs: str) -> bool:
    """Same paper title modulo case, TeX braces, punctuation and small typos."""
    from rapidfuzz import fuzz

    from .textnorm import normalize

    a, b = normalize(ours), normalize(arxivs)
    if not a or not b:
        return True
    return fuzz.ratio(a, b) >= 85 or (min(len(a), len(b)) >= 20 and fuzz.partial_ratio(a, b) >= 95)
