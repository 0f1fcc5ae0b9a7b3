"""What every writer needs from one entry (arxref.formats.prepared).

Real metadata: the seed papers; journal references and .bib fields are SYNTHETIC.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from arxref.formats import WriteOptions
from arxref.formats.prepared import Prepared, has_journal, journal_year
from arxref.model import Entry, Paper

CODEX = "2107.03374"


@pytest.mark.parametrize(("ref", "year"), [("Phys. Rev. D 99, 1 (2019)", 2019), ("Nature 521 (2015) 436", 2015),
                                           ("JMLR 2003, vol 3", 2003), ("Proc. 12th Conf.", None)])
def test_journal_year(ref: str, year: int | None) -> None:
    assert journal_year(ref) == year


def test_has_journal() -> None:
    assert has_journal({"booktitle": "B", "journal": "J"}) == "booktitle"
    assert has_journal({"journaltitle": "J"}) == "journal"
    assert has_journal({"note": "n"}) is None


def test_decisions(seed_papers: dict[str, Paper]) -> None:
    paper = replace(seed_papers[CODEX], journal_ref="Synthetic J. 1 (2023)")
    plain = Prepared(Entry("k", paper), WriteOptions(max_authors=3))
    assert (plain.published, plain.year, plain.truncated, plain.names) == (
        False, 2021, True, ["Mark Chen", "Jerry Tworek", "Heewoo Jun"])
    assert plain.category == "cs.LG" and plain.plain_ids and plain.container is None
    published = Prepared(Entry("k", paper, bib_fields={"journal": "J"}), WriteOptions(prefer_published=True))
    assert (published.published, published.year, published.container, published.truncated) == (True, 2023, "journal", False)
    assert Prepared(Entry("k", replace(paper, arxiv_id="x{y}")), WriteOptions()).plain_ids is False
