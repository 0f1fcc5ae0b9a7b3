"""Export's view of the scanned records: one record per paper, not one per mention.

A dump with an id on every line holds millions of mentions of a few thousand papers.
Export resolves and deduplicates papers, so it keeps one record per bare id and, of
the id's later mentions, only where the first few were written (for problem lines)
and how many there were (for the counts): memory follows papers, not mentions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .model import Record

#: Later mentions of one bare id whose places are kept for its problem lines; past these, only a count.
REPEATS_KEPT = 20


@dataclass
class Repeats:
    """Where a bare id was written again after its first mention: the first places, and how many in all."""

    places: list[tuple[int, str, int, int | None]] = field(default_factory=list)
    """(order in the input, file, line, column) of each kept repeat."""
    count: int = 0


@dataclass
class DistinctPapers:
    """The paper records of the inputs, a bare id kept once, with where it was written again."""

    records: list[Record] = field(default_factory=list)
    orders: list[int] = field(default_factory=list)
    """Each kept record's place among all paper records (problems are reported in input order)."""
    repeats: dict[int, Repeats] = field(default_factory=dict)
    """Index into ``records`` -> the later mentions of that bare id."""
    mentions: int = 0


def distinct_papers(records: Iterable[Record]) -> DistinctPapers:
    """The paper records of a stream, an id mentioned again and again kept once.

    A dump with an id on every line holds millions of mentions of a few thousand
    papers: export keeps one record per (id, version, problems, citation key) with no
    fields or title (those must reach dedup each), so memory and work follow papers,
    not mentions. Of the later mentions only the first REPEATS_KEPT places are kept (a
    problem with the id is reported at each) and a count. A citation whose key is an
    arXiv id (``\\cite{2108.02818}``) is a paper record too, kept once per key (dedup
    keys the entry by it). (`check` keeps every mention.)
    """
    papers = DistinctPapers()
    kept, orders, repeated = papers.records, papers.orders, papers.repeats  # locals: this runs once per mention
    first: dict[tuple[str, int | None, tuple[str, ...], str | None], int] = {}
    order = 0
    for record in records:
        if record.role != "paper" and record.arxiv_id is None:
            continue  # a citation of a key: the bibliography defines it (a citation of an id is a paper)
        if record.arxiv_id and not record.fields and record.title is None:
            # the problems too: math.ACS/0312059 (warned) and math/0312059 are one paper, not one mention;
            # and the key: \cite{2108.02818} again and again is one record, \cite{arXiv:2108.02818} another
            mark = (record.arxiv_id, record.version, record.problems, record.key)
            index = first.get(mark)
            if index is not None:
                repeats = repeated.get(index)
                if repeats is None:
                    repeats = repeated[index] = Repeats()
                repeats.count += 1
                if len(repeats.places) < REPEATS_KEPT:
                    repeats.places.append((order, record.source, record.line, record.column))
                order += 1
                continue
            first[mark] = len(kept)
        kept.append(record)
        orders.append(order)
        order += 1
    papers.mentions = order
    return papers
