"""Numbers shaped like ids that are phone numbers, coordinates, dates or versions (issue 17, item 3)."""

from __future__ import annotations

import pytest

from arxref import ids


def found(text: str) -> list[str | None]:
    return [m.arxiv_id.versioned if m.arxiv_id else m.problem for m in ids.find_ids(text)]


@pytest.mark.parametrize("text", [
    "Fax: +49 30 1208.4471",
    "Tel. (030) 1208.4471",
    "Phone: 030 1208.4471",
    "call +1 617 1208.4471 today",
    "Telefon +49 (0)30 1208.4471",
    "release v2.1208.4471",
    "taken 15.12.2012 1208.4471 at noon",
    "1208.4471 15.12.2012",
    "lat 48.8584, 1208.4471",
    "1208.4471, 13.40501",
    "52.5200° N 1208.4471",
    "due 2012.0315 and 1999.1231",
    "N 4807.0380 E 01131.0000",
])
def test_look_alikes_are_not_ids(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize("text, expected", [
    ("Fax: +49 30 arXiv:1208.4471", ["1208.4471"]),  # an arXiv: prefix is always an id
    ("Tel. (030) https://arxiv.org/abs/1208.4471", ["1208.4471"]),
    ("2107.03374, 2108.02818 and 2112.09332", ["2107.03374", "2108.02818", "2112.09332"]),  # ids next to ids
    ("Vaswani et al. (2017) 1706.03762", ["1706.03762"]),  # a year in brackets is no area code
    ("[12] 1208.4471", ["1208.4471"]),
    ("1. 1208.4471 and 2. 1209.0001", ["1208.4471", "1209.0001"]),
    ("speed-up of 1.5 in 1208.4471", ["1208.4471"]),  # one decimal is no coordinate
    ("see 2107.0337 (a digit short)", ["ids from 2107 have 5 digits after the dot, not 4"]),  # a typo is reported
])
def test_ids_next_to_numbers_stay_ids(text: str, expected: list[str]) -> None:
    assert found(text) == expected
