"""What one resolution means for a report: the counts it adds and the problems it raises.

`export` and `check` resolve the same way and must word and place every outcome alike
(``unmatched``, ``ambiguous``, ``not_found``, ``no_such_version``...); the rules live here
once. Export also folds repeated mentions of a bare id into one resolution
(:mod:`arxref.mentions`), so its later mentions are counted, and their problems placed,
as if each had been resolved.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .reports import ExportReport, Problem

if TYPE_CHECKING:
    from .mentions import Repeats
    from .model import Record
    from .resolve import Resolution


def problem_at(record: Record, level: str, code: str, message: str) -> Problem:
    """A problem placed where ``record`` was written (file:line:column)."""
    return Problem(record.source, record.line, record.column or 1, level, code, message)


def id_findings(record: Record, level: str) -> list[Problem]:
    """What the record's id brings beside itself: an unknown subject class at ``level``
    (``unknown subject class math.ACS``; the id is still read)."""
    from .ids import UNKNOWN_CLASS

    if not record.problems or not record.arxiv_id:
        return []
    return [problem_at(record, level, "unknown_subject_class", p)
            for p in record.problems if p.startswith(UNKNOWN_CLASS)]


def record_snippet(record: Record) -> str:
    """How a problem message names a record: its title, text or key, cut to one short line."""
    from .textnorm import snippet

    return snippet(record.title or record.text or record.key, trim=False)


def count_at(report: ExportReport, res: Resolution, order: int, placed: list[tuple[int, Problem]]) -> None:
    """Count ``res`` into ``report``; its problems, if any, go to ``placed`` with its input order."""
    before = len(report.problems)
    report.problems.extend(id_findings(res.record, "warning"))
    count_outcome(report, res)
    if len(report.problems) > before:
        placed.extend((order, problem) for problem in report.problems[before:])
        del report.problems[before:]


def count_repeats(report: ExportReport, res: Resolution, repeats: Repeats,
                  placed: list[tuple[int, Problem]]) -> None:
    """The later mentions of a bare id: counted like the first, a problem at each kept place."""
    scratch = ExportReport()
    count_outcome(scratch, res)
    listed = repeats.places if scratch.problems or id_findings(res.record, "warning") else []
    for order, source, line, column in listed:
        again = replace(res.record, source=source, line=line, column=column)
        count_at(report, replace(res, record=again), order, placed)
    hidden = repeats.count - len(listed)
    for name in ("resolved", "unresolved", "ambiguous", "not_found", "invalid", "unverified"):
        setattr(report, name, getattr(report, name) + hidden * getattr(scratch, name))
    if scratch.problems and hidden:
        placed[-1][1].message += f" (and {hidden} more mentions, not listed)"


def count_outcome(report: ExportReport, res: Resolution, done: str | None = "wrote") -> None:
    """Count one resolution into the report and record a problem for anything not usable (``done``:
    what became of a paper cited with a version arXiv lacks, see :meth:`Resolution.version_message`)."""
    status = res.status
    record = res.record
    if kept_as_written(res):
        report.kept += 1
        return
    if status in ("resolved", "given"):
        if status == "resolved":
            report.resolved += 1
        if res.paper is None:
            report.unverified += 1
            report.problems.append(problem_at(record, "error", "unverified",
                                            f"{res.arxiv_id}: metadata could not be fetched"))
        elif res.missing_version:
            report.problems.append(problem_at(record, "warning", "no_such_version", res.version_message(done)))
        return
    reason = res.reason or ""
    arxiv_id = res.arxiv_id
    if status == "unverified" and res.paper is not None and res.missing_version:
        report.unverified += 1
        report.problems.append(problem_at(record, "error", "unverified", f"could not verify {res.version_message(done)}"))
        return
    if status == "ambiguous":
        report.ambiguous += 1
        cands = ", ".join(f"{c[0]} ({c[1]:.2f})" for c in res.candidates[:5])
        report.problems.append(problem_at(record, "error", "ambiguous", f"ambiguous: {record_snippet(record)!r} matches {cands}"))
    elif status == "unmatched":
        report.unresolved += 1
        report.problems.append(problem_at(record, "error", "unmatched",
                                        f"unmatched: {record_snippet(record)!r}" + (f" ({reason})" if reason else "")))
    elif status == "not_found":
        report.not_found += 1
        report.problems.append(problem_at(record, "error", "not_found", f"arXiv has no paper {arxiv_id}"))
    elif status == "invalid":
        report.invalid += 1
        detail = "; ".join(record.problems) or f"invalid arXiv id {arxiv_id!r}"
        report.problems.append(problem_at(record, "error", "invalid", detail))
    elif status == "unverified":
        report.unverified += 1
        report.problems.append(problem_at(record, "error", "unverified",
                                        f"could not verify {arxiv_id or record_snippet(record)!r}: {reason or 'arXiv unreachable'}"))
    elif status == "conflict":
        report.conflicts += 1
        report.problems.append(problem_at(record, "error", "conflict", f"conflict: {reason}"))


def kept_as_written(res: Resolution) -> bool:
    """A .bib entry that is not an arXiv paper and was not found on arXiv: written as the user
    wrote it, and no problem (only an entry that looks like a preprint must be found)."""
    record = res.record
    if record.kind != "bib" or record.arxiv_id:
        return False
    if res.status == "not_arxiv":
        return True
    if res.status not in ("unmatched", "ambiguous", "unverified"):
        return False
    from .preprint import looks_like_preprint

    return not looks_like_preprint(record.fields)
