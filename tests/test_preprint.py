"""The arXiv-preprint rules (arxref.preprint) and the writers and Paper that follow them.

Real metadata: the Codex paper (2107.03374) from the 25 seed papers; ``hep-th/9901001``
is a real old-style id.
"""

from __future__ import annotations

import io
import json

import pybtex.database
import pytest

from arxref import preprint
from arxref.formats import WriteOptions, write_bibtex, write_csljson, write_ris
from arxref.model import Entry, Paper

CODEX = "2107.03374"


@pytest.mark.parametrize("arxiv_id", [CODEX, "hep-th/9901001"])
def test_rules_from_a_bare_id(arxiv_id: str) -> None:
    assert preprint.datacite_doi(arxiv_id) == f"10.48550/arXiv.{arxiv_id}"
    assert preprint.abs_url(arxiv_id) == f"https://arxiv.org/abs/{arxiv_id}"
    assert preprint.archive_line(arxiv_id) == f"arXiv: {arxiv_id}"
    assert preprint.note_lines(arxiv_id, "cs.LG") == [f"arXiv: {arxiv_id}", "Primary class: cs.LG"]
    assert preprint.note_lines(arxiv_id, None) == [f"arXiv: {arxiv_id}"]
    assert preprint.note_lines(arxiv_id, "") == [f"arXiv: {arxiv_id}"]


@pytest.mark.parametrize(("prefix", "is_arxiv"), [("arXiv", True), ("arxiv", True), (" ARXIV ", True),
                                                  ("hal", False), ("", False)])
def test_is_arxiv_archive(prefix: str, is_arxiv: bool) -> None:
    assert preprint.is_arxiv_archive(prefix) is is_arxiv


@pytest.mark.parametrize(("fields", "expected"), [
    ({"eprint": "2005.14165"}, True),
    ({"archiveprefix": "arXiv", "eprint": "2005.14165"}, True),
    ({"eprinttype": "arxiv"}, True),
    ({"eprint": "10.5281/zenodo.1", "eprinttype": "zenodo"}, False),
    ({"journal": "arXiv preprint arXiv:2005.14165"}, True),
    ({"journal": "ArXiv"}, True),
    ({"journal": "CoRR", "volume": "abs/2005.14165"}, True),
    ({"howpublished": "arXiv e-prints"}, True),
    ({"note": "arXiv:2005.14165"}, True),
    ({"url": "https://arxiv.org/abs/2005.14165"}, True),
    ({"doi": "10.48550/arXiv.2005.14165"}, True),
    ({"journal": "Nature", "doi": "10.1038/nature14539"}, False),
    ({"url": "https://html.spec.whatwg.org/"}, False),
    ({}, False),
])
def test_looks_like_preprint(fields: dict[str, str], expected: bool) -> None:
    assert preprint.looks_like_preprint(fields) is expected


@pytest.mark.parametrize(("entry_type", "fields", "expected"), [
    (kind, {}, True) for kind in ("book", "inbook", "incollection", "phdthesis", "mastersthesis", "manual",
                                  "techreport", "patent", "thesis", "report")
] + [
    ("online", {"url": "https://html.spec.whatwg.org/"}, True),
    ("webpage", {}, True),
    ("online", {"url": "https://arxiv.org/abs/2005.14165"}, False),
    ("article", {"journal": "Nature"}, False),
    ("inproceedings", {}, False),
    ("misc", {}, False),
    (None, {}, False),
])
def test_never_arxiv(entry_type: str | None, fields: dict[str, str], expected: bool) -> None:
    assert preprint.never_arxiv(entry_type, fields) is expected


@pytest.mark.parametrize(("entry_type", "fields", "expected"), [
    ("inproceedings", {"booktitle": "Advances in Neural Information Processing Systems"}, True),
    ("inproceedings", {}, True),
    ("incollection", {}, True),
    ("article", {"journal": "Nature"}, True),
    ("article", {"journal": "arXiv preprint arXiv:2005.14165"}, False),
    ("article", {"journal": "CoRR"}, False),
    ("article", {}, False),
    ("misc", {"doi": "10.1038/nature14539"}, True),
    ("misc", {"doi": "10.48550/arXiv.2005.14165"}, False),
    ("misc", {"howpublished": "arXiv:2005.14165"}, False),
    ("misc", {"journal": "CoRR", "volume": "abs/2107.03374", "doi": "10.1000/example.1"}, False),
    ("article", {"journal": "arXiv preprint arXiv:2005.14165", "doi": "10.1038/nature14539"}, False),
    ("unpublished", {}, False),
])
def test_published_version(entry_type: str, fields: dict[str, str], expected: bool) -> None:
    assert preprint.published_version(entry_type, fields) is expected


def test_paper_properties_follow_the_rules(seed_papers: dict[str, Paper]) -> None:
    paper = seed_papers[CODEX]
    assert paper.datacite_doi == preprint.datacite_doi(CODEX) == "10.48550/arXiv.2107.03374"
    assert paper.abs_url == preprint.abs_url(CODEX) == "https://arxiv.org/abs/2107.03374"


@pytest.mark.parametrize("flavor", preprint.BIB_FLAVORS)
def test_every_writer_and_plugin_writes_the_same_preprint(seed_papers: dict[str, Paper], flavor: str) -> None:
    """BibTeX (either flavor), CSL-JSON, RIS and both pybtex plugins (fed arxref's own BibTeX)
    agree on the DOI, URL, repository and id line of a preprint."""
    entries = [Entry("codex", seed_papers[CODEX])]
    doi, url = preprint.datacite_doi(CODEX), preprint.abs_url(CODEX)
    bib = io.StringIO()
    write_bibtex(entries, bib, WriteOptions(bib_flavor=flavor))
    for name, value in preprint.bib_preprint_fields(CODEX, "cs.LG", flavor):
        assert f"  {name} = {{{value}}},\n" in bib.getvalue()
    assert "doi = " not in bib.getvalue() and "url = " not in bib.getvalue()
    csl = io.StringIO()
    write_csljson(entries, csl, WriteOptions())
    data = pybtex.database.parse_string(bib.getvalue(), "bibtex")
    for item in (json.loads(csl.getvalue())[0], json.loads(data.to_string("csljson"))[0]):
        assert (item["DOI"], item["URL"], item["publisher"], item["number"]) == (doi, url, "arXiv", f"arXiv:{CODEX}")
        assert item["note"].split("\n") == preprint.note_lines(CODEX, "cs.LG")
        assert "medium" not in item
    ris = io.StringIO(newline="")
    write_ris(entries, ris, WriteOptions())
    for text in (ris.getvalue(), data.to_string("ris")):
        lines = text.split("\r\n")
        assert {f"DO  - {doi}", f"UR  - {url}", "PB  - arXiv", f"M2  - arXiv: {CODEX}"} <= set(lines)


def test_flavor_rules() -> None:
    assert preprint.citation(CODEX, "cs.LG") == "arXiv:2107.03374 [cs.LG]"
    assert preprint.citation("hep-th/9901001", None) == "arXiv:hep-th/9901001"
    assert preprint.parse_citation("arXiv:2107.03374 [cs.LG]") == (CODEX, "cs.LG")
    assert preprint.parse_citation("arXiv:hep-th/9901001") == ("hep-th/9901001", "")
    assert preprint.parse_citation("arXiv preprint arXiv:2107.03374") is None
    assert preprint.bib_preprint_fields(CODEX, "cs.LG", "bibtex") == [("howpublished", "arXiv:2107.03374 [cs.LG]")]
    assert preprint.bib_preprint_fields(CODEX, None, "biblatex") == [("eprint", CODEX), ("eprinttype", "arxiv")]
    assert preprint.bib_eprint_fields(CODEX, "cs.LG", "bibtex") == [
        ("eprint", CODEX), ("archivePrefix", "arXiv"), ("primaryClass", "cs.LG")]
    assert preprint.bib_eprint_fields(CODEX, "cs.LG", "biblatex") == [
        ("eprint", CODEX), ("eprinttype", "arxiv"), ("eprintclass", "cs.LG")]
    with pytest.raises(ValueError):
        preprint.check_flavor("natbib")
