"""Match records that carry no arXiv id (abstract dumps, titles, .bib entries) to arXiv papers.

Local first, then arXiv's search API, and never a silent guess:

1. Records that carry their own id are verified with :func:`arxref.fetch.fetch_papers`
   (``given`` / ``not_found`` / ``unverified``); impossible ids are ``invalid``.
2. Every other record is scored against candidates from the cache's full-text
   index (:meth:`Cache.search_local`). A *confident* local answer (see
   :data:`LOCAL_CONFIDENT`) ends there: no network at all.
3. The rest are searched on arXiv with fielded queries (``abs:"..."``,
   ``ti:"..."``). Several records share ONE request (their clauses joined with
   ``OR``), and every answer is stored in the cache, both under the whole query
   and under each record's clause, so reruns and ``--offline`` runs are answered
   locally whatever records they are batched with.
4. A record is ``resolved`` only when its best score reaches the threshold AND
   beats the runner-up by :data:`MARGIN`; close runners-up make it ``ambiguous``
   (all listed, none picked); otherwise it is ``unmatched``.

How alike a record and a paper are is :mod:`arxref.scoring`; the search rounds are
:mod:`arxref.search`. This module runs the stages and says what became of each record.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable

from . import textnorm
from .config import RESOLVE_MIN, Settings
from .model import Paper, Record
from .preprint import never_arxiv
from .scoring import MARGIN, Decision, Query, decide, rank, score_paper, score_title, surname
from .search import CLAUSE_KEY_PREFIX, Pending, Searcher, clauses_for

if TYPE_CHECKING:
    from .cache import Cache
    from .client import ArxivClient
    from .fetch import FetchReport

#: Names kept importable from here (tests, benchmarks and users' code imported them before the split).
_Query = Query
__all__ = [
    "CLAUSE_KEY_PREFIX", "LOCAL_CANDIDATES", "LOCAL_CONFIDENT", "MARGIN", "RESOLVE_MIN", "Resolution",
    "clauses_for", "decide", "local_query", "resolve_records", "score_paper", "score_title", "surname",
]

#: A local answer at least this good (and based on enough text) skips arXiv's search.
LOCAL_CONFIDENT = 0.8
#: Candidates asked from the cache's full-text index per record.
LOCAL_CANDIDATES = 20

Progress = Callable[[int, int], None]


#: Statuses a record can end in, in the order `arxref resolve` counts them in its summary.
#: ``conflict``: a .bib entry whose title or first author names another paper than its id
#: (:mod:`arxref.conflicts`); ``not_arxiv``: a .bib entry of a type arXiv never holds (a book,
#: a thesis...) without an id, not searched (:func:`arxref.preprint.never_arxiv`).
STATUSES = ("resolved", "given", "ambiguous", "unmatched", "not_found", "invalid", "unverified", "conflict",
            "not_arxiv")


@dataclass(frozen=True)
class Resolution:
    """What became of one record: its paper, or why there is none (never a silent guess)."""

    record: Record
    status: str
    """One of STATUSES."""
    arxiv_id: str | None = None
    """The record's own id (given/not_found/unverified) or the id it resolved to."""
    score: float | None = None
    """Best candidate's score (0..1) for text-matched records; None for given ids."""
    evidence: dict[str, float] = field(default_factory=dict)
    """Per-field sub-scores of the best candidate: ``abstract``, ``title``, ``authors``."""
    candidates: list[tuple[str, float]] = field(default_factory=list)
    """(id, score) of the close contenders of an ambiguous record, best first."""
    paper: Paper | None = None
    reason: str | None = None
    """Why a record is not resolved (or how a given id could not be checked)."""
    via: str | None = None
    """Where the answer came from: ``cache`` (local index), ``search`` (arXiv search,
    possibly as stored by an earlier run) or ``fetch`` (a given id fetched from arXiv)."""
    missing_version: int | None = None
    """The version the record cites when ``paper`` (its latest) is older: status ``given`` when
    arXiv has no such version, ``unverified`` when offline and the cache's copy is older."""

    def __init__(self, record: Record, status: str, arxiv_id: str | None = None, score: float | None = None,
                 evidence: dict[str, float] | None = None, candidates: list[tuple[str, float]] | None = None,
                 paper: Paper | None = None, reason: str | None = None, via: str | None = None,
                 missing_version: int | None = None) -> None:
        """The fields as declared above (same order and defaults, a fresh dict and list for those left out).

        Written by hand, as :class:`~arxref.model.Record`'s: the frozen dataclass's own
        ``__init__`` sets each field through ``object.__setattr__``, and an export of a
        dump resolves one record per paper.
        """
        values = self.__dict__
        values["record"] = record
        values["status"] = status
        values["arxiv_id"] = arxiv_id
        values["score"] = score
        values["evidence"] = {} if evidence is None else evidence
        values["candidates"] = [] if candidates is None else candidates
        values["paper"] = paper
        values["reason"] = reason
        values["via"] = via
        values["missing_version"] = missing_version

    def to_json(self) -> dict[str, Any]:
        """The record's scan fields plus the outcome (the `resolve --format jsonl` contract)."""
        data = self.record.to_json()
        data["arxiv_id"] = self.arxiv_id
        data.update(
            status=self.status,
            score=None if self.score is None else round(self.score, 4),
            candidates=[{"id": cid, "score": round(s, 4)} for cid, s in self.candidates],
            evidence={k: round(v, 4) for k, v in self.evidence.items()},
            reason=self.reason,
            via=self.via,
            matched_title=self.paper.title if self.paper is not None and self.status == "resolved" else None,
            missing_version=self.missing_version,
            latest_version=self.paper.version if self.paper is not None and self.missing_version else None,
        )
        return data

    @property
    def settled(self) -> bool:
        """The record has its paper's id (``resolved`` or ``given``); anything else is reported."""
        return self.status in ("resolved", "given")

    def format_text(self) -> str:
        """``file:line: status id (score) what``: one line per record for humans."""
        parts = [f"{self._where()}: {self.status}"]
        if self.arxiv_id:
            parts.append(self.arxiv_id)
        if self.score is not None and self.status in ("resolved", "ambiguous", "unmatched"):
            parts.append(f"({self.score:.2f})")
        if self.settled and self.paper is not None:
            parts.append(repr(self.paper.title))
            if self.missing_version:
                parts.append(f"(no version {self.missing_version}; v{self.paper.version} used)")
        else:
            parts.append(self._what())
        return " ".join(parts)

    def format_problem(self) -> str:
        """``file:line: unmatched: <snippet>`` plus the reason or the candidates."""
        if self.status == "conflict" and self.reason:
            return f"{self._where()}: conflict: {self.reason}"
        line = f"{self._where()}: {self.status}: {self._what()}"
        if self.status == "ambiguous" and self.candidates:
            line += " matches " + ", ".join(f"{cid} ({s:.2f})" for cid, s in self.candidates[:5])
        elif self.reason:
            line += f" ({self.reason})"
        return line

    def version_message(self, done: str | None = None) -> str:
        """For a cited version beyond the paper's latest (``missing_version``): :func:`arxref.fetch.version_message`."""
        from .fetch import version_message

        assert self.paper is not None and self.missing_version
        return version_message(self.paper.arxiv_id, self.missing_version, self.paper.version,
                               self.status == "given", done)

    def _where(self) -> str:
        return f"{self.record.source}:{self.record.line}"

    def _what(self) -> str:
        if self.record.arxiv_id:
            return f"arXiv:{self.record.arxiv_id}"
        return repr(textnorm.snippet(self.record.title or self.record.text or self.record.key or ""))


def resolve_records(
    records: Iterable[Record],
    settings: Settings,
    cache: Cache,
    *,
    min_score: float | None = None,
    progress: Progress | None = None,
    client: ArxivClient | None = None,
    fetch_progress: Progress | None = None,
) -> list[Resolution]:
    """Resolve every record (one Resolution each, in input order); see the module docstring.

    ``client`` is the run's shared arXiv client (the pipeline hands one over); given
    ids are fetched and id-less records searched through it, one request interval
    for both. Without one, a client is made for this call.
    """
    from .client import use_client

    records = list(records)
    threshold = RESOLVE_MIN if min_score is None else min_score
    results: list[Resolution | None] = [None] * len(records)
    with_id, pending = _sort_out(records, results)
    total = len(records)
    done = sum(1 for r in results if r is not None)
    _report(progress, done, total)
    with use_client(settings, client) as api:
        given = [records[i] for i in with_id]
        verified = _with_conflicts(_verify_given(given, settings, cache, api, fetch_progress), cache)
        for index, resolution in zip(with_id, verified):
            results[index] = resolution
        done += len(with_id)
        _report(progress, done, total)

        items = list(pending.values())
        _resolve_locally(items, cache, threshold)
        remote = [p for p in items if not _settled_locally(p, threshold)]
        done += sum(len(p.indexes) for p in items if p not in remote)
        _report(progress, done, total)
        if remote:
            Searcher(settings, cache, threshold, api).run(remote, lambda n: _report(progress, done + n, total))
    for item in items:
        resolution = _resolution(item, threshold, settings)
        for index in item.indexes:
            results[index] = replace(resolution, record=records[index])
    _report(progress, total, total)
    return [r for r in results if r is not None]


def _sort_out(records: list[Record], results: list[Resolution | None]) -> tuple[list[int], dict[Any, Pending]]:
    """Indexes of records with an id, and the distinct id-less ones to match (duplicates share one).

    Records that cannot be matched at all get their Resolution in ``results`` at once.
    """
    with_id: list[int] = []
    pending: dict[tuple[Any, ...], Pending] = {}
    for index, record in enumerate(records):
        if record.arxiv_id:
            with_id.append(index)
        elif _has_invalid_id(record):
            results[index] = Resolution(record, "invalid", reason="; ".join(_invalid_problems(record)))
        elif record.kind == "bib" and never_arxiv(record.entry_type, record.fields):
            results[index] = Resolution(record, "not_arxiv",
                                        reason=f"a @{record.entry_type} entry is not an arXiv paper: not searched")
        else:
            query = Query.of(record)
            if query.empty:
                results[index] = Resolution(record, "unmatched", reason="no id, title or text to match")
                continue
            key = (query.words, query.title_forms, query.surnames)
            if key in pending:
                pending[key].indexes.append(index)
            else:
                pending[key] = Pending(record, query, [index])
    return with_id, pending


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(min(done, total), total)


def _invalid_problems(record: Record) -> list[str]:
    return [p for p in record.problems if "invalid arxiv id" in p.lower()]


def _has_invalid_id(record: Record) -> bool:
    return bool(_invalid_problems(record))


def _verify_given(records: list[Record], settings: Settings, cache: Cache, client: ArxivClient,
                  progress: Progress | None = None) -> list[Resolution]:
    """``given`` records, checked against the cache and arXiv by fetch_papers.

    A version arXiv does not have gives the paper's latest version, marked with
    ``missing_version`` (users mistype versions; the paper is the same).
    """
    if not records:
        return []
    from .fetch import fetch_papers

    # One id per paper, its highest version: the base's latest answers every version up to it.
    # (Most records cite no version: those only put their id in, once, in order.)
    highest = dict.fromkeys([record.arxiv_id or "" for record in records], 0)
    for record in records:
        version = record.version
        if version and version > highest[record.arxiv_id or ""]:
            highest[record.arxiv_id or ""] = version
    asked = {rid: f"{rid}v{version}" if version else rid for rid, version in highest.items()}
    on_fetch = (lambda done: progress(done, len(asked))) if progress is not None else None
    report = fetch_papers(list(asked.values()), settings, cache, client=client, progress=on_fetch)
    papers, from_cache = report.papers, report.from_cache  # locals: once per record
    resolutions: list[Resolution] = []
    for record in records:
        rid = record.arxiv_id or ""
        paper = papers.get(rid)
        if paper is not None and not (record.version and paper.version < record.version):
            # the common case, once per paper of a dump: the paper as cited (by position: paper, via)
            resolutions.append(Resolution(record, "given", rid, None, None, None, paper, None,
                                          "cache" if rid in from_cache else "fetch"))
        else:
            resolutions.append(_not_as_cited(record, report, asked.get(rid, "")))
    return resolutions


def _not_as_cited(record: Record, report: FetchReport, asked: str) -> Resolution:
    """What fetch_papers' report says of a record with an id whose paper it has not (or only an
    older version than the record cites); ``asked``: what was asked for its paper."""
    rid = record.arxiv_id or ""
    paper = report.papers.get(rid)
    if paper is not None:  # older than the version cited
        if rid in report.missing_versions:
            return Resolution(record, "given", rid, paper=paper, missing_version=record.version,
                              via="cache" if rid in report.from_cache else "fetch",
                              reason=f"arXiv has no version {record.version}; its latest is v{paper.version}")
        return Resolution(record, "unverified", rid, paper=paper, missing_version=record.version, via="cache",
                          reason=f"version {record.version} is not in the cache (offline: not checked on arXiv); "
                                 f"the cache has v{paper.version}")
    if rid in report.not_found:
        return Resolution(record, "not_found", rid, reason=f"arXiv has no paper {rid}")
    why = report.invalid.get(rid, report.invalid.get(asked))
    if why is not None:
        return Resolution(record, "invalid", rid, reason=why or "arXiv rejected the id")
    if rid in report.unverified:
        return Resolution(record, "unverified", rid, reason=report.unverified[rid] or "arXiv could not be reached")
    if rid in report.uncached:
        return Resolution(record, "unverified", rid, reason="not in the cache (offline: not checked on arXiv)")
    return Resolution(record, "unverified", rid, reason="arXiv did not answer for this id")


def _with_conflicts(resolutions: list[Resolution], cache: Cache) -> list[Resolution]:
    """``given`` .bib entries whose title or first author names another paper become ``conflict``.

    The titles other versions had are read from the cache only for entries whose title
    disagrees with arXiv's (a retitled paper is not another paper).
    """
    from .conflicts import conflict

    found: dict[int, str] = {}
    for index, res in enumerate(resolutions):
        if res.record.kind == "bib" and res.status == "given" and res.paper is not None:
            reason = conflict(res.record, res.paper)
            if reason is not None:
                found[index] = reason
    if not found:
        return resolutions
    others = cache.other_titles(resolutions[index].arxiv_id or "" for index in found)
    out = list(resolutions)
    for index, reason in found.items():
        res = resolutions[index]
        titles = others.get(res.arxiv_id or "")
        if titles:
            again = conflict(res.record, res.paper, titles) if res.paper is not None else reason
            if again is None:
                continue
            reason = again
        out[index] = replace(res, status="conflict", reason=reason)
    return out


def local_query(query: Query) -> str:
    """Text for the cache's full-text index: title, text and author names (it picks the rare words)."""
    titles = () if query.title_from_text else query.title_forms
    return " ".join([*titles, *query.words, *query.surnames])


def _resolve_locally(items: list[Pending], cache: Cache, threshold: float) -> None:
    for item in items:
        text = local_query(item.query)
        if text:
            for paper in cache.search_local(text, limit=LOCAL_CANDIDATES):
                item.candidates[paper.arxiv_id] = paper
        item.decision = rank(item.query, item.candidates.values(), threshold)


def _settled_locally(item: Pending, threshold: float) -> bool:
    """A local decision needs no search: near-certain, on enough text, and clear of rivals."""
    decision = item.decision
    if decision is None or decision.best is None or decision.status == "unmatched":
        return False
    return decision.best[1] >= max(threshold, LOCAL_CONFIDENT) and item.query.informative and (
        decision.status == "resolved" or all(s >= LOCAL_CONFIDENT for _, s in decision.candidates)
    )


def _resolution(item: Pending, threshold: float, settings: Settings) -> Resolution:
    decision = item.decision or Decision("unmatched", None, [])
    best = decision.best
    score = best[1] if best else None
    evidence = dict(best[2]) if best else {}
    if decision.status == "resolved" and best is not None:
        return Resolution(item.record, "resolved", best[0].arxiv_id, score, evidence, paper=best[0], via=item.via)
    if decision.status == "ambiguous":
        names = ", ".join(f"{cid} ({s:.2f})" for cid, s in decision.candidates[:5])
        return Resolution(item.record, "ambiguous", None, score, evidence, list(decision.candidates),
                          reason=f"{len(decision.candidates)} papers match about equally well: {names}", via=item.via)
    if item.unverified is not None:
        return Resolution(item.record, "unverified", None, score, evidence,
                          reason=f"arXiv search failed: {item.unverified}", via=item.via)
    if item.reason is None and not item.candidates and settings.offline:
        item.reason = "not in the cache (offline: arXiv not searched)"
    reason = item.reason or (
        f"best candidate {best[0].arxiv_id} scores {best[1]:.2f} (< {threshold:.2f})" if best else "no candidate found"
    )
    if best is not None and best[1] < threshold and item.reason:
        reason = f"{item.reason}; best candidate {best[0].arxiv_id} scores {best[1]:.2f}"
    return Resolution(item.record, "unmatched", None, score, evidence, reason=reason, via=item.via)
