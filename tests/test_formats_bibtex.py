"""BibTeX writer (arxref.formats.bibtex); the TeX escaping it relies on is tested in test_tex.py.

Real metadata: the 25 seed papers of examples/arxiv-responses/all.xml. Titles and
names that exercise escaping are synthetic and labelled as such; papers carrying
them are real papers copied with ``dataclasses.replace``.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace

import bibtexparser
import pybtex.database
import pytest
from hypothesis import given, settings, strategies as st
from tex_support import unlatex

from arxref.formats import WriteOptions, write_bibtex
from arxref.formats.bibtex import format_name
from arxref.keys import split_name
from arxref.model import Author, Entry, Paper
from arxref.tex import clean_text, is_balanced, latex_to_text

CODEX = "2107.03374"


def bibtex(entries: list[Entry], **options: object) -> str:
    out = io.StringIO()
    write_bibtex(entries, out, WriteOptions(**options))  # type: ignore[arg-type]
    return out.getvalue()


def one(paper: Paper, key: str = "k", **options: object) -> str:
    return bibtex([Entry(key, paper)], **options)


# --------------------------------------------------------------------------- seeds


@pytest.mark.parametrize("flavor", ["bibtex", "biblatex"])
def test_seed_file_parses_back_with_bibtexparser_and_pybtex(seed_entries: list[Entry], flavor: str) -> None:
    text = bibtex(seed_entries, bib_flavor=flavor)
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    assert [e.key for e in library.entries] == [e.key for e in seed_entries]
    data = pybtex.database.parse_string(text, "bibtex")
    for entry in seed_entries:
        fields = library.entries_dict[entry.key].fields_dict
        paper = entry.paper
        assert fields["year"].value == str(paper.published.year)
        assert "doi" not in fields and "url" not in fields  # both repeat the id where styles print them
        if flavor == "bibtex":
            cited = f"arXiv:{paper.arxiv_id} [{paper.primary_category}]" if paper.primary_category else (
                f"arXiv:{paper.arxiv_id}")
            assert fields["howpublished"].value == cited
            assert "eprint" not in fields
        else:
            assert fields["eprint"].value == paper.arxiv_id
            assert fields["eprinttype"].value == "arxiv"
            assert "archivePrefix" not in fields and "howpublished" not in fields
            if paper.primary_category:
                assert fields["eprintclass"].value == paper.primary_category
            else:
                assert "eprintclass" not in fields
        assert clean_text(unlatex(fields["title"].value)) == clean_text(paper.title)
        persons = data.entries[entry.key].persons["author"]
        assert len(persons) == len(paper.authors)


def test_codex_entry_exact(seed_entries: list[Entry]) -> None:
    [codex] = [e for e in seed_entries if e.paper.arxiv_id == CODEX]
    head = (
        "@misc{chen2021evaluating,\n"
        "  author = {Chen, Mark and Tworek, Jerry and Jun, Heewoo and others},\n"
        "  title = {Evaluating Large Language Models Trained on Code},\n"
        "  year = {2021},\n"
        "  month = jul,\n"
    )
    assert bibtex([codex], max_authors=3) == head + "  howpublished = {arXiv:2107.03374 [cs.LG]},\n}\n\n"
    assert bibtex([codex], max_authors=3, bib_flavor="biblatex") == head + (
        "  eprint = {2107.03374},\n"
        "  eprinttype = {arxiv},\n"
        "  eprintclass = {cs.LG},\n"
        "}\n\n"
    )


def test_unknown_flavor_is_refused() -> None:
    with pytest.raises(ValueError, match="bib flavor must be one of bibtex, biblatex"):
        WriteOptions(bib_flavor="bibtex8")


def test_418_authors_kept_and_org_braced(seed_papers: dict[str, Paper]) -> None:
    text = one(seed_papers["2410.21276"])
    author = re.search(r"author = \{(.*)\},\n", text).group(1)  # type: ignore[union-attr]
    assert author.startswith("{OpenAI} and Hurst, Aaron and ")
    assert author.count(" and ") == 417
    assert "title = {{GPT-4o} System Card}" in text


def test_year_latest_and_month(seed_papers: dict[str, Paper]) -> None:
    paper = seed_papers["2112.09332"]  # v1 2021-12-17, v3 2022-06-01
    assert "year = {2021},\n  month = dec," in one(paper)
    assert "year = {2022},\n  month = jun," in one(paper, year="latest")


def test_no_primary_class_omits_class_fields(seed_papers: dict[str, Paper]) -> None:
    assert "howpublished = {arXiv:1703.10987},\n" in one(seed_papers["1703.10987"])
    text = one(seed_papers["1703.10987"], bib_flavor="biblatex")
    assert "primaryClass" not in text and "eprintclass" not in text


def test_journal_ref_note_and_prefer_published(seed_papers: dict[str, Paper]) -> None:
    # synthetic journal data on a real paper (no seed has a verified journal_ref)
    paper = replace(seed_papers["1708.05866"], journal_ref="IEEE Signal Processing Magazine 34 (2017) 26-38",
                    doi="10.1000/synthetic.2017")
    text = one(paper)
    assert text.startswith("@misc{k,")
    assert "note = {Published in IEEE Signal Processing Magazine 34 (2017) 26-38, doi:10.1000/synthetic.2017}" in text
    assert "doi = " not in text and "howpublished = {arXiv:1708.05866 [cs.LG]}" in text
    published = one(paper, prefer_published=True)
    assert published.startswith("@article{k,")
    assert "journal = {IEEE Signal Processing Magazine 34 (2017) 26-38}" in published
    assert "doi = {10.1000/synthetic.2017}" in published
    assert "eprint = {1708.05866},\n  archivePrefix = {arXiv}," in published  # the published version's eprint
    assert "note" not in published and "howpublished" not in published


def test_bib_fields_written_back_and_type_follows_them(seed_papers: dict[str, Paper]) -> None:
    paper = seed_papers[CODEX]
    entry = Entry("codex", paper, bib_fields={"note": "Codex {HumanEval}", "keywords": "code", "ids": "old",
                                              "bad name": "x", "file": "unbalanced } brace"})
    text = bibtex([entry])
    assert text.startswith("@misc{codex,")
    assert "note = {Codex {HumanEval}}" in text
    assert "ids = {old}" in text and "keywords = {code}" in text
    assert "bad name" not in text
    assert "file = {unbalanced \\textbraceright{} brace}" in text
    # synthetic: a .bib entry that kept a journal is written as @article
    journal = bibtex([Entry("codex", paper, bib_fields={"journal": "Synthetic Journal", "doi": "10.1000/x"})])
    assert journal.startswith("@article{codex,")
    assert journal.count("doi = ") == 1 and "doi = {10.1000/x}" in journal


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("Henrique Ponde de Oliveira Pinto", "de Oliveira Pinto, Henrique Ponde"),
        ("Christopher De Sa", "De Sa, Christopher"),
        ("Seán Ó hÉigeartaigh", "{Ó hÉigeartaigh}, Seán"),
        ("OpenAI", "{OpenAI}"),
        ("danah boyd", "boyd, danah"),
        # synthetic hostile names
        ("Martin Luther King Jr.", "King, Jr., Martin Luther"),
        ("Ann and Bob", "Bob, Ann {and}"),
        ("Evil } Name", "Name, Evil \\textbraceright{}"),
        ("Back\\slash Person", "Person, Back\\textbackslash{}slash"),
    ],
)
def test_format_name(name: str, written: str) -> None:
    assert format_name(split_name(name)) == written


def test_pybtex_splits_every_seed_author_as_we_do(seed_papers: dict[str, Paper]) -> None:
    """pybtex implements bibtex's name grammar: it must find our family/particle/given parts."""
    for paper in seed_papers.values():
        for author in paper.authors:
            name = split_name(author.name)
            person = pybtex.database.Person(format_name(name))
            last = latex_to_text(" ".join(person.last_names))
            if name.literal:
                assert last == name.family and not person.first_names
                continue
            assert last == name.family, author.name
            assert " ".join(person.prelast_names) == name.particle, author.name
            assert " ".join(person.first_names + person.middle_names) == name.given, author.name


def test_hostile_entries_stay_balanced_and_parse(seed_papers: dict[str, Paper]) -> None:
    # synthetic hostile metadata on a real paper
    paper = replace(
        seed_papers[CODEX],
        title="Evil } title \\\\ with % and @misc{x, and\nnewline\x0b and {{{ and $unclosed \\",
        authors=[Author("Mal } Icious"), Author("Back\\slash \\"), Author("Per%cent @Sign"), Author("{Brace")],
        primary_category="cs.LG}",
    )
    text = one(paper, key="hostile")
    body = text[text.index("{") + 1 : text.rindex("}")]
    assert is_balanced(body)
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks and len(library.entries) == 1
    data = pybtex.database.parse_string(text, "bibtex")
    assert len(data.entries["hostile"].persons["author"]) == 4
    title = library.entries[0].fields_dict["title"].value
    # backslashes in a title are read as TeX (``\\ `` is a control space), so compare without them
    assert clean_text(unlatex(title).replace("\\", "")) == clean_text(paper.title.replace("\\", ""))


# --------------------------------------------------------------------------- property tests

@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=","), max_size=60))
def test_any_author_name_survives(name: str) -> None:
    """A display name (no comma: comma forms are tested by example) comes back as one
    person whose parts, unescaped and read in order, are the name."""
    written = format_name(split_name(name))
    assert is_balanced(written)
    persons = pybtex.database.parse_string(f"@misc{{k, author = {{{written}}}}}", "bibtex").entries["k"].persons
    if not clean_text(name):
        return
    [person] = persons["author"]
    parts = [person.first_names + person.middle_names, person.prelast_names, person.last_names, person.lineage_names]
    text = " ".join(unlatex(" ".join(words)) for words in parts if words)
    assert clean_text(text) == clean_text(name)
