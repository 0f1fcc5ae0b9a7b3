"""arxref.model: the dataclasses handed between the stages.

Papers are the shipped Atom responses (examples/arxiv-responses/all.xml); the old-style
id and the entry built by hand below copy a real paper with ``dataclasses.replace``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from arxref.atom import parse_feed
from arxref.model import Entry, Paper, Record

ALL_XML = Path(__file__).resolve().parent.parent / "examples" / "arxiv-responses" / "all.xml"
CODEX = "2107.03374"


@pytest.fixture(scope="module")
def codex() -> Paper:
    return next(p for p in parse_feed(ALL_XML.read_bytes()).papers if p.arxiv_id == CODEX)


@pytest.mark.parametrize("field", ["title", "fetched_at", "version", "authors"])
def test_paper_is_frozen(codex: Paper, field: str) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(codex, field, getattr(codex, field))


def test_a_changed_paper_is_a_new_paper(codex: Paper) -> None:
    newer = dataclasses.replace(codex, version=codex.version + 1)
    assert newer.version == codex.version + 1 and newer != codex
    assert dataclasses.replace(codex) == codex


@pytest.mark.parametrize("field", ["key", "paper", "sources", "bib_fields", "changes"])
def test_entry_is_frozen(codex: Paper, field: str) -> None:
    entry = Entry("chen2021evaluating", codex, (Record("refs.bib", 3, "bib", CODEX, key="codex"),),
                  {"note": "kept"}, ("added doi",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(entry, field, getattr(entry, field))
    assert isinstance(entry.sources, tuple) and isinstance(entry.changes, tuple)


def test_entry_defaults_are_empty(codex: Paper) -> None:
    entry = Entry("k", codex)
    assert entry.sources == () and entry.changes == () and entry.bib_fields == {}
    assert Entry("j", codex).bib_fields is not entry.bib_fields  # never one dict shared by all entries


def test_arxiv_identifiers_of_a_paper(codex: Paper) -> None:
    assert codex.versioned_id == f"{CODEX}v{codex.version}"
    assert codex.datacite_doi == f"10.48550/arXiv.{CODEX}"
    assert codex.abs_url == f"https://arxiv.org/abs/{CODEX}"
    assert codex.doi is None  # the journal DOI is another field: arXiv knows none for Codex


def test_old_style_ids_keep_their_slash(codex: Paper) -> None:
    old = dataclasses.replace(codex, arxiv_id="math/0309136", version=1)  # synthetic: Codex's metadata
    assert old.datacite_doi == "10.48550/arXiv.math/0309136"
    assert old.abs_url == "https://arxiv.org/abs/math/0309136"
    assert old.versioned_id == "math/0309136v1"
