"""Where our three formats land in Zotero, as Zotero's own importers read them.

Zotero's translation-server (github.com/zotero/translation-server, run on 127.0.0.1 and
named by ``ARXREF_ZOTERO_TS=http://127.0.0.1:1969``) runs the RIS, BibTeX and CSL JSON
translators Zotero itself runs on import (``POST /import``). CI cannot build it, so those
tests skip with the reason printed; the plain-file tests below them encode the same
mapping in the files we write, and run everywhere.

What the translation-server showed (Zotero translators of 2026, checked in this suite):
- CSL-JSON: itemType *preprint*; Repository ``arXiv``, Archive ID ``arXiv:<id>`` (as
  Zotero's own arXiv translator fills it), DOI, URL, date, abstract, every creator.
- RIS (``TY - UNPB``): *journalArticle* (no RIS type gives a preprint); DOI, URL, date,
  abstract in their own fields, ``arXiv: <id>`` in Extra (from ``M2``; ``M1`` would land
  in Issue), no Issue at all.
- BibTeX (``@misc``): *document*; date; the id in Extra (``arXiv: <id>`` from the biblatex
  flavor's eprint, ``Published: arXiv:<id> [<class>]`` from the bibtex flavor's howpublished;
  since issue 21 the .bib names the id once, for the printed page: no DOI or URL); the
  abstract only with ``--bib-abstracts``. CSL-JSON is the path into Zotero.
"""

from __future__ import annotations

import io
import json
import os
import urllib.error
import urllib.request
from typing import Any

import bibtexparser
import pytest

from arxref.formats import WriteOptions, write_bibtex, write_csljson, write_ris
from arxref.keys import split_name
from arxref.model import Entry
from arxref.tex import clean_text, is_balanced, latex_to_text, raw_value

TS_URL = os.environ.get("ARXREF_ZOTERO_TS", "").rstrip("/")


def written(entries: list[Entry], writer: Any, **options: Any) -> str:
    out = io.StringIO(newline="")
    writer(entries, out, WriteOptions(**options))
    return out.getvalue()


def _unreachable_reason() -> str | None:
    if not TS_URL:
        return "ARXREF_ZOTERO_TS is not set (Zotero's translation-server, e.g. http://127.0.0.1:1969)"
    try:
        urllib.request.urlopen(urllib.request.Request(TS_URL + "/import", data=b"", method="POST"), timeout=5)
    except urllib.error.HTTPError:
        return None  # it answered (an empty body is refused): the server is there
    except OSError as exc:
        return f"translation-server at {TS_URL} unreachable: {exc}"
    return None


needs_ts = pytest.mark.skipif(_unreachable_reason() is not None, reason=str(_unreachable_reason()))


def zotero_import(text: str) -> list[dict[str, Any]]:
    """The items Zotero's translators make of ``text`` (the translation-server's ``POST /import``)."""
    request = urllib.request.Request(TS_URL + "/import", data=text.encode("utf-8"),
                                     headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        items: list[dict[str, Any]] = json.load(answer)
    return items


def extra_lines(item: dict[str, Any]) -> list[str]:
    return str(item.get("extra", "")).splitlines()


def creator_names(item: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c.get("lastName", c.get("name", "")), c.get("firstName", "")) for c in item["creators"]]


def expected_names(entry: Entry) -> list[tuple[str, str]]:
    names = [split_name(a.name) for a in entry.paper.authors]
    return [(clean_text(n.full_family), clean_text(n.given)) for n in names]


# --------------------------------------------------------------------------- the real importer


@needs_ts
def test_csljson_lands_as_preprints_with_archive_id(seed_entries: list[Entry]) -> None:
    items = zotero_import(written(seed_entries, write_csljson))
    assert len(items) == len(seed_entries)
    for item, entry in zip(items, seed_entries):
        paper = entry.paper
        assert item["itemType"] == "preprint"
        assert (item["repository"], item["archiveID"]) == ("arXiv", f"arXiv:{paper.arxiv_id}")
        assert item["DOI"] == f"10.48550/arXiv.{paper.arxiv_id}"
        assert item["url"] == paper.abs_url
        assert item["title"] == clean_text(paper.title)
        assert item["abstractNote"] == clean_text(paper.abstract)
        assert str(paper.published.year) in item["date"]
        assert creator_names(item) == expected_names(entry)
        assert f"arXiv: {paper.arxiv_id}" in extra_lines(item)


@needs_ts
def test_ris_lands_with_the_id_in_extra_not_in_issue(seed_entries: list[Entry]) -> None:
    items = zotero_import(written(seed_entries, write_ris))
    assert len(items) == len(seed_entries)
    for item, entry in zip(items, seed_entries):
        paper = entry.paper
        assert item["itemType"] == "journalArticle"
        assert "issue" not in item
        assert extra_lines(item) == [f"arXiv: {paper.arxiv_id}"]
        assert item["DOI"] == f"10.48550/arXiv.{paper.arxiv_id}"
        assert item["url"] == paper.abs_url
        assert item["date"] == paper.published.strftime("%Y-%m-%d")
        assert item["abstractNote"] == clean_text(paper.abstract)
        assert creator_names(item) == expected_names(entry)


@needs_ts
@pytest.mark.parametrize("flavor", ["bibtex", "biblatex"])
def test_bibtex_lands_as_documents_with_abstracts_on_request(seed_entries: list[Entry], flavor: str) -> None:
    """Since issue 21 the .bib names a preprint once for the printed page (bibtex flavor:
    ``howpublished = {arXiv:<id> [<class>]}``; biblatex flavor: ``eprint``/``eprinttype``), with no
    DOI or URL. Zotero's BibTeX translator puts the biblatex eprint into Extra as the
    ``arXiv: <id>`` line it recognises, and the bibtex ``howpublished`` as ``Published: ...``;
    CSL-JSON is the path that carries DOI, URL and Archive ID into Zotero."""
    plain = zotero_import(written(seed_entries, write_bibtex, bib_flavor=flavor))
    with_abstracts = zotero_import(written(seed_entries, write_bibtex, bib_abstracts=True, bib_flavor=flavor))
    assert len(plain) == len(with_abstracts) == len(seed_entries)
    for item, rich, entry in zip(plain, with_abstracts, seed_entries):
        paper = entry.paper
        assert item["itemType"] == "document"
        category = f" [{paper.primary_category}]" if paper.primary_category else ""
        expected = (f"arXiv: {paper.arxiv_id}" if flavor == "biblatex"
                    else f"Published: arXiv:{paper.arxiv_id}{category}")
        assert expected in extra_lines(item), extra_lines(item)
        assert "abstractNote" not in item
        # Zotero reads the TeX: $Q$-network -> Q-network, 50\% -> 50%
        assert rich["abstractNote"].split()[:6] == latex_to_text(clean_text(paper.abstract)).split()[:6]
        assert "$" not in rich["abstractNote"].replace("\\$", "")


# --------------------------------------------------------------------------- the same mapping, in the files


def test_csljson_number_is_zoteros_archive_id(seed_entries: list[Entry]) -> None:
    for item, entry in zip(json.loads(written(seed_entries, write_csljson)), seed_entries):
        assert (item["type"], item["publisher"], item["number"]) == ("article", "arXiv", f"arXiv:{entry.paper.arxiv_id}")


def test_ris_puts_the_id_in_m2_and_never_writes_m1(seed_entries: list[Entry]) -> None:
    records = written(seed_entries, write_ris).split("ER  - \r\n")[:-1]
    assert len(records) == len(seed_entries)
    for record, entry in zip(records, seed_entries):
        tags = [line[:2] for line in record.strip().split("\r\n")]
        assert "M1" not in tags and "IS" not in tags
        assert f"M2  - arXiv: {entry.paper.arxiv_id}\r\n" in record
        assert record.lstrip().startswith("TY  - UNPB\r\n")


def test_bib_abstracts_are_off_by_default_and_written_as_arxiv_has_them(seed_entries: list[Entry]) -> None:
    assert "abstract =" not in written(seed_entries, write_bibtex)
    library = bibtexparser.parse_string(written(seed_entries, write_bibtex, bib_abstracts=True))
    assert not library.failed_blocks
    by_key = {block.key: block for block in library.entries}
    with_math = 0
    for entry in seed_entries:
        abstract = by_key[entry.key].fields_dict["abstract"].value
        assert abstract == raw_value(entry.paper.abstract)
        assert is_balanced(abstract)
        with_math += "$" in abstract
    assert with_math, "the seeds carry abstracts with TeX math, kept as TeX"
