"""End to end: `export`, `check` and `resolve` on real seed data, offline, against the fake API and dead endpoints."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from arxref.atom import parse_feed
from arxref.cache import Cache
from arxref.config import Settings
from arxref.errors import ExitCode, UsageError
from arxref.pipeline import check, export, resolve
from paper_support import write_manuscript

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = ROOT / "examples" / "arxiv-responses"
SEEDS = ROOT / "seeds"


def dead_endpoint() -> str:
    """A loopback URL where nothing listens (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/query"


def offline(cache: Path) -> Settings:
    return Settings(cache_path=cache, offline=True, api_url=dead_endpoint())


def online_dead(cache: Path) -> Settings:
    return Settings(cache_path=cache, offline=False, api_url=dead_endpoint(),
                    request_interval=0.0, max_retries=1, timeout=2.0)


def test_export_seeds_offline_writes_25_unique_entries(seeded: Path, tmp_path: Path,
                                                       seed_papers: dict[str, object]) -> None:
    out = tmp_path / "out"
    report = export([SEEDS], out, settings=offline(seeded))
    assert report.exit_code == 0, [p.format_text() for p in report.problems]
    assert report.records == 42
    assert {e.paper.arxiv_id for e in report.entries} == set(seed_papers)
    assert sorted(p.name for p in out.iterdir()) == ["references.bib", "references.json", "references.ris"]

    import bibtexparser

    library = bibtexparser.parse_string((out / "references.bib").read_text(encoding="utf-8"))
    assert len(library.entries) == 25
    assert not library.failed_blocks
    eprints = {e.fields_dict["howpublished"].value.split()[0].removeprefix("arXiv:") for e in library.entries}
    assert eprints == set(seed_papers)

    items = json.loads((out / "references.json").read_text(encoding="utf-8"))
    assert len(items) == 25
    assert {item["number"].removeprefix("arXiv:") for item in items} == set(seed_papers)
    assert len({item["id"] for item in items}) == 25

    ris = (out / "references.ris").read_text(encoding="utf-8")
    assert ris.count("ER  - ") == 25


def test_export_keeps_existing_bib_key_and_reports_corrections(seeded: Path, tmp_path: Path) -> None:
    bib = tmp_path / "mine.bib"
    bib.write_text(
        "@article{codex,\n  title = {Evaluating LLMs on Code},\n  author = {Chen, Mark},\n  eprint = {2107.03374},\n"
        "  archivePrefix = {arXiv},\n}\n",
        encoding="utf-8",
    )
    listing = tmp_path / "notes.md"
    listing.write_text("We build on [Codex](https://arxiv.org/abs/2107.03374v2).\n", encoding="utf-8")
    report = export([bib, listing], tmp_path / "out", settings=offline(seeded), formats=["bib"])
    assert report.exit_code == 0
    assert [e.key for e in report.entries] == ["codex"]
    assert any("title" in change for change in report.changes)
    text = (tmp_path / "out" / "references.bib").read_text(encoding="utf-8")
    assert "@misc{codex," in text or "@article{codex," in text
    assert "Evaluating Large Language Models Trained on Code" in text


#: A paper's own refs.bib (the issue's): a comment, an @string, a book, a web page and a journal
#: paper that are not arXiv papers, GPT-3 with CLIP's evaluation's id mistyped, and Codex.
OWN_REFS = """% refs.bib of my paper: keep this comment
@string{jmlr = {Journal of Machine Learning Research}}

@book{knuth1984,
  title = {The {\\TeX}book},
  author = {Knuth, Donald E.},
  publisher = {Addison-Wesley},
  year = 1984,
}

@article{brown2020language,
  title = {Language Models are Few-Shot Learners},
  author = {Brown, Tom B. and others},
  journal = {arXiv preprint arXiv:2108.02818},
  year = {2020},
}

@online{whatwg, title = {HTML Living Standard}, url = {https://html.spec.whatwg.org/}}
@article{journalonly, title = {A Journal Paper Never Put on arXiv}, author = {Doe, Jane}, journal = jmlr,
  year = {2019}}
@misc{chen2021evaluating, title = {Evaluating Large Language Models Trained on Code},
  eprint = {2107.03374}, archivePrefix = {arXiv}}
"""


def test_export_writes_what_is_not_an_arxiv_paper_as_written(seeded: Path, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(OWN_REFS.replace(":2108.02818", ":2005.14165"), encoding="utf-8")  # GPT-3's real id
    out = tmp_path / "out"
    report = export([bib], out, settings=offline(seeded))
    assert report.exit_code == 0, [p.format_text() for p in report.problems]
    assert report.problems == [] and report.kept == 3
    assert report.summary().endswith("; 3 entries kept as written")
    assert sorted(e.key for e in report.entries) == ["brown2020language", "chen2021evaluating"]
    text = (out / "references.bib").read_text(encoding="utf-8")
    head, _, rest = text.partition("@article{journalonly")
    assert head.startswith(OWN_REFS[:OWN_REFS.index("@article{brown")])  # comment, @string and book, as written
    assert '@online{whatwg, title = {HTML Living Standard}, url = {https://html.spec.whatwg.org/}}\n' in head
    assert rest.startswith(", title = {A Journal Paper Never Put on arXiv}, author = {Doe, Jane}, journal = jmlr,\n")
    assert text.count("@misc{chen2021evaluating,") == 1 and "title = {Evaluating Large Language" in text
    items = json.loads((out / "references.json").read_text(encoding="utf-8"))
    by_id = {item["id"]: item for item in items}
    assert [item["id"] for item in items][:3] == ["knuth1984", "whatwg", "journalonly"]
    assert by_id["knuth1984"]["type"] == "book" and by_id["knuth1984"]["title"] == "The TeXbook"
    assert by_id["journalonly"]["container-title"] == "Journal of Machine Learning Research"
    assert by_id["whatwg"]["URL"] == "https://html.spec.whatwg.org/"
    ris = (out / "references.ris").read_bytes().decode()
    assert "ID  - knuth1984\r\n" in ris and "ID  - whatwg\r\n" in ris


def test_books_and_web_pages_are_not_searched_on_arxiv(fake_arxiv, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(OWN_REFS.replace(":2108.02818", ":2005.14165"), encoding="utf-8")
    settings = Settings(cache_path=tmp_path / "c.sqlite", api_url=fake_arxiv.url, request_interval=0.0)
    report = resolve([bib], settings=settings)
    assert {res.record.key: res.status for res in report.resolutions} == {
        "knuth1984": "not_arxiv", "whatwg": "not_arxiv", "journalonly": "unmatched",
        "brown2020language": "given", "chen2021evaluating": "given"}
    searched = " ".join(r.params.get("search_query", "") for r in fake_arxiv.requests()).lower()
    assert "journal" in searched  # the journal paper may have an arXiv version: asked
    assert "texbook" not in searched and "knuth" not in searched and "html" not in searched
    assert [res.record.key for res in report.problems] == ["journalonly"]


def test_export_reports_a_conflict_and_keeps_the_entry_as_written(seeded: Path, tmp_path: Path) -> None:
    """The issue's refs.bib: GPT-3 with a mistyped id must not become a citation of CLIP's evaluation."""
    bib = tmp_path / "refs.bib"
    bib.write_text(OWN_REFS, encoding="utf-8")
    out = tmp_path / "out"
    report = export([bib], out, settings=offline(seeded), formats=["bib"])
    assert report.exit_code == 1
    assert report.conflicts == 1 and report.kept == 3
    [problem] = report.problems
    assert (problem.code, problem.line) == ("conflict", 11)
    assert problem.format_text() == (
        f'{bib}:11:1: error: conflict: brown2020language: journal 2108.02818 is "Evaluating CLIP\u2026" by Agarwal, '
        'the entry says "Language Models are Few-Shot Learners" by Brown')
    assert [e.key for e in report.entries] == ["chen2021evaluating"]  # nothing from arXiv written for it
    text = (out / "references.bib").read_text(encoding="utf-8")
    written = OWN_REFS[OWN_REFS.index("@article{brown"):OWN_REFS.index("@online")]
    assert written in text and "Evaluating CLIP" not in text and "Agarwal" not in text
    assert "in conflict with their arXiv id" in report.summary()


def test_export_keeps_a_published_entry_published(seed_papers: dict[str, object], seeded: Path,
                                                  tmp_path: Path) -> None:
    """GPT-3 cited at NeurIPS 2020: type, venue, year and pages stay; arXiv's eprint is added, its DOI never."""
    bib = tmp_path / "refs.bib"
    bib.write_text("@inproceedings{brown2020language,\n  title = {Language Models are Few-Shot Learners},\n"
                   "  author = {Brown, Tom and Mann, Benjamin and others},\n"
                   "  booktitle = {Advances in Neural Information Processing Systems},\n  volume = {33},\n"
                   "  pages = {1877--1901},\n  year = {2020},\n  url = {https://arxiv.org/abs/2005.14165},\n}\n",
                   encoding="utf-8")
    out = tmp_path / "out"
    for flavor, eprint_lines in (("bibtex", "  eprint = {2005.14165},\n  archivePrefix = {arXiv},\n"
                                            "  primaryClass = {cs.CL},\n"),
                                 ("biblatex", "  eprint = {2005.14165},\n  eprinttype = {arxiv},\n"
                                              "  eprintclass = {cs.CL},\n")):
        report = export([bib], out, settings=offline(seeded), bib_flavor=flavor)
        assert report.exit_code == 0 and report.bib_flavor == flavor
        assert report.changes == ["brown2020language: added eprint 2005.14165 (the published version is kept as written)"]
        text = (out / "references.bib").read_text(encoding="utf-8")
        assert text == ("@inproceedings{brown2020language,\n  title = {Language Models are Few-Shot Learners},\n"
                        "  author = {Brown, Tom and Mann, Benjamin and others},\n"
                        "  booktitle = {Advances in Neural Information Processing Systems},\n  volume = {33},\n"
                        "  pages = {1877--1901},\n  year = {2020},\n  url = {https://arxiv.org/abs/2005.14165},\n"
                        + eprint_lines + "}\n\n")
    [item] = json.loads((out / "references.json").read_text(encoding="utf-8"))
    assert item["type"] == "paper-conference"
    assert item["container-title"] == "Advances in Neural Information Processing Systems"
    assert item["page"] == "1877--1901" and item["issued"] == {"date-parts": [[2020]]}
    assert "DOI" not in item and "arXiv: 2005.14165" in item["note"]
    ris = (out / "references.ris").read_bytes().decode()
    assert "TY  - CPAPER\r\n" in ris and "10.48550" not in ris and "M2  - arXiv: 2005.14165\r\n" in ris


def test_export_writes_papers_cited_by_id_under_the_cited_keys(seeded: Path, tmp_path: Path) -> None:
    """The issue's case: \\cite{2108.02818} and [@arxiv:2108.02818] gave 0 papers / generated keys."""
    tex = tmp_path / "paper.tex"
    tex.write_text("\\documentclass{article}\n\\begin{document}\n\\cite{2108.02818}, \\citep{arXiv:2307.03718}\n"
                   "\\cite{Agarwal2021,2108.02818v1}\n\\end{document}\n", encoding="utf-8")
    notes = tmp_path / "notes.md"
    notes.write_text("See [@arxiv:2108.02818; @arxiv:2307.03718].\n", encoding="utf-8")
    report = export([tex, notes], tmp_path / "out", settings=offline(seeded), formats=["bib", "json"])
    assert report.exit_code == 0, [p.format_text() for p in report.problems]
    keys = ["2108.02818", "2108.02818v1", "arXiv:2307.03718", "arxiv:2108.02818", "arxiv:2307.03718"]
    assert [e.key for e in report.entries] == keys
    assert report.summary().startswith("2 papers written under 5 keys (2 from cache")
    items = json.loads((tmp_path / "out" / "references.json").read_text(encoding="utf-8"))
    assert [item["id"] for item in items] == keys
    one = export([tex, notes], tmp_path / "one", settings=offline(seeded), formats=["bib"], cite_aliases="ids")
    assert [(e.key, e.bib_fields.get("ids")) for e in one.entries] == [
        ("2108.02818", "2108.02818v1, arxiv:2108.02818"), ("arXiv:2307.03718", "arxiv:2307.03718")]


def test_export_unknown_id_offline_is_unverified_exit_3(seeded: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("See arXiv:2101.00001 and arXiv:2107.03374.\n", encoding="utf-8")
    report = export([notes], tmp_path / "out", settings=offline(seeded))
    assert report.exit_code == 3
    assert [e.paper.arxiv_id for e in report.entries] == ["2107.03374"]
    assert any(p.code == "unverified" and p.line == 1 for p in report.problems)


def test_export_rejects_bad_format_and_stem(seeded: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        export([SEEDS], tmp_path, settings=offline(seeded), formats=["docx"])
    with pytest.raises(UsageError):
        export([SEEDS], tmp_path, settings=offline(seeded), name="../escape")


def test_check_clean_manuscript_exit_0(seeded: Path, tmp_path: Path) -> None:
    tex, _ = write_manuscript(tmp_path)
    report = check([tex], settings=offline(seeded))
    assert [p.format_text() for p in report.problems] == []
    assert report.exit_code == 0
    assert report.citations_checked == 2


def test_check_undefined_key_is_exit_1_with_location(seeded: Path, tmp_path: Path) -> None:
    tex, _ = write_manuscript(tmp_path)
    tex.write_text(tex.read_text().replace("\\citep{radford2021learning}", "\\citep{radford2021lerning}"))
    report = check([tex], settings=offline(seeded))
    assert report.exit_code == 1
    [problem] = report.problems
    assert problem.code == "undefined_citation"
    assert problem.format_text().startswith(f"{tex}:3:")
    assert "radford2021lerning" in problem.message


def test_check_tells_a_missing_arxiv_entry_from_an_unknown_key_and_an_unknown_id(seeded: Path, tmp_path: Path,
                                                                                fake_arxiv) -> None:
    """A cited id arXiv has: 'run arxref sync'; an undefined key: undefined; an id arXiv lacks: not_found."""
    tex, _ = write_manuscript(tmp_path)
    tex.write_text(tex.read_text().replace("\\citep{radford2021learning}",
                                           "\\citep{radford2021learning, 2108.02818, nokey}\n\\cite{2101.00001}"))
    report = check([tex], settings=offline(seeded))
    found = [(p.line, p.column, p.code, p.message) for p in report.problems]
    assert found[:2] == [
        (3, 70, "missing_entry",
         f"citation '2108.02818' is not in refs.bib; arXiv has it (Agarwal et al. 2021); run `arxref sync {tex}`"),
        (3, 82, "undefined_citation", "citation 'nokey' is not defined in any .bib file or \\bibitem")]
    assert found[2][:3] == (4, 7, "undefined_citation")  # offline: arXiv not asked, the key is undefined all the same
    assert "could not ask arXiv about 2101.00001" in found[2][3]
    assert report.exit_code == 1
    online = Settings(cache_path=seeded, api_url=fake_arxiv.url, request_interval=0.0)
    assert [(p.code, p.message) for p in check([tex], settings=online).problems][2] == (
        "not_found", "citation '2101.00001' is not in refs.bib, and arXiv has no paper 2101.00001")


def test_check_counts_biblatex_aliases_and_csl_json_keys_as_defined(seeded: Path, tmp_path: Path) -> None:
    tex, bib = write_manuscript(tmp_path)
    bib.write_text(bib.read_text().replace("archivePrefix = {arXiv},\n}", "archivePrefix = {arXiv},\n  ids = {codex},\n}", 1))
    tex.write_text(tex.read_text().replace("\\cite{chen2021evaluating}", "\\cite{codex}"))
    assert check([tex], settings=offline(seeded)).problems == []
    (tmp_path / "refs.json").write_text('[{"id": "arxiv:2108.02818", "type": "article"}]\n', encoding="utf-8")
    notes = tmp_path / "notes.md"
    notes.write_text("---\nbibliography: refs.json\n---\n[@arxiv:2108.02818; @arxiv:2307.03718]\n", encoding="utf-8")
    report = check([notes], settings=offline(seeded))
    assert [(p.code, p.column) for p in report.problems] == [("missing_entry", 22)]
    assert "not in refs.json; arXiv has it (Anderljung et al. 2023)" in report.problems[0].message
    bare = tmp_path / "filter.md"  # no bibliography: pandoc's arxref-pandoc filter answers @arxiv: keys
    bare.write_text("[@arxiv:2108.02818]\n", encoding="utf-8")
    assert check([bare], settings=offline(seeded)).problems == []


def test_check_wrong_title_in_bib_is_flagged(seeded: Path, tmp_path: Path) -> None:
    tex, bib = write_manuscript(tmp_path)
    bib.write_text(bib.read_text().replace("Learning Transferable Visual Models From Natural Language Supervision",
                                           "Language Models are Few-Shot Learners"))
    report = check([tex, bib], settings=offline(seeded))
    assert report.exit_code == 1
    assert [p.code for p in report.problems] == ["conflict"]
    assert report.problems[0].line == 7  # the @misc{radford... line
    assert report.problems[0].message == (
        'conflict: radford2021learning: eprint 2103.00020 is "Learning Transferable Visual Models From Natural '
        'Language S\u2026", the entry says "Language Models are Few-Shot Learners"')


def test_check_flags_a_title_sharing_a_long_prefix_with_arxivs(seeded: Path, tmp_path: Path) -> None:
    """Kojima et al.'s title under GPT-3's eprint: 86.5 % alike, still another paper."""
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{kojima2022large,\n  title = {Language Models are Zero-Shot Reasoners},\n"
                   "  eprint = {2005.14165},\n  archivePrefix = {arXiv},\n}\n", encoding="utf-8")
    report = check([bib], settings=offline(seeded))
    assert report.exit_code == 1
    [problem] = report.problems
    assert (problem.code, problem.line) == ("conflict", 1)
    assert problem.message == ('conflict: kojima2022large: eprint 2005.14165 is "Language Models are Few-Shot '
                               'Learners", the entry says "Language Models are Zero-Shot Reasoners"')


def test_check_dead_endpoint_is_exit_3(seeded: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("Uncached: arXiv:2101.00001\n", encoding="utf-8")
    report = check([notes], settings=online_dead(seeded))
    assert report.exit_code == 3
    assert [p.code for p in report.problems] == ["unverified"]


def test_check_invalid_id_is_exit_1(seeded: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("An impossible id: arXiv:2313.00001\n", encoding="utf-8")
    report = check([notes], settings=offline(seeded))
    assert report.exit_code == 1
    assert [p.code for p in report.problems] == ["invalid"]


# --------------------------------------------------------------------------- resolve, one client per run


def test_resolve_report_on_the_seeds_offline(seeded: Path) -> None:
    report = resolve([SEEDS], settings=offline(seeded))
    assert report.exit_code is ExitCode.OK and report.warnings == ()
    counts = report.counts
    assert list(counts) == ["resolved", "given", "ambiguous", "unmatched", "not_found", "invalid", "unverified",
                            "conflict", "not_arxiv"]
    assert sum(counts.values()) == len(report.resolutions) == 42
    assert counts["ambiguous"] == counts["unverified"] == 0
    assert report.summary() == ", ".join(f"{status} {n}" for status, n in counts.items())
    assert all(not res.settled for res in report.problems)
    assert len(report.problems) == len(report.resolutions) - counts["resolved"] - counts["given"]


def test_resolve_keeps_unreadable_input_as_a_structured_warning(seeded: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"See arXiv:2107.03374 caf\xe9\n")
    report = resolve([notes], settings=offline(seeded))
    [warning] = report.warnings
    assert (warning.path, warning.line) == (str(notes), 1) and "UTF-8" in warning.message
    assert [(r.status, r.arxiv_id) for r in report.resolutions] == [("given", "2107.03374")]
    with pytest.raises(UsageError):
        resolve([], settings=offline(seeded))


def test_resolve_unreachable_arxiv_is_unverified(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("Uncached: arXiv:2101.00001\n", encoding="utf-8")
    report = resolve([notes], settings=online_dead(tmp_path / "c.sqlite"))
    assert report.counts["unverified"] == 1 and report.exit_code is ExitCode.UNVERIFIED


def test_export_fetches_and_searches_through_one_client(fake_arxiv, tmp_path: Path) -> None:
    """The run's fetch (a given id) and search (an id-less abstract) keep ONE interval between all requests."""
    interval = 0.05
    abstract = parse_feed((RESPONSES / "2201.10005.xml").read_bytes()).papers[0].abstract
    notes = tmp_path / "notes.txt"
    notes.write_text(f"See arXiv:2203.02155.\nAbstract:{abstract}\n", encoding="utf-8")
    settings = Settings(cache_path=tmp_path / "c.sqlite", api_url=fake_arxiv.url, request_interval=interval,
                        max_retries=1)
    report = export([notes], tmp_path / "out", settings=settings, formats=["bib"])
    assert report.exit_code is ExitCode.OK, [p.format_text() for p in report.problems]
    assert {e.paper.arxiv_id for e in report.entries} == {"2203.02155", "2201.10005"}
    log = fake_arxiv.requests()
    assert any(r.id_list for r in log) and any(r.params.get("search_query") for r in log)
    times = [r.time for r in log]
    assert min(b - a for a, b in zip(times, times[1:])) >= interval


def test_library_calls_ignore_the_environment(seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the CLI reads ARXREF_*: a library call does what its settings say."""
    monkeypatch.setenv("ARXREF_OFFLINE", "1")
    monkeypatch.setenv("ARXREF_CACHE", str(tmp_path / "from-env.sqlite"))
    notes = tmp_path / "notes.md"
    notes.write_text("See arXiv:2107.03374.\n", encoding="utf-8")
    report = check([notes], settings=offline(seeded))
    assert report.exit_code is ExitCode.OK
    assert not (tmp_path / "from-env.sqlite").exists()
    assert Settings().offline is False and Settings().cache_path != tmp_path / "from-env.sqlite"


def test_export_keeps_one_record_per_bare_id_not_one_per_mention(tmp_path: Path, seeded: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory follows papers: 3,000 mentions of two papers reach resolution as two records."""
    import arxref.pipeline as pipeline_module

    seen: list[int] = []
    real_resolve = pipeline_module._resolve

    def counting(records, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(len(records))
        return real_resolve(records, *args, **kwargs)

    monkeypatch.setattr(pipeline_module, "_resolve", counting)
    dump = tmp_path / "dump.txt"
    dump.write_text("see arXiv:2107.03374 and https://arxiv.org/abs/2005.14165\n" * 1500, encoding="utf-8")
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{codex, eprint = {2107.03374}, archivePrefix = {arXiv}}\n", encoding="utf-8")
    report = export([dump, bib], tmp_path / "out", settings=Settings(cache_path=seeded, offline=True))
    assert seen == [3]  # the two bare ids once each, and the .bib entry (its key must reach dedup)
    assert report.exit_code == 0 and len(report.entries) == 2
    assert "@misc{codex," in (tmp_path / "out" / "references.bib").read_text(encoding="utf-8")


def _repeated_problem_dump(tmp_path: Path) -> Path:
    lines = []
    for n in range(1, 8):
        lines.append(f"line {n} arXiv:2107.03374 arXiv:2401.99999 and arXiv:2313.00001")
        lines.append("again arXiv:2401.99999v2 and 2005.14165")
    dump = tmp_path / "dump.txt"
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dump


def test_export_reports_a_problem_id_at_each_mention_in_input_order(tmp_path: Path, seeded: Path) -> None:
    """Resolved once, a bare id is still reported at every line it is written on, and counted per mention."""
    dump = _repeated_problem_dump(tmp_path)
    report = export([dump], tmp_path / "out", settings=offline(seeded))
    where = [(p.line, p.column, p.code) for p in report.problems]
    expected = []
    for n in range(1, 8):
        expected += [(2 * n - 1, 25, "unverified"), (2 * n - 1, 46, "invalid"), (2 * n, 7, "unverified")]
    assert where == expected
    assert (report.unverified, report.invalid, report.records) == (14, 7, 35)
    assert report.summary().endswith("0 not found, 7 invalid, 14 could not be verified")


def test_export_lists_a_bounded_number_of_mentions_of_one_problem_id(tmp_path: Path, seeded: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import arxref.mentions

    monkeypatch.setattr(arxref.mentions, "REPEATS_KEPT", 2)
    dump = _repeated_problem_dump(tmp_path)
    report = export([dump], tmp_path / "out", settings=offline(seeded))
    unverified = [(p.line, p.message) for p in report.problems if p.code == "unverified"]
    assert [line for line, _ in unverified] == [1, 2, 3, 4, 5, 6]
    assert unverified[4][1].endswith("(offline: not checked on arXiv) (and 4 more mentions, not listed)")
    assert not unverified[3][1].endswith("not listed)")
    assert report.unverified == 14 and report.invalid == 7


# --------------------------------------------------------------------------- issue 22: notes and questioned classes

def test_check_notes_an_archive_prefix_and_fails_an_unknown_subject_class(seeded: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("Codex is arXiv:cs.LG/2107.03374.\nAlso 2108.02818 [cs.XX] here.\n", encoding="utf-8")
    report = check([notes], settings=offline(seeded))
    assert [(p.line, p.level, p.code) for p in report.problems] == [
        (1, "info", "archive_prefix"), (2, "error", "unknown_subject_class")]
    assert "read as 2107.03374" in report.problems[0].message
    assert report.problems[1].message == "unknown subject class cs.XX"
    assert report.exit_code == ExitCode.PROBLEMS and report.ids_checked == 2

    notes.write_text("Codex is arXiv:cs.LG/2107.03374.\n", encoding="utf-8")
    report = check([notes], settings=offline(seeded))
    assert [p.level for p in report.problems] == ["info"] and report.exit_code == ExitCode.OK


def test_export_warns_about_an_unknown_subject_class_at_each_mention(seeded: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("First 2108.02818 [cs.XX].\nAgain 2108.02818 [cs.XX].\nClean 2108.02818 and hep-th/2107.03374.\n",
                     encoding="utf-8")
    report = export([notes], tmp_path / "out", settings=offline(seeded))
    assert report.exit_code == ExitCode.OK
    assert [(p.line, p.level, p.code, p.message) for p in report.problems] == [
        (1, "warning", "unknown_subject_class", "unknown subject class cs.XX"),
        (2, "warning", "unknown_subject_class", "unknown subject class cs.XX")]
    assert sorted(e.paper.arxiv_id for e in report.entries) == ["2107.03374", "2108.02818"]


# --------------------------------------------------------------------------- versions arXiv does not have


MISTYPED_VERSIONS = """# Reading notes (written for the tests; the ids are real papers, two with versions they never had)

- Codex evaluation, arXiv:2107.03374v3 (Codex has v1 and v2)
- InstructGPT https://arxiv.org/abs/2203.02155v2
- GPT-3, arXiv:2005.14165v4, and again arXiv:2107.03374v3
"""


def test_export_writes_the_latest_version_of_a_mistyped_one_and_warns(fake_arxiv, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text(MISTYPED_VERSIONS, encoding="utf-8")
    settings = Settings(cache_path=tmp_path / "c.sqlite", api_url=fake_arxiv.url, request_interval=0.0, max_retries=1)
    report = export([notes], tmp_path / "out", settings=settings)
    assert report.exit_code is ExitCode.OK, [p.format_text() for p in report.problems]
    assert sorted(e.paper.versioned_id for e in report.entries) == ["2005.14165v4", "2107.03374v2", "2203.02155v1"]
    assert [(p.line, p.level, p.code, p.message) for p in report.problems] == [
        (3, "warning", "no_such_version", "2107.03374v3: no such version; arXiv has v2; wrote 2107.03374v2"),
        (4, "warning", "no_such_version", "2203.02155v2: no such version; arXiv has v1; wrote 2203.02155v1"),
        (5, "warning", "no_such_version", "2107.03374v3: no such version; arXiv has v2; wrote 2107.03374v2"),
    ]
    assert report.not_found == 0
    assert len(fake_arxiv.requests()) == 1  # the three papers in one batch, no request per version

    checked = check([notes], settings=settings)
    assert checked.exit_code is ExitCode.PROBLEMS
    assert [(p.line, p.level, p.code, p.message) for p in checked.problems] == [
        (3, "error", "no_such_version", "2107.03374v3: no such version; arXiv has v2"),
        (4, "error", "no_such_version", "2203.02155v2: no such version; arXiv has v1"),
        (5, "error", "no_such_version", "2107.03374v3: no such version; arXiv has v2"),
    ]
    again = export([notes], tmp_path / "out", settings=replace_settings(settings, offline=True))
    assert [p.message for p in again.problems] == [p.message for p in report.problems]  # from the cache
    assert len(fake_arxiv.requests()) == 1


def test_export_offline_a_version_beyond_the_cache_is_written_but_unverified(seeded: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("- Codex arXiv:2107.03374v3\n", encoding="utf-8")
    report = export([notes], tmp_path / "out", settings=offline(seeded))
    assert report.exit_code is ExitCode.UNVERIFIED and [e.paper.versioned_id for e in report.entries] == ["2107.03374v2"]
    assert [(p.code, p.message) for p in report.problems] == [(
        "unverified", "could not verify 2107.03374v3: not in the cache (offline: not checked on arXiv); "
                      "the cache has v2; wrote 2107.03374v2")]
    checked = check([notes], settings=offline(seeded))
    assert checked.exit_code is ExitCode.UNVERIFIED and [p.code for p in checked.problems] == ["unverified"]
    assert "wrote" not in checked.problems[0].message


def replace_settings(settings: Settings, **changes: object) -> Settings:
    import dataclasses

    return dataclasses.replace(settings, **changes)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- references without ids


FIXTURES = ROOT / "tests" / "fixtures" / "scan"


def test_export_resolves_reading_lists_without_ids_offline(seeded: Path, tmp_path: Path) -> None:
    report = export([FIXTURES / "reading-list.md", FIXTURES / "reading-list.txt"], tmp_path / "out",
                    settings=offline(seeded))
    assert report.exit_code is ExitCode.OK, [p.format_text() for p in report.problems]
    assert {e.paper.arxiv_id for e in report.entries} == {
        "2005.14165", "2107.03374", "2203.02155", "2103.00020", "2112.09332", "2311.01193",  # titles (.md)
        "2112.10741", "2212.08751", "1703.10987", "1908.09203"}  # ids, and one more title (.txt)
    assert report.resolved == 10 and report.unresolved == 0 and not report.problems


def test_bibitems_without_ids_are_resolved(seeded: Path, tmp_path: Path) -> None:
    bbl = tmp_path / "paper.bbl"
    bbl.write_text("\\begin{thebibliography}{2}\n"
                   "\\bibitem{garfinkel2017} B. Garfinkel, M. Brundage, D. Filan, On the Impossibility of Supersized "
                   "Machines.\n"
                   "\\bibitem[Ouyang et~al.(2022)]{ouyang2022}\nLong Ouyang, Jeff Wu, and Xu~Jiang.\n"
                   "\\newblock Training language models to follow instructions with human feedback.\n"
                   "\\newblock In \\emph{Advances in Neural Information Processing Systems}, 2022.\n"
                   "\\end{thebibliography}\n", encoding="utf-8")
    report = resolve([bbl], settings=offline(seeded))
    assert [(r.record.key, r.status, r.arxiv_id) for r in report.resolutions] == [
        ("garfinkel2017", "resolved", "1703.10987"), ("ouyang2022", "resolved", "2203.02155")]


def test_a_title_only_item_two_papers_fit_is_ambiguous(fake_arxiv, tmp_path: Path) -> None:
    from resolve_support import seed_papers, synthetic_same_title_entries

    title, synthetic = synthetic_same_title_entries(seed_papers())  # two SYNTHETIC entries with a real title
    for raw in synthetic:
        fake_arxiv.add_entry(raw)
    notes = tmp_path / "notes.md"
    notes.write_text(f"- *{title}* (Avin et al., 2021)\n"
                     "- *Language Models are Few-Shot Learners* (Brown et al., 2020)\n", encoding="utf-8")
    settings = Settings(cache_path=tmp_path / "c.sqlite", api_url=fake_arxiv.url, request_interval=0.0, max_retries=1)
    report = export([notes], tmp_path / "out", settings=settings)
    assert report.exit_code is ExitCode.PROBLEMS and report.ambiguous == 1
    assert [(p.line, p.code) for p in report.problems] == [(1, "ambiguous")]
    assert all(pid in report.problems[0].message for pid in ("2112.07773", "2601.00011", "2601.00012"))
    assert [e.paper.arxiv_id for e in report.entries] == ["2005.14165"]


def test_check_reports_a_wrong_title_with_a_mistyped_version_as_a_conflict(seeded: Path, tmp_path: Path) -> None:
    """The entry names another paper than its id: that conflict is the finding (the version is then moot)."""
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{codex, title = {Language Models are Few-Shot Learners}, eprint = {2107.03374v3},\n"
                   "  archivePrefix = {arXiv}}\n", encoding="utf-8")
    with Cache(seeded) as cache:
        cache.mark_not_found(["2107.03374v3"])  # as an online run that asked leaves it
    report = check([bib], settings=offline(seeded))
    assert [p.code for p in report.problems] == ["conflict"]
    assert "Language Models are Few-Shot Learners" in report.problems[0].message
    assert report.exit_code == ExitCode.PROBLEMS
