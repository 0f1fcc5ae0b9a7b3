"""BibTeX writer (arxref.formats.bibtex) and LaTeX escaping (arxref.formats.latex).

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
from pylatexenc import latex2text

from arxref.formats import WriteOptions, write_bibtex
from arxref.formats.bibtex import format_name
from arxref.formats.latex import bibtex_title, clean_text, escape_text, is_balanced, latex_to_text
from arxref.keys import split_name
from arxref.model import Author, Entry, Paper

CODEX = "2107.03374"


def bibtex(entries: list[Entry], **options: object) -> str:
    out = io.StringIO()
    write_bibtex(entries, out, WriteOptions(**options))  # type: ignore[arg-type]
    return out.getvalue()


def one(paper: Paper, key: str = "k", **options: object) -> str:
    return bibtex([Entry(key, paper)], **options)


def _unlatex_context() -> object:
    """pylatexenc's macros plus LaTeX2e's \\textbrace{left,right}, which it does not know;
    and \\textasciicircum as ``^`` (pylatexenc gives U+02C6, modifier circumflex)."""
    context = latex2text.get_default_latex_context_db()
    context.add_context_category("latex2e-text-symbols", prepend=True, macros=[
        latex2text.MacroTextSpec("textbraceleft", "{"), latex2text.MacroTextSpec("textbraceright", "}"),
        latex2text.MacroTextSpec("textasciicircum", "^")])
    return context


_UNLATEX = latex2text.LatexNodes2Text(math_mode="verbatim", latex_context=_unlatex_context())


def unlatex(text: str) -> str:
    return _UNLATEX.latex_to_text(text)


# --------------------------------------------------------------------------- seeds


def test_seed_file_parses_back_with_bibtexparser_and_pybtex(seed_entries: list[Entry]) -> None:
    text = bibtex(seed_entries)
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    assert [e.key for e in library.entries] == [e.key for e in seed_entries]
    data = pybtex.database.parse_string(text, "bibtex")
    for entry in seed_entries:
        fields = library.entries_dict[entry.key].fields_dict
        paper = entry.paper
        assert fields["eprint"].value == paper.arxiv_id
        assert fields["year"].value == str(paper.published.year)
        assert fields["doi"].value == f"10.48550/arXiv.{paper.arxiv_id}"
        assert fields["archivePrefix"].value == "arXiv"
        assert fields["eprinttype"].value == "arxiv"
        assert clean_text(unlatex(fields["title"].value)) == clean_text(paper.title)
        persons = data.entries[entry.key].persons["author"]
        assert len(persons) == len(paper.authors)
        if paper.primary_category:
            assert fields["primaryClass"].value == paper.primary_category
        else:
            assert "primaryClass" not in fields


def test_codex_entry_exact(seed_entries: list[Entry]) -> None:
    [codex] = [e for e in seed_entries if e.paper.arxiv_id == CODEX]
    text = bibtex([codex], max_authors=3)
    assert text == (
        "@misc{chen2021evaluating,\n"
        "  author = {Chen, Mark and Tworek, Jerry and Jun, Heewoo and others},\n"
        "  title = {Evaluating Large Language Models Trained on Code},\n"
        "  year = {2021},\n"
        "  month = jul,\n"
        "  eprint = {2107.03374},\n"
        "  archivePrefix = {arXiv},\n"
        "  primaryClass = {cs.LG},\n"
        "  eprinttype = {arxiv},\n"
        "  eprintclass = {cs.LG},\n"
        "  doi = {10.48550/arXiv.2107.03374},\n"
        "  url = {https://arxiv.org/abs/2107.03374},\n"
        "}\n\n"
    )


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
    text = one(seed_papers["1703.10987"])
    assert "primaryClass" not in text and "eprintclass" not in text


def test_journal_ref_note_and_prefer_published(seed_papers: dict[str, Paper]) -> None:
    # synthetic journal data on a real paper (no seed has a verified journal_ref)
    paper = replace(seed_papers["1708.05866"], journal_ref="IEEE Signal Processing Magazine 34 (2017) 26-38",
                    doi="10.1000/synthetic.2017")
    text = one(paper)
    assert text.startswith("@misc{k,")
    assert "note = {Published in IEEE Signal Processing Magazine 34 (2017) 26-38, doi:10.1000/synthetic.2017}" in text
    assert "doi = {10.48550/arXiv.1708.05866}" in text
    published = one(paper, prefer_published=True)
    assert published.startswith("@article{k,")
    assert "journal = {IEEE Signal Processing Magazine 34 (2017) 26-38}" in published
    assert "doi = {10.1000/synthetic.2017}" in published
    assert "eprint = {1708.05866}" in published and "note" not in published


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


# --------------------------------------------------------------------------- escaping


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Evaluating CLIP: Towards", "Evaluating {CLIP}: Towards"),
        ("GPT-4o System Card", "{GPT-4o} System Card"),
        ("Point-E: A System for Generating 3D Point Clouds", "{Point-E}: A System for Generating {3D} Point Clouds"),
        ("GPTs are GPTs: An Early Look", "{GPTs} are {GPTs}: An Early Look"),
        # synthetic titles below
        ("Sorting in $O(n \\log n)$ Time", "Sorting in {$O(n \\log n)$} Time"),
        ("R&D at 50% of $5 #1 a_b {x} ~ ^", "{R\\&D} at 50\\% of \\$5 \\#1 a\\_b \\textbraceleft{}x\\textbraceright{} \\textasciitilde{} \\textasciicircum{}"),
        ("Schr\\\"odinger and R\\&D", "Schrödinger and {R\\&D}"),
        ("Q&A with AT&T", "{Q\\&A} with {AT\\&T}"),
        # proper nouns: braced only where the title is in sentence case (else every word is capitalised)
        ("Efficient training of Gaussian processes with Markov chains",
         "Efficient training of {Gaussian} processes with {Markov} chains"),
        ("A study of (Bayesian) inference. Results in Paris", "A study of ({Bayesian}) inference. Results in {Paris}"),
        ("Evaluating Large Language Models Trained on Code", "Evaluating Large Language Models Trained on Code"),
        ("Language Models are Few-Shot Learners", "Language Models are Few-Shot Learners"),
        ("On the Schr\\\"odinger equation for Dirac particles", "On the {Schrödinger} equation for {Dirac} particles"),
        ("Solving the Schr\\\"odinger equation with neural networks",
         "Solving the {Schrödinger} equation with neural networks"),
        ("Math $50%$ unsafe", "Math \\$50\\%\\$ unsafe"),
        ("Unbalanced $a}$ math", "Unbalanced \\$a\\textbraceright{}\\$ math"),
        ("Line\nbreak\tand\x00control\x07", "Line break andcontrol"),
        ("back\\slash", "back\\textbackslash{}slash"),
        ("Type I error", "Type {I} error"),
        ("Wow!` ?` -- ``a''", "Wow!{}` ?{}` -{}- `{}`a'{}'"),  # TeX ligatures kept literal
    ],
)
def test_bibtex_title(title: str, expected: str) -> None:
    assert bibtex_title(title) == expected
    assert is_balanced(expected)


_SHAPED = st.text(st.sampled_from("aAbBZz09 -&`'!?,<>I\u00e9\u00c9$\\{}%"), max_size=30)


@settings(max_examples=400, deadline=None)
@given(_SHAPED)
def test_cheap_title_filters_never_hide_a_match(text: str) -> None:
    """The byte-level filters in front of the title regexes may say "maybe", never a wrong "no"."""
    from arxref.formats import latex

    if latex._INNER_CAPITAL_RE.search(text):
        assert latex._may_have_inner_capital(text)
    if latex._LIGATURE_RE.search(text):
        assert latex._may_have_ligature(text)
    assert latex._has_any(text, latex._TEX_SPECIAL_BYTES) == bool(latex._SPECIAL_RE.search(text))


_TITLE_WORDS = st.sampled_from(["Gaussian", "markov", "GPT-4", "A", "I", "of", "with", "(Bayesian)", "Point-E",
                                 "R&D", "x--y", "learning", "Models", "end.", "Start:", "3D", "$x$", "Q&A", "tree's"])


@settings(max_examples=1500, deadline=None)
@given(st.lists(_TITLE_WORDS, min_size=1, max_size=8), st.booleans())
def test_plain_title_fast_path_equals_the_general_path(words: list[str], ascii: bool) -> None:
    from arxref.formats import latex

    title = " ".join(words)
    assert bibtex_title(title, ascii) == latex._general_title(title, ascii)


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from("([\"'`)]:;,.!?aZ\\{}"), max_size=10))
def test_protect_keeps_punctuation_outside_the_braces(token: str) -> None:
    """_protect splits lead/core/trail as this regex does (the maximal trail, the minimal core)."""
    import re

    from arxref.formats.latex import _protect

    lead, core, trail = re.match(r"^([(\[\"'`]*)(.*?)([)\]\"':;,.!?]*)$", token, re.DOTALL).groups()
    if not core:
        assert _protect(token) == token
    else:
        assert _protect(token) == lead + ("{{}" if core.startswith("\\") else "{") + core + "}" + trail


def test_ascii_escapes_and_utf8_default() -> None:
    assert escape_text("Wiśniewski Müller") == "Wiśniewski Müller"
    assert escape_text("Wiśniewski Müller", ascii=True) == "Wi{\\'s}niewski M{\\\"u}ller"
    assert escape_text("Dvořák Ørsted Mądry í", ascii=True) == "Dvo{\\v{r}}{\\'a}k {\\O}rsted M{\\k{a}}dry {\\'\\i}"
    assert escape_text("李明", ascii=True) == "李明"  # no LaTeX escape exists: stays UTF-8
    assert bibtex_title("Über $x$ Straße", ascii=True) == "{\\\"U}ber {$x$} Stra{\\ss}e"


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

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)


@settings(max_examples=150, deadline=None)
@given(_TEXT, st.booleans())
def test_any_text_survives_escaping(text: str, ascii: bool) -> None:
    escaped = escape_text(text, ascii)
    assert is_balanced(escaped)
    entry_text = f"@misc{{k,\n  note = {{{escaped}}},\n}}\n"
    library = bibtexparser.parse_string(entry_text)
    assert not library.failed_blocks
    value = library.entries[0].fields_dict["note"].value
    assert clean_text(unlatex(value)) == clean_text(text)
    assert pybtex.database.parse_string(entry_text, "bibtex").entries["k"].fields["note"] == escaped


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\\"), max_size=80))
def test_any_title_without_backslash_survives(title: str) -> None:
    """Backslashes outside math are read as TeX (tested above); everything else is literal."""
    written = bibtex_title(title)
    assert is_balanced(written)
    library = bibtexparser.parse_string(f"@misc{{k, title = {{{written}}}}}")
    assert not library.failed_blocks
    assert clean_text(unlatex(library.entries[0].fields_dict["title"].value)) == clean_text(title)


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
