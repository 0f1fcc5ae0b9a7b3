"""LaTeX text in and out: escaping for BibTeX values, decoding TeX for plain-text formats.

arXiv titles are TeX-ish (``$O(n \\log n)$``, ``Schr\\"odinger``, ``R\\&D``) while author
names and most titles are plain Unicode. BibTeX needs the opposite of what CSL-JSON
and RIS need, so both directions live here:

* :func:`escape_text` makes *plain* text safe inside a braced BibTeX value (every TeX
  special escaped, control characters dropped, optional LaTeX escapes for accented
  Latin letters). It never interprets its input, so any string round-trips.
* :func:`bibtex_title` is for arXiv titles: TeX accents and escaped specials are
  decoded first, math is kept and braced whole (``{$O(n \\log n)$}``) so case-changing
  styles leave it alone, and words with inner capitals are protected (``{GPT-4o}``).
* :func:`latex_to_text` turns TeX-ish values (arXiv titles, fields of a user's .bib)
  into plain text for CSL-JSON and RIS; math is left as written.

Everything here is string-to-string and cheap: the writers call these once per field
and the hot paths are ``str.translate`` and a few compiled regexes. A top-level module
(not part of :mod:`arxref.formats`) because keys, dedup, messages and the pybtex
plugins read TeX too, and none of them should depend on the writers.
"""

from __future__ import annotations

import re
import unicodedata

# --------------------------------------------------------------------------- cleaning

#: C0/C1 control characters: line breaks and tabs become spaces, the rest vanish.
_CONTROL_TABLE: dict[int, str | None] = {c: None for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]}
for _c in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85):
    _CONTROL_TABLE[_c] = " "


#: ASCII byte -> 0 for a control character, 1 for anything else (see :func:`clean_text`).
_ASCII_CONTROL_MARKS = bytes(0 if b < 0x20 or b == 0x7F else 1 for b in range(256))


def clean_text(value: str) -> str:
    """One line of text: control characters dropped, whitespace runs collapsed to one space."""
    if value.isascii():
        # fast path for the common case (already clean ASCII, abstracts included): a table
        # translate and a memchr instead of a per-character look at the string
        if 0 not in value.encode("ascii").translate(_ASCII_CONTROL_MARKS):
            if "  " not in value and value[:1] != " " and value[-1:] != " ":
                return value
        else:
            value = value.translate(_CONTROL_TABLE)
    elif not value.isprintable():  # control characters are never printable
        value = value.translate(_CONTROL_TABLE)
    return " ".join(value.split())


# --------------------------------------------------------------------------- escaping

#: LaTeX's ten special characters, written so they print as themselves in text mode.
#: Braces use \\textbrace... because bibtex counts ``\\{`` as a brace too.
_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}

#: Combining marks -> LaTeX accent commands (text mode, OT1/T1 safe).
_ACCENT_COMMANDS = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0308": '"', "\u0304": "=",
    "\u0307": ".", "\u0306": "u", "\u030c": "v", "\u030b": "H", "\u0327": "c", "\u0328": "k",
    "\u030a": "r", "\u0323": "d", "\u0331": "b",
}
#: Letters that are not base+accent in Unicode but have LaTeX commands.
_LETTER_COMMANDS = {
    "ß": r"{\ss}", "æ": r"{\ae}", "Æ": r"{\AE}", "œ": r"{\oe}", "Œ": r"{\OE}", "ø": r"{\o}",
    "Ø": r"{\O}", "å": r"{\aa}", "Å": r"{\AA}", "ł": r"{\l}", "Ł": r"{\L}", "ı": r"{\i}",
    "ȷ": r"{\j}",
    "\u2018": r"{\textquoteleft}", "\u2019": r"{\textquoteright}", "\u201c": r"{\textquotedblleft}",
    "\u201d": r"{\textquotedblright}", "\u2013": r"{\textendash}", "\u2014": r"{\textemdash}",
    "\u00a0": "~",
}


def _latex_for_char(char: str) -> str | None:
    """LaTeX escape of one non-ASCII Latin character, or None when there is none."""
    if char in _LETTER_COMMANDS:
        return _LETTER_COMMANDS[char]
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    if not marks or not base.isascii() or not base.isalpha():
        return None
    if any(mark not in _ACCENT_COMMANDS for mark in marks):
        return None
    inner = {"i": r"\i", "j": r"\j"}.get(base, base) if base in "ij" else base
    if len(marks) == 1 and not _ACCENT_COMMANDS[marks[0]].isalpha():
        return "{\\" + _ACCENT_COMMANDS[marks[0]] + inner + "}"
    for mark in marks:
        inner = "\\" + _ACCENT_COMMANDS[mark] + "{" + inner + "}"
    return "{" + inner + "}"


def _build_tables() -> tuple[dict[int, str], dict[int, str]]:
    """The translate tables of :func:`escape_text`: TeX specials only, and specials plus accented letters."""
    utf8 = {ord(k): v for k, v in _SPECIALS.items()}
    ascii_table = dict(utf8)
    for code in [*range(0xA0, 0x250), *range(0x1E00, 0x1F00), *range(0x2010, 0x2020)]:
        escape = _latex_for_char(chr(code))
        if escape is not None:
            ascii_table[code] = escape
    return utf8, ascii_table


_UTF8_TABLE, _ASCII_TABLE = _build_tables()
_SPECIAL_RE = re.compile(r"[\\{}&%$#_~^]")


def escape_text(value: str, ascii: bool = False) -> str:
    """Plain text -> text-mode LaTeX for a braced BibTeX value (never interprets TeX).

    With ``ascii`` accented Latin letters become LaTeX escapes (``M{\\"u}ller``);
    characters without one (CJK, math alphabets) stay UTF-8 either way.
    """
    value = clean_text(value)
    if ascii:
        value = value if value.isascii() and not _SPECIAL_RE.search(value) else value.translate(_ASCII_TABLE)
    elif _SPECIAL_RE.search(value):
        value = value.translate(_UTF8_TABLE)
    return _LIGATURE_RE.sub(r"\g<0>{}", value)


#: TeX font ligatures (``--`` dash, ``````/``''`` quotes, ``!```/``?``` inverted marks,
#: T1's ``<<``/``>>``/``,,``): an empty group after the first character keeps them literal.
_LIGATURE_RE = re.compile(r"([-`'<>,])(?=\1)|[!?](?=`)")


# --------------------------------------------------------------------------- decoding TeX

_ACCENT_SYMBOL_TO_MARK = {v: k for k, v in _ACCENT_COMMANDS.items()}
_MACRO_LETTERS = {
    "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "o": "ø", "O": "Ø", "aa": "å",
    "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
    "textbackslash": "\\", "textasciitilde": "~", "textasciicircum": "^",
    "textquoteleft": "\u2018", "textquoteright": "\u2019", "textquotedblleft": "\u201c",
    "textquotedblright": "\u201d", "textendash": "\u2013", "textemdash": "\u2014",
    "textunderscore": "_", "textdollar": "$", "textbraceleft": "{", "textbraceright": "}",
    "textbar": "|", "textless": "<", "textgreater": ">", "S": "§", "P": "¶", "copyright": "©",
    "dag": "†", "ddag": "‡", "pounds": "£", "textregistered": "®", "texttrademark": "™",
}
_TEX_ACCENT = (
    r"\\(?P<acc>[`'^\"~=.](?:\s*)|[uvHcdbrk](?:\s+|(?=\{)))"
    r"(?:\{\s*(?P<b1>\\[ij](?![A-Za-z])|[A-Za-z])\s*\}|(?P<b2>\\[ij](?![A-Za-z])|[A-Za-z]))"
)
_TEX_MACRO = r"\\(?P<macro>" + "|".join(sorted(map(re.escape, _MACRO_LETTERS), key=len, reverse=True)) + r")(?![A-Za-z])(?:\s*\{\})?"
_TEX_SPECIAL = r"\\(?P<special>[&%$#_{} ])"
_TEX_TOKEN = f"(?:{_TEX_ACCENT}|{_TEX_MACRO}|{_TEX_SPECIAL})"
#: One TeX text escape, optionally wrapped in its own braces (``{\"o}``).
_TEX_ESCAPE_RE = re.compile(r"\{" + _TEX_TOKEN.replace("?P<", "?P<w_") + r"\}|" + _TEX_TOKEN)


def _decode_escape(match: re.Match[str]) -> str:
    """The Unicode of one :data:`_TEX_ESCAPE_RE` match (accent, letter macro or escaped special)."""
    groups = {k.removeprefix("w_"): v for k, v in match.groupdict().items() if v is not None}
    if "special" in groups:
        return groups["special"]
    if "macro" in groups:
        return _MACRO_LETTERS[groups["macro"]]
    base = groups.get("b1") or groups.get("b2") or ""
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    mark = _ACCENT_SYMBOL_TO_MARK[groups["acc"].strip()]
    return unicodedata.normalize("NFC", base + mark)


def decode_tex_escapes(text: str) -> str:
    """Replace TeX accent commands, letter macros and escaped specials by Unicode."""
    if "\\" not in text:
        return text
    return _TEX_ESCAPE_RE.sub(_decode_escape, text)


#: Inline math: ``$...$`` with at least one character, escaped dollars allowed inside.
_MATH_RE = re.compile(r"\$(?:[^$\\]|\\.)+\$", re.DOTALL)


def _math_is_safe(math: str) -> bool:
    """True when ``$...$`` can be copied verbatim into a .bib and LaTeX (balanced, no comment)."""
    escaped = False
    for char in math:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "%#&":
            return False
    # bibtex counts escaped braces too, so \\{ must be matched like {
    return is_balanced(math[1:-1])


_COMMAND_RE = re.compile(r"\\[A-Za-z]+\*?\s*|\\.")
#: Logos written as commands in .bib titles (``The {\TeX}book``): their text, not nothing.
_LOGOS = {"\\TeX": "TeX", "\\LaTeX": "LaTeX", "\\LaTeXe": "LaTeX2e", "\\BibTeX": "BibTeX", "\\XeTeX": "XeTeX",
          "\\LuaTeX": "LuaTeX", "\\ConTeXt": "ConTeXt", "\\AmS": "AMS", "\\MF": "Metafont", "\\MP": "MetaPost"}


def _command_text(match: re.Match[str]) -> str:
    """What a command leaves in plain text: a logo's name, an escaped character, else nothing."""
    command = match.group(0)
    if command[1:2].isalpha():
        return _LOGOS.get(command.rstrip(), "")
    return command[1:]


def latex_to_text(value: str) -> str:
    """TeX-ish text (a .bib value, an arXiv title) -> plain one-line text; ``$math$`` kept."""
    value = clean_text(value)
    if "\\" not in value and "{" not in value and "}" not in value and "~" not in value:
        return value
    parts: list[str] = []
    pos = 0
    for match in _MATH_RE.finditer(value):
        parts.append(_plain_segment(value[pos : match.start()]))
        parts.append(match.group(0))
        pos = match.end()
    parts.append(_plain_segment(value[pos:]))
    return " ".join("".join(parts).split())


def _plain_segment(text: str) -> str:
    """Text outside math as plain text: escapes decoded, other commands and braces dropped."""
    text = decode_tex_escapes(text)
    text = text.replace("~", " ")
    text = _COMMAND_RE.sub(_command_text, text)
    return text.replace("{", "").replace("}", "")


# --------------------------------------------------------------------------- titles

#: Words a case-changing style must not touch: a capital after a letter or digit
#: (GPT, OpenAI, AdS, GPT-4o), a lone capital after a hyphen (Point-E), a lone capital
#: word, a capital after an ampersand (R&D, Q&A).
_INNER_CAPITAL_RE = re.compile(
    r"[A-Za-z0-9\u00C0-\u024F][A-Z\u00C0-\u00D6\u00D8-\u00DE]|-[A-Z](?![a-z])|(?<!\S)[B-Z](?!\S)|&[A-Z]"
)

#: Byte -> character class, for a cheap first look at ASCII titles: ``U`` upper-case,
#: ``a`` what may come before an inner capital (lower-case, digit, ``-``, ``&``), space
#: as itself, ``o`` anything else.
_SHAPE = bytes(
    ord("U") if 65 <= b <= 90 else ord("a") if 97 <= b <= 122 or 48 <= b <= 57 or b in b"-&"
    else 32 if b == 32 else ord("o")
    for b in range(256)
)
_NOT_UPPER_BYTES = bytes(b for b in range(256) if not 65 <= b <= 90)
_TEX_SPECIAL_BYTES = b"\\{}&%$#_~^"
#: Every byte but the ligature characters, deleted to see whether a ligature is possible.
_NOT_LIGATURE_BYTES = bytes(b for b in range(256) if b not in b"-`'<>,!?")


def _has_any(value: str, chars: bytes) -> bool:
    """True when ``value`` holds one of the ASCII ``chars`` (bytes ops: far cheaper than a regex)."""
    raw = value.encode("utf-8", "surrogatepass")
    return len(raw.translate(None, chars)) != len(raw)


def _may_have_inner_capital(text: str) -> bool:
    """False only when :data:`_INNER_CAPITAL_RE` cannot match (a cheap filter before the regex).

    For ASCII text the byte shape shows every place the regex could start: a capital
    after a letter, digit, ``-`` or ``&`` (``aU``, ``UU``), or a lone capital (`` U ``).
    """
    if not text.isascii():
        return True
    shape = b" " + text.encode("ascii").translate(_SHAPE) + b" "
    return b"aU" in shape or b"UU" in shape or b" U " in shape


def _may_have_ligature(text: str) -> bool:
    """False only when :data:`_LIGATURE_RE` cannot match: it needs two ligature characters
    in a row, which stay in a row when everything else is deleted."""
    marks = text.encode("utf-8", "surrogatepass").translate(None, _NOT_LIGATURE_BYTES)
    if len(marks) < 2:
        return False
    return (b"--" in marks or b"``" in marks or b"''" in marks or b",," in marks or b"<<" in marks
            or b">>" in marks or b"!`" in marks or b"?`" in marks)


def _escape_plain(text: str, ascii: bool) -> str:
    """Plain (already decoded) title text -> escaped TeX, skipping the steps that have nothing to do."""
    if ascii and not text.isascii():
        text = text.translate(_ASCII_TABLE)
    elif _has_any(text, _TEX_SPECIAL_BYTES):
        text = text.translate(_UTF8_TABLE)
    return _LIGATURE_RE.sub(r"\g<0>{}", text) if _may_have_ligature(text) else text


#: Punctuation kept outside the braces of a protected word.
_LEAD_PUNCT = "([\"'`"
_TRAIL_PUNCT = ")]\"':;,.!?"
#: Short words title case leaves lower-case (so they say nothing about a title's style).
_MINOR_WORDS = frozenset(
    "about above across after against along among around before behind below beneath beside between "
    "beyond during except from into like near onto over past since than that then through toward towards "
    "under until upon versus with within without".split()
)
_SENTENCE_END = (":", ".", "?", "!")


def _sentence_case(title: str) -> bool:
    """True when a (plain, math-free) title is written in sentence case, so a capitalised
    word inside it is a proper noun (``Gaussian``, ``Markov``) that a lower-casing style
    must not touch.

    Title case capitalises every long word; sentence case leaves them lower-case. Long
    lower-case words (not prepositions), at least as many as the capitalised ones, decide
    it; a word that starts a new sentence (after ``:``, ``.``...) counts as neither.
    C-level ``map``/``filter`` over the words: this runs for every title.
    """
    words = title.split(" ")
    rest = words[1:]
    if ": " in title or ". " in title or "? " in title or "! " in title:
        rest = [word for before, word in zip(words, rest) if not before.endswith(_SENTENCE_END)]
    upper = sum(map(str.istitle, rest))
    if not upper:
        return False
    lower = list(filter(str.islower, rest))
    if len(lower) < upper:  # even counting every lower-case word
        return False
    long_words = [word.rstrip(":;,.!?)") for word in lower if len(word) >= 4]
    return len(long_words) - sum(map(_MINOR_WORDS.__contains__, long_words)) >= upper


def _proper_nouns(words: list[str], first: bool) -> list[bool]:
    """Which words of a sentence-case title are capitalised mid-sentence."""
    marks = []
    start = first
    for word in words:
        core = word.lstrip("([\"'`")
        marks.append(not start and core[:1].isupper())
        start = word.endswith(_SENTENCE_END)
    return marks


def _protect(token: str) -> str:
    """Brace a word, leaving opening and closing punctuation outside the braces."""
    word = token.lstrip(_LEAD_PUNCT)
    core = word.rstrip(_TRAIL_PUNCT)
    if not core:
        return token
    lead, trail = token[: len(token) - len(word)], word[len(core) :]
    # a group starting with a control sequence is a bibtex "special character", whose
    # letters bibtex does case-change; the empty group in front prevents that
    return lead + ("{{}" if core.startswith("\\") else "{") + core + "}" + trail


def _title_segment(text: str, ascii: bool, sentence_case: bool, first: bool) -> str:
    """One stretch of title outside math: decoded, escaped, case-sensitive words braced."""
    plain = decode_tex_escapes(text)
    escaped = _escape_plain(plain, ascii)
    if not sentence_case and not _may_have_inner_capital(escaped):
        return escaped
    return _protect_words(escaped, plain, sentence_case, first)


def _protect_words(escaped: str, plain: str, sentence_case: bool, first: bool) -> str:
    """Brace the words a case-changing style must keep: inner capitals (by the regex, given
    only the words that can match: a capital after their first character, or one
    character long) and, in a sentence-case title, capitalised words mid-sentence."""
    words = escaped.split(" ")  # escaping keeps spaces, so these line up with the plain words
    search = _INNER_CAPITAL_RE.search
    inner = [(len(word) == 1 or word[1:] != word[1:].lower()) and search(word) is not None for word in words]
    if sentence_case:
        inner = [a or b for a, b in zip(inner, _proper_nouns(plain.split(" "), first))]
    if not any(inner):
        return escaped
    return " ".join([_protect(word) if mark else word for word, mark in zip(words, inner)])


def bibtex_title(title: str, ascii: bool = False) -> str:
    """An arXiv title as the body of a braced BibTeX value (always brace-balanced).

    TeX escapes already in the title are decoded then re-escaped, so ``R\\&D`` and
    ``R&D`` give the same output; math is kept verbatim when it is safe to copy
    and braced whole; everything else that TeX would interpret is escaped. Acronyms
    (``{GPT-4o}``, ``{R\\&D}``) and, in sentence-case titles, capitalised proper nouns
    (``{Gaussian}``) are braced so bibtex styles that lower-case titles keep them.
    """
    if title.isascii():
        # one look at the whole title through its byte classes (str ops on the shape: a
        # one-character ``in`` is a memchr); any doubt goes to the general path
        shape = title.encode("ascii").translate(_TITLE_CLASS).decode("ascii")
        if ("S" not in shape and "C" not in shape and "LL" not in shape and "  " not in shape
                and shape[:1] != " " and shape[-1:] != " "):
            # clean one-line text with nothing for TeX to interpret: only case protection to decide
            capitals = shape.count("U")
            if not capitals:
                return title
            if capitals == 1 and shape[0] == "U" and shape[1:2] not in ("", " "):
                return title  # only the first word is capitalised: nothing to protect
            padded = " " + shape + " "
            sentence_case = capitals > (shape[0] == "U") and _sentence_case(title)  # a capital after the first letter
            if padded.count(" U") == capitals and " U " not in padded and not sentence_case:
                return title  # every capital starts a word of two or more letters, in title case
            return _protect_words(title, title, sentence_case, True)  # the title is its own escape
    return _general_title(title, ascii)


def _general_title(title: str, ascii: bool) -> str:
    """:func:`bibtex_title` for any title (the fast path above takes plain ASCII ones)."""
    title = clean_text(title)
    sentence_case = _may_be_sentence_case(title) and _sentence_case(
        decode_tex_escapes(_MATH_RE.sub("$", title) if "$" in title else title))
    if "$" not in title:
        return _title_segment(title, ascii, sentence_case, True)
    parts: list[str] = []
    pos = 0
    for match in _MATH_RE.finditer(title):
        math = match.group(0)
        if not _math_is_safe(math):
            continue
        parts.append(_title_segment(title[pos : match.start()], ascii, sentence_case, pos == 0))
        parts.append("{" + math + "}")
        pos = match.end()
    parts.append(_title_segment(title[pos:], ascii, sentence_case, pos == 0))
    return "".join(parts)


#: ASCII byte -> class, for one look at a whole title (see :func:`bibtex_title`): ``U``
#: upper-case, ``a`` lower-case or digit, space, ``S`` TeX special or math, ``C`` control,
#: ``L`` a character of a TeX ligature (``-`` ````` ``'`` ``<`` ``>`` ``,`` ``!`` ``?``),
#: ``o`` anything else.
_TITLE_CLASS = bytes(
    ord("U") if 65 <= b <= 90 else ord("a") if 97 <= b <= 122 or 48 <= b <= 57 else 32 if b == 32
    else ord("S") if b in b"\\{}&%$#_~^" else ord("C") if b < 32 or b == 127
    else ord("L") if b in b"-`'<>,!?" else ord("o")
    for b in range(256)
)


def _may_be_sentence_case(title: str) -> bool:
    """False when no letter after the first is a capital (then no word can be a proper noun)."""
    if not title.isascii():
        return True
    raw = title.encode("ascii")
    return len(raw.translate(None, _NOT_UPPER_BYTES)) > raw[:1].isupper()


def is_balanced(value: str) -> bool:
    """True when the braces of a BibTeX value body balance *as bibtex counts them*.

    bibtex counts every brace, escaped or not (``\\{`` included), so a lone brace
    can only be written as ``\\textbraceleft{}``; a trailing backslash is rejected too.
    """
    depth = 0
    for char in value:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and not value.endswith("\\")


def raw_value(value: str, ascii: bool = False) -> str:
    """A field copied from a user's .bib: kept as TeX when it is a valid value, else escaped."""
    cleaned = clean_text(value)
    if is_balanced(cleaned):
        if ascii:
            return "".join(_ASCII_TABLE.get(ord(c), c) if ord(c) > 127 else c for c in cleaned)
        return cleaned
    return escape_text(cleaned, ascii)
