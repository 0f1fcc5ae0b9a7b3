"""The identifier forms of issue 22 as one table, shared by the parse() and `arxref scan` tests.

Written for arxref from arXiv's identifier documentation and the forms named in the
issue; no case is copied from another project's suite.
"""

from __future__ import annotations

from typing import NamedTuple


class Form(NamedTuple):
    written: str
    base: str
    version: int | None
    category: str | None
    """The primary-class hint kept with the id."""
    note: str | None = None
    """A piece of the info note (an archive in front of a new-style id)."""
    warning: str | None = None
    """The warning beside a readable id (an unknown subject class)."""
    url: bool = False
    """An address (also tried as a Markdown link's target)."""


FORMS = [
    # 1. the category after the id, as arXiv's listings and many .bib eprint fields print it
    Form("0706.0001v1 [q-bio.CB]", "0706.0001", 1, "q-bio.CB"),
    Form("arXiv:0706.0001v1 [q-bio.CB]", "0706.0001", 1, "q-bio.CB"),
    Form("arXiv:1406.1599v2[physics.ins-det]", "1406.1599", 2, "physics.ins-det"),
    Form("2107.03374 [cs.LG]", "2107.03374", None, "cs.LG"),
    Form("arXiv:2203.02155v1 [CS.cl]", "2203.02155", 1, "cs.CL"),
    Form("hep-th/9901001v2 [hep-th]", "hep-th/9901001", 2, "hep-th"),
    # 2. an archive in front of a new-style id (INSPIRE, publishers)
    Form("hep-th/1601.07616", "1601.07616", None, "hep-th", note="read as 1601.07616"),
    Form("arXiv:hep-th/1501.00001v1", "1501.00001", 1, "hep-th", note="read as 1501.00001"),
    Form("hep-th.GT/1501.00001", "1501.00001", None, None, note="hep-th.GT is no arXiv category"),
    Form("cs.LG/2107.03374", "2107.03374", None, "cs.LG", note="read as 2107.03374"),
    # 3. arXiv's other addresses and prefixes
    Form("oai:arXiv.org:cs/0007002", "cs/0007002", None, None),
    Form("oai:arXiv.org:2307.10651", "2307.10651", None, None),
    Form("https://arxiv.org/bibtex/2408.03952", "2408.03952", None, None, url=True),
    Form("http://export.arxiv.org/abs/2108.02818v3", "2108.02818", 3, None, url=True),
    Form("https://arxiv.org/abs/hep-th/9901001/", "hep-th/9901001", None, "hep-th", url=True),
    Form("https://arxiv.org/abs//2112.09332", "2112.09332", None, None, url=True),
    Form("https://arxiv.org//pdf//2005.14165v4", "2005.14165", 4, None, url=True),
    Form("http://xxx.lanl.gov/abs/hep-ph/9702001", "hep-ph/9702001", None, "hep-ph", url=True),
    Form("https://arxiv.org/abs/hep-th/1601.07616", "1601.07616", None, "hep-th", note="read as 1601.07616",
         url=True),
    # 4. an invented subject class: the paper is read, the class questioned
    Form("math.ACS/0312059", "math/0312059", None, None, warning="unknown subject class math.ACS"),
    Form("arXiv:2107.03374 [cs.XX]", "2107.03374", None, None, warning="unknown subject class cs.XX"),
    Form("https://arxiv.org/abs/math.ACS/0312059", "math/0312059", None, None,
         warning="unknown subject class math.ACS", url=True),
]

#: Written forms that are invalid, with a piece of the reason.
INVALID = [
    ("quantph/0703103", "'quantph' is not an arXiv archive; did you mean quant-ph?"),
    ("arXiv:hepth/9901001", "did you mean hep-th?"),
    ("cond-matt/0703001", "did you mean cond-mat?"),
]

#: Text in which no id may be found (each a line of a plain-text file).
NOT_IDS = [
    "0707.2096va",
    "1605.08386w1",
    "see hep-th/9901001abc",
    "Fax: +49 30 1208.4471",
    "Tel. (030) 1208.4471",
    "Telefon +49 (0)30 1208.4471",
    "version string v2.1208.4471",
    "survey on 15.12.2012 1208.4471",
    "2012.0315 was the deadline",
    "station at 48.8584 1208.4471",
    "position 1208.4471, 13.40501",
    "NMEA N 4807.0380 E",
    "uploads/0703001 and files/9901001",
]
