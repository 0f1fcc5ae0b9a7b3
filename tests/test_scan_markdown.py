"""arxref.scan.markdown: ids outside code, link texts as titles."""

from __future__ import annotations

from pathlib import Path

from arxref.scan import scan_file, scan_text

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scan"


def test_markdown() -> None:
    records = list(scan_file(FIXTURES / "notes.md"))
    got = [(r.line, r.arxiv_id, r.title) for r in records]
    assert got == [
        (3, "2107.03374", "Evaluating Large Language Models Trained on Code"),
        (4, "2005.14165", None),
        (4, "2203.02155", None),
        (5, "2112.09332", None),
        (5, "2201.10005", None),
        (6, "2112.10741", None),
        (6, None, None),
        (21, "2103.00020", "Learning Transferable Visual Models From Natural Language Supervision"),
    ]
    assert all(r.kind == "markdown" for r in records)
    assert records[6].problems == ("invalid arXiv id '2313.00001': month 13 does not exist",)
    found = {r.arxiv_id for r in records}
    for in_code in ("2303.10130", "2412.06966", "2311.01193", "2410.21276"):
        assert in_code not in found


def test_a_link_to_its_own_id_is_one_record_and_untitled_links_give_no_title() -> None:
    text = ("[arXiv:2107.03374](https://arxiv.org/abs/2107.03374) and [here](https://arxiv.org/abs/2108.02818)\n"
            "<!-- arXiv:2005.14165 --> `arXiv:2203.02155`\n")
    records = scan_text(text, "notes.md")
    assert [(r.line, r.column, r.arxiv_id, r.title) for r in records] == [
        (1, 2, "2107.03374", None), (1, 65, "2108.02818", None)]


def _traced_lines(function, *args) -> int:  # type: ignore[no-untyped-def]
    """How many lines of arxref.scan code ``function(*args)`` runs: work counted, not timed."""
    import sys

    count = [0]

    def local(frame, event, arg):  # type: ignore[no-untyped-def]
        count[0] += event == "line"
        return local

    def scope(frame, event, arg):  # type: ignore[no-untyped-def]
        return local if "arxref/scan/" in frame.f_code.co_filename.replace("\\", "/") else None

    sys.settrace(scope)
    try:
        function(*args)
    finally:
        sys.settrace(None)
    return count[0]


def test_a_line_with_many_links_costs_work_in_proportion() -> None:
    """Each id finds its link without walking the line's list of links again (that was quadratic)."""
    def line(n: int) -> str:
        return " ".join(f"[{i}](https://arxiv.org/abs/2107.{i:05d})" for i in range(1, n + 1))

    small = _traced_lines(lambda: scan_text(line(300), "a.md"))
    large = _traced_lines(lambda: scan_text(line(600), "a.md"))
    assert len(scan_text(line(600), "a.md")) == 600
    assert large < 2.5 * small


def test_pandoc_citations_whose_keys_are_ids() -> None:
    """``@arxiv:ID``, ``[@arxiv:ID; @doi:10.48550/arXiv.ID]``, ``[-@arxiv:ID]``, ``@arXiv:ID``: keys as written."""
    text = ("---\nbibliography: refs.bib\n---\n"
            "As @arxiv:2108.02818 shows [see @arXiv:2307.03718v2, p. 3; @doi:10.48550/arXiv.2108.02818].\n"
            "Old style [-@arxiv:hep-th/9901001]. Mail me@arxiv:2108.02818 is no citation, @smith2020 not read.\n"
            "Trailing punctuation: @arxiv:2107.03374. `@arxiv:2005.14165` in code; @arxiv:2313.00001 is impossible.\n")
    records = scan_text(text, "notes.md")
    got = [(r.role, r.key, r.arxiv_id, r.version, r.line, r.column) for r in records]
    assert got == [
        ("citation", "arxiv:2108.02818", "2108.02818", None, 4, 5),
        ("citation", "arXiv:2307.03718v2", "2307.03718", 2, 4, 34),
        ("citation", "doi:10.48550/arXiv.2108.02818", "2108.02818", None, 4, 61),
        ("citation", "arxiv:hep-th/9901001", "hep-th/9901001", None, 5, 14),
        # an e-mail address is not a citation (its id is still an id mention)
        ("paper", None, "2108.02818", None, 5, 45),
        ("citation", "arxiv:2107.03374", "2107.03374", None, 6, 24),
        ("citation", "arxiv:2313.00001", None, None, 6, 72),
    ]
    lines = text.split("\n")
    for _, key, _, _, line, column in got:
        if key:
            assert lines[line - 1][column - 1:].startswith(key)
    assert records[-1].problems == ("invalid arXiv id '2313.00001': month 13 does not exist",)
    assert all(r.kind == "markdown" for r in records)


def test_a_reading_list_without_ids() -> None:
    """Reference-shaped list items become id-less records; headings, prose, labels, links and code do not."""
    records = list(scan_file(FIXTURES / "reading-list.md"))
    got = [(r.line, r.column, r.arxiv_id, r.title, r.authors, r.year) for r in records]
    assert got == [
        (7, 3, None, "Language Models are Few-Shot Learners", ("Brown et al.",), 2020),
        (8, 3, None, "Evaluating Large Language Models Trained on Code",
         ("Mark Chen", "Jerry Tworek", "Heewoo Jun"), 2021),
        (9, 4, None, "Training language models to follow instructions with human feedback",
         ("Long Ouyang", "Jeff Wu", "Xu Jiang"), 2022),
        (10, 4, None, "Learning Transferable Visual Models From Natural Language Supervision", (), None),
        (11, 4, None, "WebGPT: Browser-assisted question-answering with human feedback",  # continued on line 12
         ("Reiichiro Nakano", "Jacob Hilton"), 2021),
        (13, 3, None, "Contextual Confidence and Generative AI", ("Jain", "Hitzig", "Mishkin"), 2023),
        (18, 11, "2112.10741", None, (), None),  # an item with an id stays an id record
        (19, 13, "2212.08751", None, (), None),
    ]
    assert all(r.kind == "markdown" and r.text is None for r in records if r.arxiv_id is None)


def test_an_item_with_an_id_on_its_continuation_line_is_that_id() -> None:
    text = ("- *Language Models are Few-Shot Learners* (Brown et al., 2020)\n"
            "  see arXiv:2005.14165\n"
            "- *Evaluating Large Language Models Trained on Code* (Chen et al., 2021)\n"
            "\n"
            "  indented text after a blank line is not part of the item\n")
    records = scan_text(text, "list.md")
    assert [(r.line, r.arxiv_id, r.title) for r in records] == [
        (2, "2005.14165", None), (3, None, "Evaluating Large Language Models Trained on Code")]


def test_broken_yaml_front_matter_names_no_bibliography_file() -> None:
    """``bibliography: [refs.bib`` (unclosed) is broken YAML, not a file named ``[refs.bib`` for sync to create."""
    from arxref.scan.markdown import named_bibliographies

    def named(front: str) -> list[tuple[Path, int]]:
        return named_bibliographies(enumerate(["---", front, "---", "[@arxiv:2108.02818]"], 1), "doc")

    assert named("bibliography: [refs.bib") == []
    assert named("bibliography: {file: refs.bib}") == []
    assert named("bibliography: [refs.bib, more.json]") == [(Path("doc/refs.bib"), 2), (Path("doc/more.json"), 2)]
    assert named("bibliography: refs.bib") == [(Path("doc/refs.bib"), 2)]
