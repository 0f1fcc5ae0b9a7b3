"""Full-text search of the cache: local candidates for the resolver, without bm25.

The FTS5 index (external content over title, abstract and authors, no positions)
answers only "which papers hold this word". Words held by fewer than
:data:`RARE_CAP` papers vote, weighted by log(N/df), then a short list is
re-ranked against every query word. bm25 was measured 10-50x slower on 1 M
papers: it scans the posting list of every common word in the query.
"""

from __future__ import annotations

import heapq
import math
import re
import sqlite3
from typing import TYPE_CHECKING

from ..model import Paper
from ..textnorm import INDEX_STOP_WORDS
from .rows import PAPER_LIST, DamagedRow, row_to_paper

if TYPE_CHECKING:
    from .store import Cache

_WORD_RE = re.compile(r"[^\W_]+")
#: Candidate words probed per query (the longest, for long texts).
MAX_CANDIDATES = 12
#: A word in fewer papers than this is "rare" (it votes); MEDIUM_CAP is the fallback tier.
RARE_CAP = 1000
MEDIUM_CAP = 20000
#: Candidates re-scored against every query word before the best are returned.
RERANK = 50
#: Words remembered as common per cache (a bound on memory, not a tuning knob).
MAX_COMMON_WORDS = 100_000


def search_local(cache: "Cache", text: str, limit: int = 20) -> list[Paper]:
    """Cached papers whose title/abstract/authors share distinctive words with ``text``, best first."""
    if limit <= 0:
        return []
    with cache.reading("searching the cache") as conn:
        order = candidates(conn, text, limit, cache.common_words)
        if not order:
            return []
        marks = ",".join("?" * len(order))
        rows = {rowid: values for rowid, *values in conn.execute(
            f"SELECT id, {PAPER_LIST} FROM papers WHERE id IN ({marks})", order)}
        return [row_to_paper(rows[rowid]) for rowid in order if rowid in rows]


def keywords(text: str) -> list[str]:
    """Distinct lower-case word tokens of ``text`` worth searching for, in order of appearance.

    Tokens are letters/digits only, so nothing the user typed can reach FTS5 as
    syntax (quotes, parentheses, ``NEAR``, ``*``, ``:`` column filters, ``^``).
    """
    seen: dict[str, None] = {}
    for token in _WORD_RE.findall(text.lower()):
        if len(token) < 2 or len(token) > 60 or token in INDEX_STOP_WORDS:
            continue
        seen.setdefault(token, None)
        if len(seen) >= 4 * MAX_CANDIDATES:
            break
    words = list(seen)
    if len(words) > MAX_CANDIDATES:  # long text: longer words are usually the rarer ones
        keep = set(sorted(words, key=len, reverse=True)[:MAX_CANDIDATES])
        words = [w for w in words if w in keep]
    return words


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _rowids(conn: sqlite3.Connection, query: str, cap: int) -> list[int]:
    """Rowids matching an FTS5 query, unranked, at most ``cap`` (cost bounded by ``cap``)."""
    try:
        return [r[0] for r in conn.execute(
            "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? LIMIT ?", (query, cap))]
    except sqlite3.OperationalError:  # defensive: a token FTS5 does not accept as a phrase
        return []


def _vote(scores: dict[int, float], found: list[int], total: int) -> None:
    """Each paper holding a word gains the word's weight, log(N/df): rarer words weigh more."""
    weight = math.log(1 + total / len(found))
    for rowid in found:
        scores[rowid] = scores.get(rowid, 0.0) + weight


def candidates(conn: sqlite3.Connection, text: str, limit: int, common: set[str]) -> list[int]:
    """Rowids of the best local matches for ``text``, best first.

    bm25 is not used: it reads the whole posting list of every query word to
    weigh it, so one common word ("model") costs a scan of most of the cache.
    Instead each word's postings are fetched with a bounded LIMIT: words in
    fewer than RARE_CAP papers vote, weighted by log(N/df), and papers holding
    every rare word get a bonus. Extra words or typos cannot hide a paper, and
    the cost is a few ms on 1 M papers. ``common`` remembers words known to be
    common (the cache only grows, so they stay common) to skip their probes.
    Only when a text has fewer than two rare words (a short generic title) are
    the other words intersected by FTS5 itself.
    """
    words = keywords(text)
    if not words:
        return []
    total = max(conn.execute("SELECT coalesce(max(id), 1) FROM papers").fetchone()[0], 1)
    postings: dict[str, list[int]] = {}
    for word in words:
        if word in common:
            continue
        found = _rowids(conn, _phrase(word), RARE_CAP)
        if len(found) >= RARE_CAP:
            if len(common) < MAX_COMMON_WORDS:
                common.add(word)
        elif found:
            postings[word] = found
    scores: dict[int, float] = {}
    for found in postings.values():
        _vote(scores, found, total)
    if len(postings) >= 2:
        everywhere = set.intersection(*(set(found) for found in postings.values()))
    else:  # nothing distinctive: papers containing every word, then the less common words
        others = [w for w in words if w not in postings]
        everywhere = set(_rowids(conn, " AND ".join(_phrase(w) for w in words), limit)) if len(words) >= 2 else set()
        if not everywhere and not postings:
            for word in others[:4]:
                found = _rowids(conn, _phrase(word), MEDIUM_CAP)
                if 0 < len(found) < MEDIUM_CAP:
                    _vote(scores, found, total)
    bonus = 1 + max(scores.values(), default=0.0)
    for rowid in everywhere:  # holding every (rare) word beats any partial vote
        scores[rowid] = scores.get(rowid, 0.0) + bonus
    shortlist = heapq.nlargest(max(limit, RERANK), scores, key=lambda rowid: (scores[rowid], -rowid))
    return _rerank(conn, shortlist, words, postings, total, scores)[:limit]


def _rerank(conn: sqlite3.Connection, shortlist: list[int], words: list[str], postings: dict[str, list[int]],
            total: int, votes: dict[int, float]) -> list[int]:
    """Order a shortlist by every query word it contains (common ones weigh little), then by votes."""
    if not shortlist:
        return []
    common_weight = math.log(1 + total / RARE_CAP)
    weights = {w: math.log(1 + total / len(postings[w])) if w in postings else common_weight for w in words}
    marks = ",".join("?" * len(shortlist))
    score: dict[int, float] = {}
    for rowid, arxiv_id, title, abstract, authors in conn.execute(
        f"SELECT id, arxiv_id, title, abstract, authors FROM papers WHERE id IN ({marks})", shortlist
    ):
        if not (str is type(title) is type(abstract) is type(authors)):  # a BLOB in a damaged file
            raise DamagedRow(arxiv_id, TypeError("its title, abstract or authors are not text"))
        tokens = set(_WORD_RE.findall(f"{title} {abstract} {authors}".lower()))
        title_tokens = set(_WORD_RE.findall(title.lower()))
        score[rowid] = sum(weight * (1.5 if w in title_tokens else 1.0) for w, weight in weights.items() if w in tokens)
    return sorted(score, key=lambda rowid: (-score[rowid], -votes.get(rowid, 0.0), rowid))
