"""Pass-through (arxref.passthrough): .bib text and entries written as the user wrote them.

The .bib below is a paper's own (a comment, an @string, a book, a web page) around
entries of real shipped papers; no paper metadata is made up.
"""

from __future__ import annotations

from pathlib import Path

from arxref.formats.bibitem import item_from_fields
from arxref.model import Record
from arxref.passthrough import bib_text, kept_bib
from arxref.scan import scan_file

REFS = """% References of my paper. This comment stays.
@string{nips = {Advances in Neural Information Processing Systems}}

@book{knuth1984,
  title = {The {\\TeX}book},
  author = {Knuth, Donald E.},
  publisher = {Addison-Wesley},
  year = 1984,
}

@misc{chen2021evaluating,
  title = {Evaluating Large Language Models Trained on Code},
  eprint = {2107.03374},
}

@inproceedings{brown2020language,
  title = {Language Models are Few-Shot Learners},
  booktitle = nips,
  year = {2020}, eprint = {2005.14165}}
@online{whatwg, title = {HTML Living Standard}, url = {https://html.spec.whatwg.org/}}
@misc( paren, title = "A {braced} value", eprint = {2103.00020} ) trailing words
"""


def scanned(tmp_path: Path, text: str = REFS) -> tuple[Path, list[Record]]:
    path = tmp_path / "refs.bib"
    path.write_text(text, encoding="utf-8")
    return path, list(scan_file(path))


def test_the_file_less_the_rewritten_entries_byte_for_byte(tmp_path: Path) -> None:
    path, records = scanned(tmp_path)
    rewritten = {"chen2021evaluating", "brown2020language", "paren"}
    kept = kept_bib((r, r.key in rewritten) for r in records)
    assert kept is not None
    assert [r.key for r in kept.records] == ["knuth1984", "whatwg"]
    assert kept.keys == {"knuth1984", "whatwg"}
    assert "".join(bib_text(kept)) == (
        "% References of my paper. This comment stays.\n"
        "@string{nips = {Advances in Neural Information Processing Systems}}\n\n"
        "@book{knuth1984,\n  title = {The {\\TeX}book},\n  author = {Knuth, Donald E.},\n"
        "  publisher = {Addison-Wesley},\n  year = 1984,\n}\n\n"
        "@online{whatwg, title = {HTML Living Standard}, url = {https://html.spec.whatwg.org/}}\n"
        " trailing words\n\n"
    )


def test_nothing_rewritten_is_the_whole_file(tmp_path: Path) -> None:
    path, records = scanned(tmp_path)
    kept = kept_bib((r, False) for r in records)
    assert kept is not None
    assert "".join(bib_text(kept)) == REFS + "\n"
    assert len(kept.records) == 5


def test_a_file_met_twice_counts_once(tmp_path: Path) -> None:
    path, records = scanned(tmp_path)
    again = [Record(str(tmp_path / "." / "refs.bib"), r.line, r.kind, key=r.key, fields=r.fields,
                    entry_type=r.entry_type) for r in records]
    kept = kept_bib([(r, r.key == "chen2021evaluating") for r in records] + [(r, False) for r in again])
    assert kept is not None
    assert kept.sources == (str(path),)
    assert [r.key for r in kept.records] == ["knuth1984", "brown2020language", "whatwg", "paren"]


def test_no_bib_nothing_kept() -> None:
    assert kept_bib([]) is None


def test_kept_entries_convert_with_bibtex_names_and_decoded_values(tmp_path: Path) -> None:
    _, records = scanned(tmp_path)
    knuth = records[0]
    item = item_from_fields(knuth.key or "", knuth.entry_type or "", knuth.fields)
    assert (item.key, item.type) == ("knuth1984", "book")
    assert item.get("title") == "The TeXbook"
    assert [(n.family, n.given) for n in item.authors] == [("Knuth", "Donald E.")]
    brown = records[2]
    assert item_from_fields("b", "inproceedings", brown.fields).container == (
        "Advances in Neural Information Processing Systems")  # the @string, expanded
