"""arxref.scan.listing: abstract dumps, copied listings, search pages and the sniffing among them, on the real seeds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from arxref.model import Record
from arxref.scan import ScanProblem, scan_file, scan_paths, scan_text, sniff

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scan"
LISTING = next(SEEDS.glob("002_*.txt"))


@pytest.fixture(scope="module")
def seed_records() -> list[Record]:
    problems: list[ScanProblem] = []
    records = list(scan_paths([SEEDS], on_problem=problems.append))
    assert problems == []
    return records


def test_one_record_per_abstract_in_the_seeds(seed_records: list[Record]) -> None:
    # 8+8+10+6 "Abstract:" lines in 000, 001, 003, 004, plus 10 abstracts in the 002 listing
    abstract_lines = {p.name: sum(1 for line in p.read_text(encoding="utf-8").splitlines()
                                  if line.startswith("Abstract:")) for p in SEEDS.glob("*.txt")}
    assert sorted(abstract_lines.values()) == [0, 6, 8, 8, 10]
    assert len(seed_records) == 42
    per_file = {}
    for record in seed_records:
        per_file[Path(record.source).name] = per_file.get(Path(record.source).name, 0) + 1
    for name, count in abstract_lines.items():
        assert per_file[name] == (count or 10), name
    assert all(r.kind in ("abstract", "listing") and r.text for r in seed_records)
    assert not any(r.text.strip() == "Tony" for r in seed_records)  # the noise lines


def test_abstract_records_carry_the_text_after_the_label(seed_records: list[Record]) -> None:
    for record in seed_records:
        if record.kind != "abstract":
            continue
        line = Path(record.source).read_text(encoding="utf-8").splitlines()[record.line - 1]
        assert line == "Abstract:" + record.text
        assert record.arxiv_id is None and record.column == 10


def test_listing_ids_belong_to_the_record_above(seed_records: list[Record]) -> None:
    """Checked against the raw file: each id line starts with arXiv:ID, the record sits above it."""
    listing = [r for r in seed_records if r.kind == "listing"]
    lines = LISTING.read_text(encoding="utf-8").splitlines()
    id_lines = [(n, m.group(1)) for n, line in enumerate(lines, 1)
                for m in [re.match(r"arXiv:(\d{4}\.\d{4,5})", line)] if m]
    assert len(listing) == len(id_lines) == 10
    for record, (id_line, raw_id) in zip(listing, id_lines):
        assert record.line < id_line
        assert record.arxiv_id == raw_id
    assert listing[0].text.startswith("Recently, there have been breakthroughs in computer vision")
    assert listing[0].arxiv_id == "2108.02818"
    codex = next(r for r in listing if r.text.startswith("We introduce Codex"))
    assert codex.arxiv_id == "2107.03374" and codex.line == 3 and codex.column == len("arXiv:2108.02818") + 1
    assert listing[-1].text.startswith("In recent years, a number of prominent computer scientists")
    assert listing[-1].arxiv_id == "1703.10987"
    # the glued id is not part of the next abstract's text
    assert not any(r.text.startswith("arXiv:") for r in listing)


def test_listing_comments_belong_to_the_record_above(seed_records: list[Record]) -> None:
    listing = {r.arxiv_id: r for r in seed_records if r.kind == "listing"}
    assert listing["2108.02818"].comment == "arXiv admin note: substantial text overlap with arXiv:2103.00020"
    assert listing["1908.09203"].comment == "32 pages, report"
    assert listing["1907.04534"].comment == "23 pages, 1 table"
    assert listing["1708.05866"].comment.startswith("To appear in IEEE Signal Processing Magazine")
    assert listing["1703.10987"].comment == "9 pages, 2 figures"
    assert listing["2107.03374"].comment is None


def test_ids_inside_text_are_mentions_not_own_ids(seed_records: list[Record]) -> None:
    assert not any(r.arxiv_id == "2103.00020" for r in seed_records)
    first = next(r for r in seed_records if r.kind == "listing")
    assert first.mentions == ("2103.00020",)
    drawn = [r for r in seed_records if "drawn from arXiv:2004.07213" in r.text]
    assert len(drawn) == 2  # 001 and 003
    for record in drawn:
        assert record.arxiv_id is None and record.mentions == ("2004.07213",)
    # 2004.07213 is the own id of exactly one record: its listing entry
    assert [r.kind for r in seed_records if r.arxiv_id == "2004.07213"] == ["listing"]


def test_seed_texts_and_listing_ids_agree_with_the_shipped_arxiv_data(seed_records: list[Record]) -> None:
    """Independent check: each record's text is exactly one real abstract (examples/arxiv-responses),
    and every listing id is the id of the paper whose abstract the record holds."""
    from arxref import textnorm
    from arxref.atom import parse_feed

    feed = parse_feed((ROOT / "examples" / "arxiv-responses" / "all.xml").read_bytes())
    by_text = {textnorm.normalize(p.abstract): p.arxiv_id for p in feed.papers}
    for record in seed_records:
        paper_id = by_text.get(textnorm.normalize(record.text))
        assert paper_id is not None, (record.source, record.line)
        if record.arxiv_id:
            assert record.arxiv_id == paper_id, (record.line, record.arxiv_id, paper_id)


def test_sniff_shapes() -> None:
    assert sniff(["Tony", "Abstract:We study things."]) == "abstract"
    assert sniff(LISTING.read_text(encoding="utf-8").splitlines()) == "listing"
    assert sniff(["1. arXiv:2107.03374  [pdf, other]  cs.LG", "Evaluating"]) == "search_page"
    assert sniff(["arXiv:2107.03374", "arXiv:2108.02818"]) == "text"  # a list of ids, no abstracts
    assert sniff(["just a note about arXiv:2107.03374"]) == "text"


def test_abstract_dump_with_id_before_label_and_stray_lines() -> None:
    text = ("Tony\n"
            "2107.03374v2 Abstract: We introduce Codex, a GPT language model.\n"
            "3. Abstract: Numbered, without an id.\n"
            "In this abstract: prose is not a dump line.\n"
            "see arXiv:2108.02818 for more\n"
            "Abstract:\n"
            "Text on the next line.\n")
    records = scan_text(text, kind="abstract")
    assert [(r.line, r.kind, r.arxiv_id) for r in records] == [
        (2, "abstract", "2107.03374"), (3, "abstract", None), (5, "text", "2108.02818"), (7, "abstract", None)]
    assert records[0].version == 2 and records[0].text == "We introduce Codex, a GPT language model."
    assert records[3].text == "Text on the next line."


def test_listing_bare_ids_invalid_ids_and_noise() -> None:
    abstract = "A" * 50 + ". We study many things here. " + "x" * 200
    text = "\n".join([
        abstract,
        "Comments: 12 pages",
        "arXiv:2313.00001" + abstract,
        "arXiv:2107.03374v3",
        "Tony",
        "arXiv:2108.02818",
    ])
    records = scan_text(text, kind="listing")
    assert [(r.line, r.arxiv_id) for r in records] == [(1, None), (3, "2107.03374"), (6, "2108.02818")]
    assert records[0].problems == ("invalid arXiv id '2313.00001': month 13 does not exist",)
    assert records[0].comment == "Comments: 12 pages"
    assert records[1].version == 3 and records[1].text == abstract
    assert records[2].text is None  # a bare id with no abstract above it


def test_search_results_page() -> None:
    records = list(scan_file(FIXTURES / "search-results.txt"))
    assert [(r.kind, r.arxiv_id, r.line) for r in records] == [
        ("search_page", "2201.10005", 4), ("search_page", "2107.03374", 11)]
    codex = records[1]
    assert codex.title == "Evaluating Large Language Models Trained on Code"
    assert codex.authors[:3] == ("Mark Chen", "Jerry Tworek", "Heewoo Jun") and len(codex.authors) > 50
    assert codex.text.startswith("We introduce Codex") and codex.text.endswith("security, and economics.")
    assert "▽" not in codex.text and "△" not in codex.text and "…" not in codex.text
    assert codex.comment.startswith("corrected typos")
    assert records[0].title == "Text and Code Embeddings by Contrastive Pre-Training"


def test_search_page_abstract_cut_short_only() -> None:
    text = ("arXiv:2107.03374  [pdf, other]  cs.LG\nEvaluating Large Language Models\nTrained on Code\n"
            "Authors: Mark Chen, Jerry Tworek\nAbstract: We introduce Codex, a GPT… ▽ More\n"
            "Submitted 14 July, 2021; originally announced July 2021.\n")
    (record,) = scan_text(text)
    assert record.kind == "search_page"
    assert record.title == "Evaluating Large Language Models Trained on Code"
    assert record.text == "We introduce Codex, a GPT"
    assert record.authors == ("Mark Chen", "Jerry Tworek")


def test_search_page_header_without_a_possible_id_and_mentions() -> None:
    text = ("1. arXiv:nonsense  [pdf]  cs.LG\nA Title\n"
            "2. arXiv:2107.03374  [pdf]  cs.LG\nAnother Title\nAbstract: builds on arXiv:2005.14165 and\n"
            "arXiv:2313.00001.\nComments: see arXiv:2108.02818\n")
    first, second = scan_text(text, kind="search_page")
    assert first.arxiv_id is None and first.problems == ("not an arXiv id: 'arXiv:nonsense'",)
    assert first.title == "A Title" and first.column == 4
    assert second.arxiv_id == "2107.03374" and second.line == 3
    assert second.text == "builds on arXiv:2005.14165 and arXiv:2313.00001."
    assert second.mentions == ("2005.14165", "2108.02818")
    assert second.problems == ("invalid arXiv id '2313.00001': month 13 does not exist",)


def test_search_page_toggles_are_cut_as_the_page_shows_them() -> None:
    """The toggle cleaner walks back from each ▽/△ sign; it agrees with the plain regex on tricky cases."""
    import random
    import re

    from arxref.scan.listing import _clean_search_abstract

    reference = re.compile(r"\s*(?:\u2026\s*)?(?:\u25bd\s*More|\u25b3\s*Less)\s*", re.IGNORECASE)

    def expected(text: str) -> str:
        more = re.search(r"\u2026?\s*\u25bd\s*More", text)
        if more and text[more.end():].strip():
            text = text[more.end():]
        return reference.sub(" ", text).strip()

    pieces = ["a", " ", "\u2026", "\u25bd", "\u25b3", "More", "Less", "more", "LESS", "\n", "\u00a0", "x y"]
    rng = random.Random(16)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert _clean_search_abstract(text) == expected(text), text
    long_run = "We study" + " " * 50_000 + "codes \u2026 \u25bd More We study codes. \u25b3 Less"
    assert _clean_search_abstract(long_run) == "We study codes."


def test_search_page_parts_wrap_over_many_lines() -> None:
    lines = ["arXiv:2107.03374  [pdf]  cs.LG", "A Title", "Authors: A. B", "Abstract:"]
    lines += [f"line {n} of the abstract" for n in range(2000)] + ["Comments:", "12 pages", "3 figures"]
    (record,) = scan_text("\n".join(lines) + "\n", kind="search_page")
    assert record.title == "A Title" and record.comment == "12 pages 3 figures"
    assert record.text == " ".join(f"line {n} of the abstract" for n in range(2000))


def test_listing_id_lines_with_a_category_or_an_archive() -> None:
    """arXiv's own listings print the category after the id; INSPIRE-style lines put an archive before it."""
    abstract = "We measure the growth of cell colonies on soft substrates. " + "y" * 200
    glued = "A detector readout scheme for calorimeters is tested in beam. " + "z" * 200
    text = "\n".join([abstract, "arXiv:0706.0001v1 [q-bio.CB]", abstract, "arXiv:hep-th/1601.07616",
                      abstract, "arXiv:1406.1599v2[physics.ins-det]" + glued, "arXiv:2107.03374"])
    records = scan_text(text, kind="listing")
    assert [(r.line, r.arxiv_id, r.version, r.category, r.text) for r in records] == [
        (1, "0706.0001", 1, "q-bio.CB", abstract), (3, "1601.07616", None, "hep-th", abstract),
        (5, "1406.1599", 2, "physics.ins-det", abstract), (6, "2107.03374", None, None, glued)]
    assert records[1].notes and records[0].notes == () and records[2].comment is None
