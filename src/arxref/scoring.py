"""How alike a record and an arXiv paper are, and when that is enough to pick the paper.

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

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

from . import textnorm
from .keys import family_word
from .config import RESOLVE_MIN
from .model import Paper, Record

__all__ = [  # RESOLVE_MIN lives in config (the CLI states it without loading rapidfuzz)
    "MARGIN", "MIN_ABSTRACT_WORDS", "RESOLVE_MIN", "TITLE_LIKE_WORDS", "Decision", "Query", "decide", "rank",
    "score_abstract", "score_authors", "score_paper", "score_title", "surname",
]

#: How far the best candidate must lead the runner-up to be picked.
MARGIN = 0.15
#: Fewer words than this and a text says too little to be compared as an abstract.
MIN_ABSTRACT_WORDS = 8
#: Texts shorter than this are also compared with titles (snippets are often titles), and
#: their abstract evidence is discounted (short texts overlap unrelated abstracts by chance).
TITLE_LIKE_WORDS = 25


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


_ET_AL_RE = re.compile(r"\s*(?:,?\s+et\.?\s+al\.?|\s+and\s+others)\s*$", re.IGNORECASE)


@lru_cache(maxsize=8192)
def _paper_surnames(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(s for s in (surname(n) for n in names) if s)


def surname(name: str) -> str:
    """Normalised family name from ``Mark Chen``, ``Chen, Mark``, ``M. Chen`` or ``Chen et al.``."""
    return textnorm.normalize(family_word(_ET_AL_RE.sub("", name.strip()))).replace(" ", "")


@dataclass(frozen=True)
class Query:
    """A record prepared once for scoring against many papers."""

    text: str | None
    words: tuple[str, ...]
    title_forms: tuple[str, ...]
    surnames: tuple[str, ...]
    title_from_text: bool = False
    """No title was given and the (short) text doubles as one: snippets are often titles."""

    @classmethod
    def of(cls, record: Record) -> "Query":
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
    equality counts. ``forms`` and the paper's :func:`~arxref.textnorm.title_forms`
    are in :func:`~arxref.textnorm.normalize`'s form, the one ``same_title`` compares.
    """
    best = 0.0
    for form in forms:
        for target in textnorm.title_forms(paper_title):
            best = max(best, fuzz.ratio(form, target) / 100.0)
    return _calibrate(best, 0.7)


def score_authors(surnames: Sequence[str], paper: Paper) -> float:
    """Share of the record's author surnames found among the paper's (fuzzy: diacritics, typos)."""
    theirs = _paper_surnames(tuple(a.name for a in paper.authors))
    if not surnames or not theirs:
        return 0.0
    found = sum(1 for s in surnames if process.extractOne(s, theirs, scorer=fuzz.ratio, score_cutoff=88))
    return found / len(surnames)


def score_paper(query: Query, paper: Paper) -> tuple[float, dict[str, float]]:
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


@dataclass(frozen=True)
class Decision:
    """The verdict on one record's candidates: ``resolved``, ``ambiguous`` or ``unmatched``."""

    status: str
    best: tuple[Paper, float, dict[str, float]] | None
    candidates: list[tuple[str, float]]


def decide(scored: Sequence[tuple[Paper, float, dict[str, float]]], min_score: float) -> Decision:
    """resolved (good enough AND clearly ahead), ambiguous (close contenders), or unmatched."""
    ranked = sorted(scored, key=lambda item: (-item[1], item[0].arxiv_id))
    if not ranked:
        return Decision("unmatched", None, [])
    best = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best[1] < min_score:
        return Decision("unmatched", best, [])
    if best[1] - runner_up >= MARGIN:
        return Decision("resolved", best, [])
    close = [(p.arxiv_id, s) for p, s, _ in ranked if best[1] - s < MARGIN]
    return Decision("ambiguous", best, close)


def rank(query: Query, papers: Iterable[Paper], min_score: float) -> Decision:
    """Score every candidate paper for one record and decide (see :func:`decide`)."""
    scored = []
    for paper in papers:
        score, evidence = score_paper(query, paper)
        scored.append((paper, score, evidence))
    return decide(scored, min_score)
