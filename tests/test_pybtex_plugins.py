"""pybtex output plugins (arxref.pybtex_plugins): CSL-JSON and RIS from any BibTeX database.

The test .bib below is synthetic (one entry per BibTeX type), except the arXiv entry,
which is arxref's own output for a real seed paper.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import jsonschema
import pybtex.database
import pytest
import rispy
from pybtex.plugin import find_plugin

from arxref.atom import parse_feed
from arxref.formats import WriteOptions, write_bibtex
from arxref.model import Entry
from arxref.pybtex_plugins import CslJsonWriter, RisWriter

ROOT = Path(__file__).resolve().parent.parent
ALL_XML = ROOT / "examples" / "arxiv-responses" / "all.xml"
SCHEMA = ROOT / "tests" / "data" / "csl-schema" / "csl-data.json"

SYNTHETIC_BIB = r"""
@article{art, author = {M{\"u}ller, Anna and {Example Collaboration} and van der Berg, Jan}, title = {A {Synthetic} Article},
  journal = {Journal of Tests}, volume = {3}, number = {2}, pages = {10--20}, year = {2019}, month = mar,
  doi = {10.1000/test.1}}
@book{bk, editor = {Doe, Jane}, title = {Synthetic Book}, publisher = {Test Press}, address = {Paris}, year = 2001,
  isbn = {978-0-00-000000-0}}
@inproceedings{conf, author = {Roe, Jr., Richard}, title = {Synthetic Talk}, booktitle = {Proc. of Tests}, year = {2020}}
@phdthesis{th, author = {Poe, Edgar}, title = {Synthetic Thesis}, school = {Test University}, year = {1999}}
@techreport{tr, author = {Lee, Ann}, title = {Synthetic Report}, institution = {Test Lab}, number = {TR-1}, year = {2010}}
@misc{web, title = {Synthetic Page}, url = {https://example.org/}, date = {2022-05-04}, note = {Seen 2022}}
@unpublished{un, author = {Kim, Jo}, title = {Synthetic Draft}, year = {2023}, note = {in preparation}}
"""


@pytest.fixture(scope="session")
def validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def bib_text() -> str:
    """Synthetic entries plus arxref's real output for the Codex paper."""
    codex = next(p for p in parse_feed(ALL_XML.read_bytes()).papers if p.arxiv_id == "2107.03374")
    out = io.StringIO()
    write_bibtex([Entry("chen2021evaluating", codex)], out, WriteOptions())
    return SYNTHETIC_BIB + "\n" + out.getvalue()


@pytest.fixture()
def bib_file(tmp_path: Path, bib_text: str) -> Path:
    path = tmp_path / "refs.bib"
    path.write_text(bib_text, encoding="utf-8")
    return path


def test_entry_points_registered() -> None:
    outputs = {e.name: e.value for e in entry_points(group="pybtex.database.output")}
    assert outputs["csljson"] == "arxref.pybtex_plugins:CslJsonWriter"
    assert outputs["ris"] == "arxref.pybtex_plugins:RisWriter"
    suffixes = {e.name: e.value for e in entry_points(group="pybtex.database.output.suffixes")}
    assert suffixes[".json"] == "arxref.pybtex_plugins:CslJsonWriter"
    assert suffixes[".ris"] == "arxref.pybtex_plugins:RisWriter"
    assert find_plugin("pybtex.database.output", "csljson") is CslJsonWriter
    assert find_plugin("pybtex.database.output", "ris") is RisWriter
    assert find_plugin("pybtex.database.output", filename="x.ris") is RisWriter
    # pybtexris's RIS *input* plugin is a different group: both coexist
    assert find_plugin("pybtex.database.input", "ris").__module__.startswith("pybtexris")


def test_to_string_csljson_is_schema_valid(bib_file: Path, validator: jsonschema.Draft7Validator) -> None:
    items = json.loads(pybtex.database.parse_file(str(bib_file)).to_string("csljson"))
    assert not list(validator.iter_errors(items))
    by_id = {item["id"]: item for item in items}
    assert {k: v["type"] for k, v in by_id.items()} == {
        "art": "article-journal", "bk": "book", "conf": "paper-conference", "th": "thesis", "tr": "report",
        "web": "document", "un": "manuscript", "chen2021evaluating": "article"}
    art = by_id["art"]
    assert art["author"] == [{"family": "Müller", "given": "Anna"}, {"literal": "Example Collaboration"},
                             {"family": "van der Berg", "given": "Jan"}]
    assert art["title"] == "A Synthetic Article"
    assert art["issued"] == {"date-parts": [[2019, 3]]}
    assert (art["container-title"], art["volume"], art["issue"], art["page"], art["DOI"]) == (
        "Journal of Tests", "3", "2", "10--20", "10.1000/test.1")
    assert by_id["bk"]["editor"] == [{"family": "Doe", "given": "Jane"}]
    assert by_id["bk"]["publisher-place"] == "Paris"
    assert by_id["conf"]["author"] == [{"family": "Roe", "given": "Richard", "suffix": "Jr."}]
    assert by_id["th"]["publisher"] == "Test University"
    assert by_id["tr"]["number"] == "TR-1"
    assert by_id["web"]["issued"] == {"date-parts": [[2022, 5, 4]]}
    codex = by_id["chen2021evaluating"]
    assert (codex["publisher"], codex["number"], codex["DOI"]) == ("arXiv", "arXiv:2107.03374", "10.48550/arXiv.2107.03374")
    assert codex["note"] == "arXiv: 2107.03374\nPrimary class: cs.LG"
    assert codex["author"][4] == {"family": "de Oliveira Pinto", "given": "Henrique Ponde"}


def test_ris_read_back_by_rispy_and_pybtexris(bib_file: Path, tmp_path: Path) -> None:
    text = pybtex.database.parse_file(str(bib_file)).to_string("ris")
    records = rispy.loads(text)
    types = {r["id"]: r["type_of_reference"] for r in records}
    assert types == {"art": "JOUR", "bk": "BOOK", "conf": "CPAPER", "th": "THES", "tr": "RPRT", "web": "GEN",
                     "un": "UNPB", "chen2021evaluating": "UNPB"}
    art = next(r for r in records if r["id"] == "art")
    assert art["authors"] == ["Müller, Anna", "Example Collaboration", "van der Berg, Jan"]
    assert (art["start_page"], art["end_page"], art["date"]) == ("10", "20", "2019/03")
    ris_path = tmp_path / "back.ris"
    ris_path.write_text(text, encoding="utf-8", newline="")
    data = pybtex.database.parse_file(str(ris_path), "ris")
    assert len(data.entries) == 8


@pytest.mark.tools
def test_pybtex_convert_subprocess(bib_file: Path, tmp_path: Path, validator: jsonschema.Draft7Validator) -> None:
    """The installed console script finds the plugins by file suffix."""
    script = Path(sys.executable).with_name("pybtex-convert")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "pybtex.database.convert"]
    for suffix in (".json", ".ris"):
        target = tmp_path / f"refs{suffix}"
        result = subprocess.run([*command, str(bib_file), str(target)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert target.exists()
    items = json.loads((tmp_path / "refs.json").read_text(encoding="utf-8"))
    assert len(items) == 8 and not list(validator.iter_errors(items))
    ris_bytes = (tmp_path / "refs.ris").read_bytes()
    assert ris_bytes.count(b"ER  - \r\n") == 8
    assert len(rispy.loads(ris_bytes.decode("utf-8"))) == 8


# SYNTHETIC: a truncated author list (BibTeX's "and others") on a preprint and on an edited book
TRUNCATED_BIB = r"""
@misc{cut, author = {A. One and B. Two and others}, title = {Cut List}, eprint = {2107.03374}, archivePrefix = {arXiv},
  year = {2021}}
@book{eds, editor = {Doe, Jane and others}, author = {others}, title = {Edited}, year = {2001}}
"""


def test_and_others_is_et_al_not_an_author_in_csljson(validator: jsonschema.Draft7Validator) -> None:
    """A cut list just stops, as arxref's own CSL-JSON does with max_authors (tested below)."""
    items = json.loads(pybtex.database.parse_string(TRUNCATED_BIB, "bibtex").to_string("csljson"))
    assert not list(validator.iter_errors(items))
    cut, eds = items
    assert cut["author"] == [{"family": "One", "given": "A."}, {"family": "Two", "given": "B."}]
    assert eds["editor"] == [{"family": "Doe", "given": "Jane"}] and "author" not in eds
    assert "others" not in json.dumps(items)


def test_and_others_is_et_al_not_an_author_in_ris() -> None:
    text = pybtex.database.parse_string(TRUNCATED_BIB, "bibtex").to_string("ris")
    records = rispy.loads(text)
    assert records[0]["authors"] == ["One, A.", "Two, B."]
    assert records[1].get("authors") is None and records[1]["secondary_authors"] == ["Doe, Jane"]
    assert "others" not in text


def test_truncation_matches_the_main_writers() -> None:
    """arxref's BibTeX for Codex cut to 2 authors (``... and others``), read back by the plugins,
    gives the authors arxref's own CSL-JSON and RIS give with max_authors=2."""
    from arxref.formats import write_csljson, write_ris

    codex = next(p for p in parse_feed(ALL_XML.read_bytes()).papers if p.arxiv_id == "2107.03374")
    entries = [Entry("chen2021evaluating", codex)]
    options = WriteOptions(max_authors=2)
    bib, csl, ris = io.StringIO(), io.StringIO(), io.StringIO(newline="")
    write_bibtex(entries, bib, options)
    write_csljson(entries, csl, options)
    write_ris(entries, ris, options)
    assert "and others}" in bib.getvalue()
    data = pybtex.database.parse_string(bib.getvalue(), "bibtex")
    assert json.loads(data.to_string("csljson"))[0]["author"] == json.loads(csl.getvalue())[0]["author"]
    assert rispy.loads(data.to_string("ris"))[0]["authors"] == rispy.loads(ris.getvalue())[0]["authors"]
