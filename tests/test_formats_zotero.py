"""Zotero item JSON: the preprint fields exactly as zotero-schema names them, and ids read back from items.

Real metadata: the seed papers (examples/arxiv-responses). Where a test needs a journal
reference, it adds one to a real paper (1708.05866 did appear in IEEE Signal Processing
Magazine) with a DOI marked synthetic, as tests/test_formats_csljson.py does.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from arxref.formats.zotero import (ITEM_TYPE, OWNED_FIELDS, ItemIds, connector_item, item_identifiers, merge_extra,
                                   zotero_item)
from arxref.model import Paper

SCHEMA = Path(__file__).resolve().parent / "data" / "zotero-schema" / "item-types.json"
CODEX = "2107.03374"


@pytest.fixture(scope="module")
def preprint_type() -> dict:
    types = {t["itemType"]: t for t in json.loads(SCHEMA.read_text(encoding="utf-8"))["itemTypes"]}
    return types["preprint"]


def test_every_field_is_a_preprint_field_of_zotero_schema(seed_papers: dict[str, Paper], preprint_type: dict) -> None:
    fields = {f["field"] for f in preprint_type["fields"]}
    creator_types = {c["creatorType"] for c in preprint_type["creatorTypes"]}
    for paper in seed_papers.values():
        item = zotero_item(paper, collections=["ABCD2345"])
        assert set(item) - {"itemType", "creators", "collections"} <= fields, set(item) - fields
        assert {c["creatorType"] for c in item["creators"]} <= creator_types
        assert all(set(c) in ({"creatorType", "firstName", "lastName"}, {"creatorType", "name"})
                   for c in item["creators"])
    assert set(OWNED_FIELDS) - {"creators"} <= fields


def test_codex_as_a_zotero_preprint(seed_papers: dict[str, Paper]) -> None:
    paper = seed_papers[CODEX]
    item = zotero_item(paper)
    assert item["itemType"] == ITEM_TYPE == "preprint"
    assert item["title"] == "Evaluating Large Language Models Trained on Code"
    assert item["repository"] == "arXiv"
    assert item["archiveID"] == "arXiv:2107.03374"
    assert item["DOI"] == "10.48550/arXiv.2107.03374"
    assert item["url"] == "https://arxiv.org/abs/2107.03374"
    assert item["date"] == "2021-07-07"  # version 1, as export's default year
    assert zotero_item(paper, year="latest")["date"] == paper.updated.strftime("%Y-%m-%d")
    assert item["extra"].splitlines() == ["arXiv: 2107.03374", "Primary class: cs.LG", "version: 2"]
    assert item["abstractNote"].startswith("We introduce Codex")
    assert item["creators"][0] == {"creatorType": "author", "firstName": "Mark", "lastName": "Chen"}
    # the particle stays in lastName (Zotero keeps no separate particle)
    assert {"creatorType": "author", "firstName": "Henrique Ponde", "lastName": "de Oliveira Pinto"} in item["creators"]
    assert "collections" not in item


def test_organisation_author_is_one_name(seed_papers: dict[str, Paper]) -> None:
    item = zotero_item(seed_papers["2410.21276"])
    assert {"creatorType": "author", "name": "OpenAI"} in item["creators"]
    assert {"creatorType": "author", "firstName": "Fred", "lastName": "von Lohmann"} in item["creators"]


def test_journal_reference_goes_to_extra(seed_papers: dict[str, Paper]) -> None:
    paper = replace(seed_papers["1708.05866"], journal_ref="IEEE Signal Processing Magazine 34 (2017) 26-38",
                    doi="10.1000/synthetic.2017")
    item = zotero_item(paper)
    assert item["itemType"] == "preprint" and item["DOI"] == "10.48550/arXiv.1708.05866"
    assert item["extra"].splitlines()[-2:] == ["Journal reference: IEEE Signal Processing Magazine 34 (2017) 26-38",
                                               "Published DOI: 10.1000/synthetic.2017"]
    assert "Journal reference" not in zotero_item(seed_papers["1708.05866"])["extra"]


def test_connector_item_is_a_translator_item(seed_papers: dict[str, Paper]) -> None:
    item = connector_item(seed_papers[CODEX])
    assert item["id"] == CODEX and item["tags"] == [] and item["notes"] == [] and item["attachments"] == []
    assert {k: v for k, v in item.items() if k not in ("id", "tags", "notes", "attachments")} == zotero_item(
        seed_papers[CODEX])


def test_our_own_item_reads_back(seed_papers: dict[str, Paper]) -> None:
    for paper in seed_papers.values():
        found = item_identifiers(zotero_item(paper))
        assert found == ItemIds((paper.arxiv_id,), paper.version, ())


def test_items_saved_by_other_means_are_recognised() -> None:
    # as Zotero's arXiv translator saves a preprint: archiveID and an Extra line with the class
    translator = {"itemType": "preprint", "archiveID": "arXiv:2107.03374", "url": "http://arxiv.org/abs/2107.03374",
                  "extra": "arXiv:2107.03374 [cs.LG]\nversion: 1"}
    assert item_identifiers(translator) == ItemIds(("2107.03374",), 1, ())
    # a web page item with only the versioned abstract URL
    assert item_identifiers({"itemType": "webpage", "url": "https://arxiv.org/abs/1708.05866v2"}) == ItemIds(
        ("1708.05866",), 2, ())
    # a CSL-JSON import: Archive ID without the prefix
    assert item_identifiers({"itemType": "preprint", "archiveID": "2112.09332"}).arxiv_ids == ("2112.09332",)
    # only arXiv's DOI
    assert item_identifiers({"itemType": "journalArticle", "DOI": "10.48550/arXiv.2203.02155"}).arxiv_ids == (
        "2203.02155",)
    # a journal article with its published DOI (synthetic) and an old-style id in Extra
    article = {"itemType": "journalArticle", "DOI": "10.1000/Synthetic.2017", "extra": "arXiv: hep-th/9901001"}
    assert item_identifiers(article) == ItemIds(("hep-th/9901001",), None, ("10.1000/synthetic.2017",))


def test_attachments_notes_trash_and_bare_numbers_are_not_papers() -> None:
    assert not item_identifiers({"itemType": "attachment", "url": "https://arxiv.org/pdf/2107.03374v2"})
    assert not item_identifiers({"itemType": "note", "note": "<p>see arXiv:2107.03374</p>"})
    assert not item_identifiers({"itemType": "preprint", "archiveID": "arXiv:2107.03374", "deleted": 1})
    # a bare number in Extra may be anything (a page count, a call number)
    assert not item_identifiers({"itemType": "book", "extra": "Call number: 2107.03374"})


def test_merge_extra_keeps_the_users_lines() -> None:
    old = "arXiv:2107.03374 [cs.LG]\nCitation Key: chen2021codex\nversion: 1\ntex.note: read twice"
    new = "arXiv: 2107.03374\nPrimary class: cs.LG\nversion: 2"
    assert merge_extra(old, new).splitlines() == [
        "arXiv: 2107.03374", "Primary class: cs.LG", "version: 2", "Citation Key: chen2021codex", "tex.note: read twice"]
    assert merge_extra("", new) == new
