"""arxref.textnorm: the one matching form of titles and abstracts, and the helpers built on it.

Inputs are short literal strings written for each case (TeX, unicode, hyphenation);
the "same title?" cases on real titles use the shipped Atom responses.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from arxref import keys, textnorm
from arxref.atom import parse_feed

ALL_XML = Path(__file__).resolve().parent.parent / "examples" / "arxiv-responses" / "all.xml"


# --------------------------------------------------------------------------- normalize and query words


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("50\\% cheaper", "50% cheaper", id="tex-escape"),
        pytest.param("the deep $Q$-network", "the deep Q-network", id="tex-math"),
        pytest.param("\\emph{Sch\\\"{o}lkopf} {GPT}", "Schölkopf GPT", id="tex-command-accent"),
        pytest.param("Scho\u0308lkopf and Z\u00fcrich", "Scholkopf and Zurich", id="nfkd"),
        pytest.param("pro-\nposed self-\nharm", "proposed self-harm", id="hyphen-linebreak"),
        pytest.param("strategies--tools, technologies", "strategies \u2014 tools, technologies", id="dashes"),
        pytest.param("\u201cSpiderman.\u201d It\u2019s", '"Spiderman." It\'s', id="quotes"),
        pytest.param("the  model\n\twas", "The model was", id="whitespace-case"),
        pytest.param("ends here\u2026", "ends here", id="ellipsis"),
        pytest.param("ends here ...", "ends here", id="dots"),
        pytest.param("\ufb01ne-tuned", "fine-tuned", id="ligature"),
    ],
)
def test_normalize_makes_copies_equal(a: str, b: str) -> None:
    assert textnorm.normalize(a) == textnorm.normalize(b)


def test_normalize_keeps_different_words_apart() -> None:
    assert textnorm.normalize("few-shot learners") != textnorm.normalize("zero-shot learners")


def test_truncation_marks() -> None:
    assert textnorm.is_truncated("cut here\u2026")
    assert textnorm.is_truncated("cut here...")
    assert textnorm.is_truncated("cut here [...]")
    assert not textnorm.is_truncated("a full stop.")
    assert not textnorm.is_truncated(None)


def test_query_phrases_never_span_hyphens_or_markup() -> None:
    runs = textnorm.query_runs("We fine-tune GPT-3 with $\\alpha$ steps and pro-\nposed rules")
    flat = [" ".join(r) for r in runs]
    assert "fine" in flat[0].split() and "tune" in flat[1].split()
    assert any("proposed" in r for r in runs)
    phrases = textnorm.spread_phrases("Contrastive pre-training on unsupervised data at scale "
                                      "leads to high quality vector representations of text", 3)
    assert len(phrases) == len(set(phrases)) == 3
    for phrase in phrases:
        assert all(textnorm.is_content(w) for w in phrase.split())


def test_snippet_is_one_short_line() -> None:
    assert textnorm.snippet("a\nb   c") == "a b c"
    assert len(textnorm.snippet("word " * 50, width=30)) == 30


def test_snippet_trims_the_cut_only_when_asked() -> None:
    assert textnorm.snippet("abcd efgh", 6) == "abcd\u2026"
    assert textnorm.snippet("abcd efgh", 6, trim=False) == "abcd \u2026"  # check/export messages, as always
    assert textnorm.snippet("abcd efgh", 9, trim=False) == "abcd efgh"
    assert textnorm.snippet(None) == textnorm.snippet("", trim=False) == ""


def test_clean_title_drops_braces_and_squashes_space() -> None:
    assert textnorm.clean_title("{GPT}-4  {T}echnical\n Report ") == "GPT-4 Technical Report"


def test_plain_decodes_tex() -> None:
    assert textnorm.plain('Sch\\"{o}lkopf and {GPT}~models') == "Schölkopf and GPT models"


# --------------------------------------------------------------------------- titles


def test_title_forms_add_the_main_part_before_a_subtitle() -> None:
    assert textnorm.title_forms("GPT-4 Technical Report: a study") == (
        "gpt4 technical report a study", "gpt4 technical report")
    assert textnorm.title_forms("Codex: evaluating code") == ("codex evaluating code",)  # one word is no title
    assert textnorm.title_forms("Plain title") == (textnorm.normalize("Plain title"),)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        pytest.param("Evaluating {L}arge {L}anguage {M}odels", "Evaluating Large Language Models", id="braces"),
        pytest.param("Sch\\\"{o}lkopf's  kernels", "Schölkopf\u2019s kernels", id="tex-accent-quotes"),
        pytest.param("Gro{\\ss}e Modelle", "Große Modelle", id="tex-letter-decoded"),
        pytest.param("Few-Shot\nLearners", "few-shot learners", id="case-space"),
    ],
)
def test_same_title_strict_ignores_only_writing(ours: str, theirs: str) -> None:
    assert textnorm.same_title(ours, theirs)
    assert textnorm.same_title(ours, theirs, typos=True)


def test_same_title_strict_reports_any_word_change() -> None:
    assert not textnorm.same_title("Evaluating Large Langauge Models", "Evaluating Large Language Models")
    assert not textnorm.same_title("Evaluating LLMs on Code", "Evaluating Large Language Models Trained on Code")


def test_same_title_with_typos_forgives_typos_and_dropped_subtitles() -> None:
    arxivs = "Evaluating Large Language Models Trained on Code"
    assert textnorm.same_title("Evaluating Large Langauge Models Trained on Code", arxivs, typos=True)
    assert textnorm.same_title(arxivs + ": an empirical study", arxivs, typos=True)
    assert textnorm.same_title("", arxivs, typos=True)  # nothing to disagree with
    assert not textnorm.same_title("Language Models are Few-Shot Learners", arxivs, typos=True)


#: Pairs of titles of two different papers (real papers, titles as published): the
#: entry's title against arXiv's. Most share a long prefix or most of their words.
DIFFERENT_PAPERS = [
    ("Language Models are Few-Shot Learners", "Language Models are Zero-Shot Reasoners"),
    ("Attention Is All You Need", "Attention Is Not All You Need"),
    ("Attention Is All You Need",
     "Attention is Not All You Need: Pure Attention Loses Rank Doubly Exponentially with Depth"),
    ("Attention Is All You Need", "Attention is All You Need in Speech Separation"),
    ("Denoising Diffusion Probabilistic Models", "Denoising Diffusion Implicit Models"),
    ("Denoising Diffusion Probabilistic Models", "Improved Denoising Diffusion Probabilistic Models"),
    ("Scaling Laws for Neural Language Models", "Scaling Laws for Autoregressive Generative Modeling"),
    ("Language Models are Unsupervised Multitask Learners", "Language Models are Few-Shot Learners"),
    ("Llama 2: Open Foundation and Fine-Tuned Chat Models", "LLaMA: Open and Efficient Foundation Language Models"),
    ("GPT-4 Technical Report", "GPT-4o System Card"),
    ("Language Models are Few-Shot Learners",
     "Evaluating CLIP: Towards Characterization of Broader Capabilities and Downstream Implications"),
    ("Deep Residual Learning for Image Recognition", "Identity Mappings in Deep Residual Networks"),
]

#: Pairs that name the same paper: how .bib entries write arXiv's titles (case, braces,
#: TeX accents, punctuation, a dropped subtitle or article, a misspelling, a joined word).
SAME_PAPER = [
    ("Language models are few-shot learners.", "Language Models are Few-Shot Learners"),
    ("{L}anguage {M}odels are {F}ew-{S}hot {L}earners", "Language Models are Few-Shot Learners"),
    ("Machine Unlearning Doesn't Do What You Think",
     "Machine Unlearning Doesn't Do What You Think: Lessons for Generative AI Policy, Research, and Practice"),
    ("Machine Unlearning Doesn{\\textquoteright}t Do What You Think: Lessons for Generative {AI} Policy, "
     "Research, and Practice",
     "Machine Unlearning Doesn't Do What You Think: Lessons for Generative AI Policy, Research, and Practice"),
    ("Accounting for the neglected dimensions of {AI} progress",
     "Accounting for the Neglected Dimensions of AI Progress"),
    ("Accounting for the Neglected Dimensions of {AI} Progress", "Accounting for the Neglected Dimensions of AI Progress"),
    ("Evaluating Large Langauge Models Trained on Code", "Evaluating Large Language Models Trained on Code"),
    ("{BERT}: Pre-training of Deep Bidirectional Transformers for Language Understanding",
     "BERT: Pretraining of Deep Bidirectional Transformers for Language Understanding"),
    ("A Survey on Large Language Models", "A Survey of Large Language Models"),
    ("Role of Cooperation in Responsible {AI} Development", "The Role of Cooperation in Responsible AI Development"),
    ("Point-{E}: A System for Generating {3D} Point Clouds from Complex Prompts",
     "Point-E: A System for Generating 3D Point Clouds from Complex Prompts"),
    ("{WebGPT}: Browser-assisted question-answering with human feedback",
     "WebGPT: Browser-assisted question answering with human feedback"),
    ("Mart{\\'\\i}nez-Plumed's {AI} progress", "Martínez-Plumed\u2019s AI Progress"),
]


@pytest.mark.parametrize(("ours", "theirs"), DIFFERENT_PAPERS, ids=[f"{a[:22]}|{b[:22]}" for a, b in DIFFERENT_PAPERS])
def test_same_title_with_typos_tells_papers_sharing_a_prefix_apart(ours: str, theirs: str) -> None:
    assert not textnorm.same_title(ours, theirs, typos=True)
    assert not textnorm.same_title(theirs, ours, typos=True)


@pytest.mark.parametrize(("ours", "theirs"), SAME_PAPER, ids=[a[:30] for a, _ in SAME_PAPER])
def test_same_title_with_typos_accepts_how_entries_write_a_title(ours: str, theirs: str) -> None:
    assert textnorm.same_title(ours, theirs, typos=True)
    assert textnorm.same_title(theirs, ours, typos=True)


def test_same_title_retitled_accepts_a_renamed_work_only() -> None:
    """The published title beside arXiv's (Goodfellow et al., NeurIPS 2014 / arXiv:1406.2661): a
    renaming, not a typo; only ``retitled`` (asked when the first author agrees) forgives it."""
    published, arxivs = "Generative Adversarial Nets", "Generative Adversarial Networks"
    assert not textnorm.same_title(published, arxivs, typos=True)
    assert textnorm.same_title(published, arxivs, retitled=True)
    assert not textnorm.same_title("Point-E: A System for Generating 3D Point Clouds from Complex Prompts",
                                   "GLIDE: Towards Photorealistic Image Generation and Editing with "
                                   "Text-Guided Diffusion Models", retitled=True)


def test_same_title_tells_every_shipped_paper_from_the_others() -> None:
    titles = [p.title for p in parse_feed(ALL_XML.read_bytes()).papers]
    for i, ours in enumerate(titles):
        for j, theirs in enumerate(titles):
            assert textnorm.same_title(ours, theirs) == (i == j)
            assert textnorm.same_title(ours, theirs, typos=True) == (i == j)


# --------------------------------------------------------------------------- stop words


#: The lists decide outputs: the key word of every generated citation key, the words the
#: cache's full-text lookup probes, the words of arXiv queries. Pinned so a change is deliberate.
PINNED_LISTS = {
    "SEARCH_STOP_WORDS": (270, "1ccf111fa21f334c"),
    "KEY_STOP_WORDS": (50, "905d8bff2131f72d"),
    "INDEX_STOP_WORDS": (146, "536b2e92692c25d8"),
}


@pytest.mark.parametrize("name", sorted(PINNED_LISTS))
def test_stop_word_lists_are_pinned(name: str) -> None:
    words = getattr(textnorm, name)
    digest = hashlib.sha256(" ".join(sorted(words)).encode()).hexdigest()[:16]
    assert (len(words), digest) == PINNED_LISTS[name]


def test_each_list_serves_its_purpose() -> None:
    assert keys.title_word("The Unreasonable Effectiveness of Data") == "unreasonable"
    assert "using" in textnorm.KEY_STOP_WORDS and "model" not in textnorm.KEY_STOP_WORDS
    assert {"et", "al", "vs"} <= textnorm.INDEX_STOP_WORDS and "model" not in textnorm.INDEX_STOP_WORDS
    assert not textnorm.is_content("model") and not textnorm.is_content("proposed")
    assert textnorm.is_content("transformer")
