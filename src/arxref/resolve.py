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

Scores are in 0..1, where 0 means "no more alike than unrelated abstracts" and
1 means identical after :func:`arxref.textnorm.normalize`.

Thresholds are measured on real data (``python3 benchmarks/bench_resolve.py --seeds``
prints this table): the 42 seed abstracts against the 25 shipped papers, as they
are and with noise derived from them. "true" is the score of the right paper,
"wrong" the best score of any other paper:

==========================  ========  ========  ========  =========
variant                     true min  true med  wrong max  gap min
==========================  ========  ========  ========  =========
exact seed text             1.00      1.00      0.18      0.82
truncated at 40% + "…"      1.00      1.00      0.20      0.80
truncated at 15% + "…"      0.69      1.00      0.25      0.59
typos in 1% of letters      0.98      0.99      0.18      0.81
typos in 3% of letters      0.96      0.97      0.17      0.80
every 3rd sentence cut      1.00      1.00      0.20      0.80
cut + typos in 2%           0.73      0.87      0.20      0.58
truncated 30% + typos 2%    0.93      0.97      0.18      0.79
==========================  ========  ========  ========  =========

(typos: swapped, dropped or doubled letters. 8% prefixes, about 12 words, score
0.75 median for the true paper and 0.27 at most for a wrong one; under 8 words a
text is only compared with titles.)

:data:`RESOLVE_MIN` = 0.4 lies well above every wrong paper (0.25) and below
every true one; :data:`MARGIN` = 0.15 is far below the smallest true-vs-wrong gap
(0.58), so it only bites when two papers really are alike (same title, a
follow-up reusing half an abstract). Texts under 25 words get their abstract
evidence discounted (``sqrt(words / 25)``): a 12-word prefix otherwise reached 0.47
on a wrong paper. The synthetic benchmark (100,000 papers, 1,100 noisy records,
``benchmarks/bench_resolve.py``) agrees: precision 1.000, recall 0.991, the misses
being ambiguous follow-ups and papers the local index did not return; its heavily
edited "older versions" (a sentence dropped, one replaced, words changed) score
down to ~0.45, which is why the threshold is not higher.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

from . import textnorm
from .config import Settings
from .errors import VerifyError
from .model import Paper, Record

if TYPE_CHECKING:
    from .cache import Cache

log = logging.getLogger(__name__)

#: Lowest score that can resolve a record (``--min-score`` overrides it).
RESOLVE_MIN = 0.4
#: How far the best candidate must lead the runner-up to be picked.
MARGIN = 0.15
#: A local answer at least this good (and based on enough text) skips arXiv's search.
LOCAL_CONFIDENT = 0.8
#: Candidates asked from the cache's full-text index per record.
LOCAL_CANDIDATES = 20
#: Records whose clauses share one search request.
SEARCH_BATCH = 8
#: Results asked for per record in a shared request.
RESULTS_PER_RECORD = 10
#: Fewer words than this and a text says too little to be compared as an abstract.
MIN_ABSTRACT_WORDS = 8
#: Texts shorter than this are also compared with titles (snippets are often titles), and
#: their abstract evidence is discounted (short texts overlap unrelated abstracts by chance).
TITLE_LIKE_WORDS = 25
#: Prefix of cache keys under which the candidates of one record's clause are stored.
CLAUSE_KEY_PREFIX = "arxref-resolve-clause:v1:"

STATUSES = ("resolved", "ambiguous", "unmatched", "given", "not_found", "invalid", "unverified")

Progress = Callable[[int, int], None]


@dataclass
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
        )
        return data


# --------------------------------------------------------------------------- scoring


def _calibrate(value: float, chance: float) -> float:
    """Rescale a similarity so that ``chance`` (what unrelated texts reach) maps to 0."""
    return max(0.0, (value - chance) / (1.0 - chance))


def _containment_chance(words: int) -> float:
    """Share of a ``words``-long text found, in order, in an unrelated abstract.

    Fitted to the seed abstracts against the other 24 papers (medians 0.33 at 25
    words, 0.25 at 60, 0.18 at 150): short texts overlap more by chance.
    """
    return min(0.9, 0.1 + 1.2 / math.sqrt(words))


def _prefix_chance(chars: int) -> float:
    """Character similarity an unrelated abstract's prefix of ``chars`` reaches (max observed)."""
    return min(0.9, 0.45 + 2.5 / math.sqrt(chars))


@lru_cache(maxsize=8192)
def _paper_text(abstract: str) -> tuple[str, tuple[str, ...]]:
    normal = textnorm.normalize(abstract)
    return normal, tuple(normal.split())


@lru_cache(maxsize=8192)
def _paper_titles(title: str) -> tuple[str, ...]:
    """The title, and its main part when it has a subtitle (often cited without one)."""
    forms = [textnorm.normalize(title)]
    for sep in (":", " - ", "?"):
        if sep in title:
            main = textnorm.normalize(title.split(sep, 1)[0])
            if len(main.split()) >= 2 and main not in forms:
                forms.append(main)
    return tuple(forms)


_ET_AL_RE = re.compile(r"\s*(?:,?\s+et\.?\s+al\.?|\s+and\s+others)\s*$", re.IGNORECASE)


@lru_cache(maxsize=8192)
def _paper_surnames(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(s for s in (surname(n) for n in names) if s)


def surname(name: str) -> str:
    """Normalised family name from ``Mark Chen``, ``Chen, Mark``, ``M. Chen`` or ``Chen et al.``."""
    name = _ET_AL_RE.sub("", name.strip())
    if "," in name:
        family = name.split(",", 1)[0]
    else:
        parts = [p for p in name.split() if p.rstrip(".").lower() not in {"jr", "sr", "ii", "iii", "iv"}]
        family = parts[-1] if parts else ""
    return textnorm.normalize(family).replace(" ", "")


@dataclass
class _Query:
    """A record prepared once for scoring against many papers."""

    text: str | None
    words: tuple[str, ...]
    title_forms: tuple[str, ...]
    surnames: tuple[str, ...]
    title_from_text: bool = False
    """No title was given and the (short) text doubles as one: snippets are often titles."""

    @classmethod
    def of(cls, record: Record) -> "_Query":
        text = record.text if record.text and record.text.strip() else None
        words = tuple(textnorm.words(text)) if text else ()
        title = textnorm.normalize(record.title) if record.title else ""
        from_text = not title and 0 < len(words) < TITLE_LIKE_WORDS
        titles = (title,) if title else ((" ".join(words),) if from_text else ())
        names = [a for a in record.authors if a and a.strip().lower() not in {"et al", "et al.", "others"}]
        surnames = tuple(s for s in (surname(a) for a in names) if s)
        return cls(text, words, titles, surnames, from_text)

    @property
    def has_abstract(self) -> bool:
        return len(self.words) >= MIN_ABSTRACT_WORDS

    @property
    def empty(self) -> bool:
        return not self.has_abstract and not self.title_forms

    @property
    def informative(self) -> bool:
        """Enough text that a near-identical match cannot be chance (decides locally)."""
        if len(self.words) >= 20:
            return True
        return any(len(textnorm.content_words(t)) >= 3 for t in self.title_forms)


def score_abstract(words: Sequence[str], paper_abstract: str) -> float:
    """Similarity of a record's text and a paper's abstract, robust to how copies differ.

    The best of four measures, each calibrated so unrelated abstracts score ~0:

    * word-level Indel similarity (sentences reworded, added or dropped: older versions);
    * containment of the shorter word sequence in the longer (truncated copies, a
      version that gained or lost sentences), discounted for short texts;
    * character-level similarity (typos: one swapped letter spoils a word but
      barely moves characters);
    * character similarity with the paper's prefix of the same length (truncated
      *and* mistyped copies).
    """
    paper_norm, paper_words = _paper_text(paper_abstract)
    if not words or not paper_words:
        return 0.0
    lcs = LCSseq.similarity(words, paper_words)
    best = 2.0 * lcs / (len(words) + len(paper_words))
    shorter = min(len(words), len(paper_words))
    if shorter >= MIN_ABSTRACT_WORDS:
        best = max(best, _calibrate(lcs / shorter, _containment_chance(shorter)))
    if best >= 0.999:
        return 1.0
    text = " ".join(words)
    best = max(best, _calibrate(fuzz.ratio(text, paper_norm) / 100.0, 0.5))
    if len(text) < 0.9 * len(paper_norm):
        prefix = fuzz.ratio(text, paper_norm[: len(text)]) / 100.0
        best = max(best, _calibrate(prefix, _prefix_chance(len(text))))
    return min(1.0, best)


def score_title(forms: Sequence[str], paper_title: str) -> float:
    """Character similarity of titles (typos, punctuation), calibrated: 0.7 raw -> 0.

    Distinct papers' titles often share most words ("Language Models are Few-Shot
    Learners" / "... Unsupervised Multitask Learners" reach 0.7), so only near
    equality counts.
    """
    best = 0.0
    for form in forms:
        for target in _paper_titles(paper_title):
            best = max(best, fuzz.ratio(form, target) / 100.0)
    return _calibrate(best, 0.7)


def score_authors(surnames: Sequence[str], paper: Paper) -> float:
    """Share of the record's author surnames found among the paper's (fuzzy: diacritics, typos)."""
    theirs = _paper_surnames(tuple(a.name for a in paper.authors))
    if not surnames or not theirs:
        return 0.0
    found = sum(1 for s in surnames if process.extractOne(s, theirs, scorer=fuzz.ratio, score_cutoff=88))
    return found / len(surnames)


def score_paper(query: _Query, paper: Paper) -> tuple[float, dict[str, float]]:
    """Overall score of ``paper`` for a record, and the per-field evidence behind it.

    Abstract and title combine 0.7/0.3 when both are present; author surnames, when
    given, scale the result between 0.7 (none found) and 1 (all found). Either an
    abstract or the authors therefore tell apart two papers that share a title.
    """
    evidence: dict[str, float] = {}
    if query.has_abstract:
        reliability = min(1.0, len(query.words) / TITLE_LIKE_WORDS) ** 0.5
        evidence["abstract"] = score_abstract(query.words, paper.abstract) * reliability
    if query.title_forms:
        evidence["title"] = score_title(query.title_forms, paper.title)
    if "abstract" in evidence and "title" in evidence:
        if query.title_from_text:
            base = max(evidence["abstract"], evidence["title"])  # a short snippet: title or abstract
        else:
            base = 0.7 * evidence["abstract"] + 0.3 * evidence["title"]
    else:
        base = evidence.get("abstract", evidence.get("title", 0.0))
    if query.surnames:
        evidence["authors"] = score_authors(query.surnames, paper)
        base *= 0.7 + 0.3 * evidence["authors"]
    return base, evidence


@dataclass
class _Decision:
    status: str
    best: tuple[Paper, float, dict[str, float]] | None
    candidates: list[tuple[str, float]]


def decide(scored: Sequence[tuple[Paper, float, dict[str, float]]], min_score: float) -> _Decision:
    """resolved (good enough AND clearly ahead), ambiguous (close contenders), or unmatched."""
    ranked = sorted(scored, key=lambda item: (-item[1], item[0].arxiv_id))
    if not ranked:
        return _Decision("unmatched", None, [])
    best = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best[1] < min_score:
        return _Decision("unmatched", best, [])
    if best[1] - runner_up >= MARGIN:
        return _Decision("resolved", best, [])
    close = [(p.arxiv_id, s) for p, s, _ in ranked if best[1] - s < MARGIN]
    return _Decision("ambiguous", best, close)


# --------------------------------------------------------------------------- search queries


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
    family = name.split(",", 1)[0] if "," in name else (name.split() or [""])[-1]
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


# --------------------------------------------------------------------------- the resolver


@dataclass
class _Pending:
    """One distinct id-less record (duplicates share it) on its way through the stages."""

    record: Record
    query: _Query
    indexes: list[int]
    candidates: dict[str, Paper] = field(default_factory=dict)
    decision: _Decision | None = None
    via: str = "cache"
    reason: str | None = None
    unverified: str | None = None
    fresh: bool = False
    """New candidates arrived since the last decision."""


def resolve_records(
    records: Iterable[Record],
    settings: Settings,
    cache: Cache,
    *,
    min_score: float | None = None,
    progress: Progress | None = None,
) -> list[Resolution]:
    """Resolve every record (one Resolution each, in input order); see the module docstring."""
    records = list(records)
    threshold = RESOLVE_MIN if min_score is None else min_score
    results: list[Resolution | None] = [None] * len(records)
    with_id: list[int] = []
    pending: dict[tuple[Any, ...], _Pending] = {}
    for index, record in enumerate(records):
        if record.arxiv_id:
            with_id.append(index)
        elif _has_invalid_id(record):
            results[index] = Resolution(record, "invalid", reason="; ".join(_invalid_problems(record)))
        else:
            query = _Query.of(record)
            if query.empty:
                results[index] = Resolution(record, "unmatched", reason="no id, title or text to match")
                continue
            key = (query.words, query.title_forms, query.surnames)
            if key in pending:
                pending[key].indexes.append(index)
            else:
                pending[key] = _Pending(record, query, [index])
    total = len(records)
    done = sum(1 for r in results if r is not None)
    _report(progress, done, total)

    for index, resolution in zip(with_id, _verify_given([records[i] for i in with_id], settings, cache)):
        results[index] = resolution
    done += len(with_id)
    _report(progress, done, total)

    items = list(pending.values())
    _resolve_locally(items, cache, threshold)
    remote = [p for p in items if not _settled_locally(p, threshold)]
    done += sum(len(p.indexes) for p in items if p not in remote)
    _report(progress, done, total)
    if remote:
        _Searcher(settings, cache, threshold).run(remote, lambda n: _report(progress, done + n, total))
    for item in items:
        resolution = _resolution(item, threshold, settings)
        for index in item.indexes:
            results[index] = Resolution(**{**resolution.__dict__, "record": records[index]})
    _report(progress, total, total)
    return [r for r in results if r is not None]


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(min(done, total), total)


def _invalid_problems(record: Record) -> list[str]:
    return [p for p in record.problems if "invalid arxiv id" in p.lower()]


def _has_invalid_id(record: Record) -> bool:
    return bool(_invalid_problems(record))


def _verify_given(records: list[Record], settings: Settings, cache: Cache) -> list[Resolution]:
    """``given`` records, checked against the cache and arXiv by fetch_papers."""
    if not records:
        return []
    from .fetch import fetch_papers

    report = fetch_papers(list(dict.fromkeys(r.arxiv_id or "" for r in records)), settings, cache)
    papers = dict(report.papers)
    # A version newer than the one known needs its own request (fetch_papers keeps one per id).
    newer = [f"{r.arxiv_id}v{r.version}" for r in records
             if r.version and r.arxiv_id in papers and papers[r.arxiv_id].version < r.version]
    missing_versions: set[str] = set()
    if newer:
        second = fetch_papers(list(dict.fromkeys(newer)), settings, cache)
        papers.update(second.papers)
        missing_versions = set(second.not_found)
        report.unverified.update(second.unverified)
    out = []
    for record in records:
        rid = record.arxiv_id or ""
        paper = papers.get(rid)
        if paper is not None and f"{rid}v{record.version}" in missing_versions:
            out.append(Resolution(record, "not_found", rid, reason=f"arXiv has no version {record.version} of {rid}"))
        elif paper is not None and (not record.version or paper.version >= record.version):
            via = "cache" if rid in report.from_cache else "fetch"
            out.append(Resolution(record, "given", rid, paper=paper, via=via))
        elif rid in report.not_found:
            out.append(Resolution(record, "not_found", rid, reason=f"arXiv has no paper {rid}"))
        elif rid in report.invalid:
            out.append(Resolution(record, "invalid", rid, reason=report.invalid[rid] or "arXiv rejected the id"))
        elif rid in report.unverified:
            out.append(Resolution(record, "unverified", rid, reason=report.unverified[rid] or "arXiv could not be reached"))
        elif rid in report.uncached or paper is not None:
            out.append(Resolution(record, "unverified", rid, reason="not in the cache (offline: not checked on arXiv)"))
        else:
            out.append(Resolution(record, "unverified", rid, reason="arXiv did not answer for this id"))
    return out


def _by_id(papers: Any) -> dict[str, Paper]:
    values = papers.values() if isinstance(papers, dict) else papers
    return {p.arxiv_id: p for p in values}


def local_query(query: _Query) -> str:
    """Text for the cache's full-text index: title, text and author names (it picks the rare words)."""
    titles = () if query.title_from_text else query.title_forms
    return " ".join([*titles, *query.words, *query.surnames])


def _resolve_locally(items: list[_Pending], cache: Cache, threshold: float) -> None:
    for item in items:
        text = local_query(item.query)
        if text:
            for paper in cache.search_local(text, limit=LOCAL_CANDIDATES):
                item.candidates[paper.arxiv_id] = paper
        item.decision = _decide(item, threshold)


def _decide(item: _Pending, threshold: float) -> _Decision:
    scored = []
    for paper in item.candidates.values():
        score, evidence = score_paper(item.query, paper)
        scored.append((paper, score, evidence))
    return decide(scored, threshold)


def _settled_locally(item: _Pending, threshold: float) -> bool:
    """A local decision needs no search: near-certain, on enough text, and clear of rivals."""
    decision = item.decision
    if decision is None or decision.best is None or decision.status == "unmatched":
        return False
    return decision.best[1] >= max(threshold, LOCAL_CONFIDENT) and item.query.informative and (
        decision.status == "resolved" or all(s >= LOCAL_CONFIDENT for _, s in decision.candidates)
    )


class _Searcher:
    """Round after round, asks arXiv about the records the cache could not answer.

    Each round gives every still-open record one clause; clauses already answered
    (stored under CLAUSE_KEY_PREFIX) are served from the cache, the rest go out
    SEARCH_BATCH at a time joined by OR.
    """

    def __init__(self, settings: Settings, cache: Cache, threshold: float) -> None:
        self.settings = settings
        self.cache = cache
        self.threshold = threshold
        self.client: Any = None
        self.failure: str | None = None

    def run(self, items: list[_Pending], progress: Callable[[int], None]) -> None:
        finished = 0
        open_items = list(items)
        try:
            for round_no in range(SEARCH_ROUNDS):
                asked: list[tuple[_Pending, str]] = []
                for item in open_items:
                    clause = clauses_for(item.record, round_no)
                    if clause:
                        asked.append((item, clause))
                if not asked:
                    break
                self._answer(asked)
                still_open = []
                for item in open_items:
                    if item.fresh:
                        item.decision = _decide(item, self.threshold)
                        item.fresh = False
                    if item.decision is not None and item.decision.status == "unmatched" and item.unverified is None:
                        still_open.append(item)
                    else:
                        finished += len(item.indexes)
                progress(finished)
                open_items = still_open
        finally:
            if self.client is not None:
                self.client.close()

    def _answer(self, asked: list[tuple[_Pending, str]]) -> None:
        """Give every (record, clause) its candidates: from the cache, else from arXiv."""
        to_send: list[tuple[_Pending, str]] = []
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

    def _add(self, item: _Pending, ids: Sequence[str]) -> None:
        if not ids:
            return
        found = self.cache.get_many(list(ids))
        for paper in _by_id(found).values():
            item.candidates[paper.arxiv_id] = paper
        item.via = "search"
        item.fresh = True

    def _send(self, batch: list[tuple[_Pending, str]]) -> None:
        """One shared request for a batch; stores the answer under the query and each clause."""
        from .client import ArxivClient, RejectedRequest

        clauses = list(dict.fromkeys(clause for _, clause in batch))
        query = " OR ".join(clauses)
        max_results = min(100, RESULTS_PER_RECORD * len(clauses))
        if self.client is None:
            self.client = ArxivClient(self.settings)
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


def _resolution(item: _Pending, threshold: float, settings: Settings) -> Resolution:
    decision = item.decision or _Decision("unmatched", None, [])
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
