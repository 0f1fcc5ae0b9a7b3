"""The scanner: real seed dumps, every input format, bad files, and the `arxref scan` command."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from arxref import scan as scan_module
from arxref.cli import cli
from arxref.errors import InputError
from arxref.model import RECORD_KINDS, Record
from arxref.scan import ScanStats, scan_file, scan_paths, scan_text, sniff, strip_tex_comment

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scan"
LISTING = next(SEEDS.glob("002_*.txt"))


def by_key(records: list[Record]) -> dict[str | None, Record]:
    return {r.key: r for r in records}


# --------------------------------------------------------------------------- the real seeds


@pytest.fixture(scope="module")
def seed_records() -> list[Record]:
    problems: list[str] = []
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
    assert first.mentions == ["2103.00020"]
    drawn = [r for r in seed_records if "drawn from arXiv:2004.07213" in r.text]
    assert len(drawn) == 2  # 001 and 003
    for record in drawn:
        assert record.arxiv_id is None and record.mentions == ["2004.07213"]
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


# --------------------------------------------------------------------------- dumps in other shapes


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
    assert records[0].problems == ["invalid arXiv id '2313.00001': month 13 does not exist"]
    assert records[0].comment == "Comments: 12 pages"
    assert records[1].version == 3 and records[1].text == abstract
    assert records[2].text is None  # a bare id with no abstract above it


def test_search_results_page() -> None:
    records = list(scan_file(FIXTURES / "search-results.txt"))
    assert [(r.kind, r.arxiv_id, r.line) for r in records] == [
        ("search_page", "2201.10005", 4), ("search_page", "2107.03374", 11)]
    codex = records[1]
    assert codex.title == "Evaluating Large Language Models Trained on Code"
    assert codex.authors[:3] == ["Mark Chen", "Jerry Tworek", "Heewoo Jun"] and len(codex.authors) > 50
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
    assert record.authors == ["Mark Chen", "Jerry Tworek"]


def test_plain_text_every_id_is_a_record() -> None:
    records = list(scan_file(FIXTURES / "notes.txt"))
    assert [(r.line, r.column, r.arxiv_id, r.version) for r in records] == [
        (2, 6, "2107.03374", 2), (2, 29, "2005.14165", None), (2, 68, "hep-th/9901001", None),
        (4, 13, None, None), (4, 34, None, None)]
    assert all(r.kind == "text" for r in records)
    assert records[3].problems == ["invalid arXiv id '2313.00001': month 13 does not exist"]
    assert "0911.12345" in records[4].problems[0]
    assert records[0].text.startswith("Read arXiv:2107.03374v2")


# --------------------------------------------------------------------------- LaTeX


@pytest.fixture(scope="module")
def tex_records() -> list[Record]:
    return list(scan_file(FIXTURES / "paper.tex"))


def test_tex_citations(tex_records: list[Record]) -> None:
    cites = [(r.key, r.line, r.column) for r in tex_records if r.role == "citation"]
    assert cites == [
        ("chen2021codex", 5, 13), ("brown2020gpt3", 5, 56), ("radford2021clip", 5, 70),
        ("ouyang2022instruct", 6, 20), ("nakano2021webgpt", 6, 66), ("nichol2021glide", 6, 100),
        ("neelakantan2022embed", 7, 11), ("solaiman2019release", 8, 76),
        ("agarwal2021clip", 11, 7), ("tamkin2021understanding", 11, 24),
    ]
    assert all(r.kind == "tex" and r.arxiv_id is None for r in tex_records if r.role == "citation")
    line = (FIXTURES / "paper.tex").read_text().splitlines()[4]
    assert line[12:].startswith("chen2021codex") and line[55:].startswith("brown2020gpt3")


def test_tex_ids_outside_comments_and_verbatim(tex_records: list[Record]) -> None:
    papers = [(r.line, r.arxiv_id, r.version) for r in tex_records if r.role == "paper" and r.key is None]
    assert papers == [(8, "2212.08751", None), (9, "2207.14157", 1), (9, "2208.03274", None),
                      (10, "hep-th/9901001", None), (10, "math/0309136", None), (10, None, None)]
    invalid = [r for r in tex_records if r.problems]
    assert [r.problems for r in invalid] == [["invalid arXiv id '2313.00001': month 13 does not exist"]]
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


# --------------------------------------------------------------------------- Markdown


def test_markdown(tmp_path: Path) -> None:
    records = list(scan_file(FIXTURES / "notes.md"))
    got = [(r.line, r.arxiv_id, r.title) for r in records]
    assert got == [
        (3, "2107.03374", "Evaluating Large Language Models Trained on Code"),
        (4, "2005.14165", None),
        (4, "2203.02155", None),
        (5, "2112.09332", None),
        (5, "2201.10005", None),
        (6, "2112.10741", None),
        (6, None, None),
        (21, "2103.00020", "Learning Transferable Visual Models From Natural Language Supervision"),
    ]
    assert all(r.kind == "markdown" for r in records)
    assert records[6].problems == ["invalid arXiv id '2313.00001': month 13 does not exist"]
    found = {r.arxiv_id for r in records}
    for in_code in ("2303.10130", "2412.06966", "2311.01193", "2410.21276"):
        assert in_code not in found


# --------------------------------------------------------------------------- BibTeX


@pytest.fixture(scope="module")
def bib_scan() -> tuple[list[Record], list[str]]:
    problems: list[str] = []
    records = list(scan_file(FIXTURES / "refs.bib", on_problem=problems.append))
    return records, problems


def test_bib_entries_and_id_fields(bib_scan: tuple[list[Record], list[str]]) -> None:
    records, _ = bib_scan
    got = [(r.key, r.line, r.arxiv_id) for r in records]
    assert got == [
        ("chen2021codex", 7, "2107.03374"),        # eprint + archivePrefix
        ("brown2020gpt3", 16, "2005.14165"),       # journal = @string # "arXiv:..."
        ("radford2021clip", 23, "2103.00020"),     # url
        ("ouyang2022instruct", 28, "2203.02155"),  # doi, upper case ARXIV
        ("dblp_webgpt", 33, "2112.09332"),         # eprinttype + DBLP volume abs/
        ("noted", 41, "2112.10741"),               # note
        ("howpub", 46, "2212.08751"),              # howpublished \url{}
        ("broken", 51, "2201.10005"),              # unbalanced braces: only the id is kept
        ("chen2021codex", 56, "2107.03374"),       # duplicate key
        ("bad_eprint", 61, None),
        ("pubmed", 67, None),
        ("mismatch", 73, "2207.14157"),
        ("oldstyle", 79, "math/0309136"),
    ]
    entries = by_key(records[:8])
    codex = entries["chen2021codex"]
    assert codex.kind == "bib" and codex.entry_type == "misc" and codex.version == 2
    assert codex.title == "Evaluating Large Language Models Trained on Code"
    assert codex.authors == ["Chen, Mark", "Tworek, Jerry", "Jun, Heewoo"]
    assert codex.fields["archiveprefix"] == "arXiv" and codex.fields["eprint"] == "2107.03374v2"
    assert codex.fields["title"] == "Evaluating Large Language Models Trained on {Code}"
    brown = entries["brown2020gpt3"]
    assert brown.fields["journal"] == "arXiv preprint arXiv:2005.14165" and brown.fields["year"] == "2020"
    assert brown.authors == ["Tom B. Brown", "Benjamin Mann"] and brown.entry_type == "article"
    assert "old" not in {r.key for r in records}  # inside @comment{...}


def test_bib_problems(bib_scan: tuple[list[Record], list[str]]) -> None:
    records, problems = bib_scan
    source = str(FIXTURES / "refs.bib")
    assert len(problems) == 2
    assert problems[0].startswith(f"{source}:51: entry could not be parsed (")
    assert problems[1] == f"{source}:56: duplicate key 'chen2021codex' (first defined on line 7)"
    entries = {(r.key, r.line): r for r in records}
    assert entries[("bad_eprint", 61)].problems == ["invalid arXiv id '2313.00001': month 13 does not exist"]
    assert entries[("pubmed", 67)].problems == []
    assert entries[("mismatch", 73)].mentions == ["2208.03274"]
    assert "eprint 2207.14157, url 2208.03274" in entries[("mismatch", 73)].problems[0]
    assert entries[("chen2021codex", 56)].problems
    assert entries[("oldstyle", 79)].subject_class == "GT"


def test_bib_that_is_all_broken_does_not_crash() -> None:
    problems: list[str] = []
    records = scan_text("@article{x,\n title = {never closed\n\n@misc{y, eprint={2107.03374}}\n",
                        "broken.bib", on_problem=problems.append)
    assert [(r.key, r.arxiv_id) for r in records] == [("y", "2107.03374")]
    assert problems and problems[0].startswith("broken.bib:1: entry could not be parsed")


def test_bib_chunks_keep_line_numbers_and_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large .bib files are parsed in chunks; lines and @string macros carry across chunks."""
    monkeypatch.setattr(scan_module, "_BIB_CHUNK", 10)
    text = "@string{pre = {arXiv preprint}}\n" + "".join(
        f"@misc{{k{i},\n  journal = pre # {{ arXiv:2107.0337{i}}},\n}}\n" for i in range(1, 6))
    records = scan_text(text, "many.bib")
    assert [(r.key, r.line, r.arxiv_id) for r in records] == [
        (f"k{i}", 2 + 3 * (i - 1), f"2107.0337{i}") for i in range(1, 6)]
    assert records[0].fields["journal"] == "arXiv preprint arXiv:2107.03371"


# --------------------------------------------------------------------------- files and directories


def test_bad_files_are_reported_and_the_scan_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a_binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "b_latin1.txt").write_bytes(b"caf\xe9 arXiv:2107.03374\nok arXiv:2108.02818\n")
    (tmp_path / "c_utf16.txt").write_text("UTF-16 note: arXiv:2112.09332\n", encoding="utf-16")
    (tmp_path / "d_empty.txt").write_bytes(b"")
    (tmp_path / "e_bom.txt").write_bytes("\ufeffarXiv:2203.02155\r\n".encode("utf-8"))
    problems: list[str] = []
    stats = ScanStats()
    records = list(scan_paths([tmp_path, tmp_path / "missing.txt"], on_problem=problems.append, stats=stats))
    assert [(Path(r.source).name, r.line, r.arxiv_id) for r in records] == [
        ("b_latin1.txt", 1, "2107.03374"), ("b_latin1.txt", 2, "2108.02818"),
        ("c_utf16.txt", 1, "2112.09332"), ("e_bom.txt", 1, "2203.02155")]
    assert records[0].text == "caf\ufffd arXiv:2107.03374"
    assert records[-1].column == 1
    assert problems == [
        f"{tmp_path / 'a_binary.txt'}: binary file (not text), skipped",
        f"{tmp_path / 'b_latin1.txt'}:1: invalid UTF-8, undecodable bytes replaced by U+FFFD",
        f"{tmp_path / 'd_empty.txt'}: empty file",
        f"{tmp_path / 'missing.txt'}: no such file or directory",
    ]
    assert stats.files_scanned == 4 and stats.files_failed == 2 and stats.problems == problems


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("arXiv:2107.03374\n")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(scan_module, "open", denied, raising=False)
    problems: list[str] = []
    assert list(scan_paths([path], on_problem=problems.append)) == []
    assert problems == [f"{path}: cannot read: Permission denied"]
    with pytest.raises(InputError):
        list(scan_file(path))


def test_directory_walk_sorted_hidden_skipped_symlink_loops(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "notes.txt").write_text("arXiv:2005.14165\n")
    (tmp_path / ".hidden.txt").write_text("arXiv:2005.14165\n")
    (tmp_path / "b" / "z.txt").write_text("arXiv:2108.02818\n")
    (tmp_path / "a" / "y.md").write_text("arXiv:2107.03374\n")
    (tmp_path / "a" / "image.png").write_bytes(b"\x89PNG\x00")  # not a scanned suffix in a walk
    (tmp_path / "c.txt").write_text("arXiv:2112.09332\n")
    os.symlink(tmp_path, tmp_path / "b" / "loop")
    problems: list[str] = []
    records = list(scan_paths([tmp_path], on_problem=problems.append))
    assert [(Path(r.source).relative_to(tmp_path).as_posix(), r.arxiv_id) for r in records] == [
        ("a/y.md", "2107.03374"), ("b/z.txt", "2108.02818"), ("c.txt", "2112.09332")]
    assert problems == [f"{tmp_path / 'b' / 'loop'}: symlink loop, skipped"]


def test_named_file_is_scanned_whatever_its_suffix(tmp_path: Path) -> None:
    path = tmp_path / "README"
    path.write_text("see arXiv:2107.03374\n")
    assert [r.arxiv_id for r in scan_paths([path])] == ["2107.03374"]


@pytest.mark.slow
def test_a_50_mb_single_line_is_scanned(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    chunk = "lorem ipsum 3.1415 dolor sit amet, " * 1000
    with open(path, "w") as out:
        for i in range(1450):
            out.write(chunk)
            if i % 500 == 0:
                out.write(f" arXiv:2107.0{3374 + i:04d} ")
    assert path.stat().st_size > 50_000_000
    records = list(scan_file(path))
    assert [r.arxiv_id for r in records] == ["2107.03374", "2107.03874", "2107.04374"]
    assert all(r.line == 1 and len(r.text) <= 300 for r in records)


def test_scan_text_forced_kind_and_unknown_kind() -> None:
    assert scan_text("arXiv:2107.03374", kind="text")[0].kind == "text"
    with pytest.raises(ValueError):
        scan_text("x", kind="nonsense")


def test_every_kind_is_a_known_record_kind(seed_records: list[Record], tex_records: list[Record],
                                           bib_scan: tuple[list[Record], list[str]]) -> None:
    records = seed_records + tex_records + bib_scan[0] + list(scan_paths([FIXTURES]))
    assert {r.kind for r in records} == set(RECORD_KINDS)


# --------------------------------------------------------------------------- the command


def test_cli_jsonl_on_seeds() -> None:
    result = CliRunner().invoke(cli, ["scan", str(SEEDS), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 42
    required = {"source", "line", "kind", "arxiv_id", "version", "title", "text", "mentions", "key", "problems"}
    assert all(required <= row.keys() for row in rows)
    assert sum(1 for row in rows if row["arxiv_id"]) == 10
    assert result.stderr == ""


def test_cli_text_table_and_warnings(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01binary")
    result = CliRunner().invoke(cli, ["scan", str(LISTING), str(FIXTURES / "notes.txt"), str(tmp_path)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 15
    assert re.match(r"\S+002_\S+:1:1\s+listing\s+2108\.02818\s+Recently, there have been", lines[0])
    assert "2107.03374v2" in lines[10]
    assert "! invalid arXiv id '2313.00001'" in lines[13]
    # columns line up
    assert len({line.index("listing") for line in lines[:10]}) == 1
    assert f"{tmp_path / 'bad.txt'}: binary file (not text), skipped" in result.stderr
    assert "15 records from 2 files" in result.stderr


def test_cli_exit_codes(tmp_path: Path) -> None:
    missing = CliRunner().invoke(cli, ["scan", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2
    (tmp_path / "bin.txt").write_bytes(b"\x00\x00")
    nothing = CliRunner().invoke(cli, ["scan", str(tmp_path / "bin.txt")])
    assert nothing.exit_code == 1
    assert "no input file could be read" in nothing.stderr
    usage = CliRunner().invoke(cli, ["scan", str(LISTING), "--format", "xml"])
    assert usage.exit_code == 2


def test_cli_text_table_aligns_under_any_path_length(tmp_path: Path) -> None:
    """The table's columns line up however deep the checkout or the input lives."""
    deep = tmp_path.joinpath(*(["a-rather-long-directory-name"] * 6))
    deep.mkdir(parents=True)
    copy = deep / LISTING.name
    copy.write_bytes(LISTING.read_bytes())
    result = CliRunner().invoke(cli, ["scan", str(copy), str(LISTING)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(str(copy)) > 80 and len(lines) == 20
    assert len({line.index(" listing ") for line in lines}) == 1
