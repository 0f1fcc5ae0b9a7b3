"""arxref.scan (the package face): scan_text/scan_file/scan_paths choose the scanner for each input."""

from __future__ import annotations

from pathlib import Path

import pytest

import arxref
from arxref.model import RECORD_KINDS
from arxref.scan import scan_file, scan_paths, scan_text

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scan"


def test_scan_text_forced_kind_and_unknown_kind() -> None:
    assert scan_text("arXiv:2107.03374", kind="text")[0].kind == "text"
    with pytest.raises(ValueError):
        scan_text("x", kind="nonsense")


def test_suffix_then_content_decides_the_kind(tmp_path: Path) -> None:
    dump = "Abstract:We study arXiv:2107.03374 here.\n"
    assert [r.kind for r in scan_text(dump, "notes.md")] == ["markdown"]
    assert [r.kind for r in scan_text(dump, "dump.txt")] == ["abstract"]
    (tmp_path / "dump.bbl").write_text("\\bibitem{k} arXiv:2107.03374\n")
    assert [r.kind for r in scan_file(tmp_path / "dump.bbl")] == ["tex"]


def test_every_kind_is_a_known_record_kind() -> None:
    records = list(scan_paths([SEEDS, FIXTURES]))
    assert {r.kind for r in records} == set(RECORD_KINDS)


def test_public_names_of_the_package() -> None:
    assert arxref.scan_paths is scan_paths and arxref.scan_file is scan_file and arxref.scan_text is scan_text
