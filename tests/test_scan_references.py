"""arxref.scan.references: which list items and \\bibitem texts are references, and their title, authors, year.

Titles, authors and years are those of real arXiv papers in examples/arxiv-responses; the
negative cases are the prose, headings, labels and links that lists also hold.
"""

from __future__ import annotations

import pytest

from arxref.scan.references import Reference, item_start, parse_bibitem, parse_item


def item(line: str) -> Reference | None:
    start = item_start(line)
    assert start is not None, f"not a list item: {line!r}"
    return parse_item(line[start:])


@pytest.mark.parametrize(("line", "expected"), [
    # the three shapes of the issue
    ("* *Language Models are Few-Shot Learners* (Brown et al., 2020)",
     Reference("Language Models are Few-Shot Learners", ("Brown et al.",), 2020)),
    ('- "Evaluating Large Language Models Trained on Code" \u2014 Mark Chen, Jerry Tworek (2021)',
     Reference("Evaluating Large Language Models Trained on Code", ("Mark Chen", "Jerry Tworek"), 2021)),
    ("1. Training language models to follow instructions with human feedback. Long Ouyang, Jeff Wu. 2022.",
     Reference("Training language models to follow instructions with human feedback", ("Long Ouyang", "Jeff Wu"),
               2022)),
    # more ways reading lists write them
    ("- Radford et al. (2021). *Learning Transferable Visual Models From Natural Language Supervision*. ICML.",
     Reference("Learning Transferable Visual Models From Natural Language Supervision", ("Radford et al.",), 2021)),
    ("3) Chen, M., Tworek, J., Jun, H. (2021). Evaluating Large Language Models Trained on Code. arXiv preprint.",
     Reference("Evaluating Large Language Models Trained on Code", ("Chen, M.", "Tworek, J.", "Jun, H."), 2021)),
    ("- The Malicious Use of Artificial Intelligence: Forecasting, Prevention, and Mitigation (Brundage et al., 2018)",
     Reference("The Malicious Use of Artificial Intelligence: Forecasting, Prevention, and Mitigation",
               ("Brundage et al.",), 2018)),
    ("- Contextual Confidence and Generative AI (Jain, Hitzig and Mishkin, 2023)",
     Reference("Contextual Confidence and Generative AI", ("Jain", "Hitzig", "Mishkin"), 2023)),
    ("[2] \u201cFilling gaps in trustworthy development of AI\u201d, Avin et al., 2021",
     Reference("Filling gaps in trustworthy development of AI", ("Avin et al.",), 2021)),
    ("- [WebGPT: Browser-assisted question-answering with human feedback](https://openai.com/x) \u2014 Nakano et al.",
     Reference("WebGPT: Browser-assisted question-answering with human feedback", ("Nakano et al.",), None)),
    # an italic or quoted title in Title Case may stand alone
    ("- *Evaluating Large Language Models Trained on Code*",
     Reference("Evaluating Large Language Models Trained on Code")),
])
def test_reference_shaped_items(line: str, expected: Reference) -> None:
    assert item(line) == expected


@pytest.mark.parametrize("line", [
    "- see the docs for details",
    "- **Setup**: install the package first",
    "- **Remember To Bring Snacks**",  # bold is for labels
    "- *Note that this list is not complete*",  # sentence case, alone
    "- Fix the parser (Ann Lee, Bo Chen)",  # a changelog line: names but no year
    "- Meeting with Alice Johnson. Discuss the budget. 2019",
    "1. Install the package. Run the tests. 2019.",
    "- Not ids: the version 1.2345, the date 2024.03.15, the time 1234.5678 ms.",
    "- [PyTorch](https://pytorch.org) \u2014 a deep learning framework",  # a list of links
    "- [Slides from the talk](https://example.org/slides.pdf) (2021)",
    "- TODO: ask about the 2023 follow-up",
    '- "Feature Request"',
    "- `LICENSE.txt`: _GNU Public License v. 3_".replace("`LICENSE.txt`", "             "),  # code blanked
    '7. Additional Terms. "Additional permissions" are terms that supplement the terms of this License by making '
    "exceptions from one or more of its conditions.",
    "* [aduh95](https://github.com/aduh95) - **Antoine du Hamel** <duhamelantoine1995@gmail.com> (he/him)",
    '- Read "Training language models to follow instructions with human feedback" and then the appendix',
])
def test_prose_labels_and_links_are_not_references(line: str) -> None:
    assert item(line) is None


def test_item_start() -> None:
    assert [item_start(x) for x in ("- a", "  * a", "12. a", "3) a", "[4] a", "\u2022 a")] == [2, 4, 4, 3, 4, 2]
    assert [item_start(x) for x in ("# Heading", "*emphasis*", "-- a", "2024.03.15 a", "| a | b |", "")] == [
        None, None, None, None, None, None]


@pytest.mark.parametrize(("tex", "expected"), [
    ("B. Garfinkel, M. Brundage, D. Filan, On the Impossibility of Supersized Machines.",
     Reference("On the Impossibility of Supersized Machines", ("B. Garfinkel", "M. Brundage", "D. Filan"))),
    ("T.~B. Brown et~al., ``Language Models are Few-Shot Learners'', (2020).",
     Reference("Language Models are Few-Shot Learners", ("T. B. Brown et al.",), 2020)),
    ("A.~Radford et~al., \\emph{Learning Transferable Visual Models From Natural Language Supervision}, 2021.",
     Reference("Learning Transferable Visual Models From Natural Language Supervision", ("A. Radford et al.",), 2021)),
    # a .bbl written by bibtex: authors, title and venue in \newblock blocks
    ("Long Ouyang, Jeff Wu, and Xu~Jiang.\n\\newblock Training language models to follow instructions with human "
     "feedback.\n\\newblock In {\\em Advances in Neural Information Processing Systems}, 2022.",
     Reference("Training language models to follow instructions with human feedback",
               ("Long Ouyang", "Jeff Wu", "Xu Jiang"), 2022)),
    # LNCS: ``Authors:`` then the title
    ("Chen, M., Tworek, J.: Evaluating Large Language Models Trained on Code. Preprint (2021)",
     Reference("Evaluating Large Language Models Trained on Code", ("Chen, M.", "Tworek, J."), 2021)),
    ("Chen, M. and Tworek, J. Evaluating large language models trained on code. arXiv preprint, 2021.",
     Reference("Evaluating large language models trained on code", ("Chen, M.", "Tworek, J."), 2021)),
    # biblatex: single curly quotes, the venue in \emph
    ("Shrey Jain, Zo\\\"e Hitzig and Pamela Mishkin. \u2018Contextual Confidence and Generative AI\u2019. In: "
     "\\emph{Preprint} (2023).",
     Reference("Contextual Confidence and Generative AI", ("Shrey Jain", "Zo\u00eb Hitzig", "Pamela Mishkin"), 2023)),
])
def test_bibitems(tex: str, expected: Reference) -> None:
    assert parse_bibitem(tex) == expected


def test_a_bibitem_url_is_not_its_title() -> None:
    ref = parse_bibitem("National Center for Biotechnology Information, \\url{http://www.ncbi.nlm.nih.gov}")
    assert ref is not None and ref.title == "National Center for Biotechnology Information"


def test_years_inside_numbers_dates_and_addresses_are_not_years() -> None:
    for line in ("- *Evaluating Large Language Models Trained on Code* v2.2021.1",
                 "- *Evaluating Large Language Models Trained on Code* 2021.03.15",
                 "- *Evaluating Large Language Models Trained on Code* (me1999@example.org)"):
        ref = item(line)
        assert ref is None or ref.year is None, line
