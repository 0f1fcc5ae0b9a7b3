"""arxref.atomic: a target is always its old complete file or its new complete one."""

from __future__ import annotations

from pathlib import Path

import pytest

from arxref.atomic import write_atomically, write_atomically_many


def test_write_atomically_keeps_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "references.bib"
    target.write_text("old complete file\n", encoding="utf-8")

    def failing(stream: object) -> None:
        stream.write("half a bibliogr")  # type: ignore[attr-defined]
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_atomically(target, failing)
    assert target.read_text(encoding="utf-8") == "old complete file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["references.bib"]


def test_write_atomically_many_replaces_all_or_none(tmp_path: Path) -> None:
    targets = [tmp_path / "references.bib", tmp_path / "references.json"]
    for target in targets:
        target.write_text(f"old {target.suffix}\n", encoding="utf-8")

    def failing_in_second(streams: list) -> None:
        streams[0].write("complete first\n")
        streams[1].write("[half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_atomically_many(targets, failing_in_second)
    assert [t.read_text(encoding="utf-8") for t in targets] == ["old .bib\n", "old .json\n"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["references.bib", "references.json"]
    write_atomically_many(targets, lambda streams: [s.write(f"new {n}\n") for n, s in enumerate(streams)])
    assert [t.read_text(encoding="utf-8") for t in targets] == ["new 0\n", "new 1\n"]

