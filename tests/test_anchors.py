"""arxref.anchors: the cheap searches for where an id may stand, read once per line."""

from __future__ import annotations

import re

import pytest

from arxref import anchors, ids
from arxref.anchors import Anchors


def test_find_ids_reads_a_long_line_a_bounded_number_of_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each anchor search resumes where the last stopped: work grows with the line, not ids x line."""
    scanned = [0]

    class Counting:
        def __init__(self, pattern: "re.Pattern[str]") -> None:
            self.pattern = pattern

        def search(self, text: str, pos: int = 0) -> "re.Match[str] | None":
            found = self.pattern.search(text, pos)
            scanned[0] += (found.start() if found else len(text)) - pos
            return found

    monkeypatch.setattr(anchors, "_ANCHOR_NEW_RE", Counting(anchors._ANCHOR_NEW_RE))
    monkeypatch.setattr(anchors, "_ANCHOR_OLD_RE", Counting(anchors._ANCHOR_OLD_RE))
    line = " ".join(f"see arXiv:2107.{n:05d} at https://example.org/x" for n in range(1, 3000))
    found = list(ids.find_ids(line))
    assert len(found) == 2999
    assert scanned[0] <= 3 * len(line)


def test_anchors_of_both_styles_in_order() -> None:
    """A new-style anchor needs four digits before its dot, an old-style one a letter before its slash."""
    text = "pi 3.1415, see 2107.03374 and hep-th/9901001, 1/1234567 a/1234567 and 12.34567 then 0912.1234"
    found, pos = [], 0
    finder = Anchors(text)
    while (anchor := finder.next(pos)) >= 0:
        found.append(anchor)
        pos = anchor + 1
    assert found == [text.index(".03374"), text.index("/9901001"), text.index("a/1234567") + 1,
                     text.index(".1234", text.index("0912"))]
