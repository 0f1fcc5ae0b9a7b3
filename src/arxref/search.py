"""arXiv's search API for the records the cache could not answer: clauses, rounds, shared requests.

Each record gets one fielded clause per round (:func:`clauses_for`); several records'
clauses share ONE request, joined with ``OR``, and every answer is stored in the
cache under the whole query and under each clause, so reruns and ``--offline`` runs
are answered locally whatever records they are batched with.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

from . import textnorm
from .config import Settings
from .errors import VerifyError
from .keys import family_word
from .model import Paper, Record
from .scoring import MIN_ABSTRACT_WORDS, Decision, Query, rank

if TYPE_CHECKING:
    from .cache import Cache
    from .client import ArxivClient

log = logging.getLogger(__name__)

#: Records whose clauses share one search request.
SEARCH_BATCH = 8
#: Results asked for per record in a shared request.
RESULTS_PER_RECORD = 10
#: Prefix of cache keys under which the candidates of one record's clause are stored.
CLAUSE_KEY_PREFIX = "arxref-resolve-clause:v1:"


def _quote(field_name: str, phrase: str) -> str:
    return f'{field_name}:"{phrase}"' if " " in phrase else f"{field_name}:{phrase}"


#: Search rounds tried for a record that the cache could not answer (see clauses_for).
SEARCH_ROUNDS = 3


def clauses_for(query_record: Record, round_no: int) -> str | None:
    """The search clause for one record in round ``round_no`` (0, 1, 2), or None when spent.

    0. precise: two pairs of 2-word phrases from different parts of the abstract,
       each pair ANDed; the title's longest run of words as one phrase;
    1. other phrases, and the title's distinctive words ANDed (punctuation or word
       order differs), for copies whose first phrases were mistyped or edited;
    2. loose: the phrases (or title words) ORed, narrowed by author surnames when
       given; arXiv's relevance order puts the paper matching most of them first.
    """
    if not 0 <= round_no < SEARCH_ROUNDS:
        return None
    parts: list[str] = []
    text = query_record.text if query_record.text and len(textnorm.words(query_record.text)) >= MIN_ABSTRACT_WORDS else None
    if text:
        phrases = textnorm.spread_phrases(text, 8)
        if round_no < 2:
            chosen = phrases[4 * round_no : 4 * round_no + 4]
            for i in range(0, len(chosen) - 1, 2):
                parts.append("(" + " AND ".join(_quote("abs", p) for p in chosen[i : i + 2]) + ")")
        elif phrases:
            parts.append("(" + " OR ".join(_quote("abs", p) for p in phrases) + ")")
    title = query_record.title
    if not title and query_record.text and not text:
        title = query_record.text  # a short snippet is searched as a title
    if title:
        title_clause = _title_clause(title, round_no, query_record.authors)
        if title_clause:
            parts.append(title_clause)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def _author_term(name: str) -> str | None:
    """The family name as arXiv tokenises it (``Snyder-Beattie`` -> ``beattie``), or None."""
    family = family_word(name)
    tokens = [t for run in textnorm.query_runs(family) for t in run if len(t) > 1]
    return max(tokens, key=len) if tokens else None


def _title_clause(title: str, round_no: int, authors: Sequence[str]) -> str | None:
    if round_no == 0:
        runs = textnorm.query_runs(title)
        longest = max(runs, key=len) if runs else []
        if len(longest) >= 2 and any(textnorm.is_content(w) for w in longest):
            return _quote("ti", " ".join(longest))
        return None
    words = textnorm.distinctive_words(title, 4 if round_no == 1 else 6)
    if len(words) < 2:
        return None
    if round_no == 1:
        return "(" + " AND ".join(_quote("ti", w) for w in words) + ")"
    clause = "(" + " OR ".join(_quote("ti", w) for w in words) + ")"
    surnames = [s for s in (_author_term(a) for a in authors[:3]) if s]
    if surnames:
        clause = "(" + clause + " AND (" + " OR ".join(_quote("au", s) for s in surnames) + "))"
    return clause


@dataclass
class Pending:
    """One distinct id-less record (duplicates share it) on its way through the local and search stages."""

    record: Record
    query: Query
    indexes: list[int]
    candidates: dict[str, Paper] = field(default_factory=dict)
    decision: Decision | None = None
    via: str = "cache"
    reason: str | None = None
    unverified: str | None = None
    fresh: bool = False
    """New candidates arrived since the last decision."""


class Searcher:
    """Round after round, asks arXiv about the records the cache could not answer.

    Each round gives every still-open record one clause; clauses already answered
    (stored under CLAUSE_KEY_PREFIX) are served from the cache, the rest go out
    SEARCH_BATCH at a time joined by OR.
    """

    def __init__(self, settings: Settings, cache: Cache, threshold: float, client: ArxivClient) -> None:
        self.settings = settings
        self.cache = cache
        self.threshold = threshold
        self.client = client
        """The run's shared client: its request interval covers the fetches too."""
        self.failure: str | None = None

    def run(self, items: list[Pending], progress: Callable[[int], None]) -> None:
        finished = 0
        open_items = list(items)
        for round_no in range(SEARCH_ROUNDS):
            asked = [(item, clause) for item in open_items if (clause := clauses_for(item.record, round_no))]
            if not asked:
                break
            self._answer(asked)
            still_open = []
            for item in open_items:
                if item.fresh:
                    item.decision = rank(item.query, item.candidates.values(), self.threshold)
                    item.fresh = False
                if item.decision is not None and item.decision.status == "unmatched" and item.unverified is None:
                    still_open.append(item)
                else:
                    finished += len(item.indexes)
            progress(finished)
            open_items = still_open

    def _answer(self, asked: list[tuple[Pending, str]]) -> None:
        """Give every (record, clause) its candidates: from the cache, else from arXiv."""
        to_send: list[tuple[Pending, str]] = []
        for item, clause in asked:
            ids = self.cache.get_search(CLAUSE_KEY_PREFIX + clause)
            if ids is None:
                to_send.append((item, clause))
                continue
            self._add(item, ids)
        if not to_send:
            return
        if self.settings.offline:
            for item, _ in to_send:
                item.reason = "no confident match in the cache (offline: arXiv not searched)"
            return
        for start in range(0, len(to_send), SEARCH_BATCH):
            batch = to_send[start : start + SEARCH_BATCH]
            if self.failure is not None:
                for item, _ in batch:
                    item.unverified = self.failure
                continue
            self._send(batch)

    def _add(self, item: Pending, ids: Sequence[str]) -> None:
        if not ids:
            return
        found = self.cache.get_many(list(ids))
        for paper in _by_id(found).values():
            item.candidates[paper.arxiv_id] = paper
        item.via = "search"
        item.fresh = True

    def _send(self, batch: list[tuple[Pending, str]]) -> None:
        """One shared request for a batch; stores the answer under the query and each clause."""
        from .client import RejectedRequest

        clauses = list(dict.fromkeys(clause for _, clause in batch))
        query = " OR ".join(clauses)
        max_results = min(100, RESULTS_PER_RECORD * len(clauses))
        try:
            result = self.client.search(query, max_results=max_results)
            if not result.papers and not result.total_results:
                # arXiv sometimes serves a valid but empty feed; never store one unconfirmed
                result = self.client.search(query, max_results=max_results)
        except RejectedRequest as exc:  # this query only: the next batch may be fine
            log.warning("arXiv rejected search query %r: %s", query, exc)
            for item, _ in batch:
                item.unverified = str(exc)
            return
        except VerifyError as exc:  # unreachable (or offline): do not keep knocking
            self.failure = str(exc)
            for item, _ in batch:
                item.unverified = self.failure
            return
        papers = list(result.papers)
        ids = [p.arxiv_id for p in papers]
        self.cache.put_papers(papers)
        self.cache.put_search(query, ids, result.total_results)
        for clause in clauses:
            # The answer to one clause is contained in the answer to the OR of all.
            self.cache.put_search(CLAUSE_KEY_PREFIX + clause, ids, result.total_results)
        for item, _ in batch:
            for paper in papers:
                item.candidates[paper.arxiv_id] = paper
            item.via = "search"
            item.fresh = True


def _by_id(papers: Any) -> dict[str, Paper]:
    values = papers.values() if isinstance(papers, dict) else papers
    return {p.arxiv_id: p for p in values}
