"""CSL-JSON writer (arxref.formats.csljson): schema validity and Zotero's preprint mapping.

Real metadata: the 25 seed papers. Synthetic values (journal refs, hostile text) are
put on copies of real papers and labelled.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings, strategies as st

from arxref.atom import parse_feed
from arxref.formats import WriteOptions, write_csljson
from arxref.model import Author, Entry, Paper
from arxref.tex import clean_text

ROOT = Path(__file__).resolve().parent.parent
ALL_XML = ROOT / "examples" / "arxiv-responses" / "all.xml"
SCHEMA = ROOT / "tests" / "data" / "csl-schema" / "csl-data.json"
CODEX = "2107.03374"


@pytest.fixture(scope="session")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def csl(entries: list[Entry], **options: object) -> list[dict]:
    out = io.StringIO()
    write_csljson(entries, out, WriteOptions(**options))  # type: ignore[arg-type]
    return json.loads(out.getvalue())


def test_seed_file_is_schema_valid(seed_entries: list[Entry], validator: jsonschema.Draft7Validator) -> None:
    items = csl(seed_entries)
    assert not list(validator.iter_errors(items))
    assert [i["id"] for i in items] == [e.key for e in seed_entries]
    for item, entry in zip(items, seed_entries):
        paper = entry.paper
        assert item["type"] == "article"
        assert item["publisher"] == "arXiv"
        assert item["number"] == f"arXiv:{paper.arxiv_id}"
        assert item["DOI"] == f"10.48550/arXiv.{paper.arxiv_id}"
        assert item["URL"] == f"https://arxiv.org/abs/{paper.arxiv_id}"
        assert item["issued"] == {"date-parts": [[paper.published.year, paper.published.month, paper.published.day]]}
        assert item["title"] == clean_text(paper.title)
        assert item["abstract"] == clean_text(paper.abstract)
        assert len(item["author"]) == len(paper.authors)
        assert item["note"].startswith(f"arXiv: {paper.arxiv_id}")


def test_codex_item_exact(seed_entries: list[Entry]) -> None:
    [codex] = [e for e in seed_entries if e.paper.arxiv_id == CODEX]
    [item] = csl([codex], max_authors=2)
    del item["abstract"]
    assert item == {
        "id": "chen2021evaluating",
        "type": "article",
        "title": "Evaluating Large Language Models Trained on Code",
        "author": [{"family": "Chen", "given": "Mark"}, {"family": "Tworek", "given": "Jerry"}],
        "issued": {"date-parts": [[2021, 7, 7]]},
        "publisher": "arXiv",
        "number": "arXiv:2107.03374",
        "DOI": "10.48550/arXiv.2107.03374",
        "URL": "https://arxiv.org/abs/2107.03374",
        "version": "2",
        "note": "arXiv: 2107.03374\nPrimary class: cs.LG",
    }


def test_names_org_literal_and_particles(seed_papers: dict[str, Paper]) -> None:
    [gpt4o] = csl([Entry("k", seed_papers["2410.21276"])])
    assert gpt4o["author"][0] == {"literal": "OpenAI"}
    assert len(gpt4o["author"]) == 418
    [codex] = csl([Entry("k", seed_papers[CODEX])])
    assert {"family": "de Oliveira Pinto", "given": "Henrique Ponde"} in codex["author"]


def test_year_latest(seed_papers: dict[str, Paper]) -> None:
    [item] = csl([Entry("k", seed_papers["2112.09332"])], year="latest")
    assert item["issued"] == {"date-parts": [[2022, 6, 1]]}


def test_prefer_published(seed_papers: dict[str, Paper], validator: jsonschema.Draft7Validator) -> None:
    # synthetic journal data on a real paper
    paper = replace(seed_papers["1708.05866"], journal_ref="IEEE Signal Processing Magazine 34 (2017) 26-38",
                    doi="10.1000/synthetic.2017")
    [preprint] = csl([Entry("k", paper)])
    assert preprint["type"] == "article"
    assert "Journal reference: IEEE Signal Processing Magazine 34 (2017) 26-38" in preprint["note"]
    [item] = csl([Entry("k", paper)], prefer_published=True)
    assert not list(validator.iter_errors([item]))
    assert item["type"] == "article-journal"
    assert item["container-title"] == "IEEE Signal Processing Magazine 34 (2017) 26-38"
    assert item["DOI"] == "10.1000/synthetic.2017"
    assert "publisher" not in item and "number" not in item
    assert item["note"].startswith("arXiv: 1708.05866")


def test_bib_fields_map_to_variables_or_note(seed_papers: dict[str, Paper], validator: jsonschema.Draft7Validator) -> None:
    entry = Entry("codex", seed_papers[CODEX], bib_fields={
        "note": "Codex {HumanEval}", "keywords": "code", "ids": "old", "booktitle": "Synthetic Proceedings",
        "pages": "1--10", "timestamp": "2021", "bad name": "x"})
    [item] = csl([entry])
    assert not list(validator.iter_errors([item]))
    assert item["type"] == "paper-conference"
    assert item["container-title"] == "Synthetic Proceedings"
    assert item["page"] == "1--10" and item["keyword"] == "code"
    assert item["note"].split("\n") == ["Codex HumanEval", "arXiv: 2107.03374", "Primary class: cs.LG",
                                        "timestamp: 2021"]


def test_tex_in_titles_becomes_plain(seed_papers: dict[str, Paper]) -> None:
    # synthetic TeX title on a real paper
    paper = replace(seed_papers[CODEX], title="Schr\\\"odinger in $O(n \\log n)$ and R\\&D\n  time")
    [item] = csl([Entry("k", paper)])
    assert item["title"] == "Schrödinger in $O(n \\log n)$ and R&D time"


def test_empty_list_is_valid_json() -> None:
    assert csl([]) == []


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80).filter(
    lambda t: "\\" not in t and "{" not in t and "}" not in t and "~" not in t and t.strip())


@settings(max_examples=100, deadline=None)
@given(_TEXT, _TEXT)
def test_any_plain_title_and_author_survive(title: str, name: str) -> None:
    """Text without TeX markup is written unchanged (modulo whitespace) and the file stays valid."""
    from arxref.keys import split_name

    paper = replace(_BASE_PAPER, title=title, authors=[Author(name)])
    [item] = csl([Entry("k", paper)])
    assert item["title"] == clean_text(title)
    expected = split_name(name)
    author = item["author"][0]
    assert author.get("literal", author.get("family")) in (clean_text(expected.family), clean_text(expected.full_family))
    assert not list(_VALIDATOR.iter_errors([item]))


_BASE_PAPER = parse_feed(ALL_XML.read_bytes()).papers[0]
_VALIDATOR = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- the fast item text


def _both_paths(entry: Entry, options: WriteOptions) -> tuple[str, str]:
    from arxref.formats.csljson import _join, _item_values, format_prepared
    from arxref.formats.prepared import Prepared

    pieces = format_prepared(Prepared(entry, options), options)
    assert len(pieces) == 2  # the head with the names, apart from the long ASCII rest
    return "".join(pieces), _join(_item_values(Prepared(entry, options)))


@pytest.mark.parametrize("options", [
    WriteOptions(), WriteOptions(year="latest"), WriteOptions(prefer_published=True),
    WriteOptions(prefer_published=True, year="latest", max_authors=1),
])
def test_f_string_item_equals_the_general_path(seed_papers: dict[str, Paper], options: WriteOptions) -> None:
    """The one-f-string item (entries without .bib fields) is the general path's text, byte for byte;
    and that text is what the stdlib encoder makes of the decoded item."""
    papers = list(seed_papers.values())
    # SYNTHETIC journal data on copies of real papers, to reach every branch
    papers += [replace(papers[0], journal_ref="Phys. Rev. D 99, 1 (2019)", doi="10.1103/PhysRevD.99.000001"),
               replace(papers[1], journal_ref="Proc. \"Quoted\" Conf. \\ 2020", doi=None),
               replace(papers[2], primary_category=None, categories=[], authors=[], abstract="  ")]
    for paper in papers:
        fast, general = _both_paths(Entry("key\"1\\", paper), options)
        assert fast == general, paper.arxiv_id
        assert json.dumps(json.loads(fast), ensure_ascii=False) == fast


_ANY = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(_ANY, _ANY, _ANY, st.booleans())
def test_f_string_item_equals_the_general_path_on_any_text(title: str, abstract: str, ref: str, published: bool) -> None:
    paper = replace(_BASE_PAPER, title=title, abstract=abstract, journal_ref=ref or None, doi=ref[:8] or None,
                    primary_category=ref[:5] or None)
    fast, general = _both_paths(Entry(ref or "k", paper), WriteOptions(prefer_published=published))
    assert fast == general
    assert json.dumps(json.loads(fast), ensure_ascii=False) == fast


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_clean_string_text_is_the_encoders(text: str) -> None:
    from arxref.formats.csljson import _json_clean

    text = clean_text(text)
    assert _json_clean(text) == json.dumps(text, ensure_ascii=False)


def test_paper_item_is_the_written_item_under_any_key(seed_papers: dict[str, Paper],
                                                      validator: jsonschema.Draft7Validator) -> None:
    from arxref.formats.csljson import paper_item

    paper = seed_papers[CODEX]
    for key in ("arXiv:2107.03374v2", "doi:10.48550/arXiv.2107.03374", 'odd "key"'):
        item = paper_item(paper, key)
        assert item == csl([Entry(key, paper)])[0]
        assert item["id"] == key
        validator.validate([item])
    published = paper_item(replace(paper, journal_ref="J. Test 1 (2022)"), "k", WriteOptions(prefer_published=True))
    assert published["type"] == "article-journal"  # SYNTHETIC journal ref: the options reach the writer
