"""RIS writer (arxref.formats.ris): record layout, CRLF, and reading back with rispy.

Real metadata: the 25 seed papers; synthetic values are labelled.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace

import rispy

from arxref.formats import WriteOptions, write_ris
from arxref.keys import split_name
from arxref.model import Author, Entry, Paper
from arxref.tex import clean_text

CODEX = "2107.03374"
LINE_RE = re.compile(r"^[A-Z][A-Z0-9]  - (?:\S.*)?$")


def ris(entries: list[Entry], **options: object) -> str:
    out = io.StringIO(newline="")
    write_ris(entries, out, WriteOptions(**options))  # type: ignore[arg-type]
    return out.getvalue()


def test_layout_crlf_and_line_grammar(seed_entries: list[Entry]) -> None:
    text = ris(seed_entries)
    assert "\n" not in text.replace("\r\n", "")
    records = [r for r in text.split("\r\n\r\n") if r]
    assert len(records) == 25
    for record in records:
        lines = record.split("\r\n")
        assert lines[0] == "TY  - UNPB"
        assert lines[-1] == "ER  - "
        assert all(LINE_RE.match(line) for line in lines), record


def test_rispy_reads_back_what_we_wrote(seed_entries: list[Entry]) -> None:
    parsed = rispy.loads(ris(seed_entries))
    assert len(parsed) == 25
    for item, entry in zip(parsed, seed_entries):
        paper = entry.paper
        assert item["type_of_reference"] == "UNPB"
        assert item["id"] == entry.key
        assert item["authors"] == [split_name(a.name).full_family + (f", {split_name(a.name).given}" if split_name(a.name).given else "")
                                   for a in paper.authors]
        assert item["title"] == clean_text(paper.title)
        assert item["year"] == str(paper.published.year)
        assert item["date"] == paper.published.strftime("%Y/%m/%d")
        assert item["doi"] == f"10.48550/arXiv.{paper.arxiv_id}"
        assert item["urls"] == [paper.abs_url]
        assert item["publisher"] == "arXiv"
        assert item["unknown_tag"] == {"M2": [f"arXiv: {paper.arxiv_id}"]}  # M2: Zotero's Extra
        assert "note" not in item  # M1, which Zotero reads as a journal article's Issue
        assert item["abstract"] == clean_text(paper.abstract)


def test_codex_record_head(seed_entries: list[Entry]) -> None:
    [codex] = [e for e in seed_entries if e.paper.arxiv_id == CODEX]
    lines = ris([codex], max_authors=2).split("\r\n")
    assert lines[:6] == ["TY  - UNPB", "ID  - chen2021evaluating", "AU  - Chen, Mark", "AU  - Tworek, Jerry",
                         "TI  - Evaluating Large Language Models Trained on Code", "PY  - 2021"]
    assert "DA  - 2021/07/07" in lines and "M2  - arXiv: 2107.03374" in lines


def test_org_author_has_no_comma(seed_papers: dict[str, Paper]) -> None:
    lines = ris([Entry("k", seed_papers["2410.21276"])]).split("\r\n")
    authors = [line for line in lines if line.startswith("AU  - ")]
    assert authors[0] == "AU  - OpenAI" and len(authors) == 418


def test_hostile_values_stay_on_one_line(seed_papers: dict[str, Paper]) -> None:
    # synthetic hostile metadata on a real paper
    paper = replace(seed_papers[CODEX], title="Two\r\nlines\nER  - fake end", abstract="a\x00b\n\nTY  - JOUR",
                    authors=[Author("Comma, In, Name"), Author("Line\nBreak")])
    text = ris([Entry("k", paper)])
    lines = text.split("\r\n")
    assert all(LINE_RE.match(line) for line in lines if line)
    assert [line for line in lines if line.startswith(("TY", "ER"))] == ["TY  - UNPB", "ER  - "]
    [item] = rispy.loads(text)
    assert item["title"] == "Two lines ER - fake end"


def test_prefer_published_and_journal_note(seed_papers: dict[str, Paper]) -> None:
    # synthetic journal data on a real paper
    paper = replace(seed_papers["1708.05866"], journal_ref="IEEE Signal Processing Magazine 34 (2017) 26-38",
                    doi="10.1000/synthetic.2017")
    [preprint] = rispy.loads(ris([Entry("k", paper)]))
    assert preprint["type_of_reference"] == "UNPB"
    assert preprint["notes"] == ["Published in IEEE Signal Processing Magazine 34 (2017) 26-38, doi:10.1000/synthetic.2017"]
    [journal] = rispy.loads(ris([Entry("k", paper)], prefer_published=True))
    assert journal["type_of_reference"] == "JOUR"
    assert journal["secondary_title"] == "IEEE Signal Processing Magazine 34 (2017) 26-38"
    assert journal["doi"] == "10.1000/synthetic.2017"
