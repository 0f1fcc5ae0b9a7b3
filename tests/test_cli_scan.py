"""`arxref scan`: the jsonl and text outputs, warnings on stderr, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from arxref.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scan"
LISTING = next(SEEDS.glob("002_*.txt"))


def test_cli_jsonl_on_seeds() -> None:
    result = CliRunner().invoke(cli, ["scan", str(SEEDS), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 42
    required = {"source", "line", "kind", "arxiv_id", "version", "title", "text", "mentions", "key", "problems"}
    assert all(required <= row.keys() for row in rows)
    assert sum(1 for row in rows if row["arxiv_id"]) == 10
    assert result.stderr == ""


def test_cli_jsonl_prints_lists_and_warnings_with_their_line() -> None:
    result = CliRunner().invoke(cli, ["scan", str(FIXTURES / "refs.bib"), "--format", "jsonl"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    codex = rows[0]
    assert codex["authors"] == ["Chen, Mark", "Tworek, Jerry", "Jun, Heewoo"] and codex["problems"] == []
    assert result.stderr.splitlines()[1] == (f"arxref: warning: {FIXTURES / 'refs.bib'}:56: "
                                             "duplicate key 'chen2021codex' (first defined on line 7)")


def test_cli_text_table_and_warnings(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01binary")
    result = CliRunner().invoke(cli, ["scan", str(LISTING), str(FIXTURES / "notes.txt"), str(tmp_path)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 15
    assert re.match(r"\S+002_\S+:1:1\s+listing\s+2108\.02818\s+Recently, there have been", lines[0])
    assert "2107.03374v2" in lines[10]
    assert "! invalid arXiv id '2313.00001'" in lines[13]
    # columns line up
    assert len({line.index("listing") for line in lines[:10]}) == 1
    assert f"{tmp_path / 'bad.txt'}: binary file (not text), skipped" in result.stderr
    assert "15 records from 2 files" in result.stderr


def test_cli_exit_codes(tmp_path: Path) -> None:
    missing = CliRunner().invoke(cli, ["scan", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2
    (tmp_path / "bin.txt").write_bytes(b"\x00\x00")
    nothing = CliRunner().invoke(cli, ["scan", str(tmp_path / "bin.txt")])
    assert nothing.exit_code == 1
    assert "no input file could be read" in nothing.stderr
    usage = CliRunner().invoke(cli, ["scan", str(LISTING), "--format", "xml"])
    assert usage.exit_code == 2


def test_cli_text_table_aligns_under_any_path_length(tmp_path: Path) -> None:
    """The table's columns line up however deep the checkout or the input lives."""
    deep = tmp_path.joinpath(*(["a-rather-long-directory-name"] * 6))
    deep.mkdir(parents=True)
    copy = deep / LISTING.name
    copy.write_bytes(LISTING.read_bytes())
    result = CliRunner().invoke(cli, ["scan", str(copy), str(LISTING)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(str(copy)) > 80 and len(lines) == 20
    assert len({line.index(" listing ") for line in lines}) == 1


def test_cli_jsonl_citation_of_an_id_carries_key_and_id(tmp_path: Path) -> None:
    """A \\cite key that is an id: role citation, the key as written, the canonical id and version."""
    tex = tmp_path / "paper.tex"
    tex.write_text("\\citep{arXiv:2108.02818v2, nokey}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["scan", str(tex), "--format", "jsonl"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["role"], r["key"], r["arxiv_id"], r["version"], r["column"]) for r in rows] == [
        ("citation", "arXiv:2108.02818v2", "2108.02818", 2, 8), ("citation", "nokey", None, None, 28)]
    text = CliRunner().invoke(cli, ["scan", str(tex)]).stdout
    assert "2108.02818v2  \\cite{arXiv:2108.02818v2}" in text


# --------------------------------------------------------------------------- issue 22: id forms in every input kind

from idforms_support import FORMS, INVALID, NOT_IDS, Form  # noqa: E402


def _scan_rows(path: Path) -> list[dict[str, object]]:
    result = CliRunner().invoke(cli, ["scan", str(path), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def _assert_form(row: dict[str, object], form: Form) -> None:
    assert (row["arxiv_id"], row["version"], row["category"]) == (form.base, form.version, form.category), form
    notes = row["notes"]
    assert isinstance(notes, list) and len(notes) == (1 if form.note else 0), form
    assert not form.note or form.note in notes[0]
    assert [p for p in row["problems"] if "subject class" in p] == ([form.warning] if form.warning else []), form


def test_scan_finds_every_form_in_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("".join(f"Line {n}: the result of {f.written} holds.\n" for n, f in enumerate(FORMS)), "utf-8")
    rows = _scan_rows(path)
    assert [row["line"] for row in rows] == list(range(1, len(FORMS) + 1))
    for row, form in zip(rows, FORMS):
        _assert_form(row, form)


def test_scan_reads_every_form_in_a_bib_eprint(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text("".join(f"@misc{{k{n},\n  title = {{Paper {n}}},\n  eprint = {{{f.written}}},\n"
                            f"  archivePrefix = {{arXiv}},\n}}\n\n" for n, f in enumerate(FORMS)), "utf-8")
    rows = _scan_rows(path)
    assert [row["key"] for row in rows] == [f"k{n}" for n in range(len(FORMS))]
    for row, form in zip(rows, FORMS):
        assert not [p for p in row["problems"] if "invalid" in p], row
        _assert_form(row, form)


def test_a_bib_primaryclass_is_the_hint_when_the_eprint_has_none(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text("@misc{a,\n  eprint = {2107.03374},\n  primaryClass = {cs.lg},\n}\n"
                    "@misc{b,\n  eprint = {2107.03374 [cs.SE]},\n  primaryClass = {cs.LG},\n}\n", "utf-8")
    assert [row["category"] for row in _scan_rows(path)] == ["cs.LG", "cs.SE"]


def test_scan_finds_every_form_in_a_tex_bibliography(tmp_path: Path) -> None:
    path = tmp_path / "paper.tex"
    items = "".join(f"\\bibitem{{k{n}}} A.~Author, \\emph{{Paper {n}}}, {f.written}.\n" for n, f in enumerate(FORMS))
    path.write_text(f"\\begin{{thebibliography}}{{99}}\n{items}\\end{{thebibliography}}\n", "utf-8")
    rows = _scan_rows(path)
    assert [row["key"] for row in rows] == [f"k{n}" for n in range(len(FORMS))]
    for row, form in zip(rows, FORMS):
        _assert_form(row, form)


def test_scan_finds_every_address_as_a_markdown_link(tmp_path: Path) -> None:
    addresses = [f for f in FORMS if f.url]
    path = tmp_path / "reading.md"
    path.write_text("".join(f"- [Results of paper {n}]({f.written})\n" for n, f in enumerate(addresses)), "utf-8")
    rows = _scan_rows(path)
    assert [row["title"] for row in rows] == [f"Results of paper {n}" for n in range(len(addresses))]
    for row, form in zip(rows, addresses):
        _assert_form(row, form)


def test_scan_markdown_text_forms(tmp_path: Path) -> None:
    forms = [f for f in FORMS if not f.url]
    path = tmp_path / "list.md"
    path.write_text("".join(f"* Paper {n}, {f.written}\n" for n, f in enumerate(forms)), "utf-8")
    rows = _scan_rows(path)
    assert len(rows) == len(forms)
    for row, form in zip(rows, forms):
        _assert_form(row, form)


def test_scan_reports_unknown_archives_and_skips_look_alikes(tmp_path: Path) -> None:
    path = tmp_path / "dump.txt"
    path.write_text("".join(f"{text}\n" for text in NOT_IDS) + "".join(f"cited: {t}\n" for t, _ in INVALID), "utf-8")
    rows = _scan_rows(path)
    assert [row["line"] for row in rows] == [len(NOT_IDS) + 1 + n for n in range(len(INVALID))]
    for row, (_, reason) in zip(rows, INVALID):
        assert row["arxiv_id"] is None and reason in row["problems"][0]


def test_scan_table_shows_an_unknown_subject_class(tmp_path: Path) -> None:
    path = tmp_path / "n.txt"
    path.write_text("old result math.ACS/0312059 here\n", "utf-8")
    result = CliRunner().invoke(cli, ["scan", str(path)])
    assert result.exit_code == 0
    assert "math/0312059" in result.stdout and "! unknown subject class math.ACS" in result.stdout
