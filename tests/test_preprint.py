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


def test_paper_properties_follow_the_rules(seed_papers: dict[str, Paper]) -> None:
    paper = seed_papers[CODEX]
    assert paper.datacite_doi == preprint.datacite_doi(CODEX) == "10.48550/arXiv.2107.03374"
    assert paper.abs_url == preprint.abs_url(CODEX) == "https://arxiv.org/abs/2107.03374"


def test_every_writer_and_plugin_writes_the_same_preprint(seed_papers: dict[str, Paper]) -> None:
    """BibTeX, CSL-JSON, RIS and both pybtex plugins (fed arxref's own BibTeX) agree on
    the DOI, URL, repository and id line of a preprint."""
    entries = [Entry("codex", seed_papers[CODEX])]
    doi, url = preprint.datacite_doi(CODEX), preprint.abs_url(CODEX)
    bib = io.StringIO()
    write_bibtex(entries, bib, WriteOptions())
    assert f"doi = {{{doi}}}" in bib.getvalue() and f"url = {{{url}}}" in bib.getvalue()
    assert f"archivePrefix = {{{preprint.REPOSITORY}}}" in bib.getvalue()
    assert f"eprinttype = {{{preprint.EPRINT_TYPE}}}" in bib.getvalue()
    csl = io.StringIO()
    write_csljson(entries, csl, WriteOptions())
    data = pybtex.database.parse_string(bib.getvalue(), "bibtex")
    for item in (json.loads(csl.getvalue())[0], json.loads(data.to_string("csljson"))[0]):
        assert (item["DOI"], item["URL"], item["publisher"], item["number"]) == (doi, url, "arXiv", f"arXiv:{CODEX}")
        assert item["note"].split("\n") == preprint.note_lines(CODEX, "cs.LG")
    ris = io.StringIO(newline="")
    write_ris(entries, ris, WriteOptions())
    for text in (ris.getvalue(), data.to_string("ris")):
        lines = text.split("\r\n")
        assert {f"DO  - {doi}", f"UR  - {url}", "PB  - arXiv", f"M2  - arXiv: {CODEX}"} <= set(lines)
