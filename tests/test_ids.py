"""The arXiv id grammar: every written form, look-alikes, impossible ids, and properties."""

from __future__ import annotations

import string
from datetime import datetime, timezone

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from arxref import ids
from arxref.anchors import Anchors
from arxref.errors import InvalidIdError
from arxref.ids import ArxivId
from arxref.lookalike import is_not_an_id

# --------------------------------------------------------------------------- parse: table of forms

PARSE_CASES = [
    # bare
    ("2107.03374", ArxivId("2107.03374")),
    ("2107.03374v2", ArxivId("2107.03374", 2)),
    ("0704.0001", ArxivId("0704.0001")),
    ("1412.9999v12", ArxivId("1412.9999", 12)),
    ("1501.00001", ArxivId("1501.00001")),
    ("hep-th/9901001", ArxivId("hep-th/9901001")),
    ("hep-th/9901001v3", ArxivId("hep-th/9901001", 3)),
    ("math.GT/0309136", ArxivId("math/0309136", None, "GT")),
    ("cond-mat.mes-hall/0309136v1", ArxivId("cond-mat/0309136", 1, "mes-hall")),
    ("HEP-TH/9901001", ArxivId("hep-th/9901001")),
    ("solv-int/9107001", ArxivId("solv-int/9107001")),
    ("astro-ph/0703999", ArxivId("astro-ph/0703999")),
    # prefixes
    ("arXiv:2107.03374", ArxivId("2107.03374")),
    ("arxiv:2107.03374v2", ArxivId("2107.03374", 2)),
    ("arXiv: 2107.03374", ArxivId("2107.03374")),
    ("ArXiv:2107.03374", ArxivId("2107.03374")),
    ("ARXIV:2107.03374", ArxivId("2107.03374")),
    ("arXiv 2107.03374", ArxivId("2107.03374")),
    ("arXiv:hep-th/9901001", ArxivId("hep-th/9901001")),
    ("arXiv:math.GT/0309136v2", ArxivId("math/0309136", 2, "GT")),
    ("abs/2107.03374", ArxivId("2107.03374")),
    ("pdf/2107.03374v1", ArxivId("2107.03374", 1)),
    ("pdf/2107.03374v1.pdf", ArxivId("2107.03374", 1)),
    ("html/2107.03374v2", ArxivId("2107.03374", 2)),
    # URLs
    ("https://arxiv.org/abs/2107.03374", ArxivId("2107.03374")),
    ("http://arxiv.org/abs/2107.03374v2", ArxivId("2107.03374", 2)),
    ("arxiv.org/abs/2107.03374", ArxivId("2107.03374")),
    ("www.arxiv.org/abs/2107.03374", ArxivId("2107.03374")),
    ("https://arxiv.org/pdf/2107.03374", ArxivId("2107.03374")),
    ("https://arxiv.org/pdf/2107.03374v2.pdf", ArxivId("2107.03374", 2)),
    ("https://arxiv.org/html/2402.12345v1", ArxivId("2402.12345", 1)),
    ("https://export.arxiv.org/abs/2107.03374", ArxivId("2107.03374")),
    ("http://export.arxiv.org/abs/hep-th/9901001v1", ArxivId("hep-th/9901001", 1)),
    ("https://arxiv.org/abs/math.GT/0309136", ArxivId("math/0309136", None, "GT")),
    ("https://arxiv.org/abs/2107.03374?context=cs.LG", ArxivId("2107.03374")),
    ("https://arxiv.org/abs/2107.03374v2#S3", ArxivId("2107.03374", 2)),
    # DOIs, any case
    ("10.48550/arXiv.2107.03374", ArxivId("2107.03374")),
    ("10.48550/ARXIV.2107.03374", ArxivId("2107.03374")),
    ("10.48550/arxiv.2107.03374", ArxivId("2107.03374")),
    ("doi:10.48550/arXiv.2107.03374", ArxivId("2107.03374")),
    ("https://doi.org/10.48550/arXiv.2107.03374", ArxivId("2107.03374")),
    ("https://dx.doi.org/10.48550/arXiv.hep-th/9901001", ArxivId("hep-th/9901001")),
    # trailing / surrounding punctuation is not part of an id
    ("arXiv:2107.03374.", ArxivId("2107.03374")),
    ("2107.03374,", ArxivId("2107.03374")),
    ("(arXiv:2107.03374)", ArxivId("2107.03374")),
    ("<https://arxiv.org/abs/2107.03374>", ArxivId("2107.03374")),
    ("'2107.03374v2';", ArxivId("2107.03374", 2)),
    ("  https://arxiv.org/abs/2107.03374/  ", ArxivId("2107.03374")),
]


@pytest.mark.parametrize("text, expected", PARSE_CASES)
def test_parse_forms(text: str, expected: ArxivId) -> None:
    assert ids.parse(text) == expected
    assert ids.canonical(text) == expected.base
    assert ids.is_valid(text)


INVALID_CASES = [
    ("2313.00001", "month 13 does not exist"),
    ("2300.00001", "month 00 does not exist"),
    ("0911.12345", "4 digits after the dot, not 5"),
    ("1501.1234", "5 digits after the dot, not 4"),
    ("0612.1234", "start in April 2007"),
    ("2107.00000", "sequence number 0"),
    ("9912.00001", "in the future"),
    ("hep-th/9913001", "month 13"),
    ("hep-th/9001001", "9107 to 0703"),
    ("hep-th/0704001", "9107 to 0703"),
    ("hep-th/9901000", "sequence number 000"),
    ("foo-bar/9901001", "not an arXiv identifier"),
    ("2107.0337", "5 digits after the dot, not 4"),
    ("2107.033745", "not an arXiv identifier"),
    ("arXiv:", "not an arXiv identifier"),
    ("", "not an arXiv identifier"),
    ("2024.03.15", "not an arXiv identifier"),
    ("1.2345", "not an arXiv identifier"),
    ("https://example.org/abs/2107.03374x", "not an arXiv identifier"),
    ("2107.03374v0", "not an arXiv identifier"),
]


@pytest.mark.parametrize("text, reason", INVALID_CASES)
def test_parse_rejects_impossible_ids_with_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdError) as info:
        ids.parse(text)
    assert reason in info.value.reason
    assert not ids.is_valid(text)
    assert text in str(info.value) or not text


def test_future_month_is_invalid_and_current_month_valid() -> None:
    now = datetime.now(timezone.utc)
    this_month = f"{now.year % 100:02d}{now.month:02d}"
    assert ids.is_valid(f"{this_month}.00001")
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    assert "future" in ids.check_new_style(f"{year % 100:02d}{month:02d}", "00001")


def test_check_helpers() -> None:
    assert ids.check_new_style("2107", "03374") is None
    assert ids.check_old_style("math", "0309136") is None
    assert "not an arXiv archive" in ids.check_old_style("maths", "0309136")


def test_arxivid_properties() -> None:
    aid = ids.parse("arXiv:math.GT/0309136v2")
    assert str(aid) == "math/0309136v2" and aid.versioned == "math/0309136v2"
    assert aid.is_old_style and not ids.parse("2107.03374").is_old_style
    assert str(ids.parse("2107.03374")) == "2107.03374"


# --------------------------------------------------------------------------- find_ids: table

def found(text: str) -> list[tuple[str | None, str | None]]:
    return [(m.arxiv_id.versioned if m.arxiv_id else None, m.problem) for m in ids.find_ids(text)]


FIND_CASES = [
    ("see arXiv:2107.03374v2.", [("2107.03374v2", None)]),
    ("(arXiv: 2107.03374), and", [("2107.03374", None)]),
    ("ArXiv:hep-th/9901001; next", [("hep-th/9901001", None)]),
    ("Read arxiv 2107.03374 now", [("2107.03374", None)]),
    ("abs/2107.03374 pdf/2108.02818.pdf html/2112.09332v3", [("2107.03374", None), ("2108.02818", None),
                                                          ("2112.09332v3", None)]),
    ("https://arxiv.org/pdf/2107.03374v2.pdf", [("2107.03374v2", None)]),
    ("<http://export.arxiv.org/abs/math.GT/0309136>", [("math/0309136", None)]),
    ("doi:10.48550/ARXIV.2203.02155.", [("2203.02155", None)]),
    ("eprint = {2107.03374},", [("2107.03374", None)]),
    # regressions: a DOI's own ".48550" is an anchor too; the id after it must come out whole
    ("10.48550/arXiv.0704.0001v10", [("0704.0001v10", None)]),
    ("https://dx.doi.org/10.48550/arXiv.cond-mat.mes-hall/0309136 x", [("cond-mat/0309136", None)]),
    ("glued arXiv:2108.02818We introduce", [("2108.02818", None)]),
    ("two: 2107.03374 and hep-th/9901001v2", [("2107.03374", None), ("hep-th/9901001v2", None)]),
    # look-alikes
    ("on 2024.03.15 at noon", []),
    ("version 1.2345 released", []),
    ("latency 1234.5678 ms", []),
    ("latency 1201.5678 ms", []),
    ("latency 1201.5678 ms.", []),
    ("took 2107.03374 s, then", []),
    ("2107.03374 S-AA", [("2107.03374", None)]),  # a hyphenated word, not the unit "s"
    ("costs 1105.1234 $ and 1106.1234 €", []),
    ("room 1105.1234", []),
    ("Phone: 0711.1234", []),
    ("tel. 0711.1234", []),
    ("v. 2107.03374", []),
    ("1.2107.03374", []),
    ("2107.03374.5", []),
    ("x2107.03374", []),
    ("example.com/pdf/2107.03374", []),
    ("12107.03374", []),
    ("2107.033741", []),
    # impossible ids: explicit ones and id-shaped bare ones are reported
    ("arXiv:2313.00001", [(None, "month 13 does not exist")]),
    ("bare 2313.00001 here", [(None, "month 13 does not exist")]),
    ("old 0911.12345", [(None, "ids from 0911 have 4 digits after the dot, not 5")]),
    ("old 0612.1234", [(None, "new-style ids start in April 2007 (0704)")]),
    ("arXiv:hep-th/9913001", [(None, "month 13 does not exist")]),
    ("2313.0001", []),  # not id-shaped (month 13, 4 digits): a plain number
]


@pytest.mark.parametrize("text, expected", FIND_CASES)
def test_find_ids(text: str, expected: list[tuple[str | None, str | None]]) -> None:
    assert found(text) == expected


def test_find_ids_positions_and_flags() -> None:
    text = "See arXiv:2313.00001 and 2107.03374v2."
    first, second = ids.find_ids(text)
    assert (first.start, first.end, first.raw, first.explicit) == (4, 20, "arXiv:2313.00001", True)
    assert first.id_text == "2313.00001" and first.arxiv_id is None
    assert text[second.start:second.end] == "2107.03374v2" and not second.explicit
    assert second.id_text == "2107.03374v2"


def test_match_at() -> None:
    line = "arXiv:2108.02818We introduce Codex"
    match = ids.match_at(line)
    assert match is not None and match.arxiv_id == ArxivId("2108.02818") and match.end == 16
    assert ids.match_at("  arXiv:2313.00001", 2).problem == "month 13 does not exist"
    assert ids.match_at("We introduce arXiv:2108.02818") is None


def test_find_ids_on_text_without_ids_and_long_text() -> None:
    assert found("") == []
    assert found("no ids here. 3.14159 and 10/2024.") == []
    long_text = ("lorem ipsum 3.1415 dolor. " * 4000) + "arXiv:2107.03374" + (" x/1234567" * 10)
    assert found(long_text) == [("2107.03374", None)]


# --------------------------------------------------------------------------- properties

def _valid_new() -> st.SearchStrategy[str]:
    now = datetime.now(timezone.utc)
    last = (now.year % 100, now.month)

    @st.composite
    def build(draw: st.DrawFn) -> str:
        yy = draw(st.integers(7, last[0]))
        first_month = 4 if yy == 7 else 1
        mm = draw(st.integers(first_month, last[1] if yy == last[0] else 12))
        digits = 4 if (yy, mm) <= (14, 12) else 5
        number = draw(st.integers(1, 10**digits - 1))
        return f"{yy:02d}{mm:02d}.{number:0{digits}d}"

    return build()


@st.composite
def _valid_old(draw: st.DrawFn) -> str:
    archive = draw(st.sampled_from(sorted(ids.OLD_ARCHIVES)))
    year, month = draw(st.sampled_from([(y, m) for y in range(1991, 2008) for m in range(1, 13)
                                        if (1991, 7) <= (y, m) <= (2007, 3)]))
    seq = draw(st.integers(1, 999))
    subject = draw(st.sampled_from(["", ".GT", ".AG", ".mes-hall", ".CL"])) if archive in ("math", "cond-mat", "cs") else ""
    return f"{archive}{subject}/{year % 100:02d}{month:02d}{seq:03d}"


VALID_IDS = st.tuples(st.one_of(_valid_new(), _valid_old()),
                      st.one_of(st.none(), st.integers(1, 99))).map(lambda t: t[0] + (f"v{t[1]}" if t[1] else ""))

WRAPPERS = [
    lambda i: i,
    lambda i: f"arXiv:{i}",
    lambda i: f"arxiv:{i}",
    lambda i: f"arXiv: {i}",
    lambda i: f"ArXiv:{i}",
    lambda i: f"arXiv {i}",
    lambda i: f"abs/{i}",
    lambda i: f"pdf/{i}",
    lambda i: f"pdf/{i}.pdf",
    lambda i: f"html/{i}",
    lambda i: f"https://arxiv.org/abs/{i}",
    lambda i: f"http://arxiv.org/pdf/{i}.pdf",
    lambda i: f"https://arxiv.org/pdf/{i}",
    lambda i: f"arxiv.org/abs/{i}",
    lambda i: f"www.arxiv.org/abs/{i}",
    lambda i: f"https://export.arxiv.org/abs/{i}",
    lambda i: f"https://arxiv.org/html/{i}",
    lambda i: f"10.48550/arXiv.{i}",
    lambda i: f"https://doi.org/10.48550/ARXIV.{i}",
    lambda i: f"doi:10.48550/arxiv.{i}",
]

#: Words that make a bare number a measurement, price, phone or room number (look-alikes by design).
LOOK_ALIKE_WORDS = {"room", "phone", "version", "release", "build", "call", "dial", "mobile", "cell",
                    "seconds", "second", "dollars", "dollar", "euros", "euro", "points", "point"}
WORDS = st.text(string.ascii_letters + "'-", min_size=1, max_size=10).filter(
    lambda w: w.lower().strip("'-") not in LOOK_ALIKE_WORDS and len(w.strip("'-")) >= 4)
SURROUNDING = st.lists(WORDS, max_size=6).map(" ".join)
BEFORE = st.sampled_from([" ", "\n", "\t", " (", "; ", ", ", ": ", " [", " <", ' "', " {"])
AFTER = st.sampled_from([" ", "\n", ")", ".", ",", ";", "]", ">", '"', ". ", "}", "! "])


@given(VALID_IDS)
def test_canonical_is_idempotent(value: str) -> None:
    once = ids.canonical(value)
    assert ids.canonical(once) == once
    assert ids.parse(once).version is None


@given(VALID_IDS, st.sampled_from(range(len(WRAPPERS))))
def test_every_valid_id_survives_every_wrapper(value: str, which: int) -> None:
    wrapped = WRAPPERS[which](value)
    assert ids.parse(wrapped) == ids.parse(value)


@settings(max_examples=300)
@given(VALID_IDS, st.sampled_from(range(len(WRAPPERS))), SURROUNDING, BEFORE, AFTER, SURROUNDING)
def test_find_ids_finds_exactly_the_wrapped_id_in_text(value: str, which: int, before: str, sep_before: str,
                                                       sep_after: str, after: str) -> None:
    text = before + sep_before + WRAPPERS[which](value) + sep_after + after
    matches = list(ids.find_ids(text))
    assert [m.arxiv_id for m in matches] == [ids.parse(value)], text


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_random_text_never_crashes(text: str) -> None:
    for match in ids.find_ids(text):
        assert (match.arxiv_id is None) == (match.problem is not None)
        assert text[match.start:match.end] == match.raw
    try:
        ids.parse(text)
    except InvalidIdError:
        pass


@settings(max_examples=200)
@given(st.text(alphabet="0123456789./:vVarXiv-hep th", max_size=60))
def test_id_shaped_noise_never_crashes(text: str) -> None:
    """Text made of id characters stresses the grammar's edges (digits, dots, slashes, prefixes)."""
    for match in ids.find_ids(text):
        if match.arxiv_id is not None:
            assert ids.is_valid(match.arxiv_id.base)
    try:
        result = ids.parse(text)
    except InvalidIdError:
        return
    assume(result is not None)
    assert ids.canonical(result.base) == result.base


def test_an_id_written_again_is_validated_once_and_impossible_ids_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dump names the same papers over and over: the valid ones are built once (ids._BUILT)."""
    import arxref.ids as ids_module

    built: list[str] = []
    real_build = ids_module._build

    def counting(match: "re.Match[str]") -> ids_module.ArxivId:
        built.append(match.group(0))
        return real_build(match)

    monkeypatch.setattr(ids_module, "_build", counting)
    monkeypatch.setattr(ids_module, "_BUILT", {}, raising=False)
    text = "arXiv:2107.03374 and arXiv:2313.00001; " * 50
    found = list(ids_module.find_ids(text))
    assert [m.arxiv_id.base if m.arxiv_id else m.problem for m in found[:2]] == [
        "2107.03374", "month 13 does not exist"]
    assert len(found) == 100 and all(m.arxiv_id == found[0].arxiv_id for m in found[::2])
    assert built.count("arXiv:2107.03374") == 1 and built.count("arXiv:2313.00001") == 50


# --------------------------------------------------------------------------- issue 22: more written forms

from idforms_support import FORMS, INVALID, NOT_IDS, Form  # noqa: E402


@pytest.mark.parametrize("form", FORMS, ids=[f.written for f in FORMS])
def test_parse_every_written_form(form: Form) -> None:
    parsed = ids.parse(form.written)
    assert (parsed.base, parsed.version, parsed.category) == (form.base, form.version, form.category)
    assert ids.canonical(form.written) == form.base
    if form.note:
        (note,) = parsed.notes
        assert form.note in note and "new-style ids carry no archive" in note
    else:
        assert parsed.notes == ()
    assert parsed.warnings == ((form.warning,) if form.warning else ())


@pytest.mark.parametrize("form", FORMS, ids=[f.written for f in FORMS])
def test_find_every_written_form_in_a_sentence(form: Form) -> None:
    text = f"As shown in {form.written}, the method works."
    (match,) = ids.find_ids(text)
    assert match.arxiv_id is not None and match.arxiv_id.versioned == (
        f"{form.base}v{form.version}" if form.version else form.base)
    assert match.arxiv_id.category == form.category and match.arxiv_id.warnings == (
        (form.warning,) if form.warning else ())
    assert text[match.start:match.end] == form.written.rstrip("/")


@pytest.mark.parametrize("text, reason", INVALID)
def test_unknown_archives_are_invalid_with_the_closest_real_one(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdError) as info:
        ids.parse(text)
    assert reason in info.value.reason
    (match,) = ids.find_ids(f"cited as {text}.")
    assert match.arxiv_id is None and reason in (match.problem or "")


@pytest.mark.parametrize("text", NOT_IDS)
def test_not_ids(text: str) -> None:
    assert found(text) == []


def test_equal_ids_whatever_was_written_around_them() -> None:
    """The hint, notes and warnings describe the writing, not the paper: ids compare and hash by paper."""
    plain, decorated = ids.parse("1601.07616"), ids.parse("arXiv:hep-th/1601.07616 [hep-th]")
    assert plain == decorated and hash(plain) == hash(decorated) and decorated.category == "hep-th"
    assert ids.parse("math.ACS/0312059") == ArxivId("math/0312059", None, "ACS")
    assert ids.parse("math.gt/0309136") == ArxivId("math/0309136", None, "GT")  # arXiv's spelling of the class


def test_a_category_only_joins_an_id_when_it_is_a_category() -> None:
    """[PDF], [1] or [online] after an id are not categories; an id's own [cs.XX] with a real archive is questioned."""
    assert [m.raw for m in ids.find_ids("arXiv:2107.03374 [PDF] and 2108.02818 [1]")] == [
        "arXiv:2107.03374", "2108.02818"]
    with pytest.raises(InvalidIdError):
        ids.parse("2107.03374 [online]")
    assert ids.parse("2107.03374 [math]").category is None  # an archive with classes names no category alone


def test_trailing_path_only_after_an_arxiv_address() -> None:
    assert ids.parse("https://arxiv.org/abs/2107.03374/figures").base == "2107.03374"
    assert not ids.is_valid("2107.03374/figures")  # a bare id with a path is no id
    assert not ids.is_valid("https://arxiv.org/abs/2107.033745/x")


def test_glued_letters_are_no_id_unless_the_id_is_explicit() -> None:
    """Copied listings glue the abstract to arXiv:ID (kept); a bare number with letters glued is not an id."""
    assert found("0707.2096va 0707.2096v2") == [("0707.2096v2", None)]
    assert found("arXiv:1605.08386We study") == [("1605.08386", None)]
    assert found("hep-th/9901001v2x or hep-th/9901001v2") == [("hep-th/9901001v2", None)]


def _init_matches_fields(cls: type, sample: tuple[object, ...]) -> None:
    """A hand-written dataclass ``__init__`` (speed) takes exactly the declared fields, defaults and order."""
    import dataclasses
    import inspect

    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    declared = dataclasses.fields(cls)
    assert [p.name for p in params] == [f.name for f in declared]
    for param, spec in zip(params, declared):
        assert param.default == (inspect.Parameter.empty if spec.default is dataclasses.MISSING else spec.default)
    made = cls(*sample)
    assert [getattr(made, f.name) for f in declared] == list(sample)
    assert dataclasses.replace(made) == made
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, declared[0].name, sample[0])


def test_hand_written_inits_match_the_declared_fields() -> None:
    _init_matches_fields(ArxivId, ("math/0309136", 2, "GT", "math.GT", ("a note",), ("a warning",)))
    _init_matches_fields(ids.IdMatch, (3, 19, "arXiv:2313.00001", None, "month 13 does not exist", True))
    assert ArxivId("2107.03374") < ArxivId("2108.02818")  # order=True still compares field by field
    assert hash(ArxivId("2107.03374")) == hash(ids.parse("arXiv:2107.03374"))


def _find_twice(text: str) -> list[tuple[int, int, str, ArxivId | None, str | None, bool]]:
    """find_ids as it was before the window's match was trusted at the end of the text:
    every window's match run again from its start on the whole text."""
    out = []
    floor = scan_from = 0
    anchors = Anchors(text)
    while True:
        anchor = anchors.next(scan_from)
        if anchor < 0:
            return out
        window = ids._FIND_RE.search(text, max(floor, anchor - ids._LOOKBACK), anchor + 8 + ids._LOOKAHEAD)
        if window is None:
            scan_from = anchor + 1
            continue
        match = ids._FIND_RE.match(text, window.start()) or window
        floor = scan_from = match.end()
        if not match.group("prefix") and is_not_an_id(text, match, ids._now_yymm, ids.check_old_style):
            continue
        m = ids._to_match(match)
        out.append((m.start, m.end, m.raw, m.arxiv_id, m.problem, m.explicit))


@given(st.lists(st.sampled_from(["arXiv:", "arxiv ", "abs/", "https://arxiv.org/abs/", "x", " ", ".", "-", "v",
                                  "v12", ".pdf", "2107.03374", "2107.0337", "0912.1234", "hep-th/9901001",
                                  "math.GT/0309136", "12345", "3", "ms", "/", "2313.00001", " [q-bio.CB]", "[cs.LG]",
                                  "hep-th/", "oai:arXiv.org:", "a"]), max_size=12))
@settings(max_examples=400, deadline=None)
def test_find_ids_trusts_a_window_that_reached_the_end(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert [(m.start, m.end, m.raw, m.arxiv_id, m.problem, m.explicit) for m in ids.find_ids(text)] == _find_twice(text)


def test_max_version_is_the_grammars_highest() -> None:
    """snapshot.py refuses versions above MAX_VERSION: the constant must be what the grammar parses."""
    assert ids.parse(f"2107.03374v{ids.MAX_VERSION}").version == ids.MAX_VERSION
    with pytest.raises(InvalidIdError):
        ids.parse(f"2107.03374v{ids.MAX_VERSION + 1}")
