"""Where `export` writes: files beside each other, replaced atomically in one pass, or one stream.

The target files are settled before any work (so a refusal costs nothing): none may be one
of the run's inputs or the cache (:class:`arxref.paths.OutputGuard`), and their directory is
made. A stream (``export -o -``: stdout) takes exactly one format and must not be an input
file either (``... -o - >> refs.bib``).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Callable, Iterator, Sequence

from .atomic import write_atomically_many
from .errors import UsageError
from .paths import OutputGuard

if TYPE_CHECKING:
    from .formats import WriteOptions
    from .model import Entry, KeptBib


def prepare_outputs(inputs: Sequence[str | os.PathLike[str]], out_dir: str | os.PathLike[str] | None,
                    names: Sequence[str], cache_path: str | os.PathLike[str] | None,
                    stream: IO[bytes] | None) -> list[Path]:
    """The files to write (``out_dir/name`` for each of ``names``; none for a stream), checked
    and with their directory made. UsageError for an output that is an input, or for more than
    one format on a stream."""
    guard = OutputGuard(inputs, cache_path)
    if stream is not None:
        if len(names) != 1:
            raise UsageError(f"one stream holds one format, not {len(names)}")
        guard.check_stream(stream)
        return []
    if out_dir is None:
        raise UsageError("no output directory given")
    out = Path(out_dir)
    targets = [out / name for name in names]
    guard.check_all(targets)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out}: cannot create output directory: {exc.strerror or exc}") from None
    return targets


def write_outputs(entries: list[Entry], formats: list[str], options: WriteOptions, targets: list[Path],
                  stream: IO[bytes] | None, progress: Callable[[str, int, int], None] | None,
                  kept: KeptBib | None = None) -> None:
    """Every format in one pass: into ``targets`` (one per format) atomically, or the one format
    into ``stream``; ``kept`` (the input .bib files' other entries) first. ``progress('write',
    done, total)`` brackets the file writing."""
    from .formats import write_formats

    if stream is not None:
        with writing("stdout"):
            write_formats(entries, {formats[0]: stream}, options, kept=kept)
            stream.flush()
        return
    if progress is not None:  # writing a big bibliography takes seconds: say so
        progress("write", 0, len(targets))
    with writing(", ".join(map(str, targets)), "the files there before are unchanged"):
        write_atomically_many(
            targets, lambda streams: write_formats(entries, dict(zip(formats, streams)), options, kept=kept),
            binary=True)
    if progress is not None:
        progress("write", len(targets), len(targets))


@contextmanager
def writing(where: str, after: str = "") -> Iterator[None]:
    """A failed write of ``where`` (full disk, I/O error) as one UsageError naming it, not a traceback;
    ``after`` says what the user still has. A closed pipe (``| head``) stays BrokenPipeError: no error."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise UsageError(cannot_write(where, exc) + (f"; {after}" if after else "")) from None


def cannot_write(where: str, exc: OSError) -> str:
    """How every failed write is said (export's files, a command's stdout, the exit's last flush)."""
    return f"cannot write {where}: {exc.strerror or exc}"
