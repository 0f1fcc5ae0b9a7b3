"""A progress display on stderr, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
from typing import TextIO


class ProgressPrinter:
    """Callable progress(stage, done, total) that redraws one status line."""

    active: "ProgressPrinter | None" = None
    """The printer whose line is on screen now (other stderr lines go above it: :meth:`print_above`)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._last = ""

    @classmethod
    def for_stderr(cls) -> "ProgressPrinter | None":
        return cls(sys.stderr) if sys.stderr.isatty() else None

    def __call__(self, stage: str, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        line = f"\r{stage:>8} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        if line != self._last:
            # pad over the rest of a longer previous line (a stage with a note)
            self.stream.write(line + " " * max(0, len(self._last) - len(line)))
            self.stream.flush()
            self._last = line
            ProgressPrinter.active = self

    def print_above(self, text: str) -> None:
        """A whole line of text (a retry notice), then the status line drawn again below it."""
        self.stream.write("\r" + text.ljust(len(self._last) - 1) + "\n" + self._last)
        self.stream.flush()

    def close(self) -> None:
        if ProgressPrinter.active is self:
            ProgressPrinter.active = None
        if self._last:
            self.stream.write("\n")
            self.stream.flush()
