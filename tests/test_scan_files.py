"""arxref.scan.files: walking directories, opening and decoding files, and reporting bad ones."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _places(path: Path, kind: str) -> list[tuple[int, int | None, str | None, str | None, str]]:
    return [(r.line, r.column, r.arxiv_id, r.key, r.role) for r in scan_file(path, kind=kind)]


def _long_line() -> str:
    words = []
    for n in range(1, 120):
        words += [f"é{n} arXiv:2107.{n:05d}", f"[link](https://arxiv.org/abs/2108.{n:05d})", f"\\cite{{k{n},j{n}}}"]
    return "Abstract: " + " ".join(words)


@pytest.mark.parametrize("kind", ["text", "markdown", "tex"])
def test_records_in_later_pieces_of_a_long_line_keep_their_true_line_and_column(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """A line read in pieces gives the records (line, column) it gives when read whole (order within a line may differ)."""
    path = tmp_path / "long.txt"
    path.write_text("first line\n" + _long_line() + "\nlast arXiv:2005.14165\n", encoding="utf-8")
    whole = _places(path, kind)
    monkeypatch.setattr(files_module, "LINE_PIECE", 97)
    assert sorted(_places(path, kind), key=repr) == sorted(whole, key=repr)
    assert len(whole) >= 120 and whole[-1][0] == 3


def test_an_abstract_line_read_in_pieces_gives_true_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the first piece of a giant abstract line, ids are records of their own, at their true columns."""
    line = _long_line()
    path = tmp_path / "dump.txt"
    path.write_text(line + "\n", encoding="utf-8")
    monkeypatch.setattr(files_module, "LINE_PIECE", 97)
    records = list(scan_file(path, kind="abstract"))
    assert records[0].kind == "abstract" and records[0].column == len("Abstract:") + 1
    placed = [r for r in records[1:] if r.arxiv_id]
    assert len(placed) > 200
    for record in placed:
        written = line[record.column - 1:]
        assert written.startswith((f"arXiv:{record.arxiv_id}", f"https://arxiv.org/abs/{record.arxiv_id}")), record


def test_old_mac_line_ends_inside_a_long_line_still_end_lines(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mac.txt"
    path.write_bytes(b"\r".join(b"line %d arXiv:2107.%05d" % (n, n) for n in range(1, 200)) + b"\r")
    whole = _places(path, "text")
    monkeypatch.setattr(files_module, "LINE_PIECE", 50)
    assert _places(path, "text") == whole
    assert [line for line, *_ in whole] == list(range(1, 200))


def test_invalid_utf8_in_a_later_piece_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files_module, "LINE_PIECE", 32)
    path = tmp_path / "bad.txt"
    path.write_bytes(b"ok\n" + b"word " * 20 + b"caf\xe9 arXiv:2107.03374\n")
    problems: list[ScanProblem] = []
    records = list(scan_file(path, on_problem=problems.append))
    assert [str(p) for p in problems] == [f"{path}:2: invalid UTF-8, undecodable bytes replaced by U+FFFD"]
    assert [(r.line, r.column, r.arxiv_id) for r in records] == [(2, 106, "2107.03374")]


_WORDS = [b"arXiv:2107.03374", b"2005.14165v2", b"hep-th/9901001", b"arXiv:2313.00001", b"word", b"\xc3\xa9t\xc3\xa9",
          b"\xff", b"https://arxiv.org/abs/2108.02818", b"(arXiv:0704.0001),"]
_BREAKS = [b" ", b"  ", b"\t", b"\n", b"\r\n", b"\r", b"\n\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from(_BREAKS)), max_size=60),
       st.integers(min_value=40, max_value=120))
def test_reading_in_pieces_finds_what_reading_whole_lines_finds(words: list[tuple[bytes, bytes]], piece: int) -> None:
    """Ids, lines, columns and problems agree whatever the piece size (line ends and blanks anywhere)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.txt"
        path.write_bytes(b"".join(word + brk for word, brk in words))
        if not path.stat().st_size:
            return
        whole_problems: list[ScanProblem] = []
        whole = [(r.line, r.column, r.arxiv_id) for r in scan_file(path, kind="text", on_problem=whole_problems.append)]
        original = files_module.LINE_PIECE
        files_module.LINE_PIECE = piece
        try:
            problems: list[ScanProblem] = []
            pieces = [(r.line, r.column, r.arxiv_id) for r in scan_file(path, kind="text", on_problem=problems.append)]
        finally:
            files_module.LINE_PIECE = original
    assert pieces == whole and problems == whole_problems


def test_cuts_keep_what_an_id_s_neighbours_decide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut where no digit is near: a prefix split from its id, or a unit or 'room' cut off a number, would change the ids found."""
    prose = "the quick brown fox jumps over the lazy dog " * 5
    tricky = ["arXiv: 2107.03374", "arXiv 2108.02818v2", "room 1203.4567", "2107.0337 ms", "see 2005.14165 and",
              "tel. 2101.00001", "hep-th/9901001;", "version 2112.09332"]  # glued letters: no id
    line = prose.join(tricky * 8)
    path = tmp_path / "tricky.txt"
    path.write_text(line + "\n", encoding="utf-8")
    whole = _places(path, "text")
    assert {arxiv_id for _, _, arxiv_id, _, _ in whole} == {"2107.03374", "2108.02818", "2005.14165", "hep-th/9901001",
                                                          None}  # 'room', 'ms', 'tel.' and 'version' numbers are not ids
    for piece in range(300, 700, 37):
        monkeypatch.setattr(files_module, "LINE_PIECE", piece)
        assert _places(path, "text") == whole, piece


def test_a_crlf_cut_between_its_cr_and_lf_ends_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A piece ending at the CR of a CRLF (the LF starting the next read) ends one line, not two."""
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"2005.14165v2\rhttps://arxiv.org/abs/2108.02818\r\narXiv:2107.03374 ")
    whole = _places(path, "text")
    assert [line for line, *_ in whole] == [1, 2, 3]
    monkeypatch.setattr(files_module, "LINE_PIECE", 46)  # the first read ends right after the CR
    assert _places(path, "text") == whole


def test_whole_file_reads_refuse_what_is_no_regular_file(tmp_path: Path) -> None:
    """A bibliography or document read whole (sync, the pandoc filter) is refused if it is a device
    (``refs.bib -> /dev/zero`` would never end) or a directory, with the file named."""
    from arxref.scan.files import document_lines, read_bytes

    device = tmp_path / "refs.bib"
    device.symlink_to(os.devnull)
    with pytest.raises(InputError, match=r"refs\.bib: not a regular file \(FIFO, socket or device\)$"):
        read_bytes(device)
    with pytest.raises(InputError, match="refs.bib: not a regular file"):
        list(document_lines(device))
    with pytest.raises(InputError, match="is a directory"):
        read_bytes(tmp_path)
    doc = tmp_path / "paper.tex"
    doc.write_bytes(b"\xef\xbb\xbf\\cite{a}\r\n\\bibliography{refs}\rend")
    assert list(document_lines(doc)) == [(1, "\\cite{a}"), (2, "\\bibliography{refs}"), (3, "end")]
    assert read_bytes(doc).startswith(b"\xef\xbb\xbf")
