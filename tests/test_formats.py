"""write_formats (arxref.formats): one pass over several formats, binary and text streams.

The forked write behind it is tested in test_formats_forked.py, the one-process pass in
test_formats_sink.py.

Real metadata: the 25 seed papers (repeated under new keys where a test needs more entries).
"""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

from arxref.formats import WriteOptions, write_csljson
from arxref.model import Entry


@pytest.mark.parametrize("fmts", [("bib",), ("json",), ("ris",), ("bib", "json", "ris")])
@pytest.mark.parametrize("options", [WriteOptions(), WriteOptions(ascii=True, max_authors=3, prefer_published=True)])
def test_binary_and_text_streams_get_the_same_utf8(seed_entries: list[Entry], fmts: tuple[str, ...],
                                                   options: WriteOptions) -> None:
    """write_formats on binary streams (what export uses) writes exactly the UTF-8 of the text output,
    and one pass over several formats writes what each single-format writer writes."""
    from arxref.formats import write_bibtex, write_formats, write_ris

    entries = seed_entries + [Entry("empty", replace(seed_entries[0].paper, authors=[], abstract=""))]
    text = {f: io.StringIO(newline="") for f in fmts}
    binary = {f: io.BytesIO() for f in fmts}
    write_formats(entries, text, options)
    write_formats(entries, binary, options)
    single = {"bib": write_bibtex, "json": write_csljson, "ris": write_ris}
    for f in fmts:
        assert binary[f].getvalue() == text[f].getvalue().encode("utf-8")
        alone = io.StringIO(newline="")
        single[f](entries, alone, options)
        assert alone.getvalue() == text[f].getvalue()
