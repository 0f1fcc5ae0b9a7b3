"""Author names and stable citation keys (``chen2021evaluating``).

A key is a pure function of the paper's metadata, so re-running arxref on the same
inputs (in any order) gives the same keys, and a document's ``\\cite`` commands keep
working. Key = first author's family name + year + first significant title word,
all ASCII-folded, lower-case, letters and digits only.

Names are split once here, with rules chosen to agree with how bibtex itself will
split what the BibTeX writer emits:

* ``Christopher De Sa`` -> family ``De Sa`` (a capitalised particle inside the name
  starts the family name; written ``De Sa, Christopher`` bibtex keeps it whole);
* ``Sarah de Haas`` -> particle ``de``, family ``Haas`` (bibtex's *von* part; the key
  uses ``haas``); ``Henrique Ponde de Oliveira Pinto`` -> given ``Henrique Ponde``,
  particle ``de``, family ``Oliveira Pinto`` (key ``oliveirapinto``);
* ``Seán Ó hÉigeartaigh`` -> family ``Ó hÉigeartaigh`` (key ``ohéigeartaigh`` folded
  to ``oheigeartaigh``);
* a trailing ``Jr.``/``III`` is a suffix; a one-word name (``OpenAI``) or a name with
  an organisation word (``... Team``, ``... Collaboration``) is an organisation, kept
  whole (BibTeX ``{OpenAI}``, CSL ``literal``).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Iterable, Iterator, Mapping

from .tex import clean_text, decode_tex_escapes
from .textnorm import KEY_STOP_WORDS

#: Lower-case words that, inside a name, start bibtex's "von" part.
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v", "2nd", "3rd"})
#: Capitalised particles that begin a family name when they are not the first word.
_CAPITAL_PARTICLES = frozenset(
    "De Del Della Der Den Di Da Du Dos Das Van Von Le La Ter Ten Ó Ní Mac St. Bin Ibn Al El".split()
)
#: A word of one of these makes the whole name an organisation.
_ORG_WORDS = frozenset(
    """team collaboration consortium group inc inc. ltd ltd. llc laboratory lab labs institute
    university corporation corp. project committee council association society foundation
    initiative organization organisation authors contributors community""".split()
)


@dataclass(frozen=True)
class Name:
    """A person's name split the way the writers need it (or an organisation)."""

    given: str
    family: str
    """Family name without a lower-case particle (``Haas`` for ``de Haas``)."""
    particle: str = ""
    """Lower-case particle(s) before the family name (``de``, ``van der``)."""
    suffix: str = ""
    literal: bool = False
    """An organisation or one-word name: ``family`` holds the whole name, never split."""

    @property
    def full_family(self) -> str:
        """Family name with its particle, as Zotero and RIS want it (``de Haas``)."""
        return f"{self.particle} {self.family}" if self.particle else self.family


def _is_lower_word(word: str) -> bool:
    """bibtex's test for a von word: its first letter is lower-case (``and`` never is a particle)."""
    if word == "and":
        return False
    for char in word:
        if char.isalpha():
            return char.islower()
    return False


@lru_cache(maxsize=65536)
def split_name(name: str) -> Name:
    """Split one display name (``Mark Chen``, ``Chen, Mark``, ``OpenAI``) into a Name.

    The name is plain text (arXiv's); decode TeX first (``latex_to_text``) for .bib names.
    """
    name = clean_text(name)
    if "," in name:
        return _split_comma_form(name)
    words = name.split(" ")
    if len(words) <= 1 or any(w.lower() in _ORG_WORDS for w in words) or words[0] == "The":
        return Name("", name, literal=True)
    suffix = ""
    if len(words) > 2 and words[-1].lower() in _SUFFIXES:
        suffix = words.pop()
    start = len(words) - 1
    for index in range(1, len(words) - 1):
        if _is_lower_word(words[index]) or words[index] in _CAPITAL_PARTICLES:
            start = index
            break
    given, rest = words[:start], words[start:]
    particle: list[str] = []
    while len(rest) > 1 and _is_lower_word(rest[0]):
        particle.append(rest.pop(0))
    return Name(" ".join(given), " ".join(rest), " ".join(particle), suffix)


def _split_comma_form(name: str) -> Name:
    """``Family, Given`` or ``Family, Suffix, Given`` (bibtex's own comma forms)."""
    parts = [p.strip() for p in name.split(",")]
    family_part = parts[0]
    suffix = parts[1] if len(parts) >= 3 else ""
    given = parts[-1] if len(parts) >= 2 else ""
    words = family_part.split(" ")
    particle: list[str] = []
    while len(words) > 1 and _is_lower_word(words[0]):
        particle.append(words.pop(0))
    family = " ".join(words)
    if not family:
        return Name("", name, literal=True)
    return Name(given, family, " ".join(particle), suffix)


# --------------------------------------------------------------------------- folding

_FOLD_EXTRA = str.maketrans({
    "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l",
    "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i", "ħ": "h",
})
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")
_MATH_RE = re.compile(r"\$[^$]*\$")


@lru_cache(maxsize=65536)
def ascii_fold(text: str) -> str:
    """Lower-case ASCII letters and digits only: ``Martínez-Plumed`` -> ``martinezplumed``."""
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD_EXTRA))
    folded = folded.encode("ascii", "ignore").decode("ascii").lower()
    return _NON_ALNUM_RE.sub("", folded)


def family_key(author: str) -> str:
    """The key part of a first author: family name without particle, folded; ``anon`` if empty."""
    known = _FAMILY_KEYS.get(author)
    if known is None:
        if len(_FAMILY_KEYS) >= _FAMILY_KEYS_MAX:
            _FAMILY_KEYS.clear()
        known = _FAMILY_KEYS[author] = ascii_fold(split_name(author).family) or "anon"
    return known


#: First authors' key parts. A plain dict, cleared when full, as ``dedup._CANONICAL``: one
#: look-up where :func:`split_name` and :func:`ascii_fold` (LRU caches) cost two, per paper.
_FAMILY_KEYS: dict[str, str] = {}
_FAMILY_KEYS_MAX = 1 << 17


_WORD_RE = re.compile(r"[a-z0-9]+")
_NOT_WORD_RE = re.compile(r"[^a-z0-9]+")
#: Words of a title split off at once by :func:`title_word` (a stop word or two, then the word).
_FIRST_WORDS = 4


def title_word(title: str) -> str:
    """First significant word of a title (stop words and math skipped), folded; may be empty.

    Most titles begin with their words: ASCII letters and digits, one space after each.
    Those are read off one by one (no regex, no lower-casing or folding of the whole title),
    and they are the words :func:`_title_word` would read first: TeX escapes and math begin
    at ``\\``, ``{`` or ``$``, which they do not contain, and folding leaves ASCII as it is.
    Anything else (another character before the word is found) goes there.
    """
    rest = title
    while rest:
        first, _, rest = rest.partition(" ")
        if not (first.isalnum() and first.isascii()):
            break
        word = first.lower()
        if word not in KEY_STOP_WORDS:
            return word
    return _title_word(title)


def _title_word(title: str) -> str:
    """:func:`title_word` for any title: TeX decoded, math skipped, folded, word by word."""
    if title.isascii() and "\\" not in title and "$" not in title:
        folded = title  # nothing to decode, fold or skip: the words are read from the title itself
    else:
        text = _MATH_RE.sub(" ", decode_tex_escapes(title))
        folded = unicodedata.normalize("NFKD", text.translate(_FOLD_EXTRA)).encode("ascii", "ignore").decode()
    # word by word from the start (most titles' first or second word is the one): the first
    # few words by one split, the rest (rarely needed) one by one
    lowered = folded.lower()
    for word in _NOT_WORD_RE.split(lowered, _FIRST_WORDS)[:_FIRST_WORDS]:
        if word and word not in KEY_STOP_WORDS:
            return word
    for match in _WORD_RE.finditer(lowered):
        word = match.group()
        if word not in KEY_STOP_WORDS:
            return word
    return ""


def base_key(first_author: str | None, year: int, title: str) -> str:
    """``chen2021evaluating``: family + year + first significant title word."""
    return f"{family_key(first_author) if first_author else 'anon'}{year}{title_word(title)}"


def check_year_mode(year_mode: str) -> str:
    """``year_mode`` itself when it is ``first`` or ``latest``; ValueError otherwise."""
    if year_mode not in ("first", "latest"):
        raise ValueError(f"year_mode must be 'first' or 'latest', not {year_mode!r}")
    return year_mode


def paper_year(published: datetime, updated: datetime, year_mode: str = "first") -> int:
    """Year of v1 (``first``, when the work became public) or of the latest version."""
    return (updated if check_year_mode(year_mode) == "latest" else published).year


#: Characters bibtex, biber and LaTeX's \cite cannot take in a key.
_BAD_KEY_RE = re.compile(r"[\s,{}()\"#%'=\\~]")


def is_valid_key(key: str) -> bool:
    """True when ``key`` can be used in a .bib entry and in ``\\cite{}`` as is."""
    return bool(key) and not _BAD_KEY_RE.search(key) and key.isprintable()


def _suffixes() -> Iterator[str]:
    """a, b, ..., z, aa, ab, ... (as many as needed)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    width = 1
    while True:
        for number in range(26**width):
            out = ""
            for _ in range(width):
                number, digit = divmod(number, 26)
                out = letters[digit] + out
            yield out
        width += 1


def assign_keys(bases: Mapping[str, str], taken: Iterable[str] = ()) -> dict[str, str]:
    """Unique keys for papers given ``{arxiv_id: base_key}``, avoiding ``taken`` keys.

    A base shared by several papers (or already taken) gets suffixes ``a``, ``b``...
    in arXiv-id order, like author-year labels (2021a, 2021b), so the result does
    not depend on input order.
    """
    used = set(taken)
    alone: dict[str, str] = {}  # base -> the one paper that has it (most bases): no list of its own
    shared: dict[str, list[str]] = {}
    for arxiv_id, base in bases.items():
        group = shared.get(base)
        if group is not None:
            group.append(arxiv_id)
        elif base in alone:
            shared[base] = [alone.pop(base), arxiv_id]
        else:
            alone[base] = arxiv_id
    keys: dict[str, str] = {}
    for base in sorted([*alone, *shared]):
        only = alone.get(base)
        if only is not None and base not in used:
            keys[only] = base
            used.add(base)
            continue
        members = [only] if only is not None else sorted(shared[base])
        suffixes = _suffix_run()
        for arxiv_id in members:
            key = base + next(suffixes)
            while key in used:
                key = base + next(suffixes)
            keys[arxiv_id] = key
            used.add(key)
    return keys


#: The one- and two-letter suffixes, made once: a base shared by many papers reads them.
_FIRST_SUFFIXES = tuple(itertools.islice(_suffixes(), 26 + 26 * 26))


def _suffix_run() -> Iterator[str]:
    """:func:`_suffixes`, its first ones read from :data:`_FIRST_SUFFIXES`."""
    return itertools.chain(_FIRST_SUFFIXES, itertools.islice(_suffixes(), len(_FIRST_SUFFIXES), None))


#: Generation suffixes skipped when looking for the family word (conservative: ``V`` may be an initial).
_FAMILY_SKIP = frozenset({"jr", "sr", "ii", "iii", "iv"})


def family_word(name: str) -> str:
    """The family part of a display name for matching and search (``Chen, Mark`` / ``Mark Chen Jr.`` -> ``Chen``).

    Unlike :func:`split_name` (which builds citation keys and must keep particles and
    literal organisation names whole), this is the one answer for "which word is the
    surname" when comparing a record's authors with arXiv's.
    """
    if "," in name:
        return name.split(",", 1)[0].strip()
    words = [w for w in name.split() if w.rstrip(".").lower() not in _FAMILY_SKIP]
    return words[-1] if words else ""


def short_label(authors: list[str], year: int) -> str:
    """How a message names a paper for people: ``Agarwal et al. 2021``, ``Chen and Li 2020``, ``OpenAI 2023``."""
    families = [split_name(name).full_family or name for name in authors[:3]]
    if not families:
        return str(year)
    if len(authors) == 1:
        return f"{families[0]} {year}"
    if len(authors) == 2:
        return f"{families[0]} and {families[1]} {year}"
    return f"{families[0]} et al. {year}"
