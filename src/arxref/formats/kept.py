"""The .bib entries written as the user wrote them, at the head of every output (:mod:`arxref.passthrough`).

BibTeX gets the .bib text itself; CSL-JSON and RIS get each kept entry converted like
any BibTeX entry (:func:`arxref.formats.csljson.bib_item`, :func:`arxref.formats.ris.bib_tags`).
"""

from __future__ import annotations

import io
from typing import IO, Any, Iterable, Mapping

from ..model import KeptBib
from .bibitem import BibItem, item_from_fields


def items(kept: KeptBib) -> list[BibItem]:
    """The kept entries as BibItems, in input order (an entry without a key or type is skipped)."""
    return [item_from_fields(r.key, r.entry_type, r.fields) for r in kept.records if r.key and r.entry_type]


def write_kept(kept: KeptBib, streams: Mapping[str, IO[Any]]) -> bool:
    """Write the kept part at the head of each stream; True when CSL-JSON items were written
    (the array is then open, and the arXiv entries continue it)."""
    from ..passthrough import bib_text

    converted = items(kept) if any(fmt != "bib" for fmt in streams) else []
    opened = False
    for fmt, stream in streams.items():
        if fmt == "bib":
            _write(stream, bib_text(kept))
        elif fmt == "json" and converted:
            from .csljson import _encode, bib_item

            _write(stream, ["[", ",".join("\n" + _encode(bib_item(item)) for item in converted)])
            opened = True
        elif fmt == "ris":
            from .ris import bib_tags, format_record

            _write(stream, (format_record(bib_tags(item)) for item in converted))
    return opened


def _write(stream: IO[Any], pieces: Iterable[str]) -> None:
    """Text pieces to a text stream, or UTF-8 to a binary one."""
    binary = not isinstance(stream, io.TextIOBase)
    for piece in pieces:
        stream.write(piece.encode() if binary else piece)
