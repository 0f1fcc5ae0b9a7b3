"""Reading written TeX back as text, for the tests of arxref.tex and the BibTeX writer.

pylatexenc is an independent LaTeX-to-text converter: what it reads out of a value
arxref wrote must be the text that went in.
"""

from __future__ import annotations

from pylatexenc import latex2text


def _unlatex_context() -> object:
    """pylatexenc's macros plus LaTeX2e's \\textbrace{left,right}, which it does not know;
    and \\textasciicircum as ``^`` (pylatexenc gives U+02C6, modifier circumflex)."""
    context = latex2text.get_default_latex_context_db()
    context.add_context_category("latex2e-text-symbols", prepend=True, macros=[
        latex2text.MacroTextSpec("textbraceleft", "{"), latex2text.MacroTextSpec("textbraceright", "}"),
        latex2text.MacroTextSpec("textasciicircum", "^")])
    return context


_UNLATEX = latex2text.LatexNodes2Text(math_mode="verbatim", latex_context=_unlatex_context())


def unlatex(text: str) -> str:
    """A TeX value as the plain text a reader sees (math kept verbatim)."""
    return _UNLATEX.latex_to_text(text)
