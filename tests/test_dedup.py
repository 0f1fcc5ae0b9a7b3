"""Deduplication and key assignment (arxref.dedup) on the real seed papers.

Papers come from examples/arxiv-responses/all.xml. Where a test needs a paper that
does not exist (a key collision, an old-style id) it copies a real paper with
``dataclasses.replace`` and says so: those are synthetic.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from pathlib import Path

import pytest

from arxref.atom import parse_feed
from arxref.dedup import build_entries
from arxref.model import Paper, Record

ALL_XML = Path(__file__).resolve().parent.parent / "examples" / "arxiv-responses" / "all.xml"
CODEX = "2107.03374"


@pytest.fixture(scope="session")
def seed_papers() -> dict[str, Paper]:
    return {p.arxiv_id: p for p in parse_feed(ALL_XML.read_bytes()).papers}


def rec(arxiv_id: str | None = None, *, kind: str = "text", source: str = "notes.md", line: int = 1,
        key: str | None = None, fields: dict[str, str] | None = None, version: int | None = None) -> Record:
    return Record(source=source, line=line, kind=kind, arxiv_id=arxiv_id, key=key, fields=fields or {},
                  version=version, entry_type="misc" if kind == "bib" else None)


def bib(key: str, fields: dict[str, str], *, source: str = "refs.bib", line: int = 1) -> Record:
    return rec(fields.get("eprint"), kind="bib", source=source, line=line, key=key, fields=fields)


def test_every_form_of_one_paper_is_one_entry(seed_papers: dict[str, Paper]) -> None:
    paper = seed_papers[CODEX]
    records = [
        rec(CODEX),
        rec(CODEX, version=2, line=2),
        rec(CODEX, kind="markdown", line=3),  # from https://arxiv.org/abs/2107.03374v2
        rec(CODEX, kind="text", line=4),  # from doi:10.48550/arXiv.2107.03374
        rec(None, kind="abstract", line=5),  # id-less abstract the resolver matched
        bib("codex", {"title": "Evaluating Large Language Models Trained on Code", "eprint": CODEX}),
    ]
    entries = build_entries([(r, paper) for r in records])
    assert len(entries) == 1
    assert entries[0].sources == tuple(records)
    assert entries[0].key == "codex"


def test_all_seeds_sorted_unique_and_order_independent(seed_papers: dict[str, Paper]) -> None:
    pairs = [(rec(p.arxiv_id, line=i), p) for i, p in enumerate(seed_papers.values())]
    first = build_entries(pairs)
    assert [e.key for e in first] == sorted(e.key for e in first)
    assert len({e.key for e in first}) == 25
    shuffled = pairs[:]
    random.Random(7).shuffle(shuffled)
    assert [(e.key, e.paper.arxiv_id) for e in build_entries(shuffled)] == [(e.key, e.paper.arxiv_id) for e in first]
    assert {e.key for e in first} >= {"chen2021evaluating", "openai2024gpt", "brown2020language"}


def test_newest_metadata_wins(seed_papers: dict[str, Paper]) -> None:
    latest = seed_papers[CODEX]
    older = replace(latest, version=1, updated=latest.published)  # synthetic v1 copy
    entries = build_entries([(rec(CODEX), older), (rec(CODEX, line=2), latest)])
    assert entries[0].paper is latest


def test_old_style_subject_class_forms_are_one_paper(seed_papers: dict[str, Paper]) -> None:
    base = seed_papers[CODEX]
    # synthetic: a real paper's metadata relabelled with an old-style id
    plain = replace(base, arxiv_id="math/0309136")
    with_class = replace(base, arxiv_id="math.GT/0309136")
    entries = build_entries([(rec("math/0309136"), plain), (rec("math/0309136", line=2), with_class)])
    assert len(entries) == 1
    assert len(entries[0].sources) == 2


def test_year_mode_latest_changes_generated_key(seed_papers: dict[str, Paper]) -> None:
    paper = seed_papers["2112.09332"]
    assert build_entries([(rec(paper.arxiv_id), paper)])[0].key == "nakano2021webgpt"
    assert build_entries([(rec(paper.arxiv_id), paper)], year_mode="latest")[0].key == "nakano2022webgpt"


def test_collisions_get_suffixes_in_id_order(seed_papers: dict[str, Paper]) -> None:
    real = seed_papers[CODEX]
    # synthetic twins: same first author, year and title word as the real paper
    twin_a = replace(real, arxiv_id="2107.00001")
    twin_b = replace(real, arxiv_id="2107.09999")
    pairs = [(rec(p.arxiv_id), p) for p in (real, twin_a, twin_b)]
    for perm in itertools.permutations(pairs):
        keys = {e.paper.arxiv_id: e.key for e in build_entries(list(perm))}
        assert keys == {"2107.00001": "chen2021evaluatinga", CODEX: "chen2021evaluatingb",
                        "2107.09999": "chen2021evaluatingc"}


def test_bib_key_kept_and_corrected(seed_papers: dict[str, Paper]) -> None:
    paper = seed_papers[CODEX]
    record = bib("codex", {"title": "Evaluating {LLMs} on Code", "author": "Chen, Mark and others", "year": "2021",
                           "note": "Codex paper", "keywords": "code, llm", "abstract": "old abstract",
                           "journal": "arXiv preprint arXiv:2107.03374", "eprint": CODEX})
    [entry] = build_entries([(record, paper), (rec(CODEX), paper)])
    assert entry.key == "codex"
    assert "title: 'Evaluating LLMs on Code' -> 'Evaluating Large Language Models Trained on Code'" in entry.changes
    assert any(c.startswith("author: 'Chen, Mark and others' -> 'Mark Chen and Jerry Tworek and Heewoo Jun and others'")
               for c in entry.changes)
    assert "journal: 'arXiv preprint arXiv:2107.03374' dropped (the arXiv eprint fields say it)" in entry.changes
    assert "added doi" in entry.changes and "added url" in entry.changes
    assert not any(c.startswith(("year", "eprint", "added eprint")) for c in entry.changes)
    assert entry.bib_fields == {"note": "Codex paper", "keywords": "code, llm"}


def test_missing_fields_are_reported_added(seed_papers: dict[str, Paper]) -> None:
    paper = seed_papers[CODEX]
    record = rec(CODEX, kind="bib", key="codex", fields={"title": "Evaluating Large Language Models Trained on Code",
                                                          "year": "2020"})
    [entry] = build_entries([(record, paper)])
    assert "added eprint" in entry.changes
    assert "year: '2020' -> '2021'" in entry.changes
    assert not any(c.startswith("title") for c in entry.changes)
    assert any(c.startswith("added author (58 from arXiv)") for c in entry.changes)


def test_two_bib_keys_for_one_paper_keep_first_and_alias(seed_papers: dict[str, Paper]) -> None:
    paper = seed_papers[CODEX]
    later = bib("zcodex", {"eprint": CODEX, "note": "second"}, source="b.bib", line=1)
    earlier = bib("codex", {"eprint": CODEX}, source="a.bib", line=9)
    for order in ([later, earlier], [earlier, later]):
        [entry] = build_entries([(r, paper) for r in order])
        assert entry.key == "codex"
        assert entry.bib_fields["ids"] == "zcodex"
        assert entry.bib_fields["note"] == "second"
        assert any("'zcodex' -> 'codex'" in c and "alias" in c for c in entry.changes)


def test_rekey_generates_and_keeps_old_key_as_alias(seed_papers: dict[str, Paper]) -> None:
    paper = seed_papers[CODEX]
    [entry] = build_entries([(bib("codex", {"eprint": CODEX}), paper)], rekey=True)
    assert entry.key == "chen2021evaluating"
    assert entry.bib_fields["ids"] == "codex"
    assert any("--rekey" in c for c in entry.changes)


def test_generated_keys_never_take_kept_or_existing_keys(seed_papers: dict[str, Paper]) -> None:
    codex, gpt3 = seed_papers[CODEX], seed_papers["2005.14165"]
    # the user's .bib calls Codex by the key arxref would generate for GPT-3
    pairs = [(bib("brown2020language", {"eprint": CODEX}), codex), (rec(gpt3.arxiv_id), gpt3)]
    keys = {e.paper.arxiv_id: e.key for e in build_entries(pairs)}
    assert keys == {CODEX: "brown2020language", "2005.14165": "brown2020languagea"}
    keys = {e.paper.arxiv_id: e.key for e in build_entries([(rec(gpt3.arxiv_id), gpt3)],
                                                            existing_keys={"brown2020language"})}
    assert keys == {"2005.14165": "brown2020languagea"}


def test_one_key_for_two_papers_goes_to_lower_id(seed_papers: dict[str, Paper]) -> None:
    codex, gpt3 = seed_papers[CODEX], seed_papers["2005.14165"]
    pairs = [(bib("llm", {"eprint": CODEX}), codex), (bib("llm", {"eprint": "2005.14165"}, line=20), gpt3)]
    entries = {e.paper.arxiv_id: e for e in build_entries(pairs)}
    assert entries["2005.14165"].key == "llm"
    assert entries[CODEX].key == "chen2021evaluating"
    assert any("already names arXiv:2005.14165" in c for c in entries[CODEX].changes)


def test_invalid_bib_key_is_replaced(seed_papers: dict[str, Paper]) -> None:
    [entry] = build_entries([(bib("bad key", {"eprint": CODEX}), seed_papers[CODEX])])
    assert entry.key == "chen2021evaluating"
    assert any("cannot be used" in c for c in entry.changes)
    assert "ids" not in entry.bib_fields


def test_published_doi_kept_arxiv_doi_dropped(seed_papers: dict[str, Paper]) -> None:
    paper = seed_papers[CODEX]
    [entry] = build_entries([(bib("a", {"eprint": CODEX, "doi": "10.48550/arXiv.2107.03374"}), paper)])
    assert "doi" not in entry.bib_fields
    # synthetic journal DOI, to check that a non-arXiv DOI is kept
    [entry] = build_entries([(bib("a", {"eprint": CODEX, "doi": "10.1000/example.1", "volume": "abs/2107.03374",
                                       "journal": "CoRR"}), paper)])
    assert entry.bib_fields == {"doi": "10.1000/example.1"}


# --------------------------------------------------------------------------- published versions

#: GPT-3 as published at NeurIPS 2020 (vol. 33, pp. 1877-1901), the way people cite it.
NEURIPS_GPT3 = """@inproceedings{brown2020language,
  title = {Language Models are Few-Shot Learners},
  author = {Brown, Tom and Mann, Benjamin and Ryder, Nick and others},
  booktitle = {Advances in Neural Information Processing Systems},
  volume = {33},
  pages = {1877--1901},
  year = {2020},
  eprint = {2005.14165},
  archivePrefix = {arXiv},
}
"""


def test_a_published_entry_stays_published(seed_papers: dict[str, Paper]) -> None:
    from arxref.scan import scan_text

    [record] = scan_text(NEURIPS_GPT3, "refs.bib")
    [entry] = build_entries([(record, seed_papers["2005.14165"])])
    assert entry.bib_type == "inproceedings" and entry.key == "brown2020language"
    assert list(entry.bib_fields) == ["title", "author", "booktitle", "volume", "pages", "year"]
    assert entry.bib_fields["year"] == "2020" and entry.bib_fields["author"].endswith("and others")
    assert entry.changes == ()  # nothing "corrected" from arXiv: title, authors and year are the venue's
    with_preprint_doi = NEURIPS_GPT3.replace("  eprint = {2005.14165},\n", "  doi = {10.48550/arXiv.2005.14165},\n")
    [record] = scan_text(with_preprint_doi, "refs.bib")
    [entry] = build_entries([(record, seed_papers["2005.14165"])])
    assert "doi" not in entry.bib_fields
    assert entry.changes == (
        "added eprint 2005.14165 (the published version is kept as written)",
        "doi: '10.48550/arXiv.2005.14165' dropped (arXiv's DOI names the preprint; the entry cites the published "
        "version)")


def test_a_journal_article_with_its_own_doi_stays_an_article(seed_papers: dict[str, Paper]) -> None:
    """SYNTHETIC journal and DOI (no seed paper has a verified one) on a real paper's id."""
    paper = seed_papers["1708.05866"]
    fields = {"title": "A Brief Survey of Deep Reinforcement Learning", "journal": "Synthetic Journal",
              "doi": "10.1000/synthetic.2017", "eprint": "1708.05866"}
    record = Record("refs.bib", 1, "bib", arxiv_id="1708.05866", key="arulkumaran2017", fields=fields,
                    entry_type="article")
    [entry] = build_entries([(record, paper)])
    assert entry.bib_type == "article"
    assert entry.bib_fields == {"title": fields["title"], "journal": "Synthetic Journal",
                                "doi": "10.1000/synthetic.2017"}


def cite(key: str, arxiv_id: str, *, source: str = "paper.tex", line: int = 1, kind: str = "tex") -> Record:
    """A citation whose key is written as an arXiv id (what the scanners give for \\cite{2108.02818})."""
    return Record(source=source, line=line, kind=kind, arxiv_id=arxiv_id, key=key, role="citation")


AGARWAL = "2108.02818"


def test_a_paper_cited_by_its_id_is_keyed_as_cited(seed_papers: dict[str, Paper]) -> None:
    """The key is the one the document cites, exactly as written; others keep generated keys."""
    clip, codex = seed_papers[AGARWAL], seed_papers[CODEX]
    entries = build_entries([(cite("arXiv:2108.02818", AGARWAL, line=3), clip), (rec(CODEX), codex),
                             (rec(AGARWAL, line=9), clip)])
    assert [e.key for e in entries] == ["arXiv:2108.02818", "chen2021evaluating"]
    assert "ids" not in entries[0].bib_fields and len(entries[0].sources) == 2


def test_two_cited_keys_of_one_paper_ids_or_entries(seed_papers: dict[str, Paper]) -> None:
    """biblatex: one entry, the other key in ``ids``; bibtex/pandoc: one entry per key."""
    clip = seed_papers[AGARWAL]
    pairs = [(cite("2108.02818", AGARWAL, line=2), clip), (cite("arxiv:2108.02818", AGARWAL, line=3), clip),
             (cite("2108.02818", AGARWAL, line=4), clip), (cite("doi:10.48550/arXiv.2108.02818", AGARWAL, line=5), clip)]
    (one,) = build_entries(pairs)
    assert one.key == "2108.02818"  # the first cited
    assert one.bib_fields == {"ids": "arxiv:2108.02818, doi:10.48550/arXiv.2108.02818"}
    several = build_entries(pairs, cite_aliases="entries")
    assert [e.key for e in several] == ["2108.02818", "arxiv:2108.02818", "doi:10.48550/arXiv.2108.02818"]
    assert all(e.paper is clip and "ids" not in e.bib_fields for e in several)
    assert [r.line for r in several[1].sources] == [3]
    with pytest.raises(ValueError):
        build_entries(pairs, cite_aliases="both")


def test_keys_defined_in_the_users_bib_are_never_rewritten(seed_papers: dict[str, Paper]) -> None:
    """A .bib entry keeps its key; the cited id key becomes an alias (or its own entry); a cited key the
    user defines (here by hand, for another paper) is theirs and is not written."""
    clip, codex = seed_papers[AGARWAL], seed_papers[CODEX]
    mine = bib("agarwal2021", {"title": clip.title, "eprint": AGARWAL, "note": "my note"}, line=7)
    pairs = [(mine, clip), (cite("2108.02818", AGARWAL), clip)]
    (entry,) = build_entries(pairs)
    assert entry.key == "agarwal2021" and entry.bib_fields["ids"] == "2108.02818"
    assert entry.bib_fields["note"] == "my note"
    assert [e.key for e in build_entries(pairs, cite_aliases="entries")] == ["2108.02818", "agarwal2021"]
    # the user's own entry keyed "2107.03374" names another paper: \cite{2107.03374} is that entry
    theirs = bib("2107.03374", {"title": clip.title, "eprint": AGARWAL})
    entries = build_entries([(theirs, clip), (cite("2107.03374", CODEX), codex)])
    assert [e.key for e in entries] == ["2107.03374", "chen2021evaluating"]
    assert entries[0].paper is clip
    assert [e.key for e in build_entries([(cite("2108.02818", AGARWAL), clip)], existing_keys={"2108.02818"})] \
        == ["agarwal2021evaluating"]


def test_generated_keys_stay_for_sources_without_a_cite_key(seed_papers: dict[str, Paper]) -> None:
    plain = build_entries([(rec(p.arxiv_id, line=i), p) for i, p in enumerate(seed_papers.values())])
    cited = build_entries([(rec(p.arxiv_id, line=i), p) for i, p in enumerate(seed_papers.values())]
                          + [(cite("2108.02818", AGARWAL), seed_papers[AGARWAL])])
    assert {e.key for e in cited} == {e.key for e in plain} - {"agarwal2021evaluating"} | {"2108.02818"}


def test_papers_met_once_twice_or_also_given_keep_their_mentions_in_order(seed_papers: dict[str, Paper]) -> None:
    """A paper met once stays the pair it came as until it is met again (by a record or in
    ``papers``): then it joins the others' path with its first mention first."""
    ids = sorted(seed_papers)[:4]
    once, twice, given, lone_bib = (seed_papers[i] for i in ids)
    first, second = rec(twice.arxiv_id, line=1), rec(twice.arxiv_id, line=9)
    alone = rec(once.arxiv_id, line=2)
    given_record = rec(given.arxiv_id, line=3)
    bib_record = bib("mykey", {"eprint": lone_bib.arxiv_id, "title": lone_bib.title, "note": "kept"})
    entries = {e.paper.arxiv_id: e for e in build_entries(
        [(first, twice), (alone, once), (given_record, given), (second, twice), (bib_record, lone_bib)],
        papers=[given])}
    assert entries[twice.arxiv_id].sources == (first, second)
    assert entries[once.arxiv_id].sources == (alone,) and entries[once.arxiv_id].changes == ()
    assert entries[given.arxiv_id].sources == (given_record,)
    assert entries[lone_bib.arxiv_id].key == "mykey" and entries[lone_bib.arxiv_id].bib_fields == {"note": "kept"}
    assert entries[lone_bib.arxiv_id].changes  # corrected from arXiv like any .bib entry
    with pytest.raises(ValueError, match="year_mode"):
        build_entries([(alone, once)], year_mode="middle")


def test_a_bib_entry_met_first_is_the_same_entry_in_any_order(seed_papers: dict[str, Paper]) -> None:
    """A paper whose first record is a .bib entry waits, like a paper met once, for a second
    record (it may be cited or mentioned later); every order gives the same entries."""
    codex, clip = seed_papers[CODEX], seed_papers[AGARWAL]
    records = [
        (bib("codex", {"eprint": CODEX, "title": codex.title, "note": "kept"}, line=1), codex),
        (bib("", {"eprint": AGARWAL}, line=2), clip),  # a .bib record without a key: a generated key
        (rec(CODEX, line=3), codex),
        (cite("2108.02818", AGARWAL, line=4), clip),
        (bib("bad key", {"eprint": "2005.14165"}, line=5), seed_papers["2005.14165"]),
    ]

    def seen(pairs: list[tuple[Record, Paper]]) -> list[tuple[object, ...]]:
        return [(e.key, e.paper.arxiv_id, sorted((r.source, r.line) for r in e.sources), e.bib_fields, e.changes,
                 e.bib_type) for e in build_entries(pairs)]

    first = seen(records)
    assert [entry[0] for entry in first] == ["2108.02818", "brown2020language", "codex"]
    assert first[2][3] == {"note": "kept"} and first[1][4][0].startswith("key: 'bad key'")
    for perm in itertools.permutations(records):
        assert seen(list(perm)) == first
    [lone] = build_entries([records[1]])  # alone, without a key: keyed as a plain mention
    assert (lone.key, lone.sources) == ("agarwal2021evaluating", (records[1][0],))


def test_canonical_ids_with_and_without_the_memo() -> None:
    """The ids the memo keeps (versions, old style, invalid) and those it leaves to :mod:`arxref.ids`."""
    from arxref import dedup, ids

    forms = ["2107.03374", "2107.03374v2", "arXiv:2107.03374", "math/0309136", "math.GT/0309136", "hep-th/9901001v3",
             "not an id", "", "2107.03374 "]
    for _ in range(2):  # the second time from the memo (or ids' own cache)
        for form in forms:
            try:
                expected = ids.canonical(form)
            except ValueError:
                expected = form
            assert dedup._canonical(form) == expected, form
    assert "2107.03374" not in dedup._CANONICAL and dedup._CANONICAL["math.GT/0309136"] == "math/0309136"
