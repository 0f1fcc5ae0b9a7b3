"""arxref.scan.files: walking directories, opening and decoding files, and reporting bad ones."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from arxref.errors import InputError
from arxref.scan import ScanProblem, ScanStats, files as files_module, scan_file, scan_paths


def test_bad_files_are_reported_and_the_scan_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a_binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "b_latin1.txt").write_bytes(b"caf\xe9 arXiv:2107.03374\nok arXiv:2108.02818\n")
    (tmp_path / "c_utf16.txt").write_text("UTF-16 note: arXiv:2112.09332\n", encoding="utf-16")
    (tmp_path / "d_empty.txt").write_bytes(b"")
    (tmp_path / "e_bom.txt").write_bytes("\ufeffarXiv:2203.02155\r\n".encode("utf-8"))
    problems: list[ScanProblem] = []
    stats = ScanStats()
    records = list(scan_paths([tmp_path, tmp_path / "missing.txt"], on_problem=problems.append, stats=stats))
    assert [(Path(r.source).name, r.line, r.arxiv_id) for r in records] == [
        ("b_latin1.txt", 1, "2107.03374"), ("b_latin1.txt", 2, "2108.02818"),
        ("c_utf16.txt", 1, "2112.09332"), ("e_bom.txt", 1, "2203.02155")]
    assert records[0].text == "caf\ufffd arXiv:2107.03374"
    assert records[-1].column == 1
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'a_binary.txt'}: binary file (not text), skipped",
        f"{tmp_path / 'b_latin1.txt'}:1: invalid UTF-8, undecodable bytes replaced by U+FFFD",
        f"{tmp_path / 'd_empty.txt'}: empty file",
        f"{tmp_path / 'missing.txt'}: no such file or directory",
    ]
    assert stats.files_scanned == 4 and stats.files_failed == 2 and stats.problems == problems


def test_problems_reaching_on_problem_carry_path_and_line(tmp_path: Path) -> None:
    """Structured until printed: a file-level problem has no line, a decoding problem has its line."""
    (tmp_path / "a.txt").write_bytes(b"fine arXiv:2107.03374\nstill fine\ncaf\xe9\nagain \xff\n")
    (tmp_path / "b.txt").write_bytes(b"\x00\x00")
    problems: list[ScanProblem] = []
    list(scan_paths([tmp_path], on_problem=problems.append))
    assert problems == [
        ScanProblem(str(tmp_path / "a.txt"), 3, "invalid UTF-8, undecodable bytes replaced by U+FFFD"),
        ScanProblem(str(tmp_path / "b.txt"), None, "binary file (not text), skipped"),
    ]


def test_cr_only_line_ends_and_utf16_numbering(tmp_path: Path) -> None:
    (tmp_path / "mac.txt").write_bytes(b"one\rtwo arXiv:2107.03374\rthree\r\n")
    (tmp_path / "u16.txt").write_text("x\ny arXiv:2108.02818\n", encoding="utf-16")
    assert [(r.line, r.arxiv_id) for r in scan_file(tmp_path / "mac.txt")] == [(2, "2107.03374")]
    assert [(r.line, r.arxiv_id) for r in scan_file(tmp_path / "u16.txt")] == [(2, "2108.02818")]


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("arXiv:2107.03374\n")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files_module, "open", denied, raising=False)
    problems: list[ScanProblem] = []
    assert list(scan_paths([path], on_problem=problems.append)) == []
    assert [str(p) for p in problems] == [f"{path}: cannot read: Permission denied"]
    with pytest.raises(InputError):
        list(scan_file(path))


def test_directory_walk_sorted_hidden_skipped_symlink_loops(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "notes.txt").write_text("arXiv:2005.14165\n")
    (tmp_path / ".hidden.txt").write_text("arXiv:2005.14165\n")
    (tmp_path / "b" / "z.txt").write_text("arXiv:2108.02818\n")
    (tmp_path / "a" / "y.md").write_text("arXiv:2107.03374\n")
    (tmp_path / "a" / "image.png").write_bytes(b"\x89PNG\x00")  # not a scanned suffix in a walk
    (tmp_path / "c.txt").write_text("arXiv:2112.09332\n")
    os.symlink(tmp_path, tmp_path / "b" / "loop")
    problems: list[ScanProblem] = []
    records = list(scan_paths([tmp_path], on_problem=problems.append))
    assert [(Path(r.source).relative_to(tmp_path).as_posix(), r.arxiv_id) for r in records] == [
        ("a/y.md", "2107.03374"), ("b/z.txt", "2108.02818"), ("c.txt", "2112.09332")]
    assert [str(p) for p in problems] == [f"{tmp_path / 'b' / 'loop'}: symlink loop, skipped"]
    assert problems[0].line is None


def test_named_file_is_scanned_whatever_its_suffix(tmp_path: Path) -> None:
    path = tmp_path / "README"
    path.write_text("see arXiv:2107.03374\n")
    assert [r.arxiv_id for r in scan_paths([path])] == ["2107.03374"]


def test_a_very_long_line_is_read_in_pieces_without_losing_or_doubling_an_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from arxref.scan import files, scan_file

    monkeypatch.setattr(files, "LINE_PIECE", 64)  # pieces of ~64 bytes: every id lands near a cut
    ids = [f"2107.{n:05d}" for n in range(1, 400)]
    path = tmp_path / "one-line.txt"
    path.write_text("see " + " and ".join(f"arXiv:{i}" for i in ids) + " for details\nnext line arXiv:2005.14165\n",
                    encoding="utf-8")
    records = list(scan_file(path, kind="text"))
    assert [r.arxiv_id for r in records] == ids + ["2005.14165"]
    assert {r.line for r in records[:-1]} == {1} and records[-1].line == 2


def test_pieces_of_a_line_without_whitespace_cut_between_characters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from arxref.scan import files

    monkeypatch.setattr(files, "LINE_PIECE", 16)
    data = ("é" * 40 + "\n").encode("utf-8")
    pieces = list(files._pieces(io.BufferedReader(io.BytesIO(data))))  # type: ignore[arg-type]
    assert b"".join(p for p, _ in pieces) == data
    assert all(p.decode("utf-8") for p, _ in pieces)  # no piece splits a character
    assert [c for _, c in pieces][-1] is False and all(c for _, c in pieces[:-1])
