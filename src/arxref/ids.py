"""arXiv identifier grammar: parse, validate and canonicalise every form users paste.

Two schemes exist (https://info.arxiv.org/help/arxiv_identifier.html):

* new style ``YYMM.NNNN`` (0704-1412) and ``YYMM.NNNNN`` (1501 on), optional ``vN``;
* old style ``archive/YYMMNNN`` or ``archive.SC/YYMMNNN`` (9107-0703).

The API itself accepts impossible ids (month 13 passes its lenient regex) and
matches ids verbatim (``math.GT/0309136`` finds nothing), so this module is the
gate: only canonical, possible ids ever leave it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterator

from .errors import InvalidIdError

#: Archives that ever had old-style identifiers (current and retired).
OLD_ARCHIVES = frozenset(
    """
    acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn chem-ph cmp-lg
    comp-gas cond-mat cs dg-ga funct-an gr-qc hep-ex hep-lat hep-ph hep-th math math-ph
    mtrl-th nlin nucl-ex nucl-th patt-sol physics plasm-ph q-alg q-bio q-fin quant-ph
    solv-int stat supr-con
    """.split()
)

_ARCHIVE_ALT = "|".join(sorted((re.escape(a) for a in OLD_ARCHIVES), key=len, reverse=True))


@dataclass(frozen=True, order=True)
class ArxivId:
    """A validated arXiv identifier.

    ``base`` is what the API accepts and what arxref keys everything on;
    the subject class of old-style ids is information only.
    """

    base: str
    """Canonical id without version: ``2107.03374``, ``hep-th/9901001``."""
    version: int | None = None
    subject_class: str | None = None
    """``GT`` for ``math.GT/0309136``; never part of ``base``."""

    def __init__(self, base: str, version: int | None = None, subject_class: str | None = None) -> None:
        """The fields as declared above, set by hand: the frozen dataclass's own ``__init__`` goes
        through ``object.__setattr__`` (slower), and a dump builds one ArxivId per distinct id."""
        values = self.__dict__
        values["base"] = base
        values["version"] = version
        values["subject_class"] = subject_class

    def __str__(self) -> str:
        return self.versioned if self.version else self.base

    @property
    def versioned(self) -> str:
        return f"{self.base}v{self.version}" if self.version else self.base

    @property
    def is_old_style(self) -> bool:
        return "/" in self.base


_now_cache: list[float] = [0.0, 0.0]  # [yymm, monotonic time it expires]


def _now_yymm() -> int:
    """The current year-month as YYMM (ids after it cannot exist); cached for a minute (hot path)."""
    tick = time.monotonic()
    if tick >= _now_cache[1]:
        now = datetime.now(timezone.utc)
        _now_cache[:] = [(now.year % 100) * 100 + now.month, tick + 60.0]
    return int(_now_cache[0])


def check_new_style(yymm: str, number: str) -> str | None:
    """Why ``yymm.number`` cannot be an arXiv id, or None when it can."""
    value = int(yymm)
    mm = value % 100
    if not 1 <= mm <= 12:
        return f"month {mm:02d} does not exist"
    if value < 704:
        return "new-style ids start in April 2007 (0704)"
    if value > _now_yymm():
        return f"20{value // 100:02d}-{mm:02d} is in the future"
    if value <= 1412 and len(number) != 4:
        return f"ids from {yymm} have 4 digits after the dot, not {len(number)}"
    if value >= 1501 and len(number) != 5:
        return f"ids from {yymm} have 5 digits after the dot, not {len(number)}"
    if int(number) == 0:
        return "sequence number 0 does not exist"
    return None


def check_old_style(archive: str, digits: str) -> str | None:
    """Why ``archive/digits`` cannot be an old-style id, or None when it can."""
    if archive not in OLD_ARCHIVES:
        return f"{archive!r} is not an arXiv archive"
    yy, mm, seq = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    if not 1 <= mm <= 12:
        return f"month {mm:02d} does not exist"
    year = 1900 + yy if yy >= 91 else 2000 + yy
    if (year, mm) < (1991, 7) or (year, mm) > (2007, 3):
        return f"old-style ids run from 9107 to 0703, not {digits[:4]}"
    if seq == 0:
        return "sequence number 000 does not exist"
    return None


_VERSION = r"(?:v(?P<version>[1-9]\d{0,3}))?"
_NEW_CORE = r"(?P<yymm>\d{4})\.(?P<number>\d{4,5})"
_OLD_CORE = rf"(?P<archive>{_ARCHIVE_ALT})(?:\.(?P<subject>[A-Za-z][A-Za-z-]{{0,15}}))?/(?P<digits>\d{{7}})"

_STRICT_RE = re.compile(rf"(?:{_NEW_CORE}|{_OLD_CORE}){_VERSION}", re.IGNORECASE)

# Wrappers around a bare id, stripped by `parse`.
_WRAPPER_RE = re.compile(
    r"""^\s*(?:
        (?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|ps|format|src)/
      | (?:https?://)?(?:dx\.)?doi\.org/10\.48550/arxiv\.
      | (?:doi:\s*)?10\.48550/arxiv\.
      | arxiv\s*:\s*(?:abs/|pdf/|html/)?
      | arxiv\s+
      | abs/ | pdf/ | html/
    )""",
    re.IGNORECASE | re.VERBOSE,
)


_LEADING_PUNCT_RE = re.compile(r"^[\s(\[{<'\"]+")
_TRAILING_RE = re.compile(r"(?:\.pdf)?[\s.,;:!?)\]}>'\"/]*$", re.IGNORECASE)


#: Canonical new-style bases already parsed (valid ones only; an id "in the future" becomes
#: possible when its month comes). A run parses each paper's id in several stages (scan,
#: fetch, dedup) and the full grammar costs ~10 us; bounded: cleared when full.
_BASES: dict[str, ArxivId] = {}
_BASES_MAX = 1 << 17


def _build(match: re.Match[str]) -> ArxivId:
    """Validate a regex match of the id core; raise InvalidIdError with the reason."""
    yymm, number, written = match.group("yymm", "number", "version")
    version = int(written) if written else None
    if yymm:
        reason = check_new_style(yymm, number)
        if reason:
            raise InvalidIdError(match.group(0), reason)
        base = f"{yymm}.{number}"
        if version is None:  # what :func:`parse` gives for the base: the later stages parse it again
            known = _BASES.get(base)
            if known is not None:
                return known
            if len(_BASES) >= _BASES_MAX:
                _BASES.clear()
            parsed = _BASES[base] = ArxivId(base)
            return parsed
        return ArxivId(base, version)
    raw = match.group(0)
    archive = match.group("archive").lower()
    subject = match.group("subject")
    reason = check_old_style(archive, match.group("digits"))
    if reason:
        raise InvalidIdError(raw, reason)
    return ArxivId(f"{archive}/{match.group('digits')}", version, subject)


def _parse_base(value: str) -> ArxivId | None:
    """``value`` parsed when it is exactly a possible new-style base id (``2107.03374``), else None.

    What :func:`parse` returns for such a string, without its regular expressions;
    anything else (a version, a prefix, an impossible id) is left to the full grammar.
    """
    known = _BASES.get(value)
    if known is not None:
        return known
    if len(value) not in (9, 10) or value[4:5] != "." or not value.isascii():
        return None
    yymm, number = value[:4], value[5:]
    if not (yymm.isdigit() and number.isdigit()) or check_new_style(yymm, number) is not None:
        return None
    if len(_BASES) >= _BASES_MAX:
        _BASES.clear()
    parsed = _BASES[value] = ArxivId(value)
    return parsed


def parse(value: str) -> ArxivId:
    """Parse one id in any accepted form (``arXiv:``, URL, DOI, eprint field...).

    Raises InvalidIdError when the string is not exactly one possible id.
    """
    base = _parse_base(value)  # the canonical form, as the stages hand ids on: no regex needed
    if base is not None:
        return base
    text = _LEADING_PUNCT_RE.sub("", value)
    stripped = _WRAPPER_RE.sub("", text, count=1)
    # a URL's query or fragment (ids never contain ? or #)
    stripped = stripped.split("?", 1)[0].split("#", 1)[0]
    # trailing punctuation and a ".pdf" suffix are never part of an id
    stripped = _TRAILING_RE.sub("", stripped)
    match = _STRICT_RE.fullmatch(stripped)
    if not match:
        raise InvalidIdError(value, "not an arXiv identifier")
    return _build(match)


def canonical(value: str) -> str:
    """The canonical versionless id of ``value`` (idempotent)."""
    return parse(value).base


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except InvalidIdError:
        return False
    return True


# Free-text finder. Explicit forms (prefix/URL/DOI) are ids even when impossible,
# so they are reported; bare numbers are ids only when valid and not look-alikes.
_FIND_RE = re.compile(
    rf"""
    (?:(?P<prefix>
        (?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|ps|format|src)/
      | (?:https?://)?(?:dx\.)?doi\.org/10\.48550/arxiv\.
      | 10\.48550/arxiv\.
      | \barxiv\s?:\s?(?:abs/|pdf/|html/)?
      | \barxiv\s
      | (?<![\w./])(?:abs|pdf|html)/
    )
    |(?<![\w.\-/+])
    )
    (?:{_NEW_CORE}|{_OLD_CORE})
    {_VERSION}
    (?P<pdf>\.pdf)?
    (?![\d])
    """,
    re.IGNORECASE | re.VERBOSE,
)

# Every id contains one of these; both start with a literal, which the regex
# engine searches for at memchr speed, so text without ids costs almost nothing.
_ANCHOR_NEW_RE = re.compile(r"\.\d{4}")
_ANCHOR_OLD_RE = re.compile(r"/\d{7}")
#: Longest prefix + archive + subject class that can precede an anchor.
_LOOKBACK = 72
#: Longest tail after an anchor: 5th digit, v9999, .pdf, and the lookahead.
_LOOKAHEAD = 16

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
_CORE_IN_RAW_RE = re.compile(rf"(?:{_NEW_CORE}|{_OLD_CORE}){_VERSION}", re.IGNORECASE)


@dataclass(frozen=True)
class IdMatch:
    """An id-like token found in free text."""

    start: int
    end: int
    raw: str
    arxiv_id: ArxivId | None
    problem: str | None = None
    """Why the token is an impossible id (``arxiv_id`` is then None)."""
    explicit: bool = False
    """True when written with an arXiv prefix, URL or DOI (not a bare number)."""

    def __init__(self, start: int, end: int, raw: str, arxiv_id: ArxivId | None, problem: str | None = None,
                 explicit: bool = False) -> None:
        """The fields as declared above, set by hand (as :class:`ArxivId`'s): one IdMatch per id found."""
        values = self.__dict__
        values["start"] = start
        values["end"] = end
        values["raw"] = raw
        values["arxiv_id"] = arxiv_id
        values["problem"] = problem
        values["explicit"] = explicit

    @property
    def id_text(self) -> str:
        """The id as written, without prefix or ``.pdf`` (``2313.00001`` in ``arXiv:2313.00001``)."""
        found = _CORE_IN_RAW_RE.search(self.raw)
        return found.group(0) if found else self.raw


def _is_look_alike(text: str, match: re.Match[str]) -> bool:
    """True when a bare new-style number is a date, version, measurement or phone/room number."""
    end = match.end()
    after = text[end : end + 2]
    if len(after) == 2 and after[0] == "." and after[1].isdigit():
        return True  # 2024.03.15, 1.2345.6789
    if _UNIT_AFTER_RE.match(text, end, end + 12):
        return True
    core_start = match.start("yymm")
    if _CONTEXT_BEFORE_RE.search(text, max(0, core_start - 12), core_start):
        return True
    # 1234.5678 (no year-month) is a plain number; 2313.00001 has an id's shape
    mm = int(match.group("yymm")[2:])
    return not 1 <= mm <= 12 and len(match.group("number")) != 5


def _next_new_anchor(text: str, pos: int) -> int:
    """Start of the next new-style anchor (``.NNNN`` after four digits) at or after ``pos``, or -1.

    Four digits before the dot are a cheap check that skips decimals like ``3.1415``.
    """
    search = pos
    while True:
        found = _ANCHOR_NEW_RE.search(text, search)
        if found is None:
            return -1
        start = found.start()
        if start >= 4 and text[start - 4 : start].isdigit():
            return start
        search = start + 1


def _next_old_anchor(text: str, pos: int) -> int:
    """Start of the next old-style anchor (``/NNNNNNN`` after a letter) at or after ``pos``, or -1."""
    search = pos
    while True:
        found = _ANCHOR_OLD_RE.search(text, search)
        if found is None:
            return -1
        start = found.start()
        if start >= 1 and text[start - 1].isalpha():
            return start
        search = start + 1


class _Anchors:
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


#: Valid ids already built, by the text matched: a dump names the same papers again and again.
#: Only valid ids are kept (an id "in the future" becomes possible when its month comes).
_BUILT: dict[str, ArxivId] = {}
_BUILT_MAX = 1 << 16


def _to_match(match: re.Match[str]) -> IdMatch:
    raw, prefix = match.group(0, "prefix")
    start, end = match.span()
    arxiv_id = _BUILT.get(raw)
    if arxiv_id is None:
        try:
            arxiv_id = _build(match)
        except InvalidIdError as exc:
            return IdMatch(start, end, raw, None, exc.reason, bool(prefix))
        if len(_BUILT) >= _BUILT_MAX:
            _BUILT.clear()
        _BUILT[raw] = arxiv_id
    return IdMatch(start, end, raw, arxiv_id, None, bool(prefix))


def match_at(text: str, pos: int = 0) -> IdMatch | None:
    """The id written exactly at ``pos`` (with its prefix, if any), or None.

    For line-oriented formats that know where an id must stand (a listing's
    ``arXiv:ID`` line start); cheaper than :func:`find_ids` on the whole line.
    """
    match = _FIND_RE.match(text, pos)
    return _to_match(match) if match else None


def find_ids(text: str) -> Iterator[IdMatch]:
    """Yield every arXiv id written in ``text``, in order, with its position.

    Dates (2024.03.15), version numbers (1.2345), phone/room numbers and
    measurements (1234.5678 ms) are skipped; explicit but impossible ids
    (``arXiv:2313.00001``) are yielded with ``problem`` set.
    """
    floor = 0  # end of the last match: windows never reach back past it
    scan_from = 0  # where to look for the next anchor
    size = len(text)
    anchors = _Anchors(text)
    while scan_from < size:  # (an id that ends the text leaves nothing to search: most lines of a dump)
        anchor = anchors.next(scan_from)
        if anchor < 0:
            return
        # the full grammar runs only on a small window around the anchor ...
        limit = anchor + 8 + _LOOKAHEAD
        window = _FIND_RE.search(text, max(floor, anchor - _LOOKBACK), limit)
        if window is None:
            scan_from = anchor + 1
            continue
        # ... then once more from the match start without the window's end, which may cut a version
        # (unless the window reached the end of the text: then it cut nothing)
        match = window if limit >= size else _FIND_RE.match(text, window.start()) or window
        floor = scan_from = match.end()
        yymm, prefix = match.group("yymm", "prefix")
        if yymm and not prefix and _is_look_alike(text, match):
            continue
        yield _to_match(match)
