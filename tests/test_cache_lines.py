"""Snapshot lines (arxref.cache.lines): cutting a file into blocks of lines, and parsing lines into rows."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings, strategies as st

from arxref.cache import lines as lines_module
from arxref.cache.rows import compact_json
from arxref.model import Paper
from arxref.snapshot import paper_to_snapshot
from cache_support import real_papers as load_real_papers


@pytest.fixture(scope="module")
def real_papers() -> dict[str, Paper]:
    return load_real_papers()


@settings(max_examples=400, deadline=None)
@given(data=st.lists(st.sampled_from([b"a", b"bc", b"\n", b"\r\n", b"{}", b"xxxxxxxxx", b" "]), max_size=60),
       size=st.integers(1, 5), block=st.integers(1, 7), max_line=st.integers(1, 12))
def test_line_blocks_cut_the_file_as_line_iteration_does(data: list[bytes], size: int, block: int,
                                                         max_line: int) -> None:
    """Blocks hold whole lines, numbered as the file numbers them; only over-long lines are dropped."""
    content = b"".join(data)
    stream = io.BytesIO(content)
    first = stream.readline()
    too_long: list[int] = []
    got: dict[int, bytes] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lines_module, "BLOCK_BYTES", block)
        patch.setattr(lines_module, "MAX_LINE_BYTES", max_line)
        for number, chunk, count in lines_module.line_blocks(stream, first, 1, size, too_long.append):
            lines = chunk.split(b"\n")
            if chunk.endswith(b"\n"):
                lines.pop()
            assert 0 < count <= size and len(lines) <= count
            kept = [n for n in range(number, number + count) if n not in too_long]
            assert len(kept) == len(lines)
            got.update(zip(kept, lines))
    expected = dict(enumerate((line.rstrip(b"\n") for line in io.BytesIO(content)), start=1))
    assert set(got) | set(too_long) == set(expected) and not set(got) & set(too_long)
    for number, line in expected.items():
        if number in too_long:
            assert len(line) + 1 > max_line  # dropped lines really were too long (newline included)
        else:
            assert got[number] == line


@settings(max_examples=300, deadline=None)
@given(names=st.lists(st.text(), max_size=5))
def test_fast_author_json_equals_json_dumps(names: list[str]) -> None:
    _, dumps = lines_module.fast_json()
    assert dumps(tuple(names)) == json.dumps(names, ensure_ascii=False, separators=(",", ":"))


def test_snapshot_lines_parse_the_same_with_and_without_orjson(monkeypatch: pytest.MonkeyPatch,
                                                               real_papers: dict[str, Paper]) -> None:
    """orjson is only a faster path: rows and problems are what json alone gives."""
    lines = [json.dumps(paper_to_snapshot(paper), ensure_ascii=False).encode() for paper in real_papers.values()]
    lines += [b'{"id": "2001.00001", "title": NaN}', b"{broken", b'{"id": "\\ud800"}', b"\xff\xfe",
              b'{"id": 2001.00001}', b"[1, 2]"]
    fast = lines_module.parse_snapshot_lines("f", 1, lines)
    monkeypatch.setattr(lines_module, "fast_json", lambda: (json.loads, compact_json))
    slow = lines_module.parse_snapshot_lines("f", 1, lines)
    assert fast == slow
    assert len(fast[0]) == len(lines) - 6 and len(fast[1]) == 6


def test_a_block_parses_as_its_lines(real_papers: dict[str, Paper]) -> None:
    """What the helper process is sent (one bytes object) gives what the lines give, numbered from the block's start."""
    lines = [json.dumps(paper_to_snapshot(paper), ensure_ascii=False).encode() for paper in real_papers.values()]
    lines.insert(2, b"{broken")
    block = b"\n".join(lines) + b"\n"
    assert lines_module.parse_snapshot_block("f", 10, block) == lines_module.parse_snapshot_lines("f", 10, lines)
    assert lines_module.parse_snapshot_block("f", 10, block)[1][0].startswith("f:12: invalid JSON")
