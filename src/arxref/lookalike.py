"""Numbers in prose that have an arXiv id's shape but are something else.

``1208.4471`` is a new-style id, a phone number's tail (``Fax: +49 30 1208.4471``), a
coordinate (``48.8584 1208.4471``), a date (``2012.0315``) or a measurement
(``1201.5678 ms``); only the text around it tells. :func:`arxref.ids.find_ids` asks here
about bare numbers; an id written with ``arXiv:``, a URL or a DOI is always an id.
"""

from __future__ import annotations

import re

# Context that marks a bare NNNN.NNNN as a measurement, phone, room or version number.
_UNIT_AFTER_RE = re.compile(
    r"\s?(?:ms|s|sec|seconds?|min|h|hz|khz|mhz|ghz|kb|mb|gb|tb|kg|g|mg|m|km|cm|mm|nm|%|"
    r"eur|usd|\$|€|dollars?|euros?|points?|px|pt|k|ev|kev|mev|gev|tev|v|mv|w|kw|db)(?![\w'-])",
    re.IGNORECASE,
)
_CONTEXT_BEFORE_RE = re.compile(
    r"(?:\b(?:room|rm|tel|phone|fax|ext|version|ver|v|release|build|no|nr|call|dial|mobile|cell)\.?:?|[$€£+#])\s*$",
    re.IGNORECASE,
)
# A phone number's digits before the core: "Fax: +49 30 1208.4471", "Tel. (030) 1208.4471".
_PHONE_CHARS = "0123456789 \t\xa0()./+-"
_PHONE_WORD_RE = re.compile(r"\b(?:tel|telephone|phone|ph|fax|telefax|mobile|cell|call|dial)\.?:?$", re.IGNORECASE)
_PHONE_DIGITS_RE = re.compile(r"\+\d|\(0\d*\)")
# A decimal that is no id next to the number: coordinates (48.8584 1208.4471) and dotted dates (15.12.2012).
_NUMBER = r"(?:\d{1,3}\.\d{3,}|\d{5,}\.\d+|\d+\.\d+\.\d+)"
_NUMBER_BEFORE_RE = re.compile(rf"(?<![\w.]){_NUMBER}[°'\"]?(?: ?[NSEW])?[\s,;/]{{1,3}}(?:[NSEW] ?)?$")
_NUMBER_AFTER_RE = re.compile(rf"(?: ?[NSEW])?[°'\"]?[\s,;/]{{1,3}}(?:[NSEW] ?)?{_NUMBER}(?![\d.])")


def is_look_alike(text: str, match: re.Match[str], now: int) -> bool:
    """True when a bare new-style number is a date, version, measurement, coordinate or phone/room number.

    ``match`` is the id grammar's match (groups ``yymm`` and ``number``); ``now`` the current YYMM.
    """
    end = match.end()
    after = text[end : end + 2]
    if len(after) == 2 and after[0] == "." and after[1].isdigit():
        return True  # 2024.03.15, 1.2345.6789
    if _UNIT_AFTER_RE.match(text, end, end + 12):
        return True
    core_start = match.start("yymm")
    if _CONTEXT_BEFORE_RE.search(text, max(0, core_start - 12), core_start):
        return True
    yymm, number = match.group("yymm"), match.group("number")
    mm = int(yymm[2:])
    if not 1 <= mm <= 12 and len(number) != 5:
        return True  # 1234.5678 (no year-month) is a plain number; 2313.00001 has an id's shape
    if len(number) == 4 and (yymm[:2] in ("19", "20") and _is_month_day(number) or int(yymm) > now):
        return True  # 2012.0315 is a date, 4807.0380 (a future month and too few digits) a coordinate
    return (_is_phone(text, core_start) or _NUMBER_BEFORE_RE.search(text, max(0, core_start - 28), core_start)
            is not None or _NUMBER_AFTER_RE.match(text, end, end + 28) is not None)


def _is_month_day(digits: str) -> bool:
    """``0315``: a month and a day, as the tail of a ``YYYY.MMDD`` date."""
    return 1 <= int(digits[:2]) <= 12 and 1 <= int(digits[2:]) <= 31


def _is_phone(text: str, core_start: int) -> bool:
    """True when the digits before ``core_start`` are a phone number's (a ``+``, a ``(0..)`` area code, ``Fax:``)."""
    before = text[max(0, core_start - 32) : core_start]
    head = before.rstrip(_PHONE_CHARS)
    run = before[len(head):]  # the digits, blanks and brackets just before the number
    return _PHONE_DIGITS_RE.search(run) is not None or _PHONE_WORD_RE.search(head) is not None
