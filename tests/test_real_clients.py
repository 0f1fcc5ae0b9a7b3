"""The written files in the real programs: bibtex (every standard style), biber/biblatex, pandoc citeproc.

These run the installed tools (CI installs pandoc, bibtex, biber, pdftotext,
texlive-bibtex-extra, texlive-latex-recommended, texlive-publishers); a missing tool
is a failure, not a skip; only a style TeX Live here lacks is skipped, saying so. Data:
the 25 real seed papers, plus clearly synthetic hostile entries (real papers copied with
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
    """biber in document mode: no warning at all; --validate-datamodel: nothing either (the
    biblatex flavor writes biblatex's own fields, no bibtex aliases)."""
    write(seed_entries + hostile_entries, tmp_path / "refs.bib", ascii=ascii, bib_flavor="biblatex")
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
    assert not warnings, warnings


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
    for entry in seed_entries:  # CSL-JSON carries arXiv's DOI; the .bib names the id once, in howpublished
        assert (f"10.48550/arXiv.{entry.paper.arxiv_id}" if fmt == "json" else f"arXiv:{entry.paper.arxiv_id}") in out
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


# --------------------------------------------------------------------------- every style names the arXiv id once

#: bibtex styles people use with arXiv preprints (IEEEtran and ACM-Reference-Format come with
#: texlive-publishers); each must print every preprint's arXiv id exactly once.
BIBTEX_STYLES = ["plain", "unsrt", "alpha", "plainnat", "unsrtnat", "abbrvnat", "IEEEtran", "ACM-Reference-Format"]
#: biblatex's standard styles.
BIBLATEX_STYLES = ["numeric", "alphabetic", "authoryear", "authortitle", "verbose"]
NATBIB_STYLES = {"plainnat", "unsrtnat", "abbrvnat", "ACM-Reference-Format"}


def _compile(tmp_path: Path, preamble: str, body: str, backend: str) -> str:
    """pdflatex, then bibtex or biber, then pdflatex twice: the document compiles cleanly; its text."""
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{url}\n" + preamble
        + "\\begin{document}\n\\nocite{*}\n" + body + "\\end{document}\n", encoding="utf-8")
    pdflatex = [tool("pdflatex"), "-interaction=nonstopmode", "-halt-on-error", "doc.tex"]
    run(pdflatex, tmp_path)
    bib = run([tool(backend), "doc"], tmp_path)
    assert bib.returncode == 0 and "error" not in bib.stdout.lower(), bib.stdout
    for _ in range(2):
        result = run(pdflatex, tmp_path)
        log = (tmp_path / "doc.log").read_text(encoding="utf-8", errors="replace")
        assert result.returncode == 0 and not re.search(r"^! ", log, re.M), log[-3000:]
    text = run([tool("pdftotext"), "doc.pdf", "-"], tmp_path)
    assert text.returncode == 0, text.stderr
    return text.stdout


def _printed_once(text: str, entries: list[Entry]) -> dict[str, int]:
    """Each preprint whose id is not printed exactly once, with the count (whitespace ignored:
    lines break inside ids)."""
    flat = "".join(text.split())
    counts = {e.paper.arxiv_id: flat.count(e.paper.arxiv_id) for e in entries}
    return {arxiv_id: n for arxiv_id, n in counts.items() if n != 1}


@pytest.mark.parametrize("style", BIBTEX_STYLES)
def test_every_bibtex_style_prints_the_arxiv_id_once(tmp_path: Path, seed_entries: list[Entry], style: str) -> None:
    """bibtex flavor: the .bbl of each style (one \\bibitem per preprint) and the typeset page
    name each preprint's arXiv id once, never as well through a DOI or URL."""
    if not subprocess.run(["kpsewhich", f"{style}.bst"], capture_output=True, text=True).stdout.strip():
        pytest.skip(f"TeX Live here has no {style}.bst (Debian: texlive-publishers)")
    write(seed_entries, tmp_path / "refs.bib", bib_flavor="bibtex")
    natbib = "\\usepackage{natbib}\n" if style in NATBIB_STYLES else ""
    text = _compile(tmp_path, natbib, f"\\bibliographystyle{{{style}}}\n\\bibliography{{refs}}\n", "bibtex")
    bbl = (tmp_path / "doc.bbl").read_text(encoding="utf-8").replace("%\n", "")
    items = re.split(r"\\bibitem(?=[\[{])", bbl)[1:]
    assert len(items) == len(seed_entries)
    for entry in seed_entries:  # the key follows the optional label: \bibitem[label]{key}
        [item] = [i for i in items if re.match(r"(?:\[.*?\])?\s*\{" + re.escape(entry.key) + r"\}", i, re.S)]
        flat = "".join(item.split())
        assert flat.count(entry.paper.arxiv_id) == 1, (style, entry.key, item)
        assert f"arXiv:{entry.paper.arxiv_id}" in flat
    assert _printed_once(text, seed_entries) == {}


@pytest.mark.parametrize("flavor", ["biblatex", "bibtex"])
@pytest.mark.parametrize("style", BIBLATEX_STYLES)
def test_every_biblatex_style_prints_the_arxiv_id_once(tmp_path: Path, seed_entries: list[Entry], style: str,
                                                       flavor: str) -> None:
    """The .bbl holds the id in one field only (biblatex flavor: the eprint; bibtex flavor, the
    default: howpublished), no DOI, URL or note repeating it; the typeset bibliography shows it once."""
    write(seed_entries, tmp_path / "refs.bib", bib_flavor=flavor)
    text = _compile(tmp_path, f"\\usepackage[backend=biber,style={style}]{{biblatex}}\n\\addbibresource{{refs.bib}}\n",
                    "\\printbibliography\n", "biber")
    bbl = (tmp_path / "doc.bbl").read_text(encoding="utf-8")
    entries = {m.group(1): m.group(0) for m in re.finditer(r"\\entry\{([^}]+)\}.*?\\endentry", bbl, re.S)}
    for entry in seed_entries:
        block = entries[entry.key]
        if flavor == "biblatex":
            assert re.search(r"\\verb\{eprint\}\s*\\verb " + re.escape(entry.paper.arxiv_id) + r"\s", block), block
            assert "\\field{eprinttype}{arxiv}" in block
        else:
            assert f"\\field{{howpublished}}{{arXiv:{entry.paper.arxiv_id}" in block
        assert block.count(entry.paper.arxiv_id) == 1, (style, block)
    assert _printed_once(text.split("References")[-1] if "References" in text else text, seed_entries) == {}


def test_export_chooses_the_flavor_from_the_document(tmp_path: Path, seeded: Path) -> None:
    """A paper loading biblatex gets biblatex's fields without being told: its bibliography names
    the cited preprint once through biber; the same paper with natbib gets bibtex's."""
    from arxref.config import Settings
    from arxref.pipeline import export

    settings = Settings(cache_path=seeded, offline=True)
    tex = tmp_path / "paper.tex"
    bib = tmp_path / "refs.bib"
    bib.write_text("% kept\n@book{knuth1984, title = {The {\\TeX}book}, author = {Knuth, Donald E.}, "
                   "publisher = {Addison-Wesley}, year = 1984}\n"
                   "@misc{chen2021evaluating, title = {Evaluating Large Language Models Trained on Code},"
                   " eprint = {2107.03374}}\n", encoding="utf-8")
    tex.write_text("\\documentclass{article}\n\\usepackage[T1]{fontenc}\n"
                   "\\usepackage[backend=biber]{biblatex}\n\\addbibresource{out.bib}\n"
                   "\\begin{document}\nCodex~\\cite{chen2021evaluating}, \\TeX~\\cite{knuth1984}.\n"
                   "\\printbibliography\n\\end{document}\n", encoding="utf-8")
    report = export([tex, bib], tmp_path, name="out", settings=settings, formats=["bib"])
    assert report.exit_code == 0 and report.bib_flavor == "biblatex" and report.kept == 1
    pdflatex = [tool("pdflatex"), "-interaction=nonstopmode", "-halt-on-error", "paper.tex"]
    run(pdflatex, tmp_path)
    assert run([tool("biber"), "paper"], tmp_path).returncode == 0
    assert run(pdflatex, tmp_path).returncode == 0
    text = "".join(run([tool("pdftotext"), "paper.pdf", "-"], tmp_path).stdout.split())
    assert text.count("2107.03374") == 1 and "TheTEXbook" in text.replace("TeX", "TEX")
    tex.write_text(tex.read_text().replace("\\usepackage[backend=biber]{biblatex}\n\\addbibresource{out.bib}\n",
                                           "\\usepackage{natbib}\n")
                   .replace("\\printbibliography", "\\bibliographystyle{plainnat}\n\\bibliography{out}"))
    for leftover in ("paper.aux", "paper.bbl", "paper.bcf"):
        (tmp_path / leftover).unlink()
    report = export([tex, bib], tmp_path, name="out", settings=settings, formats=["bib"])
    assert report.bib_flavor == "bibtex"
    assert "howpublished = {arXiv:2107.03374 [cs.LG]}" in (tmp_path / "out.bib").read_text(encoding="utf-8")
    run(pdflatex, tmp_path)
    result = run([tool("bibtex"), "paper"], tmp_path)
    assert result.returncode == 0 and "Warning" not in result.stdout, result.stdout
    bbl = (tmp_path / "paper.bbl").read_text(encoding="utf-8")
    assert "The {\\TeX}book" in bbl and bbl.count("2107.03374") == 1
