"""A small LaTeX manuscript with its .bib (real titles and ids of two shipped papers): not a test module."""

from __future__ import annotations

from pathlib import Path


def write_manuscript(tmp_path: Path) -> tuple[Path, Path]:
    tex = tmp_path / "paper.tex"
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@misc{chen2021evaluating,\n  title = {Evaluating Large Language Models Trained on Code},\n"
        "  eprint = {2107.03374},\n  archivePrefix = {arXiv},\n}\n\n"
        "@misc{radford2021learning,\n  title = {Learning Transferable Visual Models From Natural Language Supervision},\n"
        "  eprint = {2103.00020},\n  archivePrefix = {arXiv},\n}\n",
        encoding="utf-8",
    )
    tex.write_text(
        "\\documentclass{article}\n\\begin{document}\n"
        "Codex~\\cite{chen2021evaluating} and CLIP~\\citep{radford2021learning}.\n"
        "\\bibliography{refs}\n\\end{document}\n",
        encoding="utf-8",
    )
    return tex, bib
