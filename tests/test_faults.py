"""End-to-end fault matrix: export/check on the mixed input while the fake arXiv misbehaves.

The mixed input (tests/data/mixed) holds the 25 real seed papers (seven of them only as id-less
abstracts, resolved by search) plus 30 SYNTHETIC papers ("Synthetic fault-matrix paper N",
ids 2512.99001-2512.99030) that exist only on the fake server, so a run covers 55 papers.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import fakearxiv as fa
from arxref.atom import parse_feed
from arxref.cache import Cache
from arxref.config import Settings
from arxref.pipeline import check, export

ROOT = Path(__file__).resolve().parent.parent
MIXED = ROOT / "tests" / "data" / "mixed"
INPUTS = [MIXED / n for n in ("listing.txt", "abstracts.txt", "paper.tex", "notes.md", "refs.bib")]
REAL = {p.arxiv_id: p for p in parse_feed((ROOT / "examples" / "arxiv-responses" / "all.xml").read_bytes()).papers}
SYNTHETIC_RAW = re.findall(r"<entry>.*?</entry>", (MIXED / "synthetic_entries.xml").read_text(), re.S)
SYNTHETIC = {p.arxiv_id: p for p in parse_feed((MIXED / "synthetic_entries.xml").read_bytes()).papers}
ALL = {**REAL, **SYNTHETIC}
#: real papers present in the input only as an abstract without id (abstracts.txt)
IDLESS_ONLY = {"2103.00020", "2311.01193", "2303.10130", "2212.08751", "2207.14157", "2112.10741", "2203.02155"}

# every fault the issue lists; each is injected twice (= max_retries + 1 attempts), so exactly one
# batch of 10 ids (or the resolver's search) fails and the rest of the run succeeds
FAULTS = {
    "503": fa.status(503),
    "503-retry-after": fa.status(503, retry_after=0),
    "429": fa.status(429),
    "429-retry-after": fa.status(429, retry_after=1),
    "slow": fa.slow(3.0),
    "truncated": fa.truncated,
    "html": fa.html,
    "api_error": fa.api_error,
    "reset": fa.reset,
}


def serve_synthetic(server: fa.FakeArxiv) -> None:
    for raw in SYNTHETIC_RAW:
        server.add_entry(raw)


def settings(server: fa.FakeArxiv, cache: Path) -> Settings:
    return Settings(api_url=server.url, cache_path=cache, offline=False, request_interval=0.0,
                    max_retries=1, timeout=1.0, batch_size=10)


def cached_papers(cache: Path) -> dict[str, str]:
    """id -> title straight from the SQLite file (not through arxref's own reader)."""
    conn = sqlite3.connect(cache)
    try:
        return {row[0]: row[1] for row in conn.execute("SELECT arxiv_id, title FROM papers")}
    finally:
        conn.close()


def assert_cache_clean(cache: Path) -> None:
    """Everything stored is one of the served papers, with the served title (nothing damaged)."""
    if not cache.exists():
        return
    conn = sqlite3.connect(cache)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    for arxiv_id, title in cached_papers(cache).items():
        assert arxiv_id in ALL, arxiv_id
        assert title == ALL[arxiv_id].title, arxiv_id


def id_list_requests(server: fa.FakeArxiv, since: int = 0) -> set[str]:
    return {i.split("v")[0] for r in server.requests()[since:] for i in r.id_list}


def output_ids(out: Path) -> set[str]:
    items = json.loads((out / "references.json").read_text(encoding="utf-8"))
    return {item["number"].removeprefix("arXiv:") for item in items}


@pytest.fixture
def server(fake_arxiv: fa.FakeArxiv) -> fa.FakeArxiv:
    serve_synthetic(fake_arxiv)
    return fake_arxiv


def test_clean_run_has_55_papers(server: fa.FakeArxiv, tmp_path: Path) -> None:
    report = export(INPUTS, tmp_path / "out", settings=settings(server, tmp_path / "c.sqlite"))
    assert report.exit_code == 0, report.summary()
    assert {e.paper.arxiv_id for e in report.entries} == set(ALL)
    assert len(ALL) >= 50
    assert output_ids(tmp_path / "out") == set(ALL)
    assert_cache_clean(tmp_path / "c.sqlite")


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_then_rerun_fetches_only_missing(server: fa.FakeArxiv, tmp_path: Path, name: str) -> None:
    cache = tmp_path / "c.sqlite"
    out = tmp_path / "out"
    server.inject(FAULTS[name], times=2)
    report = export(INPUTS, out, settings=settings(server, cache))
    got = {e.paper.arxiv_id for e in report.entries}
    missing = set(ALL) - got
    assert missing, "the fault should have cost at least one paper"
    assert report.exit_code == 3, report.summary()
    assert report.unverified and not report.not_found
    assert output_ids(out) == got
    unverified = " ".join(p.message for p in report.problems if p.code == "unverified")
    assert all(arxiv_id in unverified for arxiv_id in missing - IDLESS_ONLY)
    for entry in report.entries:  # verified papers carry the served metadata
        assert entry.paper.title == ALL[entry.paper.arxiv_id].title
    assert_cache_clean(cache)
    assert not set(cached_papers(cache)) & missing

    before = len(server.requests())
    rerun = export(INPUTS, out, settings=settings(server, cache))
    assert rerun.exit_code == 0, rerun.summary()
    assert output_ids(out) == set(ALL)
    # only what was missing is asked for again (id-less papers come back through search)
    assert id_list_requests(server, before) == missing - IDLESS_ONLY
    assert_cache_clean(cache)


def test_empty_feed_twice_is_unverified_exit_3_and_nothing_is_remembered(server: fa.FakeArxiv, tmp_path: Path) -> None:
    """A flaky empty answer (twice) is 'could not verify' (exit 3), never a remembered 'not found'."""
    cache = tmp_path / "c.sqlite"
    server.inject(fa.empty, times=2)
    report = export(INPUTS, tmp_path / "out", settings=settings(server, cache))
    assert report.exit_code == 3, report.summary()
    assert report.unverified and not report.not_found
    assert_cache_clean(cache)
    with Cache(cache) as opened:
        assert opened.not_found(list(ALL)) == {}
    missing = set(ALL) - {e.paper.arxiv_id for e in report.entries}
    before = len(server.requests())
    rerun = export(INPUTS, tmp_path / "out", settings=settings(server, cache))
    assert id_list_requests(server, before) == missing - IDLESS_ONLY
    assert rerun.exit_code == 0, rerun.summary()


def test_down_entirely_exit_3_then_rerun(server: fa.FakeArxiv, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    out = tmp_path / "out"
    server.go_down()
    report = export(INPUTS, out, settings=settings(server, cache))
    assert report.exit_code == 3
    assert not report.entries
    assert_cache_clean(cache)
    server.up()
    before = len(server.requests())
    rerun = export(INPUTS, out, settings=settings(server, cache))
    assert rerun.exit_code == 0, rerun.summary()
    assert output_ids(out) == set(ALL)
    assert id_list_requests(server, before) == set(ALL) - IDLESS_ONLY


@pytest.mark.parametrize("name", ["503", "slow", "html"])
def test_check_reports_unverified_exit_3(server: fa.FakeArxiv, tmp_path: Path, name: str) -> None:
    server.inject(FAULTS[name], times=2)
    report = check(INPUTS, settings=settings(server, tmp_path / "c.sqlite"), bib_files=[])
    assert report.exit_code == 3, [p.format_text() for p in report.problems]
    assert {p.code for p in report.errors} == {"unverified"}
    assert_cache_clean(tmp_path / "c.sqlite")


def test_check_unknown_id_is_exit_1(server: fa.FakeArxiv, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("See arXiv:2512.98999 (SYNTHETIC id nobody serves).\n", encoding="utf-8")
    report = check([notes], settings=settings(server, tmp_path / "c.sqlite"), bib_files=[])
    assert report.exit_code == 1
    assert [p.code for p in report.errors] == ["not_found"]


def test_check_clean_run_exit_0(server: fa.FakeArxiv, tmp_path: Path) -> None:
    report = check(INPUTS, settings=settings(server, tmp_path / "c.sqlite"), bib_files=[])
    assert report.exit_code == 0, [p.format_text() for p in report.problems]


@pytest.mark.parametrize("name", ["503-retry-after", "429-retry-after"])
def test_cli_export_under_fault(server: fa.FakeArxiv, tmp_path: Path, name: str) -> None:
    """The CLI has no --max-retries: the default 5 retries (6 attempts) must all fail."""
    cache = tmp_path / "c.sqlite"
    server.inject(fa.status(int(name[:3]), retry_after=0), times=6)
    env = {**os.environ, "ARXREF_API_URL": server.url, "ARXREF_CACHE": str(cache), "ARXREF_REQUEST_INTERVAL": "0"}
    cmd = [sys.executable, "-m", "arxref", "export", *map(str, INPUTS), "-o", str(tmp_path / "out"),
           "--batch-size", "10", "-q"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 3, proc.stderr
    assert_cache_clean(cache)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert output_ids(tmp_path / "out") == set(ALL)


def test_fault_on_resolver_search_is_exit_3_not_unresolved(server: fa.FakeArxiv, tmp_path: Path) -> None:
    """Id-less abstracts whose search fails could not be verified (3); they are not 'unresolved' (1)."""
    cache = tmp_path / "c.sqlite"
    batches = -(-len(set(ALL) - IDLESS_ONLY) // 10)
    server.inject(fa.ok, times=batches)
    server.inject(fa.status(503), times=2)
    report = export(INPUTS, tmp_path / "out", settings=settings(server, cache))
    got = {e.paper.arxiv_id for e in report.entries}
    assert got == set(ALL) - IDLESS_ONLY, sorted(set(ALL) - got)
    assert report.exit_code == 3, report.summary()
    assert not report.unresolved, [p.format_text() for p in report.problems if p.code == "unmatched"]
    assert_cache_clean(cache)
    before = len(server.requests())
    rerun = export(INPUTS, tmp_path / "out", settings=settings(server, cache))
    assert rerun.exit_code == 0, rerun.summary()
    assert id_list_requests(server, before) == set()
    assert output_ids(tmp_path / "out") == set(ALL)


def test_cli_check_exit_3_when_down(server: fa.FakeArxiv, tmp_path: Path) -> None:
    server.go_down()
    env = {**os.environ, "ARXREF_API_URL": server.url, "ARXREF_CACHE": str(tmp_path / "c.sqlite"),
           "ARXREF_REQUEST_INTERVAL": "0"}
    proc = subprocess.run([sys.executable, "-m", "arxref", "check", *map(str, INPUTS)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 3, proc.stderr[-2000:]


# -- `arxref fetch` against hostile and flaky answers (issue 16 items 3, 4, 9) ----------------


def fetch_cli(server: fa.FakeArxiv, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ARXREF_API_URL": server.url, "ARXREF_CACHE": str(cache), "ARXREF_REQUEST_INTERVAL": "0",
           "ARXREF_OFFLINE": "0"}
    return subprocess.run([sys.executable, "-m", "arxref", "fetch", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_cli_single_id_answered_empty_twice_is_exit_3_and_found_later(server: fa.FakeArxiv, tmp_path: Path) -> None:
    """The issue's reproduction: a flaky empty answer must not become a 30-day 'not found'."""
    cache = tmp_path / "c.sqlite"
    server.inject(fa.empty, times=2)
    flaky = fetch_cli(server, cache, "2107.03374")
    assert flaky.returncode == 3, flaky.stderr
    assert "arxref: could not verify 2107.03374: arXiv answered empty twice" in flaky.stderr
    assert "not found" not in flaky.stderr
    # the re-check carried a witness (a paper known to exist); it came back empty too
    assert [r.id_list for r in server.requests()] == [["2107.03374"], ["2107.03374", "2005.14165"]]
    with Cache(cache) as opened:
        assert opened.not_found(["2107.03374"]) == {} and len(opened) == 0
    healthy = fetch_cli(server, cache, "2107.03374")
    assert healthy.returncode == 0, healthy.stderr
    assert "arXiv:2107.03374v2" in healthy.stdout


def test_cli_unknown_id_in_a_non_empty_answer_is_remembered_exit_1(server: fa.FakeArxiv, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    run = fetch_cli(server, cache, "2107.03374", "2512.98999")  # SYNTHETIC id nobody serves
    assert run.returncode == 1, run.stderr
    assert "arxref: not found: arXiv has no paper 2512.98999" in run.stderr
    asked = len(server.requests())
    again = fetch_cli(server, cache, "2512.98999")
    assert again.returncode == 1, again.stderr
    assert len(server.requests()) == asked  # remembered: not asked again


@pytest.mark.parametrize("fault", [fa.oversized(80), fa.gzip_bomb(80)], ids=["oversized", "gzip_bomb"])
def test_cli_answer_over_the_size_cap_is_exit_3_and_caches_nothing(server: fa.FakeArxiv, tmp_path: Path,
                                                                   fault: fa.Fault) -> None:
    """80 MiB (plain, or a ~80 KB gzip bomb) against the default 64 MiB cap: refused, retried, nothing stored."""
    cache = tmp_path / "c.sqlite"
    assert fetch_cli(server, cache, "2005.14165").returncode == 0
    with Cache(cache) as opened:
        before = [(p.arxiv_id, p.title, p.fetched_at) for p in opened.iter_papers()]
    server.inject(fault, times=2)
    run = fetch_cli(server, cache, "2107.03374", "--max-retries", "1")
    assert run.returncode == 3, run.stderr
    assert "response too large (over 67,108,864 bytes" in run.stderr
    assert "Traceback" not in run.stderr
    assert [r.fault for r in server.requests()[1:]] == [fault.kind, fault.kind]
    with Cache(cache) as opened:
        assert [(p.arxiv_id, p.title, p.fetched_at) for p in opened.iter_papers()] == before
        assert opened.not_found(["2107.03374"]) == {}
    assert fetch_cli(server, cache, "2107.03374").returncode == 0


@pytest.mark.parametrize("code", [200, 502])
def test_cli_html_page_is_named_as_such(server: fa.FakeArxiv, tmp_path: Path, code: int) -> None:
    server.inject(fa.html_page(code), times=2)
    run = fetch_cli(server, tmp_path / "c.sqlite", "2107.03374", "--max-retries", "1")
    assert run.returncode == 3, run.stderr
    assert f"server sent HTML, not an Atom feed (status {code})" in run.stderr
    assert "DTD" not in run.stderr
