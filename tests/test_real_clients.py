"""The written files in the real programs: bibtex (plainnat), biber/biblatex, pandoc citeproc.

These run the installed tools (CI installs pandoc, bibtex, biber, texlive-bibtex-extra,
texlive-latex-recommended); a missing tool is a failure, not a skip. Data: the 25
real seed papers, plus clearly synthetic hostile entries (real papers copied with
hostile titles/names) in the bibtex and biber runs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from arxref.atom import parse_feed
from arxref.dedup import build_entries
from arxref.formats import WriteOptions, write_bibtex, write_csljson
from arxref.keys import split_name
from arxref.model import Author, Entry, Record

pytestmark = pytest.mark.tools

ALL_XML = Path(__file__).resolve().parent.parent / "examples" / "arxiv-responses" / "all.xml"
CODEX = "2107.03374"

#: A style that prints how bibtex itself splits every author: key|first|von|last|jr.
NAMES_BST = r"""
ENTRY { author } {} {}
INTEGERS { nameptr numnames }
STRINGS { s }
FUNCTION {dump}
{ author 's :=
  s num.names$ 'numnames :=
  #1 'nameptr :=
  { nameptr numnames #1 + < }
  { cite$ write$ "|" write$
    s nameptr "{ff}" format.name$ write$ "|" write$
    s nameptr "{vv}" format.name$ write$ "|" write$
    s nameptr "{ll}" format.name$ write$ "|" write$
    s nameptr "{jj}" format.name$ write$ newline$
    nameptr #1 + 'nameptr :=
  }
  while$
}
FUNCTION {misc} { dump }
FUNCTION {article} { dump }
FUNCTION {default.type} { dump }
READ
ITERATE { call.type$ }
"""


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed (CI installs it; these tests must not skip)"
    return path


def run(args: list[str], cwd: Path, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, errors="replace")


@pytest.fixture(scope="session")
def seed_entries() -> list[Entry]:
    papers = parse_feed(ALL_XML.read_bytes()).papers
    return build_entries([(Record("seeds", i, "text", arxiv_id=p.arxiv_id), p) for i, p in enumerate(papers)])


@pytest.fixture(scope="session")
def hostile_entries(seed_entries: list[Entry]) -> list[Entry]:
    """SYNTHETIC: real papers with hostile titles and names (ASCII, so pdflatex can typeset them)."""
    base = next(e.paper for e in seed_entries if e.paper.arxiv_id == CODEX)
    titles = [
        "Closing } brace, opening { brace and \\ backslash",
        "Percent % comment @misc{injected, title = {x}} and # hash & amp",
        "Line\nbreaks\r\nand\x00control\x07chars\x1b and ~tilde ^caret _under $dollar",
        "Math $O(n \\log n)$, unsafe $50%$ and unbalanced $\\frac{1}{2$ and a lone $",
        "Trailing backslash \\",
    ]
    names = [["Mal } Icious", "Back\\slash Person"], ["Per%cent @Sign", "{Brace Open"],
             ["Ann and Bob", "Line\nBreak"], ["Tab\tName", "Under_Score"], ["Hash #Tag", "Tilde ~Wave"]]
    return [
        Entry(f"hostile{i}", replace(base, arxiv_id=f"2101.0000{i + 1}", title=title,
                                        authors=[Author(n) for n in authors]))
        for i, (title, authors) in enumerate(zip(titles, names))
    ]


def write(entries: list[Entry], path: Path, writer: object = write_bibtex, **options: object) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer(entries, stream, WriteOptions(**options))  # type: ignore[operator]
    return path


def test_bibtex_plainnat_no_warnings(tmp_path: Path, seed_entries: list[Entry], hostile_entries: list[Entry]) -> None:
    write(seed_entries + hostile_entries, tmp_path / "refs.bib")
    (tmp_path / "doc.aux").write_text("\\relax\n\\citation{*}\n\\bibstyle{plainnat}\n\\bibdata{refs}\n")
    result = run([tool("bibtex"), "doc"], tmp_path)
    log = (tmp_path / "doc.blg").read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0, result.stdout + log
    assert "Warning--" not in log and "error" not in log.lower(), log
    bbl = (tmp_path / "doc.bbl").read_text(encoding="utf-8")
    assert bbl.count("\\bibitem") == 30
    assert "Evaluating large language models trained on code" in " ".join(bbl.split())


def test_bibtex_output_typesets_with_pdflatex(tmp_path: Path, hostile_entries: list[Entry]) -> None:
    """The hostile (ASCII) entries go through bibtex and pdflatex without a TeX error."""
    write(hostile_entries, tmp_path / "refs.bib")
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage{natbib}\n\\usepackage{url}\n\\begin{document}\n"
        "\\nocite{*}\n\\bibliographystyle{plainnat}\n\\bibliography{refs}\n\\end{document}\n")
    pdflatex = tool("pdflatex")
    run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], tmp_path)
    assert run([tool("bibtex"), "doc"], tmp_path).returncode == 0
    result = run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], tmp_path)
    log = (tmp_path / "doc.log").read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0 and not re.search(r"^! ", log, re.M), log[-3000:]


def test_real_bibtex_splits_names_as_we_do(tmp_path: Path, seed_entries: list[Entry]) -> None:
    write(seed_entries, tmp_path / "refs.bib")
    (tmp_path / "names.bst").write_text(NAMES_BST)
    (tmp_path / "n.aux").write_text("\\citation{*}\n\\bibstyle{names}\n\\bibdata{refs}\n")
    result = run([tool("bibtex"), "n"], tmp_path)
    assert result.returncode == 0, result.stdout
    found = [line.split("|") for line in (tmp_path / "n.bbl").read_text(encoding="utf-8").splitlines() if line]
    expected = [
        (e.key, split_name(a.name)) for e in seed_entries for a in e.paper.authors
    ]
    assert len(found) == len(expected)
    for (key, first, von, last, jr), (want_key, name) in zip(found, expected):
        assert key == want_key
        plain = [" ".join(p.replace("~", " ").replace("{", "").replace("}", "").split()) for p in (first, von, last, jr)]
        assert plain == [name.given, name.particle, name.family, name.suffix], name


@pytest.mark.parametrize("ascii", [False, True], ids=["utf8", "ascii"])
def test_biber_biblatex_clean(tmp_path: Path, seed_entries: list[Entry], hostile_entries: list[Entry],
                              ascii: bool) -> None:
    """biber in document mode: no warning at all; --validate-datamodel: only the known aliases.

    archivePrefix/primaryClass are written for bibtex styles and pandoc beside biblatex's
    eprinttype/eprintclass; biblatex's source map skips an alias whose target exists,
    so the datamodel check names them as ignored. Nothing else may be reported.
    """
    write(seed_entries + hostile_entries, tmp_path / "refs.bib", ascii=ascii)
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage[backend=biber]{biblatex}\n\\addbibresource{refs.bib}\n"
        "\\begin{document}\n\\nocite{*}\nx\n\\end{document}\n")
    run([tool("pdflatex"), "-interaction=nonstopmode", "doc.tex"], tmp_path)
    assert (tmp_path / "doc.bcf").exists()
    plain = run([tool("biber"), "doc"], tmp_path)
    assert plain.returncode == 0, plain.stdout
    assert "WARN" not in plain.stdout and "ERROR" not in plain.stdout, plain.stdout
    assert (tmp_path / "doc.bbl").read_text(encoding="utf-8").count("\\entry{") == 30
    strict = run([tool("biber"), "--validate-datamodel", "doc"], tmp_path)
    assert strict.returncode == 0, strict.stdout
    warnings = [line for line in strict.stdout.splitlines() if "WARN" in line or "ERROR" in line]
    unexpected = [w for w in warnings if not re.search(r"Field '(archiveprefix|primaryclass)' invalid in data model", w)
                  and "WARNINGS:" not in w]
    assert not unexpected, unexpected


def _citeproc(tmp_path: Path, bibliography: Path) -> str:
    (tmp_path / "doc.md").write_text("---\nnocite: '@*'\n---\n")
    result = run([tool("pandoc"), "-t", "plain", "--citeproc", "--bibliography", str(bibliography), "doc.md"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert not result.stderr.strip(), result.stderr
    return " ".join(result.stdout.split())


@pytest.mark.parametrize("fmt", ["json", "bib"])
def test_pandoc_citeproc_renders_every_entry(tmp_path: Path, seed_entries: list[Entry], fmt: str) -> None:
    writer = write_csljson if fmt == "json" else write_bibtex
    out = _citeproc(tmp_path, write(seed_entries, tmp_path / f"refs.{fmt}", writer))
    for entry in seed_entries:
        assert f"10.48550/arXiv.{entry.paper.arxiv_id}" in out, entry.key
    assert "Evaluating Large Language Models Trained on Code" in out
    assert "OpenAI" in out


def test_pandoc_reads_csljson_items_as_written(tmp_path: Path, seed_entries: list[Entry]) -> None:
    """pandoc's own CSL-JSON round trip keeps every item, key and arXiv id."""
    path = write(seed_entries, tmp_path / "refs.json", write_csljson)
    result = run([tool("pandoc"), "-f", "csljson", "-t", "csljson", str(path)], tmp_path)
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)
    assert [i["id"] for i in items] == [e.key for e in seed_entries]
    assert [i["number"] for i in items] == [f"arXiv:{e.paper.arxiv_id}" for e in seed_entries]
