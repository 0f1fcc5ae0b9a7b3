"""Text normalisation for matching: the same paper written by different hands compares equal.

Abstracts and titles reach arxref copied from PDFs, LaTeX sources, web pages and
listings. The differences that say nothing about *which* paper is meant are
removed here, identically on both sides of a comparison:

* case and accents (NFKD fold: ``Schölkopf`` == ``Scholkopf``), ligatures (``ﬁ``);
* TeX markup: ``\\%``, ``{}``, ``$...$``, ``\\emph{..}``, ``~``, ``\\'e``;
* hyphenation across line breaks (``pro-\\nposed``) and hyphens inside compounds
  (``self-harm`` == ``selfharm``, so both spellings and both wraps agree);
* ``--``/``---`` and unicode dashes, quotes of every kind, odd whitespace;
* a trailing ``…``/``...``/``[...]`` that marks a truncated copy (dropped; the
  matcher compares a short copy with the paper's prefix anyway, and
  :func:`is_truncated` tells whether a copy says it was cut).

:func:`normalize` is the one matching form: :func:`same_title` (dedup's and
check's "same title?") and :func:`title_forms` (the resolver's title score) are
built on it. The other helpers pick words for search queries, and the module
keeps the project's stop-word lists (one per purpose) and the message helpers
(:func:`snippet`, :func:`clean_title`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Marks that end a copy cut short by a listing page or a human.
_TRUNCATION_RE = re.compile(r"(?:\s*(?:\u2026|\.\.\.+|\[\s*(?:\u2026|\.\.\.)\s*\]|\(\s*(?:\u2026|\.\.\.)\s*\)))+\s*$")

# TeX: accent commands (\'e, \"{o}, \c{c}), other commands (\emph, \textbf, \cite...),
# escaped specials (\% \& \_ \# \$), math delimiters, braces, ties.
_TEX_ACCENT_RE = re.compile(r"\\[`'^\"~=.uvHcdbkr](?![a-zA-Z])\s*")
_TEX_ESCAPE_RE = re.compile(r"\\([%&_#$])")
_TEX_COMMAND_RE = re.compile(r"\\[a-zA-Z]+\*?")
_TEX_MATH_RE = re.compile(r"(?<!\\)\$+")
_TEX_LINEBREAK_RE = re.compile(r"\\\\")

# A hyphen at a line break, or inside a compound word: joined.
_HYPHEN_BREAK_RE = re.compile(r"(\w)[-\u2010\u2011\u00ad]\s*\n\s*(\w)")
_HYPHEN_INNER_RE = re.compile(r"(?<=\w)[-\u2010\u2011\u00ad](?=\w)")
_DASHES_RE = re.compile(r"-{2,}|[\u2012\u2013\u2014\u2015\u2212]")
_QUOTES_RE = re.compile(r"[\"'`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a]")
_NON_WORD_RE = re.compile(r"[^0-9a-z]+")
_QUERY_SPLIT_RE = re.compile(r"[^0-9a-z ]+")

#: Function words and abstract boilerplate: worthless as arXiv search terms (query building).
SEARCH_STOP_WORDS = frozenset(
    """
    a about above across after again against all almost along also although always am among an and
    another any are around as at be because been before being below between both but by can cannot
    could did do does doing done down during each either else even ever every few for from further
    had has have having he her here hers herself him himself his how however i if in into is it its
    itself just least less like made make makes many may more most much must my neither no nor not
    now of off often on once one only onto or other others our ours ourselves out over own per
    rather same she should since so some such than that the their theirs them themselves then there
    therefore these they this those though through thus to too toward towards under until up upon
    us very via was we well were what when where whether which while who whom whose why will with
    within without would yet you your yours
    abstract paper papers work works propose proposed proposes present presents presented show shows
    shown study studies studied approach approaches method methods result results use used uses using
    based new novel also further first second two three four five several various different well
    large small high low including include includes provide provides provided find found finds
    demonstrate demonstrates introduce introduces introduced describe describes described discuss
    discusses analyze analyse analysis consider considers given give gives way ways able allow allows
    set sets number numbers case cases however moreover furthermore finally recently recent here
    therein thereby among across while whereas often particular particularly significant
    significantly effective effectively important model models data
    """.split()
)

#: Title words a citation key skips for its word (``chen2021evaluating``); part of the
#: key contract: changing it renames every generated key.
KEY_STOP_WORDS = frozenset(
    """a an the on of in for to toward towards and or with without from by at as via into onto
    is are be do does what why how when where which who whom can we our your its it not no
    about over under beyond through between among using""".split()
)

#: Words too common in any English abstract to tell papers apart: the cache's full-text
#: lookup never probes them (changing it changes which candidates a search returns).
INDEX_STOP_WORDS = frozenset(
    """
    a about above after again against all also although am among an and any are as at be because been
    before being below between both but by can could did do does doing down during each either et few
    for from further had has have having he her here hers herself him himself his how however i if in
    into is it its itself just may me might more most must my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through thus to too under until up upon us
    very via was we were what when where which while who whom why will with within without would you
    your yours yourself yourselves al etc eg ie vs
    """.split()
)


def fold(text: str) -> str:
    """NFKD-fold and drop combining marks: accents and ligatures never decide a match."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def strip_tex(text: str) -> str:
    """Remove TeX markup, keeping the words it wraps (``\\emph{deep}`` -> ``deep``)."""
    if "\\" not in text and "$" not in text and "{" not in text and "~" not in text:
        return text
    text = _TEX_LINEBREAK_RE.sub(" ", text)
    text = _TEX_ESCAPE_RE.sub(r"\1", text)
    text = _TEX_ACCENT_RE.sub("", text)
    text = _TEX_COMMAND_RE.sub(" ", text)
    text = _TEX_MATH_RE.sub("", text)
    return text.replace("{", "").replace("}", "").replace("~", " ")


def is_truncated(text: str | None) -> bool:
    """True when a copy ends in ``…``/``...``/``[...]``: it is a prefix of the real text."""
    return bool(text) and _TRUNCATION_RE.search(text) is not None  # type: ignore[arg-type]


def strip_truncation(text: str) -> str:
    """The text without its trailing truncation mark."""
    return _TRUNCATION_RE.sub("", text)


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """The matching form of a title or abstract: lower-case ASCII words separated by one space."""
    text = strip_truncation(text)
    text = _HYPHEN_BREAK_RE.sub(r"\1\2", text)
    text = strip_tex(text)
    text = fold(text).casefold()
    text = _DASHES_RE.sub(" ", text)
    text = _QUOTES_RE.sub("", text)
    text = _HYPHEN_INNER_RE.sub("", text)
    return _NON_WORD_RE.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """Normalised words of a text (the unit the abstract matcher compares)."""
    normal = normalize(text)
    return normal.split() if normal else []


def content_words(text: str) -> list[str]:
    """Normalised words that can narrow a search: no stop words, numbers or 1-2 letter words."""
    return [w for w in words(text) if is_content(w)]


def is_content(word: str) -> bool:
    """A word worth searching for: not a stop word, a number or a 1-2 letter word."""
    return len(word) > 2 and word not in SEARCH_STOP_WORDS and not word.isdigit()


def distinctive_words(text: str, limit: int) -> list[str]:
    """Up to ``limit`` content words as search engines tokenise them, rarest-looking first.

    Without corpus statistics, length is the usable proxy for rarity (long words are
    rarer in English), with words that carry digits (``gpt4``) preferred.
    The result keeps no duplicates and is deterministic.
    """
    seen: dict[str, int] = {}
    tokens = [w for run in query_runs(text) for w in run if is_content(w)]
    for position, word in enumerate(tokens):
        if word not in seen:
            seen[word] = position
    ranked = sorted(seen, key=lambda w: (-rarity(w), seen[w]))
    return ranked[:limit]


def rarity(word: str) -> float:
    """How rare a word looks without corpus statistics: its length, plus a bonus for digits."""
    bonus = 3.0 if any(ch.isdigit() for ch in word) else 0.0
    return min(len(word), 12) + bonus


def query_runs(text: str) -> list[list[str]]:
    """Word runs as a search engine tokenises them, split wherever anything but plain
    spaces separates two words, so a quoted phrase built from one run never spans a
    hyphen, slash or TeX command whose tokenisation cannot be predicted."""
    clean = _HYPHEN_BREAK_RE.sub(r"\1\2", strip_truncation(text))
    clean = " ".join(fold(strip_tex(clean)).casefold().split())
    runs: list[list[str]] = []
    for chunk in _QUERY_SPLIT_RE.split(clean):
        tokens = chunk.split()
        if tokens:
            runs.append(tokens)
    return runs


def spread_phrases(text: str, count: int, size: int = 2) -> list[str]:
    """Up to ``count`` distinct ``size``-word phrases of content words, for quoted search.

    The most distinctive phrases (long, rare-looking words) come first, each from
    another part of the text while parts last, so one edited or mistyped sentence
    cannot spoil them all.
    """
    found: list[tuple[int, str]] = []
    position = 0
    for run in query_runs(text):
        for start in range(len(run) - size + 1):
            window = run[start : start + size]
            if all(is_content(w) for w in window):
                found.append((position + start, " ".join(window)))
        position += len(run)
    if not found:
        return []
    ranked = sorted(found, key=lambda f: (-sum(rarity(w) for w in f[1].split()), f[0]))
    picked: list[str] = []
    used_regions: set[int] = set()
    for where, phrase in ranked:
        region = where * count // position
        if phrase not in picked and region not in used_regions:
            picked.append(phrase)
            used_regions.add(region)
    for _, phrase in ranked:
        if phrase not in picked:
            picked.append(phrase)
    return picked[:count]


# --------------------------------------------------------------------------- titles and messages


@lru_cache(maxsize=8192)
def title_forms(title: str) -> tuple[str, ...]:
    """Matching forms of a title: the whole title, and its main part when it has a subtitle.

    Papers are often cited without their subtitle (``GPT-4 Technical Report`` for
    ``GPT-4 Technical Report: ...``), so the part before ``:``, `` - `` or ``?`` counts
    too when it keeps at least two words.
    """
    forms = [normalize(title)]
    for sep in (":", " - ", "?"):
        if sep in title:
            main = normalize(title.split(sep, 1)[0])
            if len(main.split()) >= 2 and main not in forms:
                forms.append(main)
    return tuple(forms)


def same_title(ours: str, theirs: str, *, typos: bool = False, retitled: bool = False) -> bool:
    """Whether two titles (TeX allowed) say the same: the one answer for dedup, check and conflicts.

    By default the titles must be equal word for word once TeX is decoded and
    :func:`normalize` applied: ``dedup`` reports any other difference as a correction
    of the user's .bib entry.

    ``typos=True`` asks "is this the paper the entry meant?" (``check`` and export's
    conflicts): case, punctuation, TeX braces and accents, a dropped subtitle (one
    title is the other's part before ``:``), words run together or split
    (``pre-training``/``pretraining``), a dropped article and misspelt words (each
    word at least 80 % alike) are forgiven; a missing title never disagrees. Any other
    word added, dropped or changed makes another paper, however long the shared
    prefix: ``Few-Shot Learners``/``Zero-Shot Reasoners``, ``Attention Is (Not) All
    You Need``, ``GPT-3``/``GPT-4`` (numbers must agree).

    ``retitled=True`` is looser still: the titles may be one work renamed (arXiv's
    later retitling, or the published title beside the preprint's) when most of the
    shorter title's content words are in the other. It is only asked when something
    else (the first author) already says it is the same work.
    """
    if not typos and not retitled:
        return normalize(plain(ours)) == normalize(plain(theirs))
    a, b = normalize(plain(ours)), normalize(plain(theirs))
    if not a or not b or a == b:
        return True
    if _same_words(a, b):
        return True
    mains_a, mains_b = title_forms(plain(ours))[1:], title_forms(plain(theirs))[1:]
    if any(_same_words(main, b) for main in mains_a) or any(_same_words(a, main) for main in mains_b):
        return True  # a dropped subtitle
    return retitled and _shared_content(a, b) >= _RETITLED_SHARE


#: Words a title may gain or lose and stay the same title.
_FILLER_WORDS = frozenset(("a", "an", "the", "and"))
#: Small words one hand writes for another (``a survey on``/``of``): a swap between two of them is forgiven.
_SWAPPABLE_WORDS = frozenset("of on in for to with at by from towards toward into".split())
#: How alike (rapidfuzz ratio) a misspelt word must be to the word it stands for.
_TYPO_RATIO = 80
#: Share of the shorter title's content words a renamed title keeps.
_RETITLED_SHARE = 0.6
_DIGITS_RE = re.compile(r"\d+")


def _same_words(a: str, b: str) -> bool:
    """Normalised titles equal but for typos, run-together words and articles (see :func:`same_title`)."""
    from difflib import SequenceMatcher

    left, right = a.split(), b.split()
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, left, right, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        ours, theirs = left[i1:i2], right[j1:j2]
        if not ours or not theirs:  # words added or dropped: only articles may be
            if not all(w in _FILLER_WORDS for w in ours + theirs):
                return False
        elif not _same_run(ours, theirs):
            return False
    return True


def _same_run(ours: list[str], theirs: list[str]) -> bool:
    """A run of words replaced by another: the same words misspelt, split or joined."""
    from rapidfuzz import fuzz

    ours = [w for w in ours if w not in _FILLER_WORDS] or ours
    theirs = [w for w in theirs if w not in _FILLER_WORDS] or theirs
    joined_a, joined_b = "".join(ours), "".join(theirs)
    if joined_a == joined_b:
        return True
    if _DIGITS_RE.findall(joined_a) != _DIGITS_RE.findall(joined_b):
        return False  # GPT-3 is not GPT-4
    if len(ours) == len(theirs):
        return all(_same_word(x, y) for x, y in zip(ours, theirs))
    return min(len(joined_a), len(joined_b)) > 3 and fuzz.ratio(joined_a, joined_b) >= _TYPO_RATIO + 10


def _same_word(x: str, y: str) -> bool:
    """One word for another: equal, a plural, two small linking words, or a misspelling."""
    from rapidfuzz import fuzz

    if x == y or x + "s" == y or y + "s" == x:
        return True
    if x in _SWAPPABLE_WORDS and y in _SWAPPABLE_WORDS:
        return True
    return min(len(x), len(y)) > 3 and fuzz.ratio(x, y) >= _TYPO_RATIO


def _shared_content(a: str, b: str) -> float:
    """Share of the shorter title's content words (no stop words) found in the other."""
    words_a = {w for w in a.split() if w not in KEY_STOP_WORDS}
    words_b = {w for w in b.split() if w not in KEY_STOP_WORDS}
    if not words_a or not words_b:
        return 0.0
    return len(words_a & words_b) / min(len(words_a), len(words_b))


def plain(text: str) -> str:
    """TeX-ish text (a .bib value, an arXiv title) as one line of plain text: what messages show."""
    from .tex import clean_text, latex_to_text

    return clean_text(latex_to_text(text))


def clean_title(title: str) -> str:
    """A title for messages and matching input: TeX braces dropped, whitespace runs squashed."""
    return " ".join(title.replace("{", "").replace("}", "").split())


def snippet(text: str | None, width: int = 60, *, trim: bool = True) -> str:
    """One-line excerpt of at most ``width`` characters for messages, ``\u2026`` where cut.

    ``trim`` drops the space before the ``\u2026`` (``resolve`` tables); ``check`` and
    ``export`` problem messages keep the cut exactly where it falls, as they always
    have (users' CI logs are matched against them).
    """
    if not text:
        return ""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    cut = flat[: width - 1]
    return (cut.rstrip() if trim else cut) + "\u2026"
