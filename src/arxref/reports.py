"""What `export`, `check` and `resolve` report: findings with file:line, counts, exit codes.

Plain dataclasses the library calls (:mod:`arxref.pipeline`) fill and return; the CLI
only prints them and exits with their ``exit_code`` (:class:`arxref.errors.ExitCode`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ExitCode
from .model import Entry, KeptBib

if TYPE_CHECKING:
    from .resolve import Resolution
    from .scan import ScanProblem

__all__ = ["CheckReport", "ExportReport", "Problem", "ResolveReport"]


@dataclass
class Problem:
    """A finding about one place in one input file."""

    source: str
    line: int
    column: int
    level: str
    """'error' (fails check / export), 'warning', or 'info' (a note, never a failure)."""
    code: str
    """Stable machine-readable kind: unmatched, ambiguous, not_found, invalid, unverified,
    undefined_citation, missing_entry, conflict (a .bib entry's title or first author names
    another paper than its id; before issue 21 ``check`` called a title disagreement
    title_mismatch), unreadable, unknown_subject_class, archive_prefix."""
    message: str

    def format_text(self) -> str:
        return f"{self.source}:{self.line}:{self.column}: {self.level}: {self.message}"

    def format_github(self) -> str:
        def esc(value: str) -> str:
            return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

        props = f"file={esc(self.source).replace(',', '%2C').replace(':', '%3A')},line={self.line},col={self.column}"
        command = "notice" if self.level == "info" else self.level  # GitHub's annotation for a note
        return f"::{command} {props},title=arxref {self.code}::{esc(self.message)}"

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
    conflicts: int = 0
    """.bib entries whose title or first author names another paper than their id (kept as written)."""
    kept: int = 0
    """.bib entries that are not arXiv papers, written as the user wrote them (not a problem)."""
    bib_flavor: str = "bibtex"
    """The .bib flavor written: given, or what the .tex inputs load (see :func:`arxref.pipeline.export`)."""
    kept_bib: KeptBib | None = None
    """What the input .bib files hold besides the entries arxref writes (:mod:`arxref.passthrough`)."""
    problems: list[Problem] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        if self.unverified:
            return ExitCode.UNVERIFIED
        if self.unresolved or self.ambiguous or self.not_found or self.invalid or self.conflicts:
            return ExitCode.PROBLEMS
        return ExitCode.OK

    def summary(self) -> str:
        papers = len({entry.paper.arxiv_id for entry in self.entries})
        keys = "" if papers == len(self.entries) else f" under {len(self.entries)} keys"
        text = (
            f"{papers} papers written{keys} ({self.from_cache} from cache, {self.fetched} fetched); "
            f"{self.unresolved} unresolved, {self.ambiguous} ambiguous, {self.not_found} not found, "
            f"{self.invalid} invalid, {self.unverified} could not be verified"
        )
        if self.conflicts:
            text += f", {self.conflicts} in conflict with their arXiv id"
        if self.kept:
            text += f"; {self.kept} {'entry' if self.kept == 1 else 'entries'} kept as written"
        return text


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
        """The records that did not get their paper (reported with file:line); a .bib entry that is
        not an arXiv paper (``not_arxiv``: a book, a thesis) is none."""
        return [res for res in self.resolutions if not res.settled and res.status != "not_arxiv"]

    @property
    def exit_code(self) -> ExitCode:
        """As export: UNVERIFIED when arXiv could not answer, else PROBLEMS when a record did not get its paper."""
        if self.counts["unverified"]:
            return ExitCode.UNVERIFIED
        return ExitCode.PROBLEMS if self.problems else ExitCode.OK

    def summary(self) -> str:
        return ", ".join(f"{status} {n}" for status, n in self.counts.items())
