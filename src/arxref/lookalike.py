"""Numbers in prose that have an arXiv id's shape but are something else.

``1208.4471`` is a new-style id, a phone number's tail (``Fax: +49 30 1208.4471``), a
coordinate (``48.8584 1208.4471``), a date (``2012.0315``) or a measurement
(``1201.5678 ms``); only the text around it tells. :func:`arxref.ids.find_ids` asks here
about bare numbers (and about bare ``word/NNNNNNN``, which may be a path); an id written
with ``arXiv:``, a URL or a DOI is always an id.
"""

from __future__ import annotations

import re
from typing import Callable

from . import taxonomy

# A decimal that is no id next to the number: coordinates (48.8584 1208.4471) and dotted dates (15.12.2012).
_NUMBER = r"(?:\d{1,3}\.\d{3,}|\d{5,}\.\d+|\d+\.\d+\.\d+)"
# What after a bare NNNN.NNNN makes it no id, in one match at its end: more dotted digits (2024.03.15,
# 1.2345.6789), a unit (1234.5678 ms, 1105.1234 $), or a decimal neighbour (1208.4471, 13.40501).
_AFTER_RE = re.compile(
    r"\.\d"
    r"|\s?(?:ms|s|sec|seconds?|min|h|hz|khz|mhz|ghz|kb|mb|gb|tb|kg|g|mg|m|km|cm|mm|nm|%|"
    r"eur|usd|\$|€|dollars?|euros?|points?|px|pt|k|ev|kev|mev|gev|tev|v|mv|w|kw|db)(?![\w'-])"
    rf"|(?: ?[NSEW])?[°'\"]?[\s,;/]{{1,3}}(?:[NSEW] ?)?{_NUMBER}(?![\d.])",
    re.IGNORECASE,
)
# Context that marks a bare NNNN.NNNN as a measurement, phone, room or version number.
_CONTEXT_BEFORE_RE = re.compile(
    r"(?:\b(?:room|rm|tel|phone|fax|ext|version|ver|v|release|build|no|nr|call|dial|mobile|cell)\.?:?|[$€£+#])\s*$",
    re.IGNORECASE,
)
# A phone number's digits before the core: "Fax: +49 30 1208.4471", "Tel. (030) 1208.4471".
_PHONE_CHARS = "0123456789 \t\xa0()./+-"
_PHONE_WORD_RE = re.compile(r"\b(?:tel|telephone|phone|ph|fax|telefax|mobile|cell|call|dial)\.?:?$", re.IGNORECASE)
_PHONE_DIGITS_RE = re.compile(r"\+\d|\(0\d*\)")
_NUMBER_BEFORE_RE = re.compile(rf"(?<![\w.]){_NUMBER}[°'\"]?(?: ?[NSEW])?[\s,;/]{{1,3}}(?:[NSEW] ?)?$")
#: Blanks and separators between a number and its neighbour, and how a neighbour before it can end.
_SEPARATORS = frozenset(" \t\xa0,;/")
_NUMBER_END = frozenset("0123456789()+.-°'\"NSEW")


def is_look_alike(text: str, match: re.Match[str], now: Callable[[], int]) -> bool:
    """True when a bare new-style number is a date, version, measurement, coordinate or phone/room number.

    ``match`` is the id grammar's match (groups ``yymm`` and ``number``); ``now()`` the current YYMM.
    Every id passes every check, so each is one C call where it can be.
    """
    end = match.end()
    if _AFTER_RE.match(text, end, end + 28):
        return True
    core_start = match.start("yymm")
    if _CONTEXT_BEFORE_RE.search(text, core_start - 12 if core_start > 12 else 0, core_start):
        return True
    yymm, number = match.group("yymm", "number")
    mm = int(yymm[2:])
    if not 1 <= mm <= 12 and len(number) != 5:
        return True  # 1234.5678 (no year-month) is a plain number; 2313.00001 has an id's shape
    if len(number) == 4 and (yymm[:2] in ("19", "20") and _is_month_day(number) or int(yymm) > now()):
        return True  # 2012.0315 is a date, 4807.0380 (a future month and too few digits) a coordinate
    # a number just before (past one or two separators)? only then the regexes below run
    before = text[core_start - 1 : core_start] if core_start else ""
    if before in _SEPARATORS:
        before = text[core_start - 2 : core_start - 1] if core_start > 1 else ""
        if before in _SEPARATORS:
            before = text[core_start - 3 : core_start - 2] if core_start > 2 else ""
    return bool(before) and before in _NUMBER_END and (
        _is_phone(text, core_start) or _NUMBER_BEFORE_RE.search(text, max(0, core_start - 28), core_start) is not None)


def _is_month_day(digits: str) -> bool:
    """``0315``: a month and a day, as the tail of a ``YYYY.MMDD`` date."""
    return 1 <= int(digits[:2]) <= 12 and 1 <= int(digits[2:]) <= 31


def _is_phone(text: str, core_start: int) -> bool:
    """True when the digits before ``core_start`` are a phone number's (a ``+``, a ``(0..)`` area code, ``Fax:``)."""
    before = text[max(0, core_start - 32) : core_start]
    head = before.rstrip(_PHONE_CHARS)
    run = before[len(head):]  # the digits, blanks and brackets just before the number
    return _PHONE_DIGITS_RE.search(run) is not None or _PHONE_WORD_RE.search(head) is not None


def is_not_an_id(text: str, match: re.Match[str], now: Callable[[], int],
                 old_style_reason: Callable[[str, str], str | None]) -> bool:
    """True when a bare (unprefixed) match of the id grammar is something else: letters glued on, a path,
    a look-alike number.

    ``now()`` is the current YYMM and ``old_style_reason`` :func:`arxref.ids.check_old_style`
    (passed in, as ids imports this module).
    """
    end = match.end()
    if end < len(text) and text[end].isalpha():
        return True  # 0707.2096va, 1605.08386w1: a "v" with digits is a version, any other letter no id
    archive, yymm, category = match.group("archive", "yymm", "cat")
    if archive is not None:
        # hep-th/1601.07616: the archive says it is an id, unless it names none
        return _is_stray_path(match, old_style_reason)
    if yymm is None:
        return False
    if category is not None:
        return False  # 0706.0001 [q-bio.CB]: the category says it is an id
    return is_look_alike(text, match, now)


def _is_stray_path(match: re.Match[str], old_style_reason: Callable[[str, str], str | None]) -> bool:
    """True when a bare ``word/NNNNNNN`` or ``word/YYMM.NNNNN`` names no archive, nor misspells one (a path)."""
    archive = match.group("archive").lower()
    old_style = match.group("yymm") is None
    if archive in (taxonomy.OLD_ARCHIVES if old_style else taxonomy.ARCHIVES):
        return False
    near = taxonomy.closest_archive(archive, cutoff=0.8)
    return near is None or old_style and old_style_reason(near, match.group("digits")) is not None
