"""Conflicts (arxref.conflicts): a .bib entry whose title or first author names another paper than its id.

Papers are the shipped real responses; the entries are how people write them (the
issue's mistyped GPT-3 entry, Kojima et al.'s title under GPT-3's eprint, two papers of
one first author). The later title of a retitled paper is marked SYNTHETIC.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from arxref.cache import Cache
from arxref.config import Settings
from arxref.conflicts import conflict, same_first_author
from arxref.model import Paper, Record
from arxref.resolve import resolve_records
from arxref.scan import scan_text

GPT3_WITH_CLIP_EVAL_ID = """% refs.bib of a paper
@article{brown2020language,
  title = {Language Models are Few-Shot Learners},
  author = {Brown, Tom B. and Mann, Benjamin and others},
  journal = {arXiv preprint arXiv:2108.02818},
  year = {2020},
}
"""


def entry(text: str) -> Record:
    [record] = scan_text(text, "refs.bib")
    return record


def test_the_issues_mistyped_eprint_is_a_conflict(real_papers: dict[str, Paper]) -> None:
    record = entry(GPT3_WITH_CLIP_EVAL_ID)
    assert conflict(record, real_papers["2108.02818"]) == (
        'brown2020language: journal 2108.02818 is "Evaluating CLIP\u2026" by Agarwal, '
        'the entry says "Language Models are Few-Shot Learners" by Brown')


@pytest.mark.parametrize(("text", "arxiv_id"), [
    pytest.param("@misc{k, title = {Language Models are Zero-Shot Reasoners}, author = {Kojima, Takeshi},"
                 " eprint = {2005.14165}}", "2005.14165", id="zero-shot-reasoners-under-gpt3-eprint"),
    pytest.param("@misc{k, title = {Language Models are Zero-Shot Reasoners}, eprint = {2005.14165}}",
                 "2005.14165", id="title-only"),
    pytest.param("@misc{k, title = {Point-E: A System for Generating 3D Point Clouds from Complex Prompts},"
                 " author = {Nichol, Alex}, eprint = {2112.10741}}", "2112.10741", id="same-first-author-other-paper"),
    pytest.param("@misc{k, author = {Brown, Tom B.}, url = {https://arxiv.org/abs/2108.02818}}", "2108.02818",
                 id="no-title-other-first-author"),
])
def test_conflicts(text: str, arxiv_id: str, real_papers: dict[str, Paper]) -> None:
    assert conflict(entry(text), real_papers[arxiv_id]) is not None


@pytest.mark.parametrize(("text", "arxiv_id"), [
    pytest.param("@misc{k, title = {{L}anguage models are few-shot learners}, author = {Brwon, Tom},"
                 " eprint = {2005.14165}}", "2005.14165", id="case-braces-author-typo"),
    pytest.param("@misc{k, title = {Machine Unlearning Doesn't Do What You Think}, author = {Cooper, A. Feder},"
                 " eprint = {2412.06966}}", "2412.06966", id="dropped-subtitle"),
    pytest.param("@misc{k, title = {Evaluating Large Language Models Trained on Code}, author = {Kaplan, Jared},"
                 " eprint = {2107.03374}}", "2107.03374", id="title-agrees-author-differs"),
    pytest.param("@misc{k, author = {Chen, Mark and others}, eprint = {2107.03374}}", "2107.03374",
                 id="no-title-same-first-author"),
    pytest.param("@misc{k, eprint = {2107.03374}}", "2107.03374", id="nothing-to-compare"),
    pytest.param("@misc{k, title = {Accounting for the Neglected Dimensions of {AI} Progress}, author = "
                 "{Mart{\\'\\i}nez-Plumed, Fernando}, eprint = {1806.00610}}", "1806.00610", id="tex-accents"),
])
def test_no_conflict(text: str, arxiv_id: str, real_papers: dict[str, Paper]) -> None:
    assert conflict(entry(text), real_papers[arxiv_id]) is None


def test_a_renamed_work_by_the_same_first_author_is_no_conflict(real_papers: dict[str, Paper]) -> None:
    """SYNTHETIC retitling of a real paper (arXiv papers get retitled; the words mostly stay)."""
    retitled = dataclasses.replace(real_papers["2107.03374"], title="Evaluating Code Language Models")
    record = entry("@misc{k, title = {Evaluating Large Language Models Trained on Code}, author = {Chen, Mark},"
                   " eprint = {2107.03374}}")
    assert conflict(record, retitled) is None
    stranger = entry("@misc{k, title = {Evaluating Large Language Models Trained on Code}, author = {Kaplan, J.},"
                     " eprint = {2107.03374}}")
    assert conflict(stranger, retitled) is not None  # the first author does not vouch for the renaming


def test_first_author_comparison(real_papers: dict[str, Paper]) -> None:
    gpt3 = real_papers["2005.14165"]
    assert same_first_author(["Brown, Tom B."], gpt3)
    assert same_first_author(["Tom Brown"], gpt3)
    assert same_first_author(["Kojima, Takeshi"], gpt3) is False
    assert same_first_author([], gpt3) is None
    assert same_first_author(["{OpenAI}"], real_papers["2410.21276"])


def test_resolve_reports_conflicts_and_forgives_titles_other_versions_had(
        tmp_path: Path, real_papers: dict[str, Paper]) -> None:
    """The cache knows v1's title of 2412.06966 once it met a (SYNTHETIC) retitled v2: v1's title is no conflict."""
    v1 = real_papers["2412.06966"]
    v2 = dataclasses.replace(v1, version=2, versions=[1, 2], title="SYNTHETIC v2 title", raw_entry=None)
    records = scan_text(GPT3_WITH_CLIP_EVAL_ID + "@misc{cooper, title = {" + v1.title + "}, eprint = {2412.06966}}\n",
                        "refs.bib")
    settings = Settings(cache_path=tmp_path / "c.sqlite", offline=True)
    with Cache(settings.cache_path) as cache:
        cache.put_papers([real_papers["2108.02818"], v2])
        before = resolve_records(records, settings, cache)
        assert [r.status for r in before] == ["conflict", "conflict"]
        assert before[0].format_problem().startswith('refs.bib:2: conflict: brown2020language: journal 2108.02818 is')
        cache.put_papers([v1])  # the cache now knows the title v1 had
        after = resolve_records(records, settings, cache)
        assert [r.status for r in after] == ["conflict", "given"]
