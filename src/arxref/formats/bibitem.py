"""Any BibTeX entry as plain text: what the CSL-JSON and RIS writers take from a .bib
that arxref did not write.

arxref's own entries are arXiv papers (:class:`~arxref.model.Entry`). The pybtex
output plugins (:mod:`arxref.pybtex_plugins`) convert any BibTeX database; they parse
and decode it (pybtex splits the names, :func:`arxref.tex.latex_to_text` decodes the
values) into a :class:`BibItem`, and the writers' own modules turn that into CSL-JSON
(:func:`arxref.formats.csljson.bib_item`) and RIS (:func:`arxref.formats.ris.bib_tags`),
with the same names, preprint rules (:mod:`arxref.preprint`) and record framing as
arxref's own output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from .. import preprint
from ..keys import Name

#: Entry types that are never a formal publication: with an arXiv eprint they are the preprint.
PREPRINT_TYPES = frozenset({"misc", "unpublished", "online"})
_MONTHS = {
    name: index + 1
    for index, names in enumerate(
        ("jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july",
         "aug august", "sep sept september", "oct october", "nov november", "dec december")
    )
    for name in names.split()
}
_DATE_RE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_YEAR_RE = re.compile(r"\d{4}")


@dataclass(frozen=True)
class BibItem:
    """One BibTeX entry, decoded: plain one-line values and split names."""

    key: str
    type: str
    """The entry type, lower-case (``article``, ``misc``...)."""
    fields: Mapping[str, str]
    """Field name (lower-case) -> plain text (TeX decoded)."""
    authors: tuple[Name, ...] = ()
    """The named authors; a BibTeX ``and others`` is not one (the list just stops, as
    arxref's own CSL-JSON and RIS do with ``max_authors``)."""
    editors: tuple[Name, ...] = ()

    def get(self, name: str) -> str:
        """A field's text, '' when the entry has none."""
        return self.fields.get(name, "")

    @property
    def container(self) -> str:
        """The journal or book the entry appeared in ('' for none)."""
        return self.get("journal") or self.get("journaltitle") or self.get("booktitle")

    @property
    def arxiv_id(self) -> str | None:
        """The arXiv id, when ``eprinttype``/``archivePrefix`` says the eprint is arXiv's, or when
        ``howpublished`` is ``arXiv:<id> [<class>]`` (arxref's bibtex-flavor preprint)."""
        eprint = self.get("eprint")
        if eprint and preprint.is_arxiv_archive(self.get("eprinttype") or self.get("archiveprefix")):
            return eprint
        cited = preprint.parse_citation(self.get("howpublished"))
        return cited[0] if cited else None

    @property
    def is_preprint(self) -> bool:
        """The entry is the arXiv preprint itself (a misc/unpublished/online entry, or an article
        whose journal is arXiv or missing), not a published version that also names its eprint."""
        if not self.arxiv_id:
            return False
        container = self.container
        return self.type in PREPRINT_TYPES or (self.type == "article" and (not container or "arxiv" in container.lower()))

    @property
    def category(self) -> str:
        """The arXiv primary class (biblatex ``eprintclass``, BibTeX ``primaryClass``, or ``howpublished``'s)."""
        cited = preprint.parse_citation(self.get("howpublished"))
        return self.get("eprintclass") or self.get("primaryclass") or (cited[1] if cited else "")

    @property
    def issued(self) -> list[int] | None:
        """``[year]``, ``[year, month]`` or ``[year, month, day]`` from biblatex ``date`` or
        BibTeX ``year``/``month``; None when there is no year."""
        match = _DATE_RE.match(self.get("date"))
        if match:
            year, month, day = (int(g) if g else None for g in match.groups())
            return _parts(year or 0, month, day)
        year_match = _YEAR_RE.search(self.get("year"))
        if not year_match:
            return None
        month_text = self.get("month").strip().lower().rstrip(".")
        month = int(month_text) if month_text.isdigit() and 1 <= int(month_text) <= 12 else _MONTHS.get(month_text)
        return _parts(int(year_match.group(0)), month)


def _parts(year: int, month: int | None = None, day: int | None = None) -> list[int]:
    """A date's parts as CSL writes them: a day only with a month."""
    return [year] + ([month] if month else []) + ([day] if month and day else [])


def item_from_fields(key: str, entry_type: str, fields: Mapping[str, str]) -> BibItem:
    """A user's .bib entry (raw TeX values by lower-case name, as the scanner reads them) as a
    BibItem: names split by pybtex as bibtex would, values TeX-decoded (what the pybtex
    output plugins do for any BibTeX database)."""
    from pybtex.bibtex.utils import split_name_list  # type: ignore[import-untyped]
    from pybtex.database import Entry as PybtexEntry, Person  # type: ignore[import-untyped]

    from ..pybtex_plugins import entry_to_item

    persons = {role: [Person(name) for name in split_name_list(fields[role])]
               for role in ("author", "editor") if fields.get(role, "").strip()}
    rest = {name: value for name, value in fields.items() if name not in persons}
    return entry_to_item(key, PybtexEntry(entry_type, fields=rest, persons=persons))
