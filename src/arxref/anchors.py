"""Where an arXiv id may stand in a long text: the cheap searches :func:`arxref.ids.find_ids` starts from.

Every id holds one of two anchors: ``.NNNN`` after four digits (new style) or ``/NNNNNNN``
after a letter (old style). Both patterns start with a literal, which the regex engine
searches for at memchr speed, so text without ids costs almost nothing; the full id
grammar then runs only on a small window around each anchor.
"""

from __future__ import annotations

import re

_ANCHOR_NEW_RE = re.compile(r"\.\d{4}")
_ANCHOR_OLD_RE = re.compile(r"/\d{7}")


def _next_new_anchor(text: str, pos: int) -> int:
    """Start of the next new-style anchor (``.NNNN`` after four digits) at or after ``pos``, or -1.

    Four digits before the dot are a cheap check that skips decimals like ``3.1415``.
    """
    while (found := _ANCHOR_NEW_RE.search(text, pos)) is not None:
        pos = found.start()
        if pos >= 4 and text[pos - 4 : pos].isdigit():
            return pos
        pos += 1
    return -1


def _next_old_anchor(text: str, pos: int) -> int:
    """Start of the next old-style anchor (``/NNNNNNN`` after a letter) at or after ``pos``, or -1."""
    while (found := _ANCHOR_OLD_RE.search(text, pos)) is not None:
        pos = found.start()
        if pos >= 1 and text[pos - 1].isalpha():
            return pos
        pos += 1
    return -1


class Anchors:
    """The next anchor of each style, remembered between calls.

    Each style's search resumes where the last one stopped, so a line is read once per
    style however many ids it holds: searching afresh from every id would re-read the
    rest of the line each time (quadratic on one-line files of many megabytes).
    """

    __slots__ = ("text", "new", "old")

    def __init__(self, text: str) -> None:
        self.text = text
        self.new = _next_new_anchor(text, 0)
        self.old = _next_old_anchor(text, 0) if "/" in text else -1

    def next(self, pos: int) -> int:
        """Start of the next plausible anchor at or after ``pos``, or -1."""
        if 0 <= self.new < pos:
            self.new = _next_new_anchor(self.text, pos)
        if 0 <= self.old < pos:
            self.old = _next_old_anchor(self.text, pos)
        if self.new < 0 or self.old < 0:
            return max(self.new, self.old)
        return min(self.new, self.old)
