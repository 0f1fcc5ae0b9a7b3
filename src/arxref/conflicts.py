"""Conflicts: a .bib entry whose title or first author names another paper than its arXiv id.

An entry written for GPT-3 (``Language Models are Few-Shot Learners``, Brown) with a
mistyped ``eprint = {2108.02818}`` (CLIP's evaluation) must not be "corrected" into a
citation of CLIP under the key the document uses for GPT-3: arxref reports the
conflict and leaves the entry as the user wrote it. Only clear disagreement counts:

* the title differs beyond typos, case, TeX and a dropped subtitle from every title the
  paper had (:func:`arxref.textnorm.same_title` with ``typos=True``, against arXiv's
  title and those of its other versions the cache knows: papers get retitled), unless
  the first author agrees and the titles share most of their words (a renaming:
  ``same_title(..., retitled=True)``);
* or the entry has no title and its first author is another person.

A first author that differs under a matching title is not a conflict (the title says
which paper is meant; dedup reports the author list it replaces).
"""

from __future__ import annotations

from typing import Sequence

from .model import Paper, Record
from .textnorm import plain, same_title, snippet

__all__ = ["conflict", "same_first_author"]


def conflict(record: Record, paper: Paper, other_titles: Sequence[str] = ()) -> str | None:
    """Why ``record`` (a .bib entry naming ``paper``'s id) cites another paper, or None.

    The reason reads ``<key>: eprint 2108.02818 is "Evaluating CLIP…", the entry says
    "Language Models are Few-Shot Learners"``; ``other_titles`` are the titles other
    versions of the paper had (:meth:`arxref.cache.Cache.other_titles`).
    """
    title = plain(record.title) if record.title else ""
    authors = same_first_author(record.authors, paper)
    if title:
        titles = [paper.title, *other_titles]
        if any(same_title(title, known, typos=True) for known in titles):
            return None
        if authors and any(same_title(title, known, retitled=True) for known in titles):
            return None
    elif authors is not False:
        return None
    ours = f'"{_short_title(paper.title)}"'
    theirs = f'"{title}"' if title else "first author"
    if authors is False:
        ours += f" by {_surname_of(paper.authors[0].name)}"
        theirs += f" by {_surname_of(record.authors[0])}" if title else f" {_surname_of(record.authors[0])}"
    return f"{_named_by(record)} is {ours}, the entry says {theirs}"


def same_first_author(names: Sequence[str], paper: Paper) -> bool | None:
    """Whether an entry's first author is arXiv's first author (surnames, typos forgiven); None: unknown."""
    from rapidfuzz import fuzz

    from .scoring import surname

    if not names or not paper.authors:
        return None
    ours, theirs = surname(plain(names[0])), surname(paper.authors[0].name)
    if not ours or not theirs:
        return None
    return ours == theirs or ours in theirs or theirs in ours or fuzz.ratio(ours, theirs) >= 80


def _named_by(record: Record) -> str:
    """``<key>: eprint 2108.02818``: the entry, and the field that named the id."""
    from .scan.bib import own_id_field

    field = own_id_field(record.fields) if record.fields else None
    return f"{record.key or 'entry'}: {field or 'arXiv id'} {record.arxiv_id}"


def _short_title(title: str) -> str:
    """arXiv's title for a message: its part before a subtitle, else at most 60 characters."""
    text = plain(title)
    main, sep, _ = text.partition(":")
    if sep and len(main.split()) >= 2:
        return main.strip() + "\u2026"
    return snippet(text, 60)


def _surname_of(name: str) -> str:
    """A name's family part as written (``Brown`` from ``Brown, Tom B.`` or ``Tom B. Brown``)."""
    from .keys import family_word

    return family_word(plain(name)) or plain(name)
