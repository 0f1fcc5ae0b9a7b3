"""BibTeX/biblatex writer: one ``@misc`` per preprint, valid for bibtex, biber, pandoc and Zotero.

The fields that name the preprint depend on the flavor (``WriteOptions.bib_flavor``), so
that the printed reference shows the arXiv id once in every standard style
(:func:`arxref.preprint.bib_preprint_fields`): ``howpublished = {arXiv:<id> [<class>]}``
for bibtex styles, ``eprint``/``eprinttype``/``eprintclass`` for biblatex. Neither has
arXiv's DOI or URL (styles print those too, and both repeat the id; CSL-JSON and RIS
carry them). A journal reference goes into ``note`` unless ``prefer_published`` asks for
the ``@article``, which then names the id with arXiv's eprint fields. A user's entry for
a published version (``Entry.bib_type``) is written as they wrote it, with the eprint
fields added. The abstract is not written (CSL-JSON and RIS carry it; abstracts are
where stray TeX breaks builds).

Names are written ``{von} Last, Jr, First`` so bibtex splits them as arxref did
(see :mod:`arxref.keys`); organisations are braced whole (``{OpenAI}``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..keys import Name, split_name
from ..model import Entry
from ..preprint import bib_eprint_fields, bib_preprint_fields
from ..tex import bibtex_title, clean_text, escape_text, raw_value
from . import WriteOptions
from .prepared import Prepared

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
#: A field name bibtex and biber accept (user fields with other names are not written).
_FIELD_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-:.+/]*$")
_AND_RE = re.compile(r"(?<!\S)and(?!\S)", re.IGNORECASE)
_SAFE_RE = re.compile(r"[A-Za-z0-9.:/\-]*")


@lru_cache(maxsize=65536)
def _name_part(text: str, ascii: bool) -> str:
    """A name part escaped, with bare ``and`` words and commas braced so bibtex cannot split there."""
    escaped = escape_text(text, ascii)
    escaped = _AND_RE.sub("{and}", escaped)
    return "{" + escaped + "}" if "," in escaped else escaped


def _needs_brace(family: str) -> bool:
    """bibtex would move lower-case words of a multi-word family name into the von part."""
    words = family.split()
    return len(words) > 1 and any(w[:1].islower() for w in words)


@lru_cache(maxsize=65536)
def format_name(name: Name, ascii: bool = False) -> str:
    """One author as bibtex reads it back the same way: ``de Haas, Sarah``, ``{OpenAI}``."""
    if name.literal:
        return "{" + escape_text(name.family, ascii) + "}"
    family = _name_part(name.family, ascii)
    if _needs_brace(name.family) and not family.startswith("{"):
        family = "{" + family + "}"
    if name.particle:
        family = _name_part(name.particle, ascii) + " " + family
    parts = [family]
    if name.suffix:
        parts.append(_name_part(name.suffix, ascii))
    if name.given or name.suffix:
        parts.append(_name_part(name.given, ascii))
    return ", ".join(parts)


def format_authors(names: list[Name], truncated: bool, ascii: bool = False) -> str:
    """The ``author`` field body: names joined by `` and ``, ``and others`` when cut."""
    text = " and ".join([format_name(n, ascii) for n in names])
    return text + " and others" if truncated else text


@lru_cache(maxsize=65536)
def _author_utf8(display_name: str) -> str:
    """One arXiv display name as a BibTeX name, UTF-8 kept."""
    return format_name(split_name(display_name), False)


@lru_cache(maxsize=65536)
def _author_ascii(display_name: str) -> str:
    """One arXiv display name as a BibTeX name, accented letters as LaTeX escapes."""
    return format_name(split_name(display_name), True)


def _author_field(prepared: Prepared, ascii: bool) -> str:
    """The ``author`` body (names cached by display string, one cache per escaping: authors recur)."""
    text = " and ".join(map(_author_ascii if ascii else _author_utf8, prepared.names))
    return text + " and others" if prepared.truncated else text


def _safe(value: str) -> str:
    """Identifiers (arXiv ids, categories) pass through unless they hold TeX specials."""
    return value if _SAFE_RE.fullmatch(value) else escape_text(value)


def _verbatim(value: str) -> str:
    """``doi``/``url`` are read verbatim by biblatex and ``\\url``: no TeX escapes, only
    braces (which would unbalance the value) percent-encoded."""
    if _SAFE_RE.fullmatch(value):
        return value
    return clean_text(value).replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def entry_type(entry: Entry, options: WriteOptions) -> str:
    """The user's type for a published version they cited (``Entry.bib_type``); ``article`` for
    a journal version, ``inproceedings``/``article`` when the user's fields kept a
    booktitle/journal, else ``misc`` (arXiv's recommendation for preprints)."""
    return _entry_type(Prepared(entry, options))


def _entry_type(prepared: Prepared) -> str:
    """:func:`entry_type` of an entry already prepared."""
    if prepared.entry.bib_type:
        return prepared.entry.bib_type
    if prepared.published or prepared.container == "journal":
        return "article"
    return "inproceedings" if prepared.container == "booktitle" else "misc"


_ID, _CLASS = "\0id\0", "\0class\0"


@lru_cache(maxsize=16)
def _id_template(flavor: str, with_class: bool, published: bool) -> str:
    """The lines that name the arXiv id (:mod:`arxref.preprint`'s fields for ``flavor``), with
    placeholders for the id and the class: built once, filled per entry."""
    rule = bib_eprint_fields if published else bib_preprint_fields
    fields = rule(_ID, _CLASS if with_class else None, flavor)
    return "".join(f"  {name} = {{{value}}},\n" for name, value in fields)


def _id_lines(arxiv_id: str, category: str, flavor: str, published: bool) -> str:
    """The id lines of one entry (id and category already safe for a .bib)."""
    text = _id_template(flavor, bool(category), published).replace(_ID, arxiv_id)
    return text.replace(_CLASS, category) if category else text


def format_prepared(prepared: Prepared, options: WriteOptions) -> tuple[str, str]:
    """One prepared entry as BibTeX text, in two pieces: through the authors, and the
    rest (for :func:`arxref.formats.write_formats`).

    Built as one f-string with its optional lines worked out first: 100,000 entries
    are written in seconds, so per-field string operations count. A preprint is named
    by :func:`arxref.preprint.bib_preprint_fields` in the options' flavor; a published
    version (a journal version, a user's entry with a venue) by
    :func:`arxref.preprint.bib_eprint_fields`, with its own DOI and never arXiv's.
    """
    if prepared.entry.bib_type:
        return _format_as_written(prepared, options)
    paper = prepared.paper
    ascii = options.ascii
    published = prepared.published
    bib = prepared.bib_fields
    plain = prepared.plain_ids  # then the id and the category are safe
    arxiv_id = paper.arxiv_id if plain else _safe(paper.arxiv_id)
    category = prepared.category
    if category and not plain:
        category = _safe(category)
    ids = _id_lines(arxiv_id, category, options.bib_flavor, published or prepared.container is not None)
    doi = _verbatim(paper.doi) if published and paper.doi else ""
    authors = f"  author = {{{_author_field(prepared, ascii)}}},\n" if prepared.authors else ""
    if published:
        when = f"  journal = {{{escape_text(paper.journal_ref or '', ascii)}}},\n  year = {{{prepared.year}}},\n"
    else:
        when = f"  year = {{{prepared.year}}},\n  month = {_MONTHS[prepared.date.month - 1]},\n"
    note = _journal_note(prepared, ascii) if bib or paper.journal_ref else ""
    tail = f"  note = {{{note}}},\n" if note else ""
    if bib:
        if "doi" in bib:
            doi = ""
        for name, value in bib.items():
            if not (name == "note" and note) and _FIELD_NAME_RE.match(name):
                tail += _field_line(name, value, ascii)
    doi_line = f"  doi = {{{doi}}},\n" if doi else ""
    if options.bib_abstracts and paper.abstract and "abstract" not in bib:
        # arXiv abstracts are TeX as their authors wrote it ($Q$, 50\%): kept when its braces
        # balance (Zotero's and JabRef's importers read it as TeX), else escaped
        tail = f"  abstract = {{{raw_value(paper.abstract, ascii)}}},\n" + tail
    return (f"@{_entry_type(prepared)}{{{prepared.entry.key},\n{authors}",
            f"  title = {{{bibtex_title(paper.title, ascii)}}},\n{when}{ids}{doi_line}{tail}}}\n\n")


def _format_as_written(prepared: Prepared, options: WriteOptions) -> tuple[str, str]:
    """A user's entry for a published version: their type and fields in their order, arXiv's eprint added."""
    entry = prepared.entry
    category = prepared.category
    plain = prepared.plain_ids
    ids = _id_lines(entry.paper.arxiv_id if plain else _safe(entry.paper.arxiv_id),
                    category if plain or not category else _safe(category), options.bib_flavor, True)
    fields = "".join(_field_line(name, value, options.ascii)
                     for name, value in entry.bib_fields.items() if _FIELD_NAME_RE.match(name))
    return f"@{entry.bib_type}{{{entry.key},\n", f"{fields}{ids}}}\n\n"


def _field_line(name: str, value: str, ascii: bool) -> str:
    """One field of a user's entry as written: braced TeX, a month abbreviation bare (``month = may``)."""
    if name == "month" and value.strip().lower() in _MONTHS:
        return f"  month = {value.strip().lower()},\n"
    return f"  {name} = {{{raw_value(value, ascii)}}},\n"


def _journal_note(prepared: Prepared, ascii: bool) -> str:
    """``note``: the user's note, plus where the preprint was published (when not written as @article)."""
    paper = prepared.paper
    parts = []
    if "note" in prepared.bib_fields:
        parts.append(raw_value(prepared.bib_fields["note"], ascii))
    if not prepared.published and paper.journal_ref:
        text = f"Published in {escape_text(paper.journal_ref, ascii)}"
        if paper.doi:
            text += f", doi:{escape_text(paper.doi)}"
        parts.append(text)
    return ". ".join(parts)
