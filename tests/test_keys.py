"""Name splitting and stable citation keys (arxref.keys), on the 25 real seed papers."""

from __future__ import annotations

import itertools
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from arxref import keys
from arxref.atom import parse_feed
from arxref.keys import Name, family_word, split_name

ALL_XML = Path(__file__).resolve().parent.parent / "examples" / "arxiv-responses" / "all.xml"


@pytest.fixture(scope="session")
def seed_papers() -> dict[str, object]:
    papers = parse_feed(ALL_XML.read_bytes()).papers
    return {p.arxiv_id: p for p in papers}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("Mark Chen", Name("Mark", "Chen"), id="plain"),
        pytest.param("Henrique Ponde de Oliveira Pinto", Name("Henrique Ponde", "Oliveira Pinto", "de"), id="pt-particle"),
        pytest.param("Christopher De Sa", Name("Christopher", "De Sa"), id="capital-particle"),
        pytest.param("Sarah de Haas", Name("Sarah", "Haas", "de"), id="von"),
        pytest.param("Fred von Lohmann", Name("Fred", "Lohmann", "von"), id="von2"),
        pytest.param("Miguel Oom Temudo de Castro", Name("Miguel Oom Temudo", "Castro", "de"), id="long-given"),
        pytest.param("Seán Ó hÉigeartaigh", Name("Seán", "Ó hÉigeartaigh"), id="irish"),
        pytest.param("danah boyd", Name("danah", "boyd"), id="lowercase"),
        pytest.param("A. Feder Cooper", Name("A. Feder", "Cooper"), id="initial"),
        pytest.param("OpenAI", Name("", "OpenAI", literal=True), id="org"),
        # synthetic forms, not names from the seed data
        pytest.param("Martin Luther King Jr.", Name("Martin Luther", "King", suffix="Jr."), id="suffix"),
        pytest.param("Chen, Mark", Name("Mark", "Chen"), id="comma"),
        pytest.param("van der Berg, Jan", Name("Jan", "Berg", "van der"), id="comma-von"),
        pytest.param("King, Jr., Martin", Name("Martin", "King", suffix="Jr."), id="comma-suffix"),
        pytest.param("The Pile Authors", Name("", "The Pile Authors", literal=True), id="org-words"),
        pytest.param("Ann and Bob", Name("Ann and", "Bob"), id="and-is-no-particle"),
    ],
)
def test_split_name(name: str, expected: Name) -> None:
    assert split_name(name) == expected


def test_full_family_keeps_particle() -> None:
    assert split_name("Sarah de Haas").full_family == "de Haas"


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Martínez-Plumed", "martinezplumed"), ("O’Connell", "oconnell"), ("Mądry", "madry"), ("Groß", "gross"),
     ("Ørsted", "orsted"), ("李明", "")],
)
def test_ascii_fold(text: str, folded: str) -> None:
    assert keys.ascii_fold(text) == folded


def test_family_key_org_and_empty() -> None:
    assert keys.family_key("OpenAI") == "openai"
    assert keys.family_key("Henrique Ponde de Oliveira Pinto") == "oliveirapinto"
    assert keys.family_key("李明") == "anon"  # synthetic CJK-only name: no ASCII letters to use


@pytest.mark.parametrize(
    ("title", "word"),
    [
        ("On the Impossibility of Supersized Machines", "impossibility"),
        ("A Brief Survey of Deep Reinforcement Learning", "brief"),
        ("Toward Trustworthy AI Development", "trustworthy"),
        ("GPT-4o System Card", "gpt"),
        ("Machine Unlearning Doesn't Do What You Think", "machine"),
        ("$O(n \\log n)$ Sorting", "sorting"),  # synthetic: math is skipped
        ("The", ""),
    ],
)
def test_title_word(title: str, word: str) -> None:
    assert keys.title_word(title) == word


def test_seed_keys(seed_papers: dict) -> None:
    expected = {
        "2107.03374": "chen2021evaluating",
        "2410.21276": "openai2024gpt",
        "2005.14165": "brown2020language",
        "1806.00610": "martinezplumed2018accounting",
        "1703.10987": "garfinkel2017impossibility",
        "2004.07213": "brundage2020trustworthy",
    }
    for arxiv_id, key in expected.items():
        paper = seed_papers[arxiv_id]
        year = keys.paper_year(paper.published, paper.updated)
        assert keys.base_key(paper.authors[0].name, year, paper.title) == key


def test_year_mode(seed_papers: dict) -> None:
    paper = seed_papers["2112.09332"]  # v1 2021-12, v3 2022-06
    assert keys.paper_year(paper.published, paper.updated, "first") == 2021
    assert keys.paper_year(paper.published, paper.updated, "latest") == 2022
    with pytest.raises(ValueError, match="year_mode"):
        keys.paper_year(paper.published, paper.updated, "newest")


def test_assign_keys_suffixes_do_not_depend_on_order() -> None:
    bases = {"2201.00003": "chen2022x", "2201.00001": "chen2022x", "2201.00002": "chen2022x", "2301.00001": "li2023y"}
    results = {
        tuple(sorted(keys.assign_keys(dict(perm)).items()))
        for perm in itertools.permutations(bases.items())
    }
    assert len(results) == 1
    assigned = dict(results.pop())
    assert assigned == {"2201.00001": "chen2022xa", "2201.00002": "chen2022xb", "2201.00003": "chen2022xc",
                        "2301.00001": "li2023y"}


def test_assign_keys_avoids_taken_keys() -> None:
    assigned = keys.assign_keys({"2101.00001": "chen2021x", "2101.00002": "li2021y"}, taken={"chen2021x", "li2021ya"})
    assert assigned == {"2101.00001": "chen2021xa", "2101.00002": "li2021y"}
    many = keys.assign_keys({f"2101.{i:05d}": "k" for i in range(1, 30)})
    assert len(set(many.values())) == 29
    assert many["2101.00027"] == "kaa"


@pytest.mark.parametrize(("key", "valid"), [("chen2021evaluating", True), ("DBLP:journals/corr/abs-2107-03374", True),
                                            ("has space", False), ("a,b", False), ("x{y}", False), ("", False)])
def test_is_valid_key(key: str, valid: bool) -> None:
    assert keys.is_valid_key(key) is valid


def test_paper_year_uses_dates() -> None:
    first = datetime(2019, 12, 31, tzinfo=timezone.utc)
    latest = datetime(2020, 1, 2, tzinfo=timezone.utc)
    assert keys.paper_year(first, latest) == 2019


@pytest.mark.parametrize("name, family", [
    ("Mark Chen", "Chen"), ("Chen, Mark", "Chen"), ("M. Chen", "Chen"), ("Mark Chen Jr.", "Chen"),
    ("Martin Luther King III", "King"), ("Anders Sandberg", "Sandberg"), ("OpenAI", "OpenAI"), ("", ""),
])
def test_family_word(name: str, family: str) -> None:
    assert family_word(name) == family


def test_short_label_names_a_paper_for_people() -> None:
    from arxref.keys import short_label

    assert short_label(["Sandhini Agarwal", "Gretchen Krueger", "Jack Clark"], 2021) == "Agarwal et al. 2021"
    assert short_label(["Mark Chen", "Sarah de Haas"], 2021) == "Chen and de Haas 2021"
    assert short_label(["OpenAI"], 2023) == "OpenAI 2023"
    assert short_label([], 2020) == "2020"


# -- the fast paths agree with the general ones ----------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
#: Titles whose first words the fast path of :func:`keys.title_word` must not misread (synthetic).
AWKWARD_TITLES = [
    "", " ", "the", "The ", "A  double space", "On\tTabs", "of the", "the of and", "x", "GPT4: a report",
    "3D-aware GANs", "Deep-learning for x", "Naïve Bayes", "Über alles", "{GPT}-4 report", "{\\\"O}ber models",
    "\\'Etude of things", "On the \\'etude", "The $\\alpha$ model", "$x$ only", "a $x$ b", "l'amour",
    "What's new", "x\\_y underscore", "ABC123 def", "on on on on on on on on z", "The \u0301accent",
    "Word\u0301 combining", "the\u00a0nbsp word", "İstanbul models", "ﬁne ligature", "A B C D E F G H I",
    "Towards 100% coverage", "An $O(n \\log n)$ sort", "the {\\TeX}book", "the ß rule", "THE ALL CAPS TITLE",
]


def _known_titles() -> list[str]:
    """Real titles (seed papers, .bib fixtures), synthetic ones, and each behind stop words or TeX."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_writers import synthetic_papers

    titles = [p.title for p in parse_feed(ALL_XML.read_bytes()).papers]
    for bib in [*ROOT.glob("tests/**/*.bib"), *ROOT.glob("examples/**/*.bib")]:
        titles += re.findall(r"title\s*=\s*[{\"](.*)[}\"],?\s*$", bib.read_text(errors="replace"), re.M | re.I)
    titles += [p.title for p in synthetic_papers(3000, seed=5)] + AWKWARD_TITLES
    prefixes = ["", "The ", "A ", "On the ", "the of ", "$x$ ", "{\\\"O}ber ", "Über ", "An  ", "Of-the "]
    return [prefix + title for title in titles for prefix in prefixes]


def test_title_word_fast_path_is_the_general_rule() -> None:
    titles = _known_titles()
    assert len(titles) > 30000
    for title in titles:
        assert keys.title_word(title) == keys._title_word(title), title


def test_family_key_memo_is_the_rule() -> None:
    names = ["Mark Chen", "Chen, Mark", "Sarah de Haas", "OpenAI", "Seán Ó hÉigeartaigh", "李明", "", " ", "The Team"]
    for name in names * 2:  # the second time from the memo
        assert keys.family_key(name) == (keys.ascii_fold(split_name(name).family) or "anon")


def test_assign_keys_suffixes_past_the_kept_ones() -> None:
    """A base shared by more papers than the one- and two-letter suffixes: they go on as :func:`_suffixes`."""
    count = len(keys._FIRST_SUFFIXES) + 40
    ids = [f"2101.{i:05d}" for i in range(1, count + 1)]
    expected = list(itertools.islice(keys._suffixes(), count + 2))
    taken = {"k" + expected[3], "k" + expected[len(keys._FIRST_SUFFIXES) + 1]}
    assigned = keys.assign_keys({arxiv_id: "k" for arxiv_id in ids}, taken)
    assert list(assigned.values()) == ["k" + s for s in expected if "k" + s not in taken]
