"""arxref.scan.bib: entries, the ids their fields name, broken blocks, duplicate keys, chunked parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from arxref.model import Record
from arxref.scan import ScanProblem, bib as bib_module, scan_file, scan_text

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scan"


def by_key(records: list[Record]) -> dict[str | None, Record]:
    return {r.key: r for r in records}


@pytest.fixture(scope="module")
def bib_scan() -> tuple[list[Record], list[ScanProblem]]:
    problems: list[ScanProblem] = []
    records = list(scan_file(FIXTURES / "refs.bib", on_problem=problems.append))
    return records, problems


def test_bib_entries_and_id_fields(bib_scan: tuple[list[Record], list[ScanProblem]]) -> None:
    records, _ = bib_scan
    got = [(r.key, r.line, r.arxiv_id) for r in records]
    assert got == [
        ("chen2021codex", 7, "2107.03374"),        # eprint + archivePrefix
        ("brown2020gpt3", 16, "2005.14165"),       # journal = @string # "arXiv:..."
        ("radford2021clip", 23, "2103.00020"),     # url
        ("ouyang2022instruct", 28, "2203.02155"),  # doi, upper case ARXIV
        ("dblp_webgpt", 33, "2112.09332"),         # eprinttype + DBLP volume abs/
        ("noted", 41, "2112.10741"),               # note
        ("howpub", 46, "2212.08751"),              # howpublished \url{}
        ("broken", 51, "2201.10005"),              # unbalanced braces: only the id is kept
        ("chen2021codex", 56, "2107.03374"),       # duplicate key
        ("bad_eprint", 61, None),
        ("pubmed", 67, None),
        ("mismatch", 73, "2207.14157"),
        ("oldstyle", 79, "math/0309136"),
    ]
    entries = by_key(records[:8])
    codex = entries["chen2021codex"]
    assert codex.kind == "bib" and codex.entry_type == "misc" and codex.version == 2
    assert codex.title == "Evaluating Large Language Models Trained on Code"
    assert codex.authors == ("Chen, Mark", "Tworek, Jerry", "Jun, Heewoo")
    assert codex.fields["archiveprefix"] == "arXiv" and codex.fields["eprint"] == "2107.03374v2"
    assert codex.fields["title"] == "Evaluating Large Language Models Trained on {Code}"
    brown = entries["brown2020gpt3"]
    assert brown.fields["journal"] == "arXiv preprint arXiv:2005.14165" and brown.fields["year"] == "2020"
    assert brown.authors == ("Tom B. Brown", "Benjamin Mann") and brown.entry_type == "article"
    assert "old" not in {r.key for r in records}  # inside @comment{...}


def test_bib_problems(bib_scan: tuple[list[Record], list[ScanProblem]]) -> None:
    records, problems = bib_scan
    source = str(FIXTURES / "refs.bib")
    assert len(problems) == 2
    assert str(problems[0]).startswith(f"{source}:51: entry could not be parsed (")
    assert str(problems[1]) == f"{source}:56: duplicate key 'chen2021codex' (first defined on line 7)"
    entries = {(r.key, r.line): r for r in records}
    assert entries[("bad_eprint", 61)].problems == ("invalid arXiv id '2313.00001': month 13 does not exist",)
    assert entries[("pubmed", 67)].problems == ()
    assert entries[("mismatch", 73)].mentions == ("2208.03274",)
    assert "eprint 2207.14157, url 2208.03274" in entries[("mismatch", 73)].problems[0]
    assert entries[("chen2021codex", 56)].problems
    assert entries[("oldstyle", 79)].subject_class == "GT"


def test_bib_problems_reach_on_problem_structured(bib_scan: tuple[list[Record], list[ScanProblem]]) -> None:
    """The callback gets path, line and message apart: nobody parses 'path:line: msg' back."""
    _, problems = bib_scan
    assert [(p.path, p.line) for p in problems] == [(str(FIXTURES / "refs.bib"), 51),
                                                   (str(FIXTURES / "refs.bib"), 56)]
    assert problems[1].message == "duplicate key 'chen2021codex' (first defined on line 7)"
    assert problems[0].message.startswith("entry could not be parsed (")


def test_bib_that_is_all_broken_does_not_crash() -> None:
    problems: list[ScanProblem] = []
    records = scan_text("@article{x,\n title = {never closed\n\n@misc{y, eprint={2107.03374}}\n",
                        "broken.bib", on_problem=problems.append)
    assert [(r.key, r.arxiv_id) for r in records] == [("y", "2107.03374")]
    assert problems and str(problems[0]).startswith("broken.bib:1: entry could not be parsed")


def test_broken_entry_keeps_its_id_after_the_parse_problem() -> None:
    text = "@misc{k1, note = {arXiv:2313.00001}, title = {unclosed\n@misc{k2, eprint = {2107.03374}}\n"
    records = scan_text(text, "b.bib")
    broken = next(r for r in records if r.key == "k1")
    assert broken.arxiv_id is None and broken.entry_type == "misc"
    assert broken.problems[0].startswith("entry could not be parsed: ")
    assert broken.problems[1:] == ("invalid arXiv id '2313.00001': month 13 does not exist",)


def test_bib_chunks_keep_line_numbers_and_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large .bib files are parsed in chunks; lines and @string macros carry across chunks."""
    monkeypatch.setattr(bib_module, "_BIB_CHUNK", 10)
    text = "@string{pre = {arXiv preprint}}\n" + "".join(
        f"@misc{{k{i},\n  journal = pre # {{ arXiv:2107.0337{i}}},\n}}\n" for i in range(1, 6))
    records = scan_text(text, "many.bib")
    assert [(r.key, r.line, r.arxiv_id) for r in records] == [
        (f"k{i}", 2 + 3 * (i - 1), f"2107.0337{i}") for i in range(1, 6)]
    assert records[0].fields["journal"] == "arXiv preprint arXiv:2107.03371"


def test_a_long_line_read_in_pieces_keeps_the_lines_and_fields_after_it(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The pieces of one long line are joined without a line break: later entries keep their line numbers."""
    from arxref.scan import files

    abstract = " ".join(f"word{n} {{brace}}" for n in range(400))
    path = tmp_path / "long.bib"
    path.write_text(f"@misc{{a,\n  eprint = {{2107.03374}},\n  abstract = {{{abstract}}},\n}}\n\n"
                    "@misc{b,\n  eprint = {2005.14165},\n}\n", encoding="utf-8")
    whole = list(scan_file(path))
    monkeypatch.setattr(files, "LINE_PIECE", 64)
    pieces = list(scan_file(path))
    assert [(r.key, r.line, r.arxiv_id) for r in pieces] == [("a", 1, "2107.03374"), ("b", 6, "2005.14165")]
    assert [(r.key, r.line, r.fields) for r in pieces] == [(r.key, r.line, r.fields) for r in whole]


def test_a_block_bibtexparser_cannot_read_is_reported_as_unparsable() -> None:
    """sync refuses to touch such a file: the problem says so in a field, not only in words."""
    from arxref.scan import scan_text

    problems: list = []
    scan_text("@misc{ok, title = {A}}\n\n@misc{broken, title = {unclosed\n", "refs.bib", on_problem=problems.append)
    assert [(p.line, p.code) for p in problems] == [(3, "unparsable")]
    dup: list = []
    scan_text("@misc{a, title={A}}\n@misc{a, title={B}}\n", "refs.bib", on_problem=dup.append)
    assert [p.code for p in dup] == [""]
