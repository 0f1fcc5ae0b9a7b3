"""A snapshot file as blocks of whole lines, and a block of lines as rows.

The importing process only cuts the file at newlines (:func:`line_blocks`, one
bytes object per block, no object per line); :func:`parse_snapshot_block` turns a
block into rows. It is module-level and free of cache state, so the importer's
helper process can run it.
"""

from __future__ import annotations

import gc
import json
import zlib
from typing import Any, Callable, Iterator

from ..errors import InvalidIdError
from .rows import PaperRow, as_row, compact_json, snapshot_row

#: Bytes read from a snapshot at a time.
BLOCK_BYTES = 8 << 20
#: Bytes read from a gzip snapshot at a time: a read the stream fails in (a download cut short)
#: loses what it had decompressed, so at most this much is lost besides the cut line.
GZIP_READ_BYTES = 64 << 10
#: A snapshot line longer than this is reported and skipped (real records are a few KB).
MAX_LINE_BYTES = 64 << 20

#: What parsing lines gives: rows, ``file:line`` problems, records read.
Parsed = tuple[list[PaperRow], list[str], int]
#: The same on its way between processes (rows as plain tuples, in PaperRow's field order).
Transfer = tuple[list[tuple[Any, ...]], list[str], int]


class CutShort(Exception):
    """The file failed to read before its end (a gzip download cut short): every line before
    ``number`` was read whole and handed on; the rest, from the cut line on, is lost."""

    def __init__(self, number: int, cause: BaseException) -> None:
        super().__init__(f"line {number}: {getattr(cause, 'strerror', None) or cause}")
        self.number = number
        self.cause = cause


def line_blocks(stream: Any, first: bytes, first_number: int, size: int,
                too_long: Callable[[int], None], read_bytes: int = BLOCK_BYTES) -> Iterator[tuple[int, bytes, int]]:
    """(number of the first line, up to ``size`` whole lines as one bytes object, line count).

    ``first`` is the first line, already read from ``stream``. Lines are cut at
    ``\\n`` exactly as iterating over the file cuts them, but no object is made
    per line: the importing process only looks for newlines. A line longer than
    :data:`MAX_LINE_BYTES` is never held in memory: its number goes to
    ``too_long`` and it is dropped. A read that fails midway (a truncated or damaged gzip
    stream) hands on the whole lines before it, then raises :class:`CutShort`; a gzip stream
    is read ``read_bytes`` at a time (what a failing read had decompressed is lost with it).
    """
    buffer = bytearray(first)
    number, count, position, eof = first_number, 0, 0, False
    while True:
        while count < size:
            end = buffer.find(b"\n", position)
            if end < 0:
                break
            position, count = end + 1, count + 1
        if count < size and not eof:
            if len(buffer) - position <= MAX_LINE_BYTES:
                try:
                    data = stream.read(read_bytes)
                except (OSError, EOFError, zlib.error) as exc:  # gzip's BadGzipFile is an OSError
                    if count:
                        yield number, bytes(memoryview(buffer)[:position]), count
                    raise CutShort(number + count, exc) from None
                if data:
                    buffer += data
                    continue
                eof = True
                if len(buffer) > position:  # a last line without a newline
                    position, count = len(buffer), count + 1
            else:  # the line being read is too long: hand over what precedes it, drop it
                if count:
                    yield number, bytes(memoryview(buffer)[:position]), count
                    number, count = number + count, 0
                del buffer[:]
                position = 0
                eof = _skip_line(stream, buffer)
                too_long(number)
                number += 1
                continue
        if count:
            yield number, bytes(memoryview(buffer)[:position]), count
            del buffer[:position]
            number, count, position = number + count, 0, 0
        if eof and not buffer:
            return


def _skip_line(stream: Any, buffer: bytearray) -> bool:
    """Read past the rest of an over-long line; what follows it goes to ``buffer``. True at EOF."""
    while True:
        data = stream.read(BLOCK_BYTES)
        if not data:
            return True
        end = data.find(b"\n")
        if end >= 0:
            buffer += memoryview(data)[end + 1:]
            return False


def parse_snapshot_block(label: str, first_number: int, block: bytes) -> Transfer:
    """:func:`parse_snapshot_lines` for a block of whole lines (what the helper process is sent).

    The rows come back as plain tuples: a NamedTuple costs a Python call per row
    to pickle and another to unpickle, ~3 % of an import's CPU. :func:`received`
    gives them their names back.
    """
    lines = block.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    rows, problems, records = parse_snapshot_lines(label, first_number, lines)
    return list(map(tuple, rows)), problems, records


def received(parsed: Transfer) -> Parsed:
    """What :func:`parse_snapshot_block` sent, with named rows again."""
    rows, problems, records = parsed
    return list(map(as_row, rows)), problems, records


def parse_snapshot_lines(label: str, first_number: int, lines: list[bytes]) -> Parsed:
    """Rows, ``file:line`` problems and the record count for consecutive snapshot lines.

    Lines are decoded by orjson when it is installed (3x faster than json here); a
    line orjson refuses goes to json, which decides (it accepts NaN and lone
    surrogate escapes, which orjson does not) and words the error message.
    """
    from ..snapshot import SnapshotError, links_json, parse_record

    loads = json.loads
    fast_loads, dumps = fast_json()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # thousands of short-lived dicts: the cyclic GC only costs time here
    rows: list[PaperRow] = []
    problems: list[str] = []
    records = 0
    try:
        for number, line in enumerate(lines, start=first_number):
            if not line.strip():
                continue
            records += 1
            try:
                text = line.decode("utf-8").lstrip("\ufeff")
                try:
                    obj = fast_loads(text)
                except ValueError:
                    obj = loads(text)
                record = parse_record(obj)
            except UnicodeDecodeError:
                problems.append(f"{label}:{number}: not UTF-8 text")
                continue
            except json.JSONDecodeError as exc:
                problems.append(f"{label}:{number}: invalid JSON: {exc.msg} (column {exc.colno})")
                continue
            except (SnapshotError, InvalidIdError, ValueError, RecursionError) as exc:
                problems.append(f"{label}:{number}: {exc}")
                continue
            rows.append(snapshot_row(record, text.rstrip("\r\n"), links_json, dumps))
    finally:
        if gc_was_enabled:
            gc.enable()
    return rows, problems, records


def fast_json() -> tuple[Callable[[str], Any], Callable[[Any], str]]:
    """(loads, compact dumps of a list of names) by orjson if installed, else by json.

    ``dumps`` gives exactly what ``json.dumps(value, ensure_ascii=False,
    separators=(",", ":"))`` gives (tested); names orjson cannot encode (lone
    surrogates) go to json.
    """
    try:
        import orjson
    except ImportError:
        return json.loads, compact_json
    fast = orjson.dumps

    def dumps(value: Any) -> str:
        try:
            return fast(value).decode("utf-8")
        except TypeError:  # orjson.JSONEncodeError: a lone surrogate
            return compact_json(value)

    return orjson.loads, dumps
