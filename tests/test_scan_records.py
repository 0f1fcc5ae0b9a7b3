"""arxref.scan.records: the problem value, own ids, mentions, snippets, and plain text."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from arxref import ids
from arxref.errors import InputError
from arxref.model import Record
from arxref.scan import ScanProblem, invalid_problem, scan_file, scan_text
from arxref.scan.records import SNIPPET, blank, cited_id, find_mentions, id_record, own_problems, snippet

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scan"


def test_scan_problem_prints_as_before_and_stays_structured() -> None:
    assert str(ScanProblem("a/b.txt", 12, "invalid UTF-8")) == "a/b.txt:12: invalid UTF-8"
    assert str(ScanProblem("a/b.txt", None, "empty file")) == "a/b.txt: empty file"
    error = InputError("x.bib", 3, "broken")
    assert ScanProblem.from_error(error) == ScanProblem("x.bib", 3, "broken")
    assert str(ScanProblem.from_error(error)) == str(error)
    with pytest.raises(FrozenInstanceError):
        ScanProblem("a", 1, "m").line = 2  # type: ignore[misc]


def test_own_problems_of_a_match() -> None:
    good = next(ids.find_ids("arXiv:math.GT/0309136v2"))
    assert own_problems(good) == () and own_problems(None) == ()
    bad = next(ids.find_ids("arXiv:2313.00001"))
    assert own_problems(bad) == (invalid_problem(bad),)
    assert invalid_problem(bad) == "invalid arXiv id '2313.00001': month 13 does not exist"


def test_mentions_exclude_the_own_id_and_repeat_once() -> None:
    text = "see arXiv:2107.03374, arXiv:2108.02818v2 and again arXiv:2108.02818; arXiv:2313.00001"
    mentions, problems = find_mentions(text, exclude="2107.03374")
    assert mentions == ["2108.02818"]
    assert problems == ["invalid arXiv id '2313.00001': month 13 does not exist"]
    assert find_mentions(None) == ([], [])


def test_snippet_copies_a_bounded_slice() -> None:
    assert snippet("  short line  ", 2, 7) == "short line"
    padded = " " * 400 + "arXiv:2107.03374" + " " * 400
    assert snippet(padded, 400, 416) == "arXiv:2107.03374"
    long = "x" * 1000 + " arXiv:2107.03374 " + "y" * 1000
    window = snippet(long, 1001, 1017)
    assert len(window) <= SNIPPET and "arXiv:2107.03374" in window
    assert snippet(long, 0, 5) == "x" * SNIPPET


def test_id_record_and_blank() -> None:
    line = "read arXiv:2107.03374v2 now"
    record = id_record(next(ids.find_ids(line)), "n.txt", 4, "text", line, title="T")
    assert (record.source, record.line, record.column, record.arxiv_id, record.version, record.title) == (
        "n.txt", 4, 6, "2107.03374", 2, "T")
    assert record.text == line and record.problems == ()
    assert blank("ab`cd`ef", [(2, 6)]) == "ab    ef"


def test_plain_text_every_id_is_a_record() -> None:
    records = list(scan_file(FIXTURES / "notes.txt"))
    assert [(r.line, r.column, r.arxiv_id, r.version) for r in records] == [
        (2, 6, "2107.03374", 2), (2, 29, "2005.14165", None), (2, 68, "hep-th/9901001", None),
        (4, 13, None, None), (4, 34, None, None)]
    assert all(r.kind == "text" for r in records)
    assert records[3].problems == ("invalid arXiv id '2313.00001': month 13 does not exist",)
    assert "0911.12345" in records[4].problems[0]
    assert records[0].text.startswith("Read arXiv:2107.03374v2")


def test_records_are_frozen_and_print_json_lists() -> None:
    (record,) = scan_text("x arXiv:2313.00001", kind="text")
    with pytest.raises(FrozenInstanceError):
        record.problems = ()  # type: ignore[misc]
    data = record.to_json()
    assert data["problems"] == ["invalid arXiv id '2313.00001': month 13 does not exist"]
    assert data["authors"] == [] and data["mentions"] == [] and data["fields"] == {}
    assert list(data) == ["source", "line", "kind", "arxiv_id", "version", "title", "text", "authors", "mentions",
                          "key", "problems", "column", "subject_class", "comment", "fields", "entry_type", "role",
                          "category", "notes", "year"]


def test_record_init_matches_the_declared_fields() -> None:
    """Record.__init__ is written by hand (speed); it must take exactly the declared fields and defaults."""
    params = list(inspect.signature(Record.__init__).parameters.values())[1:]
    declared = dataclasses.fields(Record)
    assert [p.name for p in params] == [f.name for f in declared]
    for param, spec in zip(params, declared):
        if spec.default_factory is not dataclasses.MISSING:
            assert param.default is None and Record("s", 1, "bib").fields == spec.default_factory()
        else:
            assert param.default == (inspect.Parameter.empty if spec.default is dataclasses.MISSING
                                     else spec.default), spec.name
    record = Record("a.bib", 3, "bib", "2107.03374", 2, "T", "x", ("A",), ("2108.02818",), "k", ("p",), 4, "GT",
                    "c", {"eprint": "2107.03374"}, "misc", "citation", "cs.LG", ("n",), 2021)
    assert [getattr(record, f.name) for f in declared] == [
        "a.bib", 3, "bib", "2107.03374", 2, "T", "x", ("A",), ("2108.02818",), "k", ("p",), 4, "GT", "c",
        {"eprint": "2107.03374"}, "misc", "citation", "cs.LG", ("n",), 2021]
    assert dataclasses.replace(record, line=9).line == 9 and record.line == 3


@pytest.mark.slow
def test_a_50_mb_single_line_is_scanned(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    chunk = "lorem ipsum 3.1415 dolor sit amet, " * 1000
    with open(path, "w") as out:
        for i in range(1450):
            out.write(chunk)
            if i % 500 == 0:
                out.write(f" arXiv:2107.0{3374 + i:04d} ")
    assert path.stat().st_size > 50_000_000
    records = list(scan_file(path))
    assert [r.arxiv_id for r in records] == ["2107.03374", "2107.03874", "2107.04374"]
    assert all(r.line == 1 and len(r.text) <= 300 for r in records)


class _CopyCounting(str):
    """A str whose slices and sums stay counting: how many characters a function copies."""

    copied = 0

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        part = _CopyCounting(str.__getitem__(self, index))
        _CopyCounting.copied += len(part)
        return part

    def __add__(self, other: str) -> "_CopyCounting":
        joined = _CopyCounting(str.__add__(self, other))
        _CopyCounting.copied += len(joined)
        return joined


def test_blank_copies_the_line_once_however_many_spans() -> None:
    """Blanking 500 code spans or citations of a long line copied the whole line 500 times."""
    line = _CopyCounting(" ".join(f"`code{n}` arXiv:2107.{n:05d}" for n in range(1, 501)))
    spans = [(m.start(), m.end()) for m in __import__("re").finditer(r"`[^`]*`", line)]
    _CopyCounting.copied = 0
    out = blank(line, spans)
    assert _CopyCounting.copied <= 2 * len(line)
    assert len(out) == len(line) and "`" not in out and out.count("arXiv:") == 500


def test_blank_takes_repeated_and_nested_spans_as_their_union() -> None:
    assert blank("ab\\cite{x,y} cd", [(2, 12), (2, 12)]) == "ab           cd"
    assert blank("0123456789", [(1, 5), (2, 4), (3, 8), (9, 10)]) == "0       8 "


def test_snippets_of_a_line_with_long_blank_ends_measure_the_ends_once() -> None:
    """Every id of a long line asked where its text starts and ends: a walk over the blanks each time."""
    import sys

    line = " " * 20_000 + " ".join(f"arXiv:2107.{n:05d}" for n in range(1, 201)) + " " * 20_000
    count = [0]

    def local(frame, event, arg):  # type: ignore[no-untyped-def]
        count[0] += event == "line"
        return local

    def scope(frame, event, arg):  # type: ignore[no-untyped-def]
        return local if frame.f_code.co_name in ("snippet", "_text_ends") else None

    sys.settrace(scope)
    try:
        records = scan_text(line, kind="text")
    finally:
        sys.settrace(None)
    assert len(records) == 200 and records[0].text.startswith("arXiv:2107.00001")
    assert count[0] < 20 * len(records)


def test_plain_text_reading_list_items_become_records() -> None:
    records = list(scan_file(FIXTURES / "reading-list.txt"))
    got = [(r.line, r.column, r.kind, r.arxiv_id, r.title, r.authors, r.year) for r in records]
    assert got == [
        (3, 4, "text", None, "Language Models are Few-Shot Learners", ("Tom B. Brown", "Benjamin Mann", "Nick Ryder"),
         2020),
        (4, 4, "text", None, "Training language models to follow instructions with human feedback",
         ("Ouyang et al.",), 2022),
        (5, 4, "text", None, "Evaluating Large Language Models Trained on Code", ("Chen, M.", "Tworek, J.", "Jun, H."),
         2021),
        (6, 85, "text", "1703.10987", None, (), None),  # an item with its id is that id
        (7, 4, "text", None, "Release Strategies and the Social Impacts of Language Models",
         ("Solaiman, I.", "Brundage, M.", "Clark, J."), 2019),  # the title on the continuation line
    ]


def test_plain_text_without_list_items_is_unchanged() -> None:
    text = "Language Models are Few-Shot Learners. Tom B. Brown, Benjamin Mann. 2020.\nsee arXiv:2005.14165\n"
    assert [(r.line, r.arxiv_id) for r in scan_text(text, "notes.txt")] == [(2, "2005.14165")]


@pytest.mark.parametrize(("key", "base", "problem"), [
    ("2108.02818", "2108.02818", ""), ("arXiv:2108.02818v2", "2108.02818", ""), ("hep-th/9901001", "hep-th/9901001", ""),
    ("smith2020", None, ""), ("arXiv:2313.00001", None, "invalid arXiv id '2313.00001': month 13"),
    (" 2108.02818", None, ""), ("2108.02818 ", None, ""), ("arXiv: 2108.02818", None, ""), ("", None, ""),
])
def test_cited_id_of_a_key(key: str, base: str | None, problem: str) -> None:
    parsed, problems = cited_id(key)
    assert (parsed.base if parsed else None) == base
    assert (problems[0] if problems else "").startswith(problem) and len(problems) == (1 if problem else 0)
    assert cited_id(key) == (parsed, problems)  # remembered: the same answer again


def test_cited_id_refuses_a_key_with_any_unicode_blank_inside() -> None:
    """The blank test (str.split) agrees with str.isspace on every code point."""
    blanks = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    assert len(blanks) > 20
    for blank_char in blanks:
        assert cited_id(f"2108.{blank_char}02818") == (None, ()), repr(blank_char)
        assert cited_id(f"arXiv:2108.02818{blank_char}v2") == (None, ()), repr(blank_char)
