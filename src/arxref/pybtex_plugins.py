"""pybtex output plugins: ``csljson`` and ``ris`` for any BibTeX database, not only arXiv.

Registered in ``pyproject.toml`` under ``pybtex.database.output`` (names ``csljson``,
``ris``) and ``pybtex.database.output.suffixes`` (``.json``, ``.ris``), so::

    pybtex-convert refs.bib refs.json
    pybtex.database.parse_file("refs.bib").to_string("csljson")

pybtexris registers ``ris`` as an *input* format; input and output are separate
plugin groups, so the names do not collide and RIS can be read back with it.

Thin adapters: a pybtex entry becomes a :class:`~arxref.formats.bibitem.BibItem`
(values TeX-decoded, pybtex's split names as arxref Names), which the writers'
own modules write (:func:`arxref.formats.csljson.bib_item`,
:func:`arxref.formats.ris.bib_tags`). So BibTeX types map to the closest CSL and
RIS types, and an entry with an arXiv eprint becomes a preprint exactly as
arxref's own writers make one.
"""

from __future__ import annotations

from typing import Any, Iterable, TextIO

from pybtex.database import BibliographyData, Entry as PybtexEntry, Person  # type: ignore[import-untyped]
from pybtex.database.output import BaseWriter  # type: ignore[import-untyped]

from .formats.bibitem import BibItem
from .formats.csljson import CSL_FIELDS, CSL_TYPES, bib_item, write_items
from .formats.ris import RIS_TYPES, bib_tags, format_record
from .keys import Name
from .tex import latex_to_text

__all__ = ["CSL_FIELDS", "CSL_TYPES", "RIS_TYPES", "CslJsonWriter", "RisWriter", "entry_to_csl", "entry_to_item",
           "entry_to_ris", "person_to_name"]


def person_to_name(person: Person) -> Name:
    """A pybtex Person as an arxref Name (a lone braced or one-word name is an organisation)."""
    last = latex_to_text(" ".join(person.last_names))
    given = latex_to_text(" ".join(person.first_names + person.middle_names))
    particle = latex_to_text(" ".join(person.prelast_names))
    suffix = latex_to_text(" ".join(person.lineage_names))
    if not given and not particle and not suffix and len(person.last_names) == 1:
        return Name("", last, literal=True)
    return Name(given, last, particle, suffix)


def _names(persons: Iterable[Person]) -> tuple[Name, ...]:
    """The named persons of a role. A trailing ``others`` is BibTeX's "et al.", not a
    person: the list stops there, as arxref's own CSL-JSON and RIS do for a list cut
    by ``max_authors`` (styles add "et al." by their own rules)."""
    people = list(persons)
    if people and str(people[-1]) == "others":
        people.pop()
    return tuple(person_to_name(person) for person in people)


def entry_to_item(key: str, entry: PybtexEntry) -> BibItem:
    """A pybtex entry as the writers take any BibTeX entry: TeX decoded, names split."""
    return BibItem(
        key=key,
        type=entry.type.lower(),
        fields={name.lower(): latex_to_text(value) for name, value in entry.fields.items()},
        authors=_names(entry.persons.get("author", ())),
        editors=_names(entry.persons.get("editor", ())),
    )


def entry_to_csl(key: str, entry: PybtexEntry) -> dict[str, Any]:
    """A pybtex entry as a schema-valid CSL-JSON item."""
    return bib_item(entry_to_item(key, entry))


def entry_to_ris(key: str, entry: PybtexEntry) -> list[tuple[str, str]]:
    """A pybtex entry as RIS (tag, value) pairs."""
    return bib_tags(entry_to_item(key, entry))


class CslJsonWriter(BaseWriter):
    """pybtex writer for CSL-JSON (``pybtex-convert refs.bib refs.json``)."""

    unicode_io = True

    def write_stream(self, bib_data: BibliographyData, stream: TextIO) -> None:
        """pybtex's entry point: the whole database as one JSON array."""
        write_items((entry_to_csl(key, entry) for key, entry in bib_data.entries.items()), stream)


class RisWriter(BaseWriter):
    """pybtex writer for RIS (``pybtex-convert refs.bib refs.ris``); CRLF line ends."""

    unicode_io = True

    def write_stream(self, bib_data: BibliographyData, stream: TextIO) -> None:
        """pybtex's entry point: one RIS record per entry."""
        for key, entry in bib_data.entries.items():
            stream.write(format_record(entry_to_ris(key, entry)))
