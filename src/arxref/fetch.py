"""Get metadata for arXiv ids: cache first, then the API in batches, storing as it goes.

Each batch is written to the cache in one transaction as soon as it arrives,
so killing the process loses at most the batch in flight. Ids arXiv does not
know are remembered (with a timestamp) so CI runs do not ask again every
time; ``settings.refresh`` re-asks everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Callable, Iterable

from .config import Settings
from .errors import InvalidIdError, VerifyError
from .ids import ArxivId
from .ids import parse as parse_id
from .model import Paper

if TYPE_CHECKING:
    from .cache import Cache
    from .client import ArxivClient

#: A remembered "not found" is trusted this long, then asked again (new papers get
#: ids in order, so an id that did not exist yet may exist a few days later).
NOT_FOUND_TTL = timedelta(days=30)


@dataclass
class FetchReport:
    """What happened to every id asked for. Keys are canonical base ids except where noted."""

    papers: dict[str, Paper] = field(default_factory=dict)
    from_cache: set[str] = field(default_factory=set)
    fetched: set[str] = field(default_factory=set)
    not_found: set[str] = field(default_factory=set)
    """Ids arXiv does not know (``XvN`` when only that version is missing)."""
    invalid: dict[str, str] = field(default_factory=dict)
    """Input string -> why it is not a possible id (or why arXiv rejected it)."""
    unverified: dict[str, str] = field(default_factory=dict)
    """Id -> why it could not be checked (network, throttling, damaged answers)."""
    uncached: set[str] = field(default_factory=set)
    """Offline mode: ids not in the cache (and not known to be missing)."""
    missing_versions: dict[str, int] = field(default_factory=dict)
    """Base -> the version asked for that arXiv does not have; ``papers[base]`` is then its
    latest version, which callers use instead (users mistype versions; the paper is the same)."""
    unchecked_versions: dict[str, int] = field(default_factory=dict)
    """Offline mode: base -> a version asked for beyond the cached paper's, which ``papers[base]``
    holds (arXiv was not asked whether that version exists)."""
    requests: int = 0


def fetch_papers(
    ids: Iterable[str],
    settings: Settings,
    cache: "Cache",
    progress: Callable[[int], None] | None = None,
    *,
    client: "ArxivClient | None" = None,
) -> FetchReport:
    """Fetch ``ids`` (any accepted form), cache first; never raises for a per-id problem.

    ``progress(done)`` is called with the number of distinct valid ids settled so far.
    ``client`` is the run's shared client (see :func:`arxref.client.use_client`); without
    one, a client is made for this call when the API is needed.
    """
    report = FetchReport()
    wanted = _parse_all(ids, report)
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None and count:
            progress(done)

    todo = _from_cache(wanted, settings, cache, report)
    advance(len(wanted) - len(todo))
    if not todo:
        return report
    if settings.offline:
        report.uncached.update(todo)
        advance(len(todo))
        return report
    from .client import use_client

    with use_client(settings, client) as api:
        if api.witness is None:
            api.witness = _known_id(report, cache)
        bases = list(todo)
        size = min(max(1, settings.batch_size), 2000)  # the API returns at most 2000 entries
        for start in range(0, len(bases), size):
            batch = bases[start : start + size]
            _fetch_batch(batch, todo, api, cache, report)
            advance(len(batch))
    return report


def _known_id(report: FetchReport, cache: "Cache") -> str | None:
    """An id that exists (a cached paper), to witness an empty answer (see ArxivClient._fetch_matched)."""
    if report.papers:
        return next(iter(report.papers))
    for paper in cache.iter_papers(batch=1):
        return paper.arxiv_id
    return None


def _parse_all(ids: Iterable[str], report: FetchReport) -> dict[str, ArxivId]:
    """Canonical base -> parsed id (highest version asked for); invalid ids go to the report."""
    wanted: dict[str, ArxivId] = {}
    for raw in ids:
        try:
            parsed = parse_id(raw)
        except InvalidIdError as exc:
            report.invalid[raw] = exc.reason
            continue
        known = wanted.get(parsed.base)
        if known is None or (parsed.version or 0) > (known.version or 0):
            wanted[parsed.base] = parsed
    return wanted


def _satisfies(paper: Paper, wanted: ArxivId) -> bool:
    """A cached paper answers a request unless a newer version than it knows is asked for."""
    return wanted.version is None or wanted.version <= paper.version


def _from_cache(wanted: dict[str, ArxivId], settings: Settings, cache: "Cache",
                report: FetchReport) -> dict[str, ArxivId]:
    """Answer what the cache can; return what still needs the API.

    A version beyond the cached paper's is answered by the cached paper when arXiv said
    lately that the version does not exist (remembered as a not-found ``XvN``), or, offline,
    with the version left unchecked; otherwise the base id is asked again.
    """
    if settings.refresh:
        return dict(wanted)
    cached = cache.get_many(list(wanted))
    todo: dict[str, ArxivId] = {}
    papers, from_cache = report.papers, report.from_cache  # locals: once per id asked for
    for base, parsed in wanted.items():
        paper = cached.get(base)
        if paper is not None and (parsed.version is None or _satisfies(paper, parsed)):
            papers[base] = paper
            from_cache.add(base)
        else:
            todo[base] = parsed
    if not todo:
        return todo
    beyond = {parsed.versioned: base for base, parsed in todo.items() if base in cached}
    cutoff = datetime.now(timezone.utc) - NOT_FOUND_TTL
    for key, when in cache.not_found([*todo, *beyond]).items():
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        if when < cutoff:
            continue
        if key in beyond:  # arXiv lately had no such version: the cached paper is its latest
            base = beyond[key]
            _use_latest(report, cached[base], todo.pop(base))
            report.from_cache.add(base)
        elif key in todo and key not in cached:
            report.not_found.add(key)
            del todo[key]
    if settings.offline:
        for base in [b for b in todo if b in cached]:
            report.papers[base] = cached[base]
            report.from_cache.add(base)
            report.unchecked_versions[base] = todo.pop(base).version or 0
    return todo


def _use_latest(report: FetchReport, paper: Paper, wanted: ArxivId) -> None:
    """``paper`` (the latest version) answers a request for a version arXiv does not have."""
    report.papers[paper.arxiv_id] = paper
    report.missing_versions[paper.arxiv_id] = wanted.version or 0


def version_message(base: str, asked: int, latest: int, confirmed: bool = True, done: str | None = "wrote") -> str:
    """The one wording of a version beyond a paper's latest, e.g. ``1409.7781v3: no such version;
    arXiv has v2; wrote 1409.7781v2`` (``done`` None: without the last part; not ``confirmed``:
    offline, the cache's copy is older and arXiv was not asked)."""
    if confirmed:
        message = f"{base}v{asked}: no such version; arXiv has v{latest}"
    else:
        message = f"{base}v{asked}: not in the cache (offline: not checked on arXiv); the cache has v{latest}"
    return f"{message}; {done} {base}v{latest}" if done else message


def _fetch_batch(batch: list[str], wanted: dict[str, ArxivId], client: "ArxivClient",
                 cache: "Cache", report: FetchReport) -> None:
    """One API batch: store found papers at once, remember the missing, record failures."""
    before = client.requests_made
    try:
        result = client.fetch_ids(batch)
    except VerifyError as exc:
        report.unverified.update((base, str(exc)) for base in batch)
        return
    finally:
        report.requests += client.requests_made - before
    now = datetime.now(timezone.utc)
    found = [replace(paper, fetched_at=now) for paper in result.papers.values()]
    if found:
        cache.put_papers(found, fetched_at=now)  # one transaction; also forgets their not-found records
    # The client reports as missing only what arXiv confirmed (an answer that looked
    # the ids up); an empty answer leaves them unverified, and nothing is remembered.
    absent = [wanted[p.arxiv_id].versioned for p in found if not _satisfies(p, wanted[p.arxiv_id])]
    if result.missing or absent:  # a version beyond the latest is remembered as missing too
        cache.mark_not_found([*result.missing, *absent], when=now)
    for paper in found:
        parsed = wanted[paper.arxiv_id]
        report.fetched.add(paper.arxiv_id)
        if _satisfies(paper, parsed):
            report.papers[paper.arxiv_id] = paper
        else:
            _use_latest(report, paper, parsed)
    report.not_found.update(result.missing)
    report.invalid.update(result.invalid)
    report.unverified.update(result.unverified)
