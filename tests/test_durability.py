"""Durability and concurrency: kill -9 mid-run, four writers on one cache, full disk, bad paths.

After a SIGKILL the cache must open cleanly (PRAGMA integrity_check) and every output file must
be either the old version or a complete new one. Concurrent exports must all succeed.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import fakearxiv as fa

ROOT = Path(__file__).resolve().parent.parent
MIXED = ROOT / "tests" / "data" / "mixed"
INPUTS = [MIXED / n for n in ("listing.txt", "abstracts.txt", "paper.tex", "notes.md", "refs.bib")]
SYNTHETIC_RAW = re.findall(r"<entry>.*?</entry>", (MIXED / "synthetic_entries.xml").read_text(), re.S)
TOTAL = 55  # 25 real + 30 SYNTHETIC papers in the mixed input
OLD = {"references.bib": "% old bib\n", "references.json": "[]\n", "references.ris": "TY  - GEN\nER  - \n"}


def _env(server: fa.FakeArxiv, cache: Path) -> dict[str, str]:
    return {**os.environ, "ARXREF_API_URL": server.url, "ARXREF_CACHE": str(cache), "ARXREF_REQUEST_INTERVAL": "0"}


def _export_cmd(out: Path, inputs: list[Path] = INPUTS) -> list[str]:
    return [sys.executable, "-m", "arxref", "export", *map(str, inputs), "-o", str(out), "-q", "--batch-size", "10"]


def _integrity_ok(cache: Path) -> None:
    if not cache.exists():
        return
    conn = sqlite3.connect(cache, timeout=10)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
            # killed after SQLite created the file but before the schema transaction committed:
            # the file must then be empty (all or nothing), and the rerun below must migrate it
            assert not tables, tables
            return
        assert {"papers", "not_found", "searches"} <= tables, tables
        ids = [row[0] for row in conn.execute("SELECT arxiv_id FROM papers")]
        assert len(ids) == len(set(ids))
    finally:
        conn.close()


def _complete(name: str, text: str) -> bool:
    """A complete new output holds all papers and parses."""
    if name.endswith(".json"):
        return len(json.loads(text)) == TOTAL
    if name.endswith(".bib"):
        import bibtexparser

        library = bibtexparser.parse_string(text)
        return len(library.entries) == TOTAL and not library.failed_blocks
    return text.count("ER  - ") == TOTAL and text.rstrip().endswith("ER  -")


@pytest.fixture
def server(fake_arxiv: fa.FakeArxiv) -> fa.FakeArxiv:
    for raw in SYNTHETIC_RAW:
        fake_arxiv.add_entry(raw)
    return fake_arxiv


@pytest.mark.parametrize("delay", [0.8, *(pytest.param(d, marks=pytest.mark.slow) for d in (0.2, 1.6, 2.8))])
def test_kill_9_during_export_leaves_old_or_complete_outputs(server: fa.FakeArxiv, tmp_path: Path,
                                                             delay: float) -> None:
    cache = tmp_path / "c.sqlite"
    out = tmp_path / "out"
    out.mkdir()
    for name, text in OLD.items():
        (out / name).write_text(text, encoding="utf-8")
    server.inject(fa.slow(0.5), times=20)  # mid-run for a few seconds, each request still succeeds
    proc = subprocess.Popen(_export_cmd(out), env=_env(server, cache), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    time.sleep(delay)
    assert proc.poll() is None, "finished before the kill point: the test would prove nothing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    _integrity_ok(cache)
    for name, old in OLD.items():
        text = (out / name).read_text(encoding="utf-8")
        assert text == old or _complete(name, text), (name, text[:200])
    leftovers = [p.name for p in out.iterdir() if p.name not in OLD]
    assert not [n for n in leftovers if not n.startswith(".")], leftovers
    # and the next run completes from where the cache stands
    rerun = subprocess.run(_export_cmd(out), env=_env(server, cache), capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    for name in OLD:
        assert _complete(name, (out / name).read_text(encoding="utf-8"))


#: ``python -c`` program: `arxref export` whose writer formats half the entries into its
#: temporary files, flushes them, then sends itself ``argv[1]`` (the signal arrives mid-write
#: on any machine, however fast).
_SIGNAL_WHILE_WRITING = """
import os, signal, sys, time
import arxref.formats as formats
write_formats = formats.write_formats
def write_half_then_signal(entries, streams, options=None, **kw):
    write_formats(entries[: len(entries) // 2], streams, options, **kw)
    for stream in streams.values():
        stream.flush()
    os.kill(os.getpid(), getattr(signal, sys.argv[1]))
    time.sleep(60)
formats.write_formats = write_half_then_signal
from arxref.cli import main
main(sys.argv[2:])
"""


def _export_signalled_while_writing(server: fa.FakeArxiv, out: Path, cache: Path,
                                    name: str) -> subprocess.CompletedProcess[str]:
    """Pre-create the old outputs, then run an export that receives signal ``name`` while writing."""
    out.mkdir()
    for old_name, text in OLD.items():
        (out / old_name).write_text(text, encoding="utf-8")
    cmd = [sys.executable, "-c", _SIGNAL_WHILE_WRITING, name, *_export_cmd(out)[3:]]
    return subprocess.run(cmd, env=_env(server, cache), capture_output=True, text=True, timeout=120)


def test_sigterm_while_an_export_writes_removes_its_temporary_files(server: fa.FakeArxiv, tmp_path: Path) -> None:
    """SIGTERM unwinds like Ctrl-C: exit 143, no traceback, old outputs intact, no .tmp left."""
    out = tmp_path / "out"
    proc = _export_signalled_while_writing(server, out, tmp_path / "c.sqlite", "SIGTERM")
    assert proc.returncode == 143, proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(OLD)
    for name, old in OLD.items():
        assert (out / name).read_text(encoding="utf-8") == old


def test_the_run_after_a_kill_9_while_writing_removes_the_leftovers(server: fa.FakeArxiv, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "c.sqlite"
    killed = _export_signalled_while_writing(server, out, cache, "SIGKILL")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    leftovers = [p.name for p in out.iterdir() if p.name not in OLD]
    assert len(leftovers) == len(OLD) and all(n.endswith(".tmp") for n in leftovers), leftovers  # SIGKILL: no cleanup
    for name, old in OLD.items():
        assert (out / name).read_text(encoding="utf-8") == old
    rerun = subprocess.run(_export_cmd(out), env=_env(server, cache), capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(OLD)
    for name in OLD:
        assert _complete(name, (out / name).read_text(encoding="utf-8"))


#: Records in the kill -9 import test's snapshot: enough that the import is still running
#: at the latest kill point (2 s) on a fast machine.
BIG_SNAPSHOT = 150_000


def _snapshot(path: Path, count: int) -> Path:
    """A SYNTHETIC arXiv metadata snapshot (JSON lines), ids 2511.00001.., then 2512.00001.. (not real papers)."""
    with open(path, "w", encoding="utf-8") as handle:
        for n in range(1, count + 1):
            handle.write(json.dumps({
                "id": f"25{11 + (n - 1) // 99_999}.{(n - 1) % 99_999 + 1:05d}", "submitter": "Synthetic", "authors": "Synthetic Author and Other Person",
                "title": f"Synthetic snapshot paper {n}", "comments": None, "journal-ref": None, "doi": None,
                "report-no": None, "categories": "cs.SE", "license": None,
                "abstract": f"SYNTHETIC abstract {n} for the kill -9 import test. " * 4,
                "versions": [{"version": "v1", "created": "Mon, 3 Nov 2025 10:00:00 GMT"}],
                "update_date": "2025-11-03", "authors_parsed": [["Author", "Synthetic", ""], ["Person", "Other", ""]],
            }) + "\n")
    return path


@pytest.fixture(scope="module")
def big_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _snapshot(tmp_path_factory.mktemp("snap") / "snapshot.json", BIG_SNAPSHOT)


@pytest.mark.parametrize("delay", [1.0, *(pytest.param(d, marks=pytest.mark.slow) for d in (0.3, 2.0))])
def test_kill_9_during_cache_import_keeps_cache_sound(big_snapshot: Path, tmp_path: Path, delay: float) -> None:
    cache = tmp_path / "c.sqlite"
    cmd = [sys.executable, "-m", "arxref", "cache", "import", str(big_snapshot), "--cache", str(cache), "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(delay)
    assert proc.poll() is None, "finished before the kill point: the test would prove nothing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    _integrity_ok(cache)
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    _integrity_ok(cache)
    conn = sqlite3.connect(cache)
    assert conn.execute("SELECT count(*) FROM papers").fetchone()[0] == BIG_SNAPSHOT
    conn.close()


def test_four_concurrent_exports_share_one_cache(server: fa.FakeArxiv, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    inputs = [INPUTS, INPUTS[:3], INPUTS[2:], [INPUTS[0], INPUTS[4]]]
    server.inject(fa.slow(0.2), times=8)  # keep them overlapping
    procs = [subprocess.Popen(_export_cmd(tmp_path / f"out{i}", paths), env=_env(server, cache),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for i, paths in enumerate(inputs)]
    results = [(p.wait(timeout=180), p.stderr.read() if p.stderr else "") for p in procs]
    for code, err in results:
        assert "Traceback" not in err
        assert code == 0, err
    _integrity_ok(cache)
    conn = sqlite3.connect(cache)
    assert conn.execute("SELECT count(*) FROM papers").fetchone()[0] == TOTAL
    conn.close()
    assert len(json.loads((tmp_path / "out0" / "references.json").read_text(encoding="utf-8"))) == TOTAL


def _limit_file_size(limit: int):  # noqa: ANN202 - a preexec_fn
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_full_disk_on_outputs_is_one_line_error(server: fa.FakeArxiv, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    warm = subprocess.run(_export_cmd(tmp_path / "warm"), env=_env(server, cache), capture_output=True, text=True,
                          timeout=120)
    assert warm.returncode == 0, warm.stderr
    out = tmp_path / "out"
    out.mkdir()
    for name, text in OLD.items():
        (out / name).write_text(text, encoding="utf-8")
    proc = subprocess.run(_export_cmd(out) + ["--offline"], env=_env(server, cache), capture_output=True, text=True,
                          timeout=120, preexec_fn=_limit_file_size(4096))
    assert "Traceback" not in proc.stderr
    assert proc.returncode not in (0, -signal.SIGXFSZ), proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert any("arxref" in line and ("large" in line.lower() or "space" in line.lower() or "write" in line.lower())
               for line in lines), proc.stderr
    for name, old in OLD.items():  # the old outputs survive a failed write
        assert (out / name).read_text(encoding="utf-8") == old


def test_cache_under_regular_file_is_one_line_error(server: fa.FakeArxiv, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    proc = subprocess.run(_export_cmd(tmp_path / "out"), env=_env(server, blocker / "cache.sqlite"),
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 4, proc.stderr  # the cache is unusable (not "arXiv unreachable")
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "not-a-dir" in proc.stderr


def test_output_dir_under_regular_file_is_one_line_error(server: fa.FakeArxiv, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    proc = subprocess.run(_export_cmd(blocker / "out"), env=_env(server, tmp_path / "c.sqlite"),
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr
    assert proc.returncode != 0
    assert "not-a-dir" in proc.stderr
