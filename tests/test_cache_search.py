"""Full-text search of the cache (arxref.cache.search): real abstracts and titles find their paper; user text is inert."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from arxref.cache import Cache, keywords
from arxref.cache.search import MAX_CANDIDATES, search_local
from arxref.model import Paper


def test_search_local_finds_each_paper_from_an_abstract_chunk(imported: Cache, real_papers: dict[str, Paper]) -> None:
    for arxiv_id, paper in real_papers.items():
        words = paper.abstract.split()
        middle = len(words) // 2
        chunk = " ".join(words[max(0, middle - 12) : middle + 12])
        hits = imported.search_local(chunk, limit=5)
        assert hits and hits[0].arxiv_id == arxiv_id, (arxiv_id, chunk, [h.arxiv_id for h in hits])


def test_search_local_by_title_and_author(imported: Cache) -> None:
    assert imported.search_local("Language Models are Few-Shot Learners")[0].arxiv_id == "2005.14165"
    assert imported.search_local("machine unlearning Cooper Choquette-Choo")[0].arxiv_id == "2412.06966"
    assert imported.search_local("") == [] and imported.search_local("the of and") == []
    assert imported.search_local("zzzqqq nonexistentword") == []
    assert imported.search_local("GPT-4o System Card", limit=0) == []


def test_method_and_function_agree(imported: Cache) -> None:
    text = "Evaluating Large Language Models Trained on Code"
    assert search_local(imported, text, 3) == imported.search_local(text, limit=3)


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_search_local_never_raises(seeded_file: Path, text: str) -> None:
    with Cache(seeded_file) as cache:
        results = cache.search_local(text)
    assert isinstance(results, list)


@pytest.mark.parametrize("text", [
    '"unbalanced quote', "NEAR(a b", "title:attack", "a* OR ^b", "AND OR NOT", "(((", "col : - + *",
    "unlearning\x00policy", "ｕｎｌｅａｒｎｉｎｇ", "naïve café résumé", "'; DROP TABLE papers; --",
])
def test_search_local_with_fts_syntax_in_user_text(imported: Cache, text: str) -> None:
    imported.search_local(text)
    assert len(imported) == 25


def test_keywords_drop_operators_and_stopwords() -> None:
    assert keywords('The "attention" is ALL: you NEED (near) OR not*') == ["attention", "need", "near"]


def test_keywords_of_a_long_text_are_capped_and_in_order(real_papers: dict[str, Paper]) -> None:
    abstract = real_papers["2107.03374"].abstract
    words = keywords(abstract)
    assert len(words) == MAX_CANDIDATES
    tokens = re.findall(r"[^\W_]+", abstract.lower())
    first = [tokens.index(word) for word in words]
    assert first == sorted(first)  # in order of appearance
