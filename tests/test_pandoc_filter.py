"""The pandoc filter (arxref.pandoc_filter): arXiv citations rendered from the cache.

The AST tests build documents with panflute and run :func:`add_references` on them; the
``tools`` tests run the real pandoc with ``--filter arxref-pandoc --citeproc``, the filter
found on PATH as a user's install puts it. Papers are the real shipped responses (a cache
imported from examples/arxiv-responses); ``1706.03762`` is a real id absent from them and
``hep-th/9901001`` a real old-style id that no shipped response holds (both: "not cached").
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import panflute as pf
import pytest

from fakearxiv import FakeArxiv

from arxref.config import Settings
from arxref.formats.csljson import paper_item
from arxref.model import Paper
from arxref.pandoc_filter import (FilterReport, add_references, arxiv_keys, bibliography_keys, cite_keys, main,
                                  meta_value)
from proc_support import run_unblocked

ROOT = Path(__file__).resolve().parent.parent
CLIP, FRONTIER, CODEX, WEBGPT = "2108.02818", "2307.03718", "2107.03374", "2112.09332"
TITLES = {
    CLIP: "Evaluating CLIP: Towards Characterization of Broader Capabilities and Downstream Implications",
    FRONTIER: "Frontier AI Regulation: Managing Emerging Risks to Public Safety",
    CODEX: "Evaluating Large Language Models Trained on Code",
    WEBGPT: "WebGPT: Browser-assisted question-answering with human feedback",
}


def rendered(text: str) -> str:
    """Output text as compared: one line, case folded (the default CSL style title-cases titles)."""
    return " ".join(text.split()).casefold()


def cite(*keys: str, mode: str = "NormalCitation") -> pf.Cite:
    return pf.Cite(pf.Str("[" + "; ".join("@" + k for k in keys) + "]"),
                   citations=[pf.Citation(key, mode=mode) for key in keys])


def document(*cites: pf.Cite, **metadata: Any) -> pf.Doc:
    return pf.Doc(pf.Para(*cites), metadata=metadata)


def offline(cache: Path) -> Settings:
    return Settings(cache_path=cache, offline=True)


def references(doc: pf.Doc) -> list[dict[str, Any]]:
    return list(doc.get_metadata("references", []))


def cited_ids(doc: pf.Doc) -> list[str]:
    out: list[str] = []
    doc.walk(lambda elem, _: out.extend(c.id for c in elem.citations) if isinstance(elem, pf.Cite) else None)
    return out


# --------------------------------------------------------------------------- the AST, without pandoc


def test_every_id_form_gets_an_item_under_its_own_key(seeded: Path, seed_papers: dict[str, Paper],
                                                      tmp_path: Path) -> None:
    doc = document(cite("arxiv:" + CLIP), cite("arXiv:" + FRONTIER + "v2", "Smith2020"),
                   cite("doi:10.48550/arXiv." + CODEX, mode="SuppressAuthor"), cite(WEBGPT))
    report = add_references(doc, offline(seeded), base=tmp_path)
    keys = ["arxiv:" + CLIP, "arXiv:" + FRONTIER + "v2", "doi:10.48550/arXiv." + CODEX, WEBGPT]
    assert report == FilterReport(tuple(keys), {}, (), ())
    items = references(doc)
    assert [item["id"] for item in items] == keys
    for key, base, item in zip(keys, (CLIP, FRONTIER, CODEX, WEBGPT), items):
        expected = json.loads(json.dumps(paper_item(seed_papers[base], key)), parse_int=str)
        assert item == expected, key  # numbers become their digits
        assert item["title"] == TITLES[base]
    assert cited_ids(doc) == keys[:2] + ["Smith2020"] + keys[2:]  # nothing renamed, other keys untouched


def test_keys_that_are_not_ids_are_left_alone_and_impossible_ids_warned() -> None:
    found, warnings = arxiv_keys(["Smith2020", "fig:1234.5678", "arxiv:2313.00001", "sec:intro", "arXiv:" + CLIP])
    assert list(found) == ["arXiv:" + CLIP] and found["arXiv:" + CLIP].base == CLIP
    assert len(warnings) == 1 and warnings[0].startswith("arxiv:2313.00001: not a possible arXiv id (month 13")


def test_old_style_ids_are_recognised() -> None:
    found, _ = arxiv_keys(["arxiv:hep-th/9901001", "arXiv:hep-th/9901001v2", "hep-th/9901001"])
    assert {aid.base for aid in found.values()} == {"hep-th/9901001"}
    assert found["arXiv:hep-th/9901001v2"].version == 2


def test_missing_offline_is_a_warning_and_stays_unresolved(seeded: Path, tmp_path: Path) -> None:
    doc = document(cite("arxiv:" + CLIP, "arxiv:1706.03762"), cite("arxiv:hep-th/9901001"),
                   cite("arxiv:" + CLIP + "v2"))  # the cache holds CLIP's v1 only
    report = add_references(doc, offline(seeded), base=tmp_path)
    assert report.added == ("arxiv:" + CLIP,)
    assert report.unresolved == ("arxiv:1706.03762", "arxiv:hep-th/9901001", "arxiv:" + CLIP + "v2")
    assert report.warnings == (
        f"arxiv:1706.03762: 1706.03762 is not in the cache {seeded} (offline); left unresolved",
        f"arxiv:hep-th/9901001: hep-th/9901001 is not in the cache {seeded} (offline); left unresolved",
        f"arxiv:{CLIP}v2: {CLIP}v2 is not in the cache {seeded} (offline); left unresolved",
    )
    assert [item["id"] for item in references(doc)] == ["arxiv:" + CLIP]
    assert cited_ids(doc) == ["arxiv:" + CLIP, "arxiv:1706.03762", "arxiv:hep-th/9901001", "arxiv:" + CLIP + "v2"]


def test_one_paper_under_several_keys_is_one_item(seeded: Path, tmp_path: Path) -> None:
    doc = document(cite("arxiv:" + CODEX), cite("doi:10.48550/arXiv." + CODEX, CODEX + "v1"), cite("arXiv:" + CODEX))
    report = add_references(doc, offline(seeded), base=tmp_path)
    assert report.added == ("arxiv:" + CODEX,)
    assert report.aliased == {"doi:10.48550/arXiv." + CODEX: "arxiv:" + CODEX, CODEX + "v1": "arxiv:" + CODEX,
                              "arXiv:" + CODEX: "arxiv:" + CODEX}
    assert [item["id"] for item in references(doc)] == ["arxiv:" + CODEX]
    assert cited_ids(doc) == ["arxiv:" + CODEX] * 4


def test_defined_keys_are_never_added_again(seeded: Path, tmp_path: Path) -> None:
    # the user's own entries: hand-written (SYNTHETIC titles, so the test sees whose item is used)
    (tmp_path / "refs.bib").write_text(
        "@misc{arxiv:2108.02818,\n  title = {My own CLIP entry},\n  eprint = {2108.02818}\n}\n"
        "@book{knuth1984, title = {The TeXbook}, author = {Knuth, Donald}, year = 1984}\n", encoding="utf-8")
    (tmp_path / "more.json").write_text(json.dumps([{"id": CODEX, "type": "article", "title": "My Codex"},
                                                    {"id": WEBGPT, "type": "article", "title": "My WebGPT too"}]),
                                        encoding="utf-8")
    own = {"id": "arxiv:" + WEBGPT, "type": "article", "title": "My WebGPT"}
    doc = document(cite("arxiv:" + CLIP), cite("arXiv:" + CLIP), cite(CODEX, "doi:10.48550/arXiv." + CODEX),
                   cite("arxiv:" + WEBGPT, WEBGPT), cite("arxiv:" + FRONTIER),  # both WebGPT keys are the user's
                   references=[own], bibliography=["refs.bib", "more.json", "absent.bib"])
    report = add_references(doc, offline(seeded), base=tmp_path)
    assert report.added == ("arxiv:" + FRONTIER,)
    assert report.aliased == {"arXiv:" + CLIP: "arxiv:" + CLIP, "doi:10.48550/arXiv." + CODEX: CODEX}
    assert report.unresolved == () and report.warnings == ()
    assert references(doc) == [own, json.loads(json.dumps(references(doc)[1]))]
    assert references(doc)[1]["id"] == "arxiv:" + FRONTIER


def test_a_lone_reference_map_becomes_a_list(seeded: Path, tmp_path: Path) -> None:
    doc = document(cite("arxiv:" + CLIP))
    doc.metadata["references"] = pf.MetaMap(("id", pf.MetaString("smith")), ("type", pf.MetaString("book")))
    add_references(doc, offline(seeded), base=tmp_path)
    assert [item["id"] for item in references(doc)] == ["smith", "arxiv:" + CLIP]


def test_nocite_in_metadata_counts(seeded: Path, tmp_path: Path) -> None:
    doc = document(nocite=pf.MetaInlines(cite("arxiv:" + WEBGPT)))
    assert cite_keys(doc) == ["arxiv:" + WEBGPT]
    assert add_references(doc, offline(seeded), base=tmp_path).added == ("arxiv:" + WEBGPT,)


def test_no_arxiv_citation_never_opens_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "never" / "cache.sqlite"
    doc = document(cite("Smith2020"))
    assert add_references(doc, offline(cache), base=tmp_path) == FilterReport()
    assert not cache.parent.exists() and "references" not in doc.metadata


def test_an_unusable_cache_is_a_warning(tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    cache.write_bytes(b"this is not a database" * 100)
    doc = document(cite("arxiv:" + CLIP, "arxiv:" + CODEX))
    report = add_references(doc, offline(cache), base=tmp_path)
    assert report.added == () and report.unresolved == ("arxiv:" + CLIP, "arxiv:" + CODEX)
    assert len(report.warnings) == 1
    assert report.warnings[0].startswith(f"arxiv:{CLIP}, arxiv:{CODEX}: left unresolved: cache {cache}")
    assert "references" not in doc.metadata


def test_online_fetches_what_the_cache_lacks(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    settings = Settings(api_url=fake_arxiv.url, cache_path=tmp_path / "cache.sqlite", request_interval=0)
    doc = document(cite("arxiv:" + CLIP, "arxiv:1706.03762"))  # the second: arXiv (the fake) has no such paper
    report = add_references(doc, settings, base=tmp_path)
    assert report.added == ("arxiv:" + CLIP,) and report.unresolved == ("arxiv:1706.03762",)
    assert report.warnings == ("arxiv:1706.03762: arXiv has no paper 1706.03762; left unresolved",)
    assert references(doc)[0]["title"] == TITLES[CLIP]
    again = add_references(document(cite("arxiv:" + CLIP)), offline(settings.cache_path), base=tmp_path)
    assert again.added == ("arxiv:" + CLIP,)  # stored in the cache as it came


def test_unreachable_arxiv_is_one_warning(fake_arxiv: FakeArxiv, tmp_path: Path) -> None:
    url = fake_arxiv.url
    fake_arxiv.go_down()
    settings = Settings(api_url=url, cache_path=tmp_path / "cache.sqlite", request_interval=0, max_retries=0)
    doc = document(cite("arxiv:" + CLIP), cite("arxiv:" + CODEX))
    report = add_references(doc, settings, base=tmp_path)
    assert report.added == () and report.unresolved == ("arxiv:" + CLIP, "arxiv:" + CODEX)
    assert len(report.warnings) == 1 and report.warnings[0].startswith(f"arxiv:{CLIP}, arxiv:{CODEX}: ")
    assert report.warnings[0].endswith("; left unresolved") and "references" not in doc.metadata


def test_bibliography_keys_of_each_kind(tmp_path: Path) -> None:
    bib = tmp_path / "r.bib"
    bib.write_text("@misc{a:1, title={x}}\n@article{B2, title={y}}\n", encoding="utf-8")
    csl = tmp_path / "r.json"
    csl.write_text('[{"id": "c"}, {"id": 4}]', encoding="utf-8")
    yml = tmp_path / "r.yaml"
    yml.write_text("---\nreferences:\n- id: d\n  title: z\n- id: e\n...\n", encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("references: [\n", encoding="utf-8")
    assert bibliography_keys(bib) == {"a:1", "B2"}
    assert bibliography_keys(csl) == {"c", "4"}
    assert bibliography_keys(yml) == {"d", "e"}
    for path in (broken, bad_yaml, tmp_path / "absent.bib", tmp_path / "r.ris"):
        assert bibliography_keys(path) == set()


def test_meta_values_are_literal_strings() -> None:
    value = meta_value({"title": "*not* Markdown $x$", "issued": {"date-parts": [[2021, 8, 5]]}, "ok": True})
    assert isinstance(value["title"], pf.MetaString) and value["title"].text == "*not* Markdown $x$"
    assert pf.Doc(metadata={"v": value}).get_metadata("v") == {
        "title": "*not* Markdown $x$", "issued": {"date-parts": [["2021", "8", "5"]]}, "ok": True}


def test_main_rejects_input_that_is_not_a_pandoc_document(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("# not JSON\n"))
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("arxref-pandoc: error: standard input is not a pandoc JSON document")


@pytest.mark.parametrize("text", ['{"x": 1}', "[1, 2]", "null",
                                  '{"pandoc-api-version": [1, 23], "meta": {}, "blocks": [{"t": "Nope"}]}'])
def test_main_rejects_json_that_is_no_pandoc_document_without_a_traceback(
        text: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """panflute asserts on JSON of another shape and raises NotImplementedError for an unknown element."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(text + "\n"))
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("arxref-pandoc: error: standard input is not a pandoc JSON document")


def test_bibliography_keys_of_a_fifo_or_a_device_is_nothing_and_does_not_block(tmp_path: Path) -> None:
    """``bibliography: refs.json`` naming a FIFO would block pandoc's run forever (and a device never ends)."""
    os.mkfifo(tmp_path / "refs.json")
    (tmp_path / "refs.yaml").symlink_to(os.devnull)
    code = ("import sys; from pathlib import Path; from arxref.pandoc_filter import bibliography_keys; "
            "print([bibliography_keys(Path(p)) for p in sys.argv[1:]])")
    proc = run_unblocked([sys.executable, "-c", code, str(tmp_path / "refs.json"), str(tmp_path / "refs.yaml")],
                         "the pandoc filter blocked reading a FIFO named as a bibliography")
    assert proc.returncode == 0 and proc.stdout.strip() == "[set(), set()]", proc.stderr


def test_main_filters_with_settings_from_the_environment(seeded: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    stream = io.StringIO()
    pf.dump(document(cite("arxiv:" + CLIP, "arxiv:1706.03762")), stream)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stream.getvalue()))
    monkeypatch.setenv("ARXREF_CACHE", str(seeded))
    monkeypatch.setenv("ARXREF_OFFLINE", "1")
    assert main(["html"]) == 0
    out, err = capsys.readouterr()
    doc = pf.load(io.StringIO(out))
    assert [item["id"] for item in references(doc)] == ["arxiv:" + CLIP]
    assert err == f"arxref-pandoc: warning: arxiv:1706.03762: 1706.03762 is not in the cache {seeded} (offline); left unresolved\n"


def test_console_script_is_declared() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^arxref-pandoc = "arxref\.pandoc_filter:main"$', text, re.M)
    assert re.search(r'^\s*"panflute[>=<]', text, re.M)


# --------------------------------------------------------------------------- the real pandoc

NOTE = f"""---
title: Reading notes
nocite: '@arxiv:{WEBGPT}'
---

CLIP was evaluated by @arxiv:{CLIP}; regulation is argued in [@arXiv:{FRONTIER}v2, sec. 3].
Codex [@arxiv:{CODEX}; @doi:10.48550/arXiv.{CODEX}] was described [-@arXiv:{CODEX}] too.
"""


@pytest.fixture
def filter_path(tmp_path: Path) -> dict[str, str]:
    """An environment where ``arxref-pandoc`` on PATH is this checkout's filter (as an install makes it)."""
    assert shutil.which("pandoc"), "pandoc is required (scripts/test.sh installs it)"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "arxref-pandoc"
    script.write_text(f"#!{sys.executable}\nimport sys\nfrom arxref.pandoc_filter import main\nsys.exit(main())\n",
                      encoding="utf-8")
    script.chmod(0o755)
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    for name in ("ARXREF_API_URL", "ARXREF_REQUEST_INTERVAL"):
        env.pop(name, None)
    return env


def pandoc(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["pandoc", "notes.md", "--filter", "arxref-pandoc", "--citeproc", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.tools
def test_pandoc_renders_every_form_offline(filter_path: dict[str, str], seeded: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text(NOTE, encoding="utf-8")
    env = dict(filter_path, ARXREF_CACHE=str(seeded), ARXREF_OFFLINE="1")
    html = pandoc(tmp_path, env, "-o", "notes.html")
    assert html.returncode == 0, html.stderr
    assert html.stderr == ""  # no "citation not found", no filter warning
    page = rendered((tmp_path / "notes.html").read_text(encoding="utf-8"))
    for title in TITLES.values():
        assert title.casefold() in page
    plain = pandoc(tmp_path, env, "-t", "plain", "--fail-if-warnings")
    assert plain.returncode == 0 and plain.stderr == "", plain.stderr
    text = " ".join(plain.stdout.split())
    assert "CLIP was evaluated by Agarwal et al. (2021)" in text
    assert "(Anderljung et al. 2023, sec. 3)" in text
    assert "Codex (Chen et al. 2021, 2021) was described (2021) too" in text
    for title in TITLES.values():
        assert rendered(text).count(title.casefold()) == 1, title  # one entry per paper, however it is cited
    assert "arxiv:" not in text.lower().replace("https://doi.org/10.48550/arxiv.", "")


@pytest.mark.tools
def test_pandoc_warns_for_a_missing_id_and_keeps_the_document(filter_path: dict[str, str], seeded: Path,
                                                              tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text(NOTE + "\nOld style: @arxiv:hep-th/9901001.\n", encoding="utf-8")
    env = dict(filter_path, ARXREF_CACHE=str(seeded), ARXREF_OFFLINE="1")
    run = pandoc(tmp_path, env, "-t", "plain")
    assert run.returncode == 0
    assert (f"arxref-pandoc: warning: arxiv:hep-th/9901001: hep-th/9901001 is not in the cache {seeded} "
            "(offline); left unresolved") in run.stderr
    assert re.search(r"citation arxiv:hep-th/9901001 not found", run.stderr)
    assert run.stderr.count("not found") == 1  # every other citation rendered
    assert TITLES[CLIP].casefold() in rendered(run.stdout) and "(arxiv:hep-th/9901001?)" in run.stdout
    strict = pandoc(tmp_path, env, "-t", "plain", "--fail-if-warnings")
    assert strict.returncode != 0  # what a CI job uses to fail on an unresolved citation


@pytest.mark.tools
def test_pandoc_keeps_the_users_bibliography_entry(filter_path: dict[str, str], seeded: Path,
                                                   tmp_path: Path) -> None:
    # a hand-written entry under one of the cited keys (SYNTHETIC title, to see whose entry renders)
    (tmp_path / "refs.bib").write_text(
        f"@misc{{arxiv:{CLIP},\n  title = {{My Own Notes on CLIP}},\n  author = {{Doe, Jane}},\n  year = 2021\n}}\n",
        encoding="utf-8")
    (tmp_path / "notes.md").write_text(NOTE.replace("---\n\n", "bibliography: refs.bib\n---\n\n", 1),
                                       encoding="utf-8")
    env = dict(filter_path, ARXREF_CACHE=str(seeded), ARXREF_OFFLINE="1")
    run = pandoc(tmp_path, env, "-t", "plain")
    assert run.returncode == 0 and run.stderr == "", run.stderr
    text = rendered(run.stdout)
    assert "my own notes on clip" in text and TITLES[CLIP].casefold() not in text
    assert TITLES[CODEX].casefold() in text
