"""Any BibTeX entry as plain text (arxref.formats.bibitem), and the CSL-JSON and RIS
writers' functions that write one (csljson.bib_item, ris.bib_tags).

All entries are SYNTHETIC (built here), with a real arXiv id where one is needed.
"""

from __future__ import annotations

import pytest

from arxref.formats.bibitem import BibItem
from arxref.formats.csljson import bib_item
from arxref.formats.ris import bib_tags, format_record
from arxref.keys import Name


def item(kind: str = "misc", **fields: str) -> BibItem:
    return BibItem("k", kind, fields, authors=(Name("Ann", "Lee"),))


@pytest.mark.parametrize(("fields", "issued"), [
    ({"date": "2022-05-04"}, [2022, 5, 4]), ({"date": "2021-02"}, [2021, 2]), ({"year": "2019", "month": "mar"}, [2019, 3]),
    ({"year": "2019", "month": "March."}, [2019, 3]), ({"year": "2019", "month": "11"}, [2019, 11]),
    ({"year": "2019", "month": "13"}, [2019]), ({"year": "c. 1999"}, [1999]), ({"month": "mar"}, None), ({}, None),
])
def test_issued(fields: dict[str, str], issued: list[int] | None) -> None:
    assert item(**fields).issued == issued


@pytest.mark.parametrize(("fields", "arxiv_id"), [
    ({"eprint": "2107.03374", "archiveprefix": "arXiv"}, "2107.03374"),
    ({"eprint": "2107.03374", "eprinttype": "ARXIV"}, "2107.03374"),
    ({"eprint": "2107.03374"}, None),  # an eprint of unknown archive is not arXiv's
    ({"eprint": "hal-01", "eprinttype": "hal"}, None),
])
def test_arxiv_id_needs_the_archive(fields: dict[str, str], arxiv_id: str | None) -> None:
    assert item(**fields).arxiv_id == arxiv_id


def test_container_and_category() -> None:
    assert item(journaltitle="J", booktitle="B").container == "J"
    assert item(booktitle="B").container == "B"
    assert item(primaryclass="cs.LG").category == "cs.LG"
    assert item(eprintclass="hep-th", primaryclass="cs.LG").category == "hep-th"


def test_a_misc_eprint_is_the_preprint_in_both_formats() -> None:
    entry = item(eprint="2107.03374", archiveprefix="arXiv", primaryclass="cs.LG", title="T", year="2021")
    assert bib_item(entry) == {
        "id": "k", "type": "article", "author": [{"family": "Lee", "given": "Ann"}], "issued": {"date-parts": [[2021]]},
        "title": "T", "publisher": "arXiv", "number": "arXiv:2107.03374", "DOI": "10.48550/arXiv.2107.03374",
        "URL": "https://arxiv.org/abs/2107.03374", "note": "arXiv: 2107.03374\nPrimary class: cs.LG"}
    assert format_record(bib_tags(entry)) == (
        "TY  - UNPB\r\nID  - k\r\nAU  - Lee, Ann\r\nTI  - T\r\nPY  - 2021\r\nPB  - arXiv\r\n"
        "DO  - 10.48550/arXiv.2107.03374\r\nUR  - https://arxiv.org/abs/2107.03374\r\nM2  - arXiv: 2107.03374\r\n"
        "ER  - \r\n\r\n")


def test_a_journal_article_with_an_eprint_stays_an_article() -> None:
    entry = item("article", eprint="2107.03374", archiveprefix="arXiv", journal="Nature", number="7", doi="10.1/x")
    csl = bib_item(entry)
    assert (csl["type"], csl["container-title"], csl["issue"], csl["DOI"]) == ("article-journal", "Nature", "7", "10.1/x")
    assert "publisher" not in csl and csl["note"] == "arXiv: 2107.03374"
    tags = dict(bib_tags(entry))
    assert (tags["TY"], tags["T2"], tags["DO"], tags["M2"]) == ("JOUR", "Nature", "10.1/x", "arXiv: 2107.03374")


def test_pages_split_and_institution_as_publisher() -> None:
    entry = item("techreport", pages="10\u201320", institution="Test Lab", number="TR-1")
    tags = bib_tags(entry)
    assert ("SP", "10") in tags and ("EP", "20") in tags
    csl = bib_item(entry)
    assert (csl["type"], csl["publisher"], csl["number"], csl["page"]) == ("report", "Test Lab", "TR-1", "10\u201320")
