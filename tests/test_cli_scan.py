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
