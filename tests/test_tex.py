"""TeX text in and out (arxref.tex): escaping for BibTeX values, title protection, decoding.

Titles and texts here are synthetic unless a comment says otherwise (the first four
titles of test_bibtex_title are real arXiv titles). Written values are read back by
independent parsers: bibtexparser, pybtex and pylatexenc (tests/tex_support.py).
"""

from __future__ import annotations

import bibtexparser
import pybtex.database
import pytest
from hypothesis import given, settings, strategies as st
from tex_support import unlatex

from arxref import tex
from arxref.tex import (bibtex_title, clean_text, decode_tex_escapes, escape_text, is_balanced, latex_to_text,
                        raw_value)


# --------------------------------------------------------------------------- titles


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
    if tex._INNER_CAPITAL_RE.search(text):
        assert tex._may_have_inner_capital(text)
    if tex._LIGATURE_RE.search(text):
        assert tex._may_have_ligature(text)
    assert tex._has_any(text, tex._TEX_SPECIAL_BYTES) == bool(tex._SPECIAL_RE.search(text))


_TITLE_WORDS = st.sampled_from(["Gaussian", "markov", "GPT-4", "A", "I", "of", "with", "(Bayesian)", "Point-E",
                                 "R&D", "x--y", "learning", "Models", "end.", "Start:", "3D", "$x$", "Q&A", "tree's"])


@settings(max_examples=1500, deadline=None)
@given(st.lists(_TITLE_WORDS, min_size=1, max_size=8), st.booleans())
def test_plain_title_fast_path_equals_the_general_path(words: list[str], ascii: bool) -> None:
    title = " ".join(words)
    assert bibtex_title(title, ascii) == tex._general_title(title, ascii)


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from("([\"'`)]:;,.!?aZ\\{}"), max_size=10))
def test_protect_keeps_punctuation_outside_the_braces(token: str) -> None:
    """_protect splits lead/core/trail as this regex does (the maximal trail, the minimal core)."""
    import re

    from arxref.tex import _protect

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


# --------------------------------------------------------------------------- decoding and cleaning


def test_clean_text_makes_one_line() -> None:
    assert clean_text("  a\tb\n c\x00d  ") == "a b cd"
    assert clean_text("plain") == "plain"
    assert clean_text("Ümlaut\u0085line\u00a0") == "Ümlaut line"


def test_decode_tex_escapes() -> None:
    assert decode_tex_escapes(r'Schr\"odinger {\"o} \c{c} \ss{} \& \% G\'{e}rard \i') == "Schrödinger ö ç ß & % Gérard ı"
    assert decode_tex_escapes("no escapes") == "no escapes"


def test_latex_to_text_keeps_math_and_drops_commands() -> None:
    assert latex_to_text(r"The {GPT} \emph{model} of $O(n \log n)$ and~more \& R\&D") == (
        r"The GPT model of $O(n \log n)$ and more & R&D")


def test_latex_to_text_keeps_the_names_of_tex_logos() -> None:
    """``The {\\TeX}book`` (a kept .bib entry's title in CSL-JSON and RIS) is not ``The book``."""
    assert latex_to_text("The {\\TeX}book") == "The TeXbook"
    assert latex_to_text("{\\LaTeX} with \\BibTeX{} and \\emph{emphasis}") == "LaTeX with BibTeX and emphasis"


def test_raw_value_keeps_balanced_tex_and_escapes_the_rest() -> None:
    assert raw_value("Codex {HumanEval}") == "Codex {HumanEval}"
    assert raw_value("a } b") == "a \\textbraceright{} b"
    assert raw_value("Müller", ascii=True) == 'M{\\"u}ller'


@pytest.mark.parametrize(("value", "balanced"), [("a {b} c", True), ("a } {b", False), ("{a", False),
                                                 ("a\\", False), ("\\{", False)])
def test_is_balanced_counts_braces_as_bibtex_does(value: str, balanced: bool) -> None:
    assert is_balanced(value) is balanced
