"""arxref.sync: a document's bibliography gets an entry for every arXiv id it cites and lacks.

Papers are the real seed papers (examples/arxiv-responses) from an imported cache, offline;
the hand-written .bib entries are the user's and must come out byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arxref.config import Settings
from arxref.errors import ExitCode, UsageError
from arxref.scan import scan_file
from arxref.sync import sync

USER_BIB = (
    "% My own references; arxref must not touch these lines.\n"
    "@string{neurips = {Advances in Neural Information Processing Systems}}\n\n"
    "@inproceedings{Agarwal2021,\n"
    "    author    = {Sandhini Agarwal and others},\n"
    "    title     = \"{Evaluating CLIP}\",\n"
    "    booktitle = neurips,\n"
    "    year      = 2021\n"
    "}\n\n"
    "@misc{chen2021evaluating, title={Evaluating Large Language Models Trained on Code}, eprint={2107.03374}}\n"
)


def offline(cache: Path) -> Settings:
    return Settings(cache_path=cache, offline=True)


def paper(tmp_path: Path, body: str, preamble: str = "\\usepackage{natbib}", bib: str = "\\bibliography{refs}",
          name: str = "paper.tex") -> Path:
    tex = tmp_path / name
    tex.write_text(f"\\documentclass{{article}}\n{preamble}\n\\begin{{document}}\n{body}\n{bib}\n\\end{{document}}\n",
                   encoding="utf-8")
    return tex


def keys_of(path: Path) -> list[str]:
    return [r.key or "" for r in scan_file(path, "bib")]


def test_sync_appends_missing_cited_ids_and_keeps_every_existing_byte(seeded: Path, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_bytes(USER_BIB.encode())
    tex = paper(tmp_path, "\\cite{2108.02818} and \\citep[see][]{arXiv:2307.03718, Agarwal2021}\n"
                          "\\citet{chen2021evaluating} \\cite{doi:10.48550/arXiv.2112.09332,\n   2108.02818}")
    report = sync([tex], settings=offline(seeded))
    assert report.exit_code is ExitCode.OK, [p.format_text() for p in report.problems]
    assert [(a.key, a.arxiv_id, a.label) for a in report.added] == [
        ("2108.02818", "2108.02818", "Agarwal et al. 2021"),
        ("arXiv:2307.03718", "2307.03718", "Anderljung et al. 2023"),
        ("doi:10.48550/arXiv.2112.09332", "2112.09332", "Nakano et al. 2021")]
    assert report.written == [bib] and report.created == []
    after = bib.read_bytes()
    assert after.startswith(USER_BIB.encode() + b"\n@misc{2108.02818,\n")
    assert keys_of(bib) == ["Agarwal2021", "chen2021evaluating", "2108.02818", "arXiv:2307.03718",
                            "doi:10.48550/arXiv.2112.09332"]
    again = sync([tex], settings=offline(seeded))
    assert again.added == [] and again.written == [] and again.exit_code is ExitCode.OK
    assert bib.read_bytes() == after


def test_two_keys_of_one_paper_biblatex_ids_bibtex_entries(seeded: Path, tmp_path: Path) -> None:
    body = "\\cite{2108.02818} \\cite{arxiv:2108.02818v1}"
    latex = tmp_path / "biblatex"
    latex.mkdir()
    tex = paper(latex, body, "\\usepackage[backend=biber]{biblatex}", "\\addbibresource{refs.bib}\n\\printbibliography")
    report = sync([tex], settings=offline(seeded))
    assert [(a.key, a.aliases) for a in report.added] == [("2108.02818", ("arxiv:2108.02818v1",))]
    assert "  ids = {arxiv:2108.02818v1},\n" in (latex / "refs.bib").read_text()
    assert report.created == [latex / "refs.bib"]  # named but missing: created
    assert sync([tex], settings=offline(seeded)).added == []  # the alias counts as defined
    plain = tmp_path / "bibtex"
    plain.mkdir()
    tex = paper(plain, body)
    assert [(a.key, a.aliases) for a in sync([tex], settings=offline(seeded)).added] == [
        ("2108.02818", ()), ("arxiv:2108.02818v1", ())]
    assert keys_of(plain / "refs.bib") == ["2108.02818", "arxiv:2108.02818v1"]


def test_check_and_dry_run_change_nothing(seeded: Path, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_bytes(USER_BIB.encode())
    tex = paper(tmp_path, "\\cite{2108.02818}")
    checked = sync([tex], check=True, settings=offline(seeded))
    assert checked.exit_code is ExitCode.PROBLEMS and [a.key for a in checked.added] == ["2108.02818"]
    dry = sync([tex], dry_run=True, settings=offline(seeded))
    assert dry.exit_code is ExitCode.OK and [a.key for a in dry.added] == ["2108.02818"] and dry.written == []
    assert bib.read_bytes() == USER_BIB.encode()
    assert sync([tex], settings=offline(seeded)).written == [bib]
    assert sync([tex], check=True, settings=offline(seeded)).exit_code is ExitCode.OK


def test_undefined_keys_and_ids_arxiv_lacks_are_reported_with_their_place(seeded: Path, tmp_path: Path,
                                                                         fake_arxiv) -> None:
    (tmp_path / "refs.bib").write_bytes(USER_BIB.encode())
    tex = paper(tmp_path, "\\cite{nokey, 2108.02818}\n\\cite{arXiv:2313.00001}")
    report = sync([tex], settings=offline(seeded))
    assert [(p.line, p.column, p.code) for p in report.problems] == [(4, 7, "undefined_citation"),
                                                                      (5, 7, "undefined_citation")]
    assert "citation 'nokey' is not in refs.bib" in report.problems[0].message
    assert "invalid arXiv id '2313.00001': month 13" in report.problems[1].message
    assert report.exit_code is ExitCode.PROBLEMS and [a.key for a in report.added] == ["2108.02818"]
    # an id arXiv does not have (the fake API serves only the shipped papers): 1; unreachable: 3
    (tmp_path / "two").mkdir()
    other = paper(tmp_path / "two", "\\cite{2101.00001}")
    settings = Settings(cache_path=tmp_path / "c.sqlite", api_url=fake_arxiv.url, request_interval=0.0)
    missing = sync([other], settings=settings)
    assert [p.code for p in missing.problems] == ["not_found"] and missing.exit_code is ExitCode.PROBLEMS
    unverified = sync([other], settings=offline(seeded))
    assert [p.code for p in unverified.problems] == ["unverified"] and unverified.exit_code is ExitCode.UNVERIFIED
    assert not (tmp_path / "two" / "refs.bib").exists() or keys_of(tmp_path / "two" / "refs.bib") == []


def test_a_bib_bibtexparser_cannot_read_is_refused_untouched(seeded: Path, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    broken = USER_BIB + "\n@misc{broken,\n  title = {no closing brace,\n"
    bib.write_text(broken, encoding="utf-8")
    tex = paper(tmp_path, "\\cite{2108.02818}")
    with pytest.raises(UsageError) as error:
        sync([tex], settings=offline(seeded))
    assert str(error.value).startswith(f"{bib}:13: entry could not be parsed")
    assert "\n" not in str(error.value) and error.value.exit_code == ExitCode.USAGE
    assert bib.read_text(encoding="utf-8") == broken


def test_no_bibliography_named_is_a_usage_error_and_bib_overrides(seeded: Path, tmp_path: Path) -> None:
    tex = paper(tmp_path, "\\cite{2108.02818}", bib="")
    with pytest.raises(UsageError, match="names no bibliography"):
        sync([tex], settings=offline(seeded))
    readme = tmp_path / "README.md"  # no citation at all: nothing to sync, whatever it names
    readme.write_text("# A paper\n\nWrite to me@example.org.\n", encoding="utf-8")
    assert sync([readme], settings=offline(seeded)).up_to_date
    target = tmp_path / "elsewhere.bib"
    report = sync([tex], bib=target, settings=offline(seeded))
    assert report.created == [target] and keys_of(target) == ["2108.02818"]


def test_line_endings_and_a_missing_final_newline_are_kept(seeded: Path, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    crlf = USER_BIB.replace("\n", "\r\n").rstrip("\r\n").encode()
    bib.write_bytes(crlf)
    sync([paper(tmp_path, "\\cite{2108.02818}")], settings=offline(seeded))
    after = bib.read_bytes()
    assert after.startswith(crlf + b"\r\n\r\n@misc{2108.02818,\r\n")
    assert b"\n" not in after.replace(b"\r\n", b"")


def test_a_bib_that_is_not_utf8_gets_ascii_entries(seeded: Path, tmp_path: Path) -> None:
    """Latin-1 bytes stay as they are; the new entry's accents are LaTeX escapes, so the file stays Latin-1."""
    bib = tmp_path / "refs.bib"
    latin = "@misc{mine, author = {Jos\xe9 Garc\xeda}, title = {Mine}}\n".encode("latin-1")
    bib.write_bytes(latin)
    sync([paper(tmp_path, "\\cite{1806.00610}")], settings=offline(seeded))
    after = bib.read_bytes()
    assert after.startswith(latin) and after[len(latin):].isascii()
    assert "Mart{\\'\\i}nez-Plumed" in after[len(latin):].decode("ascii")


CSL_ITEM = ('  {"id": "mine", "type": "book", "title": "My   own book",\n'
            '   "author": [{"family": "Doe", "given": "Jane"}], "issued": {"date-parts": [[2020]]}}')


def test_markdown_with_a_csl_json_bibliography(seeded: Path, tmp_path: Path) -> None:
    """pandoc YAML ``bibliography:``: items inserted before the closing bracket, the existing ones untouched."""
    csl = tmp_path / "refs.json"
    original = f"[\n{CSL_ITEM}\n]\n"
    csl.write_text(original, encoding="utf-8")
    notes = tmp_path / "notes.md"
    notes.write_text("---\ntitle: Notes\nbibliography:\n  - refs.json\n---\n\n"
                     "As @arxiv:2108.02818 and [@arXiv:2307.03718; @mine] show; [-@arxiv:2108.02818].\n",
                     encoding="utf-8")
    report = sync([notes], settings=offline(seeded))
    assert report.exit_code is ExitCode.OK, [p.format_text() for p in report.problems]
    assert [a.key for a in report.added] == ["arxiv:2108.02818", "arXiv:2307.03718"]
    text = csl.read_text(encoding="utf-8")
    assert text.startswith(f"[\n{CSL_ITEM},\n") and text.endswith("\n]\n")
    items = json.loads(text)
    assert [item["id"] for item in items] == ["mine", "arxiv:2108.02818", "arXiv:2307.03718"]
    assert items[1]["number"] == "arXiv:2108.02818"
    assert sync([notes], settings=offline(seeded)).written == []
    assert csl.read_text(encoding="utf-8") == text


def test_a_csl_json_file_that_is_not_an_array_is_refused(seeded: Path, tmp_path: Path) -> None:
    csl = tmp_path / "refs.json"
    csl.write_text('[\n  {"id": "mine",\n  "type": }\n]\n', encoding="utf-8")
    notes = tmp_path / "notes.md"
    notes.write_text("---\nbibliography: refs.json\n---\n@arxiv:2108.02818\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"refs\.json:3: not valid JSON"):
        sync([notes], settings=offline(seeded))
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.md").write_text("---\nbibliography: [\"refs.json\"]\n---\n@arxiv:2108.02818\n", encoding="utf-8")
    report = sync([empty / "notes.md"], settings=offline(seeded))
    assert report.created == [empty / "refs.json"]
    assert [item["id"] for item in json.loads((empty / "refs.json").read_text())] == ["arxiv:2108.02818"]


def test_documents_sharing_a_bibliography_add_each_key_once(seeded: Path, tmp_path: Path) -> None:
    (tmp_path / "refs.bib").write_text("", encoding="utf-8")
    one = paper(tmp_path, "\\cite{2108.02818}", name="one.tex")
    two = paper(tmp_path, "\\cite{2108.02818,2307.03718}", bib="\\bibliography{./refs.bib}", name="two.tex")
    report = sync([one, two], settings=offline(seeded))
    assert [a.key for a in report.added] == ["2108.02818", "2307.03718"]
    assert keys_of(tmp_path / "refs.bib") == ["2108.02818", "2307.03718"]


def test_entries_for_keys_is_what_a_pandoc_filter_needs(seeded: Path, tmp_path: Path) -> None:
    """Keys in, CSL-JSON items keyed as given out (the library face arxref-pandoc can use)."""
    import io

    from arxref.formats import write_csljson
    from arxref.sync import entries_for_keys

    entries, problems = entries_for_keys(["arxiv:2108.02818", "smith2020", "arXiv:2307.03718", "arxiv:2108.02818",
                                          "2101.00001"], offline(seeded))
    assert [e.key for e in entries] == ["arxiv:2108.02818", "arXiv:2307.03718"]
    assert [(p.code, p.line) for p in problems] == [("unverified", 4)]
    stream = io.StringIO()
    write_csljson(entries, stream)
    assert [item["id"] for item in json.loads(stream.getvalue())] == ["arxiv:2108.02818", "arXiv:2307.03718"]


def test_a_tex_file_with_unbalanced_braces_is_synced_without_loss(seeded: Path, tmp_path: Path) -> None:
    (tmp_path / "refs.bib").write_bytes(USER_BIB.encode())
    tex = paper(tmp_path, "\\section{Open {brace\n\\cite{2108.02818} and \\cite{2307.03718")
    report = sync([tex], settings=offline(seeded))
    assert [a.key for a in report.added] == ["2108.02818"] and report.exit_code is ExitCode.OK
    assert (tmp_path / "refs.bib").read_bytes().startswith(USER_BIB.encode())


def test_keys_a_document_defines_with_bibitem_need_no_bibliography(seeded: Path, tmp_path: Path) -> None:
    tex = paper(tmp_path, "\\cite{2108.02818}\n\\begin{thebibliography}{9}\n\\bibitem{2108.02818} S. Agarwal et al.\n"
                          "\\end{thebibliography}", bib="")
    assert sync([tex], settings=offline(seeded)).up_to_date
