"""arXiv identifier grammar: parse, validate and canonicalise every form users paste.

Two schemes exist (https://info.arxiv.org/help/arxiv_identifier.html):

* new style ``YYMM.NNNN`` (0704-1412) and ``YYMM.NNNNN`` (1501 on), optional ``vN``;
* old style ``archive/YYMMNNN`` or ``archive.SC/YYMMNNN`` (9107-0703).

Around them users and tools write more: a category after the id as arXiv's listings
print it (``0706.0001v1 [q-bio.CB]``), an archive in front of a new-style id as INSPIRE
does (``hep-th/1601.07616``), OAI-PMH names (``oai:arXiv.org:cs/0007002``) and arXiv's
addresses. These name the same paper; what they add is kept as a hint
(:attr:`ArxivId.category`), an info note, or a warning for an invented subject class.

The API itself accepts impossible ids (month 13 passes its lenient regex) and
matches ids verbatim (``math.GT/0309136`` finds nothing), so this module is the
gate: only canonical, possible ids ever leave it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterator

from . import taxonomy
from .errors import InvalidIdError
from .anchors import Anchors
from .lookalike import is_look_alike, is_not_an_id
from .taxonomy import OLD_ARCHIVES

__all__ = ["OLD_ARCHIVES", "UNKNOWN_CLASS", "ArxivId", "IdMatch", "InvalidIdError", "canonical", "check_new_style",
           "check_old_style", "find_ids", "is_valid", "match_at", "parse"]

#: Every warning an id carries starts so (``unknown subject class math.ACS``): the id is read,
#: but the class written with it does not exist.
UNKNOWN_CLASS = "unknown subject class"

#: Every archive a category may start with (old-style ones, econ, eess), longest first for the regexes.
_ARCHIVE_ALT = "|".join(sorted((re.escape(a) for a in taxonomy.ARCHIVES), key=len, reverse=True))


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
    category: str | None = field(default=None, compare=False)
    """The primary-class hint written with the id, as arXiv spells it: ``q-bio.CB`` from
    ``0706.0001v1 [q-bio.CB]``, ``math.GT`` from ``math.GT/0309136``, ``hep-th`` from
    ``hep-th/1601.07616``; None when none was written or it is no real category."""
    notes: tuple[str, ...] = field(default=(), compare=False)
    """How the id was written that is worth saying but no problem (an archive before a new-style id)."""
    warnings: tuple[str, ...] = field(default=(), compare=False)
    """What is wrong beside the id, which is still read (each starts with :data:`UNKNOWN_CLASS`)."""

    def __init__(self, base: str, version: int | None = None, subject_class: str | None = None,
                 category: str | None = None, notes: tuple[str, ...] = (), warnings: tuple[str, ...] = ()) -> None:
        """The fields as declared above, set by hand: the frozen dataclass's own ``__init__`` goes
        through ``object.__setattr__`` (slower), and a dump builds one ArxivId per distinct id."""
        values = self.__dict__
        values["base"] = base
        values["version"] = version
        values["subject_class"] = subject_class
        values["category"] = category
        values["notes"] = notes
        values["warnings"] = warnings

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


#: Months found possible (April 2007 on, not in the future), by their YYMM as written -> the digits
#: their ids have after the dot: a dump checks each month once, not once per id. A month never
#: becomes impossible again; bounded (``\d`` takes every script's digits): cleared when full.
_MONTHS: dict[str, int] = {}
_MONTHS_MAX = 1 << 12


def check_new_style(yymm: str, number: str) -> str | None:
    """Why ``yymm.number`` cannot be an arXiv id, or None when it can."""
    width = _MONTHS.get(yymm)
    if width is None:
        value = int(yymm)
        mm = value % 100
        if not 1 <= mm <= 12:
            return f"month {mm:02d} does not exist"
        if value < 704:
            return "new-style ids start in April 2007 (0704)"
        if value > _now_yymm():
            return f"20{value // 100:02d}-{mm:02d} is in the future"
        if len(_MONTHS) >= _MONTHS_MAX:
            _MONTHS.clear()
        width = _MONTHS[yymm] = 4 if value <= 1412 else 5  # (1413-1500 are no months)
    if len(number) != width:
        return f"ids from {yymm} have {width} digits after the dot, not {len(number)}"
    if int(number) == 0:
        return "sequence number 0 does not exist"
    return None


def check_old_style(archive: str, digits: str) -> str | None:
    """Why ``archive/digits`` cannot be an old-style id, or None when it can."""
    if archive not in OLD_ARCHIVES:
        return _unknown_archive(archive)
    yy, mm, seq = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    if not 1 <= mm <= 12:
        return f"month {mm:02d} does not exist"
    year = 1900 + yy if yy >= 91 else 2000 + yy
    if (year, mm) < (1991, 7) or (year, mm) > (2007, 3):
        return f"old-style ids run from 9107 to 0703, not {digits[:4]}"
    if seq == 0:
        return "sequence number 000 does not exist"
    return None


def _unknown_archive(archive: str) -> str:
    """Why ``archive`` makes an id impossible, naming the real archive it most likely misspells."""
    near = taxonomy.closest_archive(archive)
    if near is not None:
        return f"{archive!r} is not an arXiv archive; did you mean {near}?"
    return f"not an arXiv identifier ({archive!r} is not an arXiv archive)"


#: The highest version the grammar names (``v1`` .. ``v9999``, :data:`_VERSION`); a larger one is a
#: damaged record, never a paper.
MAX_VERSION = 9999
_VERSION = r"(?:v(?P<version>[1-9]\d{0,3}))?"
_SUBJECT = r"[A-Za-z][A-Za-z-]{0,15}"
# One core for both schemes: an archive word (any: an unknown one is reported with the nearest
# real archive), then YYMM.NNNNN or, only after an archive, YYMMNNN. A new-style id may stand
# after an archive too (INSPIRE: hep-th/1601.07616); the archive is no part of it. One word
# pattern for both keeps the finder's window search as cheap as a single archive alternation.
_CORE = (rf"(?:(?P<archive>[A-Za-z][A-Za-z-]{{0,15}})(?:\.(?P<subject>{_SUBJECT}))?/)?"
         r"(?:(?P<yymm>\d{4})\.(?P<number>\d{4,5})|(?(archive)(?P<digits>\d{7})|(?!)))")
# The category arXiv's listings print after an id: "0706.0001v1 [q-bio.CB]", "1406.1599v2[physics.ins-det]".
_CATEGORY = rf"(?P<cat>(?:{_ARCHIVE_ALT})(?:\.{_SUBJECT})?)"

# The closing bracket is optional here: parse strips trailing brackets with the other punctuation.
_STRICT_RE = re.compile(rf"{_CORE}{_VERSION}(?:[ \t\xa0]*\[{_CATEGORY}\]?)?", re.IGNORECASE)

_ARXIV_PATHS = r"(?:abs|pdf|html|ps|format|src|bibtex|e-print)"
# arXiv's own hosts (arxiv.org, export., www., mirrors, the original xxx.lanl.gov), a path, slashes doubled or not.
_ARXIV_URL = rf"(?:https?://)?(?:(?:[a-z]+\.)?arxiv\.org|xxx\.lanl\.gov)/{{1,3}}{_ARXIV_PATHS}/{{1,3}}"

# Wrappers around a bare id, stripped by `parse`.
_WRAPPER_RE = re.compile(
    rf"""^\s*(?:
        (?P<url>{_ARXIV_URL})
      | (?:https?://)?(?:dx\.)?doi\.org/10\.48550/arxiv\.
      | (?:doi:\s*)?10\.48550/arxiv\.
      | oai:arxiv\.org:
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
    yymm, number, written, archive, category = match.group("yymm", "number", "version", "archive", "cat")
    if yymm and archive is None and category is None:
        return _new_style(match.group(0), yymm, number, written)
    version = int(written) if written else None
    if yymm:
        reason = check_new_style(yymm, number)
        if reason:
            raise InvalidIdError(match.group(0), reason)
        base = f"{yymm}.{number}"
        if archive is not None and archive.lower() not in taxonomy.ARCHIVES:
            raise InvalidIdError(match.group(0), _unknown_archive(archive.lower()))
        return _with_extras(match, base, version, None, None)
    raw = match.group(0)
    written_archive = match.group("archive")
    archive = written_archive.lower()
    reason = check_old_style(archive, match.group("digits"))
    if reason:
        raise InvalidIdError(raw, reason)
    base = f"{archive}/{match.group('digits')}"
    subject = match.group("subject")
    if subject is None:
        hint = taxonomy.category(archive)
    else:
        spelled = taxonomy.subject_class(archive, subject)
        if spelled is None:
            return _with_extras(match, base, version, subject, None,
                                (f"{UNKNOWN_CLASS} {written_archive}.{subject}",))
        subject, hint = spelled, f"{archive}.{spelled}"
    if match.group("cat") is None:
        return ArxivId(base, version, subject, hint)
    return _with_extras(match, base, version, subject, hint)


def _new_style(raw: str, yymm: str, number: str, written: str | None) -> ArxivId:
    """The new-style id ``raw`` writes with nothing around it but a version (digits ``written``, or None).

    Raises InvalidIdError when it is impossible.
    """
    reason = check_new_style(yymm, number)
    if reason:
        raise InvalidIdError(raw, reason)
    base = f"{yymm}.{number}"
    if written:
        return ArxivId(base, int(written))
    known = _BASES.get(base)  # what :func:`parse` gives for the base: the later stages parse it again
    if known is not None:
        return known
    if len(_BASES) >= _BASES_MAX:
        _BASES.clear()
    parsed = _BASES[base] = ArxivId(base)
    return parsed


def _with_extras(match: re.Match[str], base: str, version: int | None, subject: str | None, hint: str | None,
                 warnings: tuple[str, ...] = ()) -> ArxivId:
    """The id with what was written around it: an archive before a new-style id, a category after any id."""
    notes: tuple[str, ...] = ()
    archive = match.group("archive") if match.group("yymm") else None
    if archive is not None:
        written = archive + (f".{match.group('subject')}" if match.group("subject") else "")
        hint = taxonomy.category(written)
        unknown = "" if hint else f" ({written} is no arXiv category)"
        notes = (f"{written}/{base} read as {base}: new-style ids carry no archive{unknown}",)
    written_category = match.group("cat")
    if written_category is not None:
        spelled = taxonomy.category(written_category)
        if spelled is None:
            warnings += (f"{UNKNOWN_CLASS} {written_category}",)
        else:
            hint = spelled  # the category arXiv printed with the id is its primary class
    return ArxivId(base, version, subject, hint, notes, warnings)


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
    if not (yymm.isdigit() and number.isdigit()):
        return None
    try:
        return _new_style(value, yymm, number, None)
    except InvalidIdError:
        return None


def parse(value: str) -> ArxivId:
    """Parse one id in any accepted form (``arXiv:``, URL, DOI, OAI name, eprint field, ``[category]``...).

    Raises InvalidIdError when the string is not exactly one possible id.
    """
    base = _parse_base(value)  # the canonical form, as the stages hand ids on: no regex needed
    if base is not None:
        return base
    text = _LEADING_PUNCT_RE.sub("", value)
    wrapper = _WRAPPER_RE.match(text)
    stripped = text[wrapper.end():] if wrapper else text
    # a URL's query or fragment (ids never contain ? or #)
    stripped = stripped.split("?", 1)[0].split("#", 1)[0]
    # trailing punctuation and a ".pdf" suffix are never part of an id
    stripped = _TRAILING_RE.sub("", stripped)
    match = _STRICT_RE.fullmatch(stripped)
    if match is None and wrapper is not None and wrapper.group("url"):
        # arxiv.org/abs/hep-th/9901001/anything: a path after the id in an arXiv address
        match = _STRICT_RE.match(stripped)
        if match is not None and stripped[match.end():match.end() + 1] != "/":
            match = None
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
        {_ARXIV_URL}
      | (?:https?://)?(?:dx\.)?doi\.org/10\.48550/arxiv\.
      | 10\.48550/arxiv\.
      | \boai:arxiv\.org:
      | \barxiv\s?:\s?(?:abs/|pdf/|html/)?
      | \barxiv\s
      | (?<![\w./])(?:abs|pdf|html)/
    )
    |(?<![\w.\-/+])
    )
    {_CORE}
    {_VERSION}
    (?:(?P<pdf>\.pdf)|[ \t\xa0]?\[{_CATEGORY}\])?
    (?![\d])
    """,
    re.IGNORECASE | re.VERBOSE,
)

#: Longest prefix + archive + subject class that can precede an anchor.
_LOOKBACK = 96
#: Longest tail after an anchor: 5th digit, v9999, .pdf or a [category], and the lookahead.
_LOOKAHEAD = 40

_CORE_IN_RAW_RE = re.compile(rf"(?<![A-Za-z-]){_CORE}{_VERSION}", re.IGNORECASE)


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
        _remember(raw, arxiv_id)
    return IdMatch(start, end, raw, arxiv_id, None, bool(prefix))


def _remember(raw: str, arxiv_id: ArxivId) -> None:
    """Keep a valid id built from ``raw`` in :data:`_BUILT`."""
    if len(_BUILT) >= _BUILT_MAX:
        _BUILT.clear()
    _BUILT[raw] = arxiv_id


#: A text that is one new-style id and nothing else, bare or after ``arXiv:`` (every line of a dump).
#: Of such a text the finder's grammar matches the whole (the search starts at its first character,
#: the id's digits and version are taken greedily, nothing follows), so :func:`_whole_id` reads it
#: with this instead; tests/test_ids_fastpaths.py holds the two to the same results.
_WHOLE_ID_RE = re.compile(rf"(?P<prefix>arxiv:)?(?P<yymm>\d{{4}})\.(?P<number>\d{{4,5}}){_VERSION}", re.IGNORECASE)


def _whole_id(text: str, match: re.Match[str]) -> Iterator[IdMatch]:
    """What :func:`find_ids` yields for a ``text`` that :data:`_WHOLE_ID_RE` matches whole."""
    raw, prefix = match.group(0, "prefix")  # raw: a str, also when text is a LinePiece
    if prefix is None and is_look_alike(text, match, _now_yymm):
        return iter(())  # what is_not_an_id decides for a bare id with nothing around it
    arxiv_id = _BUILT.get(raw)
    if arxiv_id is None:
        try:
            arxiv_id = _new_style(raw, *match.group("yymm", "number", "version"))
        except InvalidIdError as exc:
            return iter((IdMatch(0, len(raw), raw, None, exc.reason, prefix is not None),))
        _remember(raw, arxiv_id)
    return iter((IdMatch(0, len(raw), raw, arxiv_id, None, prefix is not None),))


def match_at(text: str, pos: int = 0) -> IdMatch | None:
    """The id written exactly at ``pos`` (with its prefix, if any), or None.

    For line-oriented formats that know where an id must stand (a listing's
    ``arXiv:ID`` line start); cheaper than :func:`find_ids` on the whole line.
    """
    match = _FIND_RE.match(text, pos)
    return _to_match(match) if match else None


def find_ids(text: str) -> Iterator[IdMatch]:
    """Every arXiv id written in ``text``, in order, with its position.

    Dates (2024.03.15), version numbers (1.2345), phone/room numbers and
    measurements (1234.5678 ms) are skipped; explicit but impossible ids
    (``arXiv:2313.00001``) are yielded with ``problem`` set.
    """
    whole = _WHOLE_ID_RE.fullmatch(text)
    return _find_ids(text) if whole is None else _whole_id(text, whole)


def _find_ids(text: str) -> Iterator[IdMatch]:
    """:func:`find_ids` by the full grammar, for any text."""
    floor = 0  # end of the last match: windows never reach back past it
    scan_from = 0  # where to look for the next anchor
    size = len(text)
    anchors = Anchors(text)
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
        if not match.group("prefix") and is_not_an_id(text, match, _now_yymm, check_old_style):
            continue
        yield _to_match(match)
