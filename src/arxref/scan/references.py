"""References written without an id: reading-list items and ``\\bibitem`` entries -> title, authors, year.

Reading lists often carry no id: ``* *Attention Is All You Need* (Vaswani et al., 2017)``,
``- "Title" — Authors (2023)``, ``1. Title. Authors. 2019.``. Such an item becomes an
id-less record that resolution matches by title and authors. Lists also hold prose, headings
and links, which must not become records (each would be reported "unmatched"), so a list
item is taken only when it *looks like a reference*:

* a quoted or emphasised title at its start (or after the authors) with an author list or a
  year beside it; alone, only an italic or quoted title in Title Case
  (``- *Evaluating Large Language Models Trained on Code*``), never a bold label;
* or, unmarked, a title (three words or more) with an author list: ``et al.``, initials or
  several names; a single full name counts when a year is there too;
* a link's text is a title only with an author list outside the link (a list of links is
  not a bibliography).

A ``\\bibitem`` is a reference by definition: its title is taken from ``\\newblock`` blocks
(``.bbl`` files), quotes or emphasis, else from the first part that is not a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Iterator

from ..model import Record
from ..tex import latex_to_text
from ..textnorm import SEARCH_STOP_WORDS


@dataclass(frozen=True)
class Reference:
    """What a reference without an id gives for resolution."""

    title: str
    authors: tuple[str, ...] = ()
    year: int | None = None


#: A list item: a bullet or a number, then a blank, then text (``- x``, ``* x``, ``1. x``, ``[3] x``).
_ITEM_RE = re.compile(r"[ \t]{0,8}(?:[-*+\u2022\u2023\u25aa\u25e6]|\d{1,3}[.)]|\[\d{1,3}\]|\(\d{1,3}\))[ \t]+(?=\S)")
#: Longest list item (with its continuation lines) read as a reference.
MAX_ITEM = 1000
_EMPHASIS_RE = re.compile(
    r"\*\*\*(?P<b3>[^*]+?)\*\*\*|\*\*(?P<b2>[^*]+?)\*\*|__(?P<u2>[^_]+?)__"
    r"|\*(?P<i1>[^*\s][^*]*?)(?<!\s)\*|(?<![\w])_(?P<u1>[^_\s][^_]*?)(?<!\s)_(?!\w)"
    r"|\"(?P<q1>[^\"]+?)\"|\u201c(?P<q2>[^\u201c\u201d]+?)\u201d|\u201e(?P<q3>[^\u201c\u201e]+?)\u201c"
    r"|\u00ab\s?(?P<q4>[^\u00ab\u00bb]+?)\s?\u00bb|``(?P<q5>.+?)''|\u2018(?P<q6>.+?)\u2019(?!\w)")
_MARK_CHARS_RE = re.compile("[*_\"\u201c\u201e\u00ab\u2018`\\[]")
#: Marks that make a title stand out when an item is nothing else (bold is for labels).
_STANDALONE_MARKS = frozenset({"i1", "u1", "q1", "q2", "q3", "q4", "q5", "q6"})
_MD_LINK_RE = re.compile(r"!?\[(?P<text>[^\]]*)\]\([^)]*\)")
_URL_RE = re.compile(r"<?(?:https?://|www\.)\S+>?|\bdoi:\s*\S+", re.IGNORECASE)
_YEAR_RE = re.compile(r"(?<![\w.@/-])(19[4-9]\d|20\d\d)[a-z]?(?![\w@/]|\.\d)")
_YEAR_PART_RE = re.compile(r"(?:c\.\s*)?(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+)?"
                           r"(?:\d{1,2},?\s+)?(?:19[4-9]\d|20\d\d)[a-z]?")
#: Where the parts of a reference meet: a sentence end (not after an initial or an
#: abbreviation), a dash between blanks, a semicolon or a bar; brackets hold a part of their own.
_BREAK_RE = re.compile(r"(?<=[.?!])\s+|(?<=\.):\s+|\s+[\u2014\u2013]\s+|\s*\u2014\s*|\s+--?\s+|\s*[;|]\s*")
_BRACKETS_RE = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
_ABBREVIATIONS = frozenset("vol pp no eds ed proc conf dr mr mrs ms prof st vs e.g i.e jr sr int intl assoc".split())
#: An initial: ``A.``, ``J.-P.``, ``T.F.``, or a two-letter one (``Ch.``), not a short surname (``Wu.``).
_INITIAL_RE = re.compile(r"(?:[A-Z]|Ch|Th|Sh|Ph|Kh|Zh)\.(?:-?(?:[A-Z]|Ch|Th|Sh|Ph|Kh|Zh)\.)*")
_ET_AL_RE = re.compile(r"(?:,?\s*\bet\.?\s*al\b\.?|\s+and\s+others|\s*&\s*al\.?)\s*$", re.IGNORECASE)
_BY_RE = re.compile(r"^(?:by|from)\s+", re.IGNORECASE)
_AND_RE = re.compile(r"\s+(?:and|&)\s+|\s*&\s*")
_PARTICLES = frozenset("van von der den de del della di da du dos das le la ten ter bin ibn al el y st.".split())
#: Capitalised words that do not make a name (``Learning Transferable Visual Models`` is not one).
_NOT_NAME_WORDS = (SEARCH_STOP_WORDS - {"will", "may", "case", "well", "new", "way", "first", "long"}) | frozenset(
    """learning language languages neural network networks deep survey system systems generation detection
    evaluation evaluating framework technical report card introduction theory review machine machines human
    training reinforcement image images vision visual transformer transformers attention generative
    intelligence artificial policy code safety risks impact research open source notes meeting tutorial
    chapter section part step steps install setup""".split())
#: Small words that sentences are full of and titles hold few of (lower case as written).
_FUNCTION_WORDS = frozenset(
    """a an the on of in for to and or with without from by at as into onto is are was were be been being has
    have had do does did will would should can could may might must that this these those it its they them
    their we our you your he she his her not no but if so than then there which who what when where why how
    also only just very more most such any all some each""".split())
#: Words a Title Case title leaves in lower case.
_MINOR_WORDS = frozenset("and the for from with into onto over upon via are was not but nor yet off out".split())
_VENUE_RE = re.compile(
    r"(?:in\b|proc\b|proceedings|advances in|journal|transactions|trans\.|conference|workshop|symposium|"
    r"arxiv|preprint|technical report|tech\. rep|ieee|acm\b|springer|pp\.|vol\.|volume|pages|isbn|openreview|"
    r"(?:icml|iclr|neurips|nips|cvpr|iccv|eccv|acl|emnlp|naacl|aaai|ijcai|colm|kdd|sigir|chi)\b)",
    re.IGNORECASE)


def item_start(line: str) -> int | None:
    """Where the text of a list item starts, when ``line`` opens one (else None)."""
    match = _ITEM_RE.match(line)
    return match.end() if match else None


class ListItems:
    """The list items of a Markdown or plain-text file, fed line by line; an item that looks like
    a reference becomes an id-less record when it ends (a blank line, a line that is not indented,
    the next item). An item with an id anywhere in it stays what its ids make it."""

    def __init__(self, source: str, kind: str) -> None:
        self.source = source
        self.kind = kind
        self.open: tuple[int, int, list[str]] | None = None  # line, column and text of the open item
        self.has_id = False

    def may_take(self, line: str) -> bool:
        """Whether :meth:`line` has work to do for ``line`` (else the caller skips it: the hot path)."""
        return self.open is not None or _ITEM_RE.match(line) is not None

    def line(self, number: int, line: str, has_id: bool) -> Record | None:
        """Feed one line (code already blanked; ``has_id``: the line holds an id); returns a record it ends."""
        start = item_start(line) if len(line) <= MAX_ITEM else None
        if self.open is not None and start is None and line[:1] in " \t" and line.strip():
            texts = self.open[2]
            if sum(map(len, texts)) + len(line) <= MAX_ITEM:
                texts.append(line.strip())
                self.has_id = self.has_id or has_id
                return None
        closed = self.close()
        if start is not None and not has_id:
            self.open = (number, start + 1, [line[start:]])
        return closed

    def records(self, number: int, line: str, found: list[Record], offset: int) -> Iterator[Record]:
        """A line's own ``found`` records, after the list item the line ends (if it ends one).

        ``offset``: a later piece of a very long line (never the start of an item).
        """
        closed = self.line(number, line, bool(found) or offset > 0)
        if closed is not None:
            yield closed
        yield from found

    def finish(self) -> Iterator[Record]:
        """The item still open at the end of the file, as a record (if it is one)."""
        closed = self.close()
        if closed is not None:
            yield closed

    def close(self) -> Record | None:
        """The record of the open item, if it looks like a reference (the file or a block ended)."""
        item, self.open = self.open, None
        if item is None or self.has_id:
            self.has_id = False
            return None
        number, column, texts = item
        ref = parse_item(" ".join(texts))
        if ref is None:
            return None
        return Record(source=self.source, line=number, kind=self.kind, title=ref.title, authors=ref.authors,
                      year=ref.year, column=column)


def parse_item(text: str) -> Reference | None:
    """The reference a list item's text makes, or None when it does not look like one."""
    if len(text) > MAX_ITEM or not (_MARK_CHARS_RE.search(text) or _YEAR_RE.search(text)):
        return None  # no marked title and no year: nothing to be (the common prose bullet, quickly)
    linked = None
    if "](" in text:
        links = list(_MD_LINK_RE.finditer(text))
        if links and not text[: links[0].start()].strip(" *_"):
            linked = links[0].group("text").strip(" *_\"")
        text = _MD_LINK_RE.sub(" ", text)
    if "://" in text or "www." in text or "doi:" in text.lower():
        linked = linked or ""
        text = _URL_RE.sub(" ", text)
    text = " ".join(text.split())
    marked = _marked(text, standalone=linked is None)
    if marked is not None:
        return marked
    if linked is not None:  # a list of links is not a bibliography: only with authors beside it
        names, strength, year = _meta(text)
        return Reference(linked, names, year) if linked and _title_like(linked) and strength else None
    return _unmarked(text, strict=True)


def parse_bibitem(tex: str) -> Reference | None:
    """The reference a ``\\bibitem``'s TeX text makes (its key and label already removed), or None.

    Only its first :data:`MAX_ITEM` * 2 characters are read: authors and title come first, and an
    unclosed item (no ``\\end{thebibliography}``) may run on for megabytes.
    """
    tex = tex[: 2 * MAX_ITEM]
    if "\\newblock" in tex:
        blocks = [latex_to_text(b).strip(" .,;") for b in re.split(r"\\newblock\b", tex)]
        blocks = [b for b in blocks if b]
        if len(blocks) >= 2 and len(blocks[1].split()) >= 2:
            names, _ = _names(blocks[0])
            return Reference(_strip_title(blocks[1]), names, _year_in(" ".join(blocks[1:])))
    text = re.sub(r"``(.+?)''", "\u201c\\1\u201d", tex)
    text = re.sub(r"\\(?:emph|textit|textsl)\s*\{([^{}]*)\}|\{\\(?:em|it|sl)\s+([^{}]*)\}",
                  lambda m: f"*{m.group(1) or m.group(2)}*", text)
    text = " ".join(_URL_RE.sub(" ", latex_to_text(text)).split())
    return _marked(text, standalone=True, lenient=True) or _unmarked(text, strict=False)


def _marked(text: str, standalone: bool, lenient: bool = False) -> Reference | None:
    """A quoted or emphasised title at the start, or after the authors (``lenient``: a bibitem, any place)."""
    for match in _EMPHASIS_RE.finditer(text):
        kind = match.lastgroup or ""
        title = _strip_title(match.group(kind))
        if not _title_like(title, words=2):
            continue
        before, after = text[: match.start()], text[match.end():]
        if lenient:
            names, _, year = _meta(before)
            more, _, more_year = _meta(after)
            return Reference(title, names or more, year or more_year or _year_in(after))
        names, strength, year = _meta(before)
        if before.strip(" -*_") and not (strength > 1 or (strength and year)):
            return None  # an emphasis inside prose, or after a label (``file.txt: _what it is_``)
        if after.lstrip(" *_").startswith(":") or _prose(after, 5) or _prose(title, 7):
            return None  # ``**Label**: text``, or a sentence quoting a phrase
        more, more_strength, more_year = _meta(after)
        names = names or more
        year = year or more_year or _year_in(after)
        if strength or more_strength or (year and kind in _STANDALONE_MARKS):
            return Reference(title, names, year)  # bold is for labels: with authors only
        alone = not before.strip() and not after.strip(" .,;*_")
        if standalone and alone and kind in _STANDALONE_MARKS and _title_like(title) and _title_case(title):
            return Reference(title)
        return None
    return None


def _unmarked(text: str, strict: bool) -> Reference | None:
    """``Title. Authors. 2019.``, ``Authors, Title, Venue, 2019``, ``Title (Authors, 2019)``..."""
    text = text.replace("*", "").replace("__", "")
    title: str | None = None
    names: tuple[str, ...] = ()
    strength = 0
    year: int | None = None
    for part, bracketed in _segments(text):
        lead, middle, tail = _split_meta(part, bracketed)
        for meta in (lead, tail):
            found, power = _names(", ".join(p for p in meta if not _YEAR_PART_RE.fullmatch(p)), bracketed)
            if found and not names:
                names, strength = found, power
            year = year or next((_year_in(p) for p in meta if _YEAR_PART_RE.fullmatch(p)), None)
        if title is None and middle and _title_like(middle) and not _VENUE_RE.match(middle):
            title = _strip_title(middle)
    if title is None or _prose(title, 7):
        return None
    if strict and not (strength and year):
        return None  # ``Fix the parser (Ann Lee, Bo Chen)`` is a changelog line, not a reference
    return Reference(title, names, year)


def _segments(text: str) -> list[tuple[str, bool]]:
    """The parts of a reference (sentences, dashed parts, bracketed parts), each with whether it was bracketed.

    Initials and abbreviations do not end a sentence (``A. Vaswani``, ``pp. 3``).
    """
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for bracket in _BRACKETS_RE.finditer(text):
        pieces.append((text[pos : bracket.start()], False))
        pieces.append((bracket.group(1) or bracket.group(2) or "", True))
        pos = bracket.end()
    pieces.append((text[pos:], False))
    parts: list[tuple[str, bool]] = []
    for piece, bracketed in pieces:
        start = 0
        for cut in _BREAK_RE.finditer(piece):
            head = piece[start : cut.start()]
            last = head.rsplit(None, 1)[-1] if head.strip() else ""
            if cut.group(0).strip() == "" and head.endswith(".") and _no_sentence_end(last) and not _prose_at(
                    piece, cut.end()):
                continue
            parts.append((head, bracketed))
            start = cut.end()
        parts.append((piece[start:], bracketed))
    trimmed = [(_trim(p), b) for p, b in parts]
    return [(p, b) for p, b in trimmed if p]


def _trim(part: str) -> str:
    """A part without the blanks and punctuation around it; an initial keeps its dot (``Jun, H.``)."""
    part = part.strip(" ,;:").lstrip(".").strip()
    if part.endswith(".") and not _no_sentence_end(part.rsplit(None, 1)[-1]):
        part = part[:-1].rstrip(" ,;:")
    return part


def _prose_at(text: str, pos: int) -> bool:
    """Words after an initial that read as a sentence (``J. Evaluating large language models``)."""
    words = text[pos : pos + 80].split()[1:3]
    return len(words) == 2 and all(w.isalpha() and w.islower() and len(w) > 3 and w not in _PARTICLES for w in words)


def _no_sentence_end(word: str) -> bool:
    """A word ending in a dot that does not end a sentence: an initial or an abbreviation."""
    return bool(_INITIAL_RE.fullmatch(word)) or word[:-1].lower() in _ABBREVIATIONS


def _split_meta(part: str, bracketed: bool = False) -> tuple[list[str], str, list[str]]:
    """A part's leading and trailing names and years (comma-separated), and the text between."""
    pieces = [p.strip() for p in _join_inverted(part.split(",")) if p.strip()]
    if bracketed and _names(", ".join(p for p in pieces if not _YEAR_PART_RE.fullmatch(p)), True)[1]:
        return pieces, "", []  # ``(Jain, Hitzig and Mishkin, 2023)``: all names and a year
    start = 0
    while start < len(pieces) and _is_meta(pieces[start], bracketed):
        start += 1
    end = len(pieces)
    while end > start and _is_meta(pieces[end - 1], bracketed):
        end -= 1
    return pieces[:start], ", ".join(pieces[start:end]), pieces[end:]


def _join_inverted(pieces: list[str]) -> list[str]:
    """``Vaswani, A., Shazeer, N.`` -> ``Vaswani, A.`` and ``Shazeer, N.``: an initial joins its surname.

    So does ``M. and Tworek`` in ``Chen, M. and Tworek, J.`` (initials, then the next name).
    """
    out: list[str] = []
    for piece in pieces:
        words = piece.split()
        count = next((i for i, w in enumerate(words) if not _INITIAL_RE.fullmatch(w)), len(words))
        initials = count > 0 and (count == len(words) or words[count] in ("and", "&"))
        if out and initials and len(_AND_RE.split(out[-1].strip())[-1].split()) == 1:
            out[-1] = f"{out[-1]},{piece}"
        else:
            out.append(piece)
    return out


def _is_meta(piece: str, bracketed: bool = False) -> bool:
    return bool(_YEAR_PART_RE.fullmatch(piece)) or _names(piece, bracketed)[1] > 0


def _meta(text: str) -> tuple[tuple[str, ...], int, int | None]:
    """Names (with their strength) and year in text beside a marked title, when that is all it holds."""
    names: tuple[str, ...] = ()
    strength = 0
    year = None
    for part, bracketed in _segments(text):
        lead, middle, tail = _split_meta(part, bracketed)
        if middle and not _VENUE_RE.match(middle):
            continue
        for piece in lead + tail:
            if _YEAR_PART_RE.fullmatch(piece):
                year = year or _year_in(piece)
        found, power = _names(", ".join(p for p in lead + tail if not _YEAR_PART_RE.fullmatch(p)), bracketed)
        if found and power > strength:
            names, strength = found, power
    return names, strength, year


@lru_cache(maxsize=4096)  # the pieces of one item are asked about several times
def _names(text: str, bracketed: bool = False) -> tuple[tuple[str, ...], int]:
    """The author list ``text`` is, with its strength: 0 none, 1 one full name, 2 a sure list.

    Sure: ``et al.``, initials (``A. Vaswani``, ``Vaswani, A.``), or two names or more. A
    bare surname counts before ``et al.``, or in a bracketed pair ``(Vaswani and Shazeer, 2017)``
    (elsewhere ``Prevention and Mitigation`` would be two authors).
    """
    text = _BY_RE.sub("", _trim(text))
    if not text:
        return (), 0
    et_al = _ET_AL_RE.search(text)
    if et_al:
        text = text[: et_al.start()].strip(" ,")
    parts = [p.strip(" ,") for p in _join_inverted(re.split(r",|" + _AND_RE.pattern, text)) if p.strip(" ,")]
    if not parts or len(parts) > 60:
        return (), 0
    surnames = bool(et_al) and len(parts) == 1 or bracketed and len(parts) >= 2 and bool(_AND_RE.search(text))
    strengths = [_name_strength(p, surnames) for p in parts]
    if not all(strengths):
        return (), 0
    sure = bool(et_al) or len(parts) >= 2 or max(strengths) >= 2
    return (f"{parts[0]} et al.",) if et_al and len(parts) == 1 else tuple(parts), 2 if sure else 1


def _name_strength(name: str, surname: bool) -> int:
    """One name: 2 with initials, 1 two to four capitalised words (one when ``surname`` may stand alone), 0 not a name."""
    if "," in name:  # ``Vaswani, A.``
        family, _, given = name.partition(",")
        return 2 if _is_word(family.strip()) and given.split() and all(
            _INITIAL_RE.fullmatch(w) for w in given.split()) else 0
    words = name.split()
    if not 1 <= len(words) <= 5:
        return 0
    initials = sum(1 for w in words if _INITIAL_RE.fullmatch(w))
    plain = [w for w in words if not _INITIAL_RE.fullmatch(w) and w.lower() not in _PARTICLES]
    if not plain or not all(_is_word(w) for w in plain) or len(plain) > 4:
        return 0
    if initials:
        return 2
    return 1 if len(plain) > 1 or surname else 0


def _is_word(word: str) -> bool:
    """A capitalised word that can be part of a name (``Martínez-Plumed``, ``O'Neil``, ``McDonald``)."""
    return (len(word) > 1 and word[0].isupper() and any(c.islower() for c in word)
            and all(c.isalpha() or c in "-'\u2019" for c in word) and word.lower() not in _NOT_NAME_WORDS)


def _title_like(text: str, words: int = 3) -> bool:
    """Long enough to be a title and no sentence of prose: starts with a capital or a digit."""
    count = sum(1 for w in text.split() if sum(c.isalpha() for c in w) >= 2)
    first = next((c for c in text if c.isalnum()), "")
    return words <= count and len(text.split()) <= 40 and len(text) <= 400 and (first.isupper() or first.isdigit())


def _title_case(title: str) -> bool:
    """Most words capitalised, as titles are written (``Attention Is All You Need``, not ``Question/Not a bug``)."""
    longer = [w for w in title.split() if len(w) > 2 and w[0].isalpha() and w.lower() not in _MINOR_WORDS]
    return len(longer) >= 2 and sum(w[0].isupper() for w in longer) >= 0.75 * len(longer)


def _prose(text: str, limit: int) -> bool:
    """Reads as a sentence: ``limit`` function words or more, as written in lower case.

    Titles hold a few (``On the Impossibility of Supersized Machines``); prose holds many.
    """
    return sum(1 for w in text.split() if w.strip(",.;:()\"'") in _FUNCTION_WORDS) >= limit


def _strip_title(title: str) -> str:
    return title.strip().strip("*_\"\u201c\u201d").strip().rstrip(",.;:").strip()


def _year_in(text: str) -> int | None:
    """The first plausible year in ``text`` (not a part of a decimal or a dotted date)."""
    limit = datetime.now(timezone.utc).year + 1
    for match in _YEAR_RE.finditer(text):
        year = int(match.group(1))
        if year <= limit:
            return year
    return None
