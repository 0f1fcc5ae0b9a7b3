"""Proof with the real tools: after `arxref sync`, papers that cite arXiv ids compile with no undefined citation.

A natbib + bibtex paper and a biblatex + biber paper cite ids in every new-style form
(``2108.02818``, ``2107.03374v2``, ``arXiv:``, ``arxiv:``, ``doi:10.48550/arXiv.``, keys over
several lines) next to a user's refs.bib of hand-written entries; a Markdown note with a
CSL-JSON bibliography renders with pandoc citeproc. Metadata comes only from the shipped
arXiv responses (imported into a temporary cache), offline. Old-style ids (``hep-th/9901001``)
are covered by the scanner tests: no old-style paper's metadata is shipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.tools

#: The user's own entries: hand-written, with a comment, odd spacing, a @string and a real book.
USER_BIB = """% refs.bib -- kept by hand. arxref sync must leave these bytes alone.
@string{aw = "Addison-Wesley"}

@book{knuth1984,
  author    = {Donald E. Knuth},
  title     = {The {\\TeX}book},
  publisher = aw,
  year      = 1984,
}

@misc{Agarwal2021,
   title = {Evaluating {CLIP}: Towards Characterization of Broader Capabilities and Downstream Implications},
   author = {Agarwal, Sandhini and Krueger, Gretchen and Clark, Jack and Radford, Alec and Kim, Jong Wook and Brundage, Miles},
   year = {2021}, eprint = {2108.02818}, archivePrefix = {arXiv}
}
"""

NATBIB = r"""\documentclass{article}
\usepackage[numbers]{natbib}
\begin{document}
\section{Related work}
Typesetting follows \citet{knuth1984}. CLIP was evaluated by \citet{Agarwal2021} and again
in \cite{2108.02818}; frontier regulation is argued in \citep{arXiv:2307.03718}, browsing
assistants in \citep[see][p.~2]{arxiv:2112.09332} % \cite{commented:out} is not read
and code models in \citealt{2107.03374v2}. Few-shot learners \citep{doi:10.48550/arXiv.2005.14165,
  2203.02155,
  arXiv:2307.03718}; \citeauthor{2108.02818} and \citeyear{2112.09332v1}.\nocite{2201.10005}
\bibliographystyle{plainnat}
\bibliography{refs}
\end{document}
"""

BIBLATEX = r"""\documentclass{article}
\usepackage[backend=biber,style=authoryear]{biblatex}
\addbibresource{refs.bib}
\begin{document}
\section{Related work}
\textcite{knuth1984} and \autocite{Agarwal2021}; the same paper as \parencite{2108.02818} and
\parencite[p.~3]{arXiv:2108.02818}. See \cites[see][]{arxiv:2112.09332}[p.~1]{2107.03374v2}
and \footcite{doi:10.48550/arXiv.2005.14165}. \textcite{2203.02155,
  arXiv:2307.03718}.\nocite{2201.10005}
\printbibliography
\end{document}
"""

NOTE = """---
title: Reading notes
bibliography: refs.json
---

CLIP's broader capabilities [@arxiv:2108.02818], and in text @arXiv:2307.03718 argues for
regulation; see also [-@doi:10.48550/arXiv.2112.09332, p. 2; @mine].
"""

MINE_JSON = """[
  {"id": "mine", "type": "book", "title": "The TeXbook", "author": [{"family": "Knuth", "given": "Donald E."}],
   "issued": {"date-parts": [[1984]]}, "publisher": "Addison-Wesley"}
]
"""


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed (CI installs it; these tests must not skip)"
    return path


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, errors="replace")


def arxref(cache: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ARXREF_CACHE=str(cache), ARXREF_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "arxref", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=300)


def undefined_citations(log: str) -> list[str]:
    return re.findall(r"Citation [`'](.+?)' (?:on page \d+ )?undefined", log) + (
        ["There were undefined citations"] if "There were undefined citations" in log else [])


def synced(tmp_path: Path, cache: Path, document: str, name: str) -> Path:
    """The document beside the user's refs.bib, synced twice: the second run must change nothing."""
    (tmp_path / name).write_text(document, encoding="utf-8")
    (tmp_path / "refs.bib").write_text(USER_BIB, encoding="utf-8")
    before = run([tool("pdflatex"), "-interaction=nonstopmode", name], tmp_path)
    assert "undefined" in before.stdout  # the ids are undefined before sync
    first = arxref(cache, tmp_path, "sync", name)
    assert first.returncode == 0, first.stdout + first.stderr
    after = (tmp_path / "refs.bib").read_bytes()
    assert after.startswith(USER_BIB.encode()), "the user's entries changed"
    second = arxref(cache, tmp_path, "sync", name, "--check")
    assert second.returncode == 0 and second.stdout == "", second.stdout + second.stderr
    assert arxref(cache, tmp_path, "sync", name).stdout == "" and (tmp_path / "refs.bib").read_bytes() == after
    check = arxref(cache, tmp_path, "check", name)
    assert check.returncode == 0, check.stdout + check.stderr
    return tmp_path / "refs.bib"


def test_natbib_bibtex_paper_compiles_after_sync(seeded: Path, tmp_path: Path) -> None:
    bib = synced(tmp_path, seeded, NATBIB, "paper.tex")
    keys = re.findall(r"^@(?!string)\w+\{([^,\n]+),", bib.read_text(encoding="utf-8"), re.MULTILINE)
    assert keys == ["knuth1984", "Agarwal2021", "2108.02818", "arXiv:2307.03718", "arxiv:2112.09332", "2107.03374v2",
                    "doi:10.48550/arXiv.2005.14165", "2203.02155", "2112.09332v1", "2201.10005"]
    pdflatex = [tool("pdflatex"), "-interaction=nonstopmode", "-halt-on-error", "paper.tex"]
    assert run(pdflatex, tmp_path).returncode == 0
    bibtex = run([tool("bibtex"), "paper"], tmp_path)
    blg = (tmp_path / "paper.blg").read_text(encoding="utf-8", errors="replace")
    assert bibtex.returncode == 0 and "error" not in blg.lower(), bibtex.stdout + blg
    run(pdflatex, tmp_path)
    final = run(pdflatex, tmp_path)
    log = (tmp_path / "paper.log").read_text(encoding="utf-8", errors="replace")
    assert final.returncode == 0, final.stdout[-3000:]
    assert undefined_citations(log) == []
    bbl = (tmp_path / "paper.bbl").read_text(encoding="utf-8")
    assert bbl.count("\\bibitem") == 10 and "frontier {ai} regulation" in " ".join(bbl.lower().split())


def test_biblatex_biber_paper_compiles_after_sync(seeded: Path, tmp_path: Path) -> None:
    bib = synced(tmp_path, seeded, BIBLATEX, "paper.tex")
    text = bib.read_text(encoding="utf-8")
    assert "@misc{2108.02818,\n" in text and "  ids = {arXiv:2108.02818},\n" in text  # one entry, an alias
    pdflatex = [tool("pdflatex"), "-interaction=nonstopmode", "-halt-on-error", "paper.tex"]
    assert run(pdflatex, tmp_path).returncode == 0
    biber = run([tool("biber"), "paper"], tmp_path)
    assert biber.returncode == 0 and "ERROR" not in biber.stdout, biber.stdout
    assert "WARN" not in biber.stdout, biber.stdout
    run(pdflatex, tmp_path)
    final = run(pdflatex, tmp_path)
    log = (tmp_path / "paper.log").read_text(encoding="utf-8", errors="replace")
    assert final.returncode == 0, final.stdout[-3000:]
    assert undefined_citations(log) == [] and "Please (re)run Biber" not in log
    bbl = (tmp_path / "paper.bbl").read_text(encoding="utf-8")
    assert bbl.count("\\entry{") == 9  # Agarwal2021 and 2108.02818 are two user-visible entries of one paper


def test_markdown_note_renders_with_pandoc_citeproc_after_sync(seeded: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text(NOTE, encoding="utf-8")
    (tmp_path / "refs.json").write_text(MINE_JSON, encoding="utf-8")
    pandoc = [tool("pandoc"), "notes.md", "--citeproc", "-o", "notes.html"]
    assert "not found" in run(pandoc, tmp_path).stderr  # before sync
    first = arxref(seeded, tmp_path, "sync", "notes.md")
    assert first.returncode == 0, first.stdout + first.stderr
    assert (tmp_path / "refs.json").read_text(encoding="utf-8").startswith(MINE_JSON.rstrip()[:-1].rstrip())
    assert arxref(seeded, tmp_path, "sync", "notes.md", "--check").returncode == 0
    rendered = run(pandoc, tmp_path)
    assert rendered.returncode == 0 and rendered.stderr == "", rendered.stderr
    html = " ".join((tmp_path / "notes.html").read_text(encoding="utf-8").split())
    assert "Evaluating CLIP" in html and "Frontier AI Regulation" in html and "WebGPT" in html
