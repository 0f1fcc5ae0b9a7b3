"""arxref.ids shortcuts for a dump's hot path give exactly what the general code gives.

A text that is one new-style id and nothing else (every line of an id dump) skips the
finder's anchor and window search (``ids._whole_id``); the checks of a month run once
per month (``ids._MONTHS``). Each is held here to the general path on many inputs.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arxref import ids
from arxref.scan.records import LinePiece

ROOT = Path(__file__).resolve().parent.parent


def _described(matches: Iterable[ids.IdMatch]) -> list[tuple[Any, ...]]:
    """Every field of each match and of its id (ArxivId equality ignores category, notes, warnings)."""
    return [(m.start, m.end, m.raw, type(m.raw), m.problem, m.explicit,
             None if m.arxiv_id is None else (m.arxiv_id.base, m.arxiv_id.version, m.arxiv_id.subject_class,
                                              m.arxiv_id.category, m.arxiv_id.notes, m.arxiv_id.warnings))
            for m in matches]


def _forget() -> None:
    """Empty the memos, so each path below builds its ids itself."""
    ids._BUILT.clear()
    ids._BASES.clear()
    ids._MONTHS.clear()


def assert_same_as_general(text: str) -> None:
    """find_ids (memos empty, then full) finds what the full grammar finds."""
    _forget()
    general = _described(ids._find_ids(text))
    _forget()
    assert _described(ids.find_ids(text)) == general, text
    assert _described(ids.find_ids(text)) == general, text  # again, from the memos


def _now() -> str:
    now = datetime.now(timezone.utc)
    return f"{now.year % 100:02d}{now.month:02d}"


def _next_month() -> str:
    now = datetime.now(timezone.utc)
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return f"{year % 100:02d}{month:02d}"


PREFIXES = st.sampled_from(["", "arXiv:", "arxiv:", "ARXIV:", "ArXiv:", "arXiv: ", "arXiv ", "xarXiv:", "abs/"])
MONTHS = st.one_of(st.sampled_from(["0704", "0703", "0912", "1412", "1413", "1500", "1501", "2403", "9912", "0013",
                                    "1200", "2012", "1912", _now(), _next_month()]),
                   st.from_regex(r"\d{4}", fullmatch=True))  # any script's digits too
NUMBERS = st.one_of(st.sampled_from(["0000", "00000", "0001", "00001", "0315", "1234", "12345", "123", "123456"]),
                    st.from_regex(r"\d{4,5}", fullmatch=True))
VERSIONS = st.sampled_from(["", "v1", "v2", "V3", "v0", "v12", "v9999", "v10000", "v", ".pdf", " [cs.LG]", "a", " "])


@settings(max_examples=600, deadline=None)
@given(PREFIXES, MONTHS, NUMBERS, VERSIONS)
def test_a_text_that_is_one_id(prefix: str, yymm: str, number: str, tail: str) -> None:
    assert_same_as_general(f"{prefix}{yymm}.{number}{tail}")


@pytest.mark.parametrize("text", [
    "arXiv:2107.03374", "2107.03374", "arXiv:2107.03374v2", "ARXIV:0912.1234v12", "arXiv:2313.00001",
    "arXiv:0703.1234", "arXiv:1412.12345", "arXiv:1501.1234", "arXiv:2107.00000", "2012.0315", "1234.5678",
    "2313.00001", f"arXiv:{_next_month()}.00001", f"{_now()}.00001", "arXiv:٢١٠٧.٠٣٣٧٤",
])
def test_dump_lines_take_the_shortcut_and_agree(text: str) -> None:
    assert ids._WHOLE_ID_RE.fullmatch(text) is not None
    assert_same_as_general(text)


def test_a_later_piece_of_a_long_line_gives_a_plain_str() -> None:
    (match,) = ids.find_ids(LinePiece("arXiv:2107.03374", 4 << 20))
    assert type(match.raw) is str and match.arxiv_id is not None and match.arxiv_id.base == "2107.03374"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="0123456789./:vVarXiv-hep th[]", max_size=30))
def test_id_shaped_noise(text: str) -> None:
    assert_same_as_general(text)


def _real_lines() -> list[str]:
    lines: list[str] = []
    for folder in ("seeds", "tests/fixtures", "tests/data/mixed", "examples"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in (".txt", ".md", ".tex", ".bib", ".bbl", ".json", ".atom", ".xml"):
                text = path.read_text(encoding="utf-8", errors="replace")
                lines.extend(line for line in text.splitlines() if "." in line)
    return lines


def test_every_line_of_the_real_files() -> None:
    lines = _real_lines()
    assert len(lines) > 1000
    for line in lines:
        assert_same_as_general(line)
        for piece in line.split():  # the words alone: many are exactly an id
            assert_same_as_general(piece.strip(",;()[]{}"))


def _check_new_style_reference(yymm: str, number: str) -> str | None:
    """check_new_style as it was before its months were remembered."""
    value = int(yymm)
    mm = value % 100
    if not 1 <= mm <= 12:
        return f"month {mm:02d} does not exist"
    if value < 704:
        return "new-style ids start in April 2007 (0704)"
    if value > int(_now()):
        return f"20{value // 100:02d}-{mm:02d} is in the future"
    if value <= 1412 and len(number) != 4:
        return f"ids from {yymm} have 4 digits after the dot, not {len(number)}"
    if value >= 1501 and len(number) != 5:
        return f"ids from {yymm} have 5 digits after the dot, not {len(number)}"
    if int(number) == 0:
        return "sequence number 0 does not exist"
    return None


def test_remembered_months_check_as_before() -> None:
    ids._MONTHS.clear()
    numbers = ["0000", "00000", "0001", "00001", "1234", "12345", "123", "123456"]
    for _ in range(2):  # first with no month remembered, then with all of them
        for value in range(10000):
            yymm = f"{value:04d}"
            for number in numbers:
                assert ids.check_new_style(yymm, number) == _check_new_style_reference(yymm, number), (yymm, number)
    assert 0 < len(ids._MONTHS) < 400
