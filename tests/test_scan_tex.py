"""arxref.scan.tex: \\cite keys, thebibliography items, ids outside comments, and the .bib files a document names."""

from __future__ import annotations

from pathlib import Path

import pytest

from arxref.model import Record
from arxref.scan import document_bib_flavor, find_bib_files, scan_file, scan_text, strip_tex_comment
from proc_support import run_unblocked

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scan"


@pytest.fixture(scope="module")
def tex_records() -> list[Record]:
    return list(scan_file(FIXTURES / "paper.tex"))


def test_tex_citations(tex_records: list[Record]) -> None:
    cites = [(r.key, r.line, r.column) for r in tex_records if r.role == "citation"]
    assert cites == [
        ("chen2021codex", 5, 13), ("brown2020gpt3", 5, 56), ("radford2021clip", 5, 70),
        ("ouyang2022instruct", 6, 20), ("nakano2021webgpt", 6, 66), ("nichol2021glide", 6, 100),
        ("neelakantan2022embed", 7, 11), ("solaiman2019release", 8, 76),
        ("agarwal2021clip", 11, 7), ("tamkin2021understanding", 12, 3),  # where each key is written
    ]
    assert all(r.kind == "tex" and r.arxiv_id is None for r in tex_records if r.role == "citation")
    line = (FIXTURES / "paper.tex").read_text().splitlines()[4]
    assert line[12:].startswith("chen2021codex") and line[55:].startswith("brown2020gpt3")


def test_tex_ids_outside_comments_and_verbatim(tex_records: list[Record]) -> None:
    papers = [(r.line, r.arxiv_id, r.version) for r in tex_records if r.role == "paper" and r.key is None]
    assert papers == [(8, "2212.08751", None), (9, "2207.14157", 1), (9, "2208.03274", None),
                      (10, "hep-th/9901001", None), (10, "math/0309136", None), (10, None, None)]
    invalid = [r for r in tex_records if r.problems]
    assert [r.problems for r in invalid] == [("invalid arXiv id '2313.00001': month 13 does not exist",)]
    everything = {r.arxiv_id for r in tex_records} | {r.key for r in tex_records}
    assert "2303.10130" not in everything and "commented_out" not in everything  # after %
    assert "2005.14165" not in {r.arxiv_id for r in tex_records if r.key is None}  # verbatim
    math = next(r for r in tex_records if r.arxiv_id == "math/0309136")
    assert math.subject_class == "GT"


def test_tex_thebibliography_items(tex_records: list[Record]) -> None:
    items = {r.key: r for r in tex_records if r.role == "paper" and r.key}
    assert list(items) == ["brown2020gpt3", "radford2021clip", "garfinkel2017"]
    assert items["brown2020gpt3"].arxiv_id == "2005.14165" and items["brown2020gpt3"].line == 18
    assert items["brown2020gpt3"].title == "Language Models are Few-Shot Learners"
    assert items["radford2021clip"].arxiv_id == "2103.00020" and items["radford2021clip"].version == 1
    assert items["radford2021clip"].title == "Learning Transferable Visual Models From Natural Language Supervision"
    assert items["garfinkel2017"].arxiv_id is None  # its id is in a comment
    # without an id, the item's title and authors are what resolution matches
    garfinkel = items["garfinkel2017"]
    assert garfinkel.title == "On the Impossibility of Supersized Machines" and garfinkel.text is None
    assert garfinkel.authors == ("B. Garfinkel", "M. Brundage", "D. Filan")


def test_bibitems_without_ids_in_a_bbl() -> None:
    """A .bbl as bibtex writes it (plainnat): authors, title and venue in \\newblock blocks."""
    text = ("\\begin{thebibliography}{2}\n"
            "\\bibitem[Ouyang et~al.(2022)]{ouyang2022}\n"
            "Long Ouyang, Jeff Wu, and Xu~Jiang.\n"
            "\\newblock Training language models to follow instructions with human feedback.\n"
            "\\newblock In \\emph{Advances in Neural Information Processing Systems}, 2022.\n"
            "\n"
            "\\bibitem[Nakano et~al.(2021)]{nakano2021}\n"
            "Reiichiro Nakano, Jacob Hilton, et~al.\n"
            "\\newblock {WebGPT}: Browser-assisted question-answering with human feedback.\n"
            "\\newblock \\emph{arXiv preprint}, 2021.\n"
            "\\end{thebibliography}\n")
    records = scan_text(text, "paper.bbl")
    assert [(r.key, r.line, r.title, r.authors, r.year) for r in records] == [
        ("ouyang2022", 2, "Training language models to follow instructions with human feedback",
         ("Long Ouyang", "Jeff Wu", "Xu Jiang"), 2022),
        ("nakano2021", 7, "WebGPT: Browser-assisted question-answering with human feedback",
         ("Reiichiro Nakano", "Jacob Hilton"), 2021)]


def test_bibitem_with_an_impossible_id_and_mentions() -> None:
    text = ("\\begin{thebibliography}{9}\n"
            "\\bibitem{bad} X, ``A Title'', arXiv:2313.00001, see also arXiv:2005.14165.\n"
            "\\end{thebibliography}\n")
    (item,) = scan_text(text, "refs.tex")
    assert (item.key, item.line, item.column, item.title) == ("bad", 2, 1, "A Title")
    assert item.arxiv_id == "2005.14165" and item.mentions == ()
    assert item.problems == ("invalid arXiv id '2313.00001': month 13 does not exist",)
    (only_bad,) = scan_text("\\begin{thebibliography}{9}\n\\bibitem{b} arXiv:2313.00001\n", "refs.tex")
    assert only_bad.arxiv_id is None  # the problem is listed once, not once as own id and once as mention
    assert only_bad.problems == ("invalid arXiv id '2313.00001': month 13 does not exist",)


def test_strip_tex_comment() -> None:
    assert strip_tex_comment("50\\% of x % comment") == "50\\% of x "
    assert strip_tex_comment("a\\\\% comment") == "a\\\\"
    assert strip_tex_comment("% all comment") == ""
    assert strip_tex_comment("no comment") == "no comment"


def test_tex_cite_variants() -> None:
    text = ("\\cites[p.~1]{a}[see]{b,c} \\footcite{d} \\Citep*{e} \\citealp{f} \\nocite{*}\n"
            "\\citeauthor{g}\\citeyear{h} \\supercite{ i , j }\n")
    keys = [r.key for r in scan_text(text, "x.tex")]
    assert keys == ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]


def test_bibliography_files_named_by_a_document_are_found(tmp_path: Path) -> None:
    """Discovery of the .bib files lives in the scanner: \\bibliography{a,b} and \\addbibresource{c.bib}."""
    doc = tmp_path / "doc"
    (doc / "sub").mkdir(parents=True)
    for name in ("a.bib", "b.bib", "sub/c.bib"):
        (doc / name).write_text("@misc{k, eprint={2107.03374}}\n")
    (doc / "main.tex").write_text("\\bibliography{a, b,missing}\n")
    (doc / "sub" / "part.tex").write_text("\\addbibresource[label=x]{c.bib}\n")
    (doc / "notes.md").write_text("\\bibliography{a}\n")  # only .tex files name bibliographies
    assert find_bib_files([doc]) == [str(doc / "a.bib"), str(doc / "b.bib"), str(doc / "sub" / "c.bib")]
    assert find_bib_files([doc / "sub" / "part.tex", doc / "notes.md"]) == [str(doc / "sub" / "c.bib")]
    assert find_bib_files([doc / "missing.tex"]) == []


def test_document_bib_flavor(tmp_path: Path) -> None:
    """What the first .tex that says loads decides export's .bib flavor; comments do not count."""
    natbib = tmp_path / "natbib.tex"
    natbib.write_text("% \\usepackage{biblatex}\n\\usepackage[numbers]{natbib}\n", encoding="utf-8")
    biblatex = tmp_path / "biblatex.tex"
    biblatex.write_text("\\usepackage[backend=biber,style=numeric]{biblatex}\n", encoding="utf-8")
    listed = tmp_path / "listed.tex"
    listed.write_text("\\usepackage{amsmath,biblatex}\n", encoding="utf-8")
    style = tmp_path / "style.tex"
    style.write_text("\\bibliographystyle{IEEEtran}\n\\bibliography{refs}\n", encoding="utf-8")
    silent = tmp_path / "silent.tex"
    silent.write_text("\\section{No bibliography}\n", encoding="utf-8")
    assert document_bib_flavor([natbib]) == "bibtex"
    assert document_bib_flavor([biblatex]) == document_bib_flavor([listed]) == "biblatex"
    assert document_bib_flavor([style]) == "bibtex"
    assert document_bib_flavor([silent, tmp_path / "refs.bib"]) is None
    assert document_bib_flavor([silent, biblatex, natbib]) == "biblatex"


ID_KEYS_TEX = r"""\documentclass{article}
\usepackage{natbib}
\begin{document}
Codex \cite{2108.02818} and \citep[see][p.~2]{2108.02818v2, arXiv:2307.03718}.
\citet*{arxiv:2108.02818}; \citealt{hep-th/9901001}\citealp{arXiv:hep-th/9901001}
\citeauthor{doi:10.48550/arXiv.2108.02818} \citeyear{Agarwal2021} \nocite{2107.03374}
\autocite{2108.02818}\parencite[p.~1]{2108.02818}\textcite{2108.02818}\footcite{2108.02818}
\cites(See)(ch.~2)[a]{2108.02818}[b]{2307.03718,
  % arXiv:2005.14165 in a comment is nothing
  Agarwal2021,
      arXiv:2307.03718} and \parencites{2108.02818}{2307.03718}
\citestyle{authoryear} \citetext{not a key} \cite{arXiv:2313.00001}
\end{document}
"""


def test_cite_keys_that_are_arxiv_ids_carry_the_id() -> None:
    """Every natbib/biblatex command; the key stays as written, the id is canonical; columns are the key's."""
    records = scan_text(ID_KEYS_TEX, "paper.tex")
    cites = [(r.key, r.arxiv_id, r.version, r.line, r.column) for r in records if r.role == "citation"]
    assert cites == [
        ("2108.02818", "2108.02818", None, 4, 13), ("2108.02818v2", "2108.02818", 2, 4, 47),
        ("arXiv:2307.03718", "2307.03718", None, 4, 61),
        ("arxiv:2108.02818", "2108.02818", None, 5, 9), ("hep-th/9901001", "hep-th/9901001", None, 5, 37),
        ("arXiv:hep-th/9901001", "hep-th/9901001", None, 5, 61),
        ("doi:10.48550/arXiv.2108.02818", "2108.02818", None, 6, 13), ("Agarwal2021", None, None, 6, 54),
        ("2107.03374", "2107.03374", None, 6, 75),
        ("2108.02818", "2108.02818", None, 7, 11), ("2108.02818", "2108.02818", None, 7, 39),
        ("2108.02818", "2108.02818", None, 7, 60), ("2108.02818", "2108.02818", None, 7, 81),
        ("2108.02818", "2108.02818", None, 8, 23), ("2307.03718", "2307.03718", None, 8, 38),
        ("Agarwal2021", None, None, 10, 3), ("arXiv:2307.03718", "2307.03718", None, 11, 7),
        ("2108.02818", "2108.02818", None, 11, 41), ("2307.03718", "2307.03718", None, 11, 53),
        ("arXiv:2313.00001", None, None, 12, 51),
    ]
    lines = ID_KEYS_TEX.split("\n")
    for key, _, _, line, column in cites:  # each (line, column) is where the key is written
        assert lines[line - 1][column - 1:].startswith(key), (key, line, column)
    bad = next(r for r in records if r.key == "arXiv:2313.00001")
    assert bad.problems == ("invalid arXiv id '2313.00001': month 13 does not exist",)
    # the ids inside keys are not also paper records, and nothing in the comment is read
    assert [r for r in records if r.role == "paper"] == []


def test_keys_that_only_look_like_ids_stay_keys() -> None:
    text = "\\cite{2108.02818., x2108.02818, arXiv: 2108.02818, 2313.00001, chen2021}\n"
    records = scan_text(text, "a.tex")
    assert [(r.key, r.arxiv_id) for r in records if r.role == "citation"] == [
        ("2108.02818.", None), ("x2108.02818", None), ("arXiv: 2108.02818", None), ("2313.00001", None),
        ("chen2021", None)]


def test_bib_flavor_and_bib_files_skip_a_fifo_instead_of_blocking(tmp_path: Path) -> None:
    """Opening a FIFO named .tex blocks forever: the .tex inputs are read as the scan reads them."""
    import os
    import sys

    os.mkfifo(tmp_path / "pipe.tex")
    (tmp_path / "refs.bib").write_text("", encoding="utf-8")
    (tmp_path / "paper.tex").write_text("\\usepackage{biblatex}\n\\addbibresource{refs.bib}\n", encoding="utf-8")
    code = ("import sys; from arxref.scan import document_bib_flavor, find_bib_files; "
            "print(document_bib_flavor(sys.argv[1:]), find_bib_files(sys.argv[1:]))")
    proc = run_unblocked([sys.executable, "-c", code, str(tmp_path / "pipe.tex"), str(tmp_path / "paper.tex")],
                         "reading the .tex inputs for their bibliography blocked on a FIFO")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"biblatex ['{tmp_path / 'refs.bib'}']"


def test_bib_flavor_finds_a_usepackage_written_across_two_search_blocks(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The document is searched in bounded blocks; one \\usepackage[...]{biblatex} over a block's end is still seen."""
    from arxref.scan import tex

    monkeypatch.setattr(tex, "_FLAVOR_BLOCK", 64)
    doc = tmp_path / "paper.tex"
    filler = "".join(f"Some prose line {n} % with a comment \\usepackage{{biblatex}}\n" for n in range(20))
    doc.write_text(filler + "\\usepackage[\n  backend=biber,\n  style=numeric,\n]{biblatex}\n" + filler,
                   encoding="utf-8")
    assert document_bib_flavor([doc]) == "biblatex"
    doc.write_text(filler + "\\bibliographystyle{plain}\n" + filler, encoding="utf-8")
    assert document_bib_flavor([doc]) == "bibtex"
    doc.write_text(filler, encoding="utf-8")  # the commented-out \usepackage does not count
    assert document_bib_flavor([doc]) is None
