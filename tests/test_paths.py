"""arxref.paths: missing inputs are named; an output that is an input (or the cache) is refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from arxref.errors import ExitCode, UsageError
from arxref.paths import OutputGuard, cache_files, require_existing


def test_existing_files_and_directories_pass(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    require_existing([tmp_path, tmp_path / "a.txt", str(tmp_path / "a.txt")])
    require_existing([])


def test_every_missing_path_is_named_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "gone.bib").symlink_to(tmp_path / "never-there.bib")
    with pytest.raises(UsageError) as caught:
        require_existing([tmp_path, tmp_path / "nope/", tmp_path / "gone.bib"])
    message = str(caught.value)
    assert message == (f"{tmp_path / 'nope'}: no such file or directory; "
                       f"{tmp_path / 'gone.bib'}: broken symbolic link")
    assert "\n" not in message and caught.value.exit_code == ExitCode.USAGE


def test_a_missing_directory_keeps_its_slash(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"^nonexistent/: no such file or directory$"):
        require_existing(["nonexistent/"])


@pytest.fixture
def refs(tmp_path: Path) -> Path:
    bib = tmp_path / "refs.bib"
    bib.write_text("% mine\n@book{knuth1984, title = {The TeXbook}}\n", encoding="utf-8")
    return bib


def test_a_new_output_or_another_file_is_fine(tmp_path: Path, refs: Path) -> None:
    other = tmp_path / "other.bib"
    other.write_text("", encoding="utf-8")
    OutputGuard([refs]).check_all([tmp_path / "new.bib", other])


def test_the_input_itself_is_refused_with_the_sync_hint(tmp_path: Path, refs: Path) -> None:
    with pytest.raises(UsageError) as caught:
        OutputGuard([refs]).check(refs)
    message = str(caught.value)
    assert message.startswith(f"refusing to write {refs}: it is an input of this run.")
    assert "`arxref sync`" in message and "\n" not in message
    assert caught.value.exit_code == ExitCode.USAGE


def test_another_spelling_a_symlink_and_a_hard_link_are_the_input(tmp_path: Path, refs: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    link = tmp_path / "link.bib"
    link.symlink_to(refs)
    hard = tmp_path / "hard.bib"
    os.link(refs, hard)
    guard = OutputGuard(["refs.bib"])
    (tmp_path / "sub").mkdir()
    for target in (tmp_path / "sub" / ".." / "refs.bib", link, hard):
        with pytest.raises(UsageError, match=r"it is an input of this run \(refs\.bib\)\."):
            guard.check(target)
    with pytest.raises(UsageError, match=r"^refusing to write refs\.bib: it is an input of this run\. "):
        guard.check(Path("./refs.bib"))


def test_an_input_symlink_leads_to_the_file_it_names(tmp_path: Path, refs: Path) -> None:
    link = tmp_path / "link.bib"
    link.symlink_to(refs)
    with pytest.raises(UsageError):
        OutputGuard([link]).check(refs)


def test_inputs_given_as_a_directory_are_the_files_the_scan_reads(tmp_path: Path, refs: Path) -> None:
    (tmp_path / "references.json").write_text("[]", encoding="utf-8")  # not a suffix a scan reads
    (tmp_path / ".hidden.bib").write_text("", encoding="utf-8")  # hidden: not read either
    (tmp_path / "sub").mkdir()
    guard = OutputGuard([tmp_path])
    with pytest.raises(UsageError, match=r"it is an input of this run\."):
        guard.check(refs)
    with pytest.raises(UsageError, match=r"it is an input of this run \(.*refs\.bib\)\."):
        guard.check(tmp_path / "sub" / ".." / "refs.bib")
    guard.check(tmp_path / "references.json")
    guard.check(tmp_path / ".hidden.bib")


def test_the_cache_and_its_journal_are_refused(tmp_path: Path) -> None:
    cache = tmp_path / "refs.bib"
    cache.write_bytes(b"SQLite format 3\x00")
    wal = tmp_path / "refs.bib-wal"
    wal.write_bytes(b"")
    assert cache_files(cache)[:2] == [cache, wal]
    guard = OutputGuard([], cache_path=cache)
    with pytest.raises(UsageError, match=r"it is the cache file .*refs\.bib\. .*--cache"):
        guard.check(cache, hint="name another --cache")
    with pytest.raises(UsageError, match="cache file"):
        guard.check(wal)


def test_inputs_are_walked_only_when_an_output_exists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import arxref.scan.files as files

    walked: list[object] = []
    monkeypatch.setattr(files, "expand", lambda paths, report: walked.append(paths) or iter(()))
    guard = OutputGuard([tmp_path])
    guard.check_all([tmp_path / "a.bib", tmp_path / "b.json"])
    assert walked == []
    (tmp_path / "a.bib").write_text("", encoding="utf-8")
    guard.check_all([tmp_path / "a.bib", tmp_path / "a.bib"])
    assert len(walked) == 1


def test_a_stream_that_is_an_input_file_is_refused(tmp_path: Path, refs: Path) -> None:
    import io

    guard = OutputGuard([refs])
    guard.check_stream(io.BytesIO())  # no descriptor: nothing to compare
    with open(tmp_path / "other.bib", "ab") as other:
        guard.check_stream(other)
    with open(refs, "ab") as same, pytest.raises(UsageError, match=r"^refusing to write stdout: it is an input"):
        guard.check_stream(same)
