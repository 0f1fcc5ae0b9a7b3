"""Hostile and broken input: endpoint XML, odd files, path-like names from data, nasty metadata.

Every case must end in a one-line message naming the file (and line) or in an exit code,
never in a traceback, and the rest of the input is still processed.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

import fakearxiv as fa
from arxref.atom import FeedError, parse_feed

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "tests" / "data" / "csl-schema" / "csl-data.json"
ATOM_HEAD = ('<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
             'xmlns:arxiv="http://arxiv.org/schemas/atom">')

# -- hostile XML -------------------------------------------------------------------------

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b"]>\n" + ATOM_HEAD.encode() + b"<entry><title>&lol9;</title></entry></feed>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    + ATOM_HEAD.encode() + b"<entry><id>http://arxiv.org/abs/2107.03374v2</id><title>&xxe;</title></entry></feed>"
)
DEEP_NESTING = ATOM_HEAD.encode() + b"<entry>" + b"<a>" * 200_000 + b"</a>" * 200_000 + b"</entry></feed>"
HOSTILE_XML = {"billion-laughs": BILLION_LAUGHS, "external-entity": EXTERNAL_ENTITY, "deep-nesting": DEEP_NESTING}


@pytest.mark.parametrize("name", sorted(HOSTILE_XML))
def test_parse_feed_rejects_hostile_xml(name: str) -> None:
    with pytest.raises(FeedError):
        parse_feed(HOSTILE_XML[name])


class _FixedBody(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hostile_server(request: pytest.FixtureRequest) -> Iterator[str]:
    handler = type("H", (_FixedBody,), {"body": HOSTILE_XML[request.param]})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/api/query"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _cli(args: list[str], env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "arxref", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)


@pytest.mark.parametrize("hostile_server", sorted(HOSTILE_XML), indirect=True)
def test_hostile_endpoint_is_could_not_verify_and_cache_stays_clean(hostile_server: str, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("Codex: arXiv:2107.03374\n", encoding="utf-8")
    cache = tmp_path / "c.sqlite"
    env = {"ARXREF_API_URL": hostile_server, "ARXREF_CACHE": str(cache), "ARXREF_REQUEST_INTERVAL": "0"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = _cli(["export", str(notes), "-o", str(tmp_path / "out"), "-q"], env)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 3, proc.stderr
    assert "2107.03374" in proc.stderr or "could not be verified" in proc.stderr
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert max(peak_kb, before) < 400 * 1024  # a memory bound (KiB), not a timing
    if cache.exists():
        conn = sqlite3.connect(cache)
        assert conn.execute("SELECT count(*) FROM papers").fetchone()[0] == 0
        conn.close()


# -- hostile files ------------------------------------------------------------------------


def _write_hostile_tree(root: Path) -> dict[str, str]:
    """Broken files next to good ones; returns file name -> an id that must still be found."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "binary.txt").write_bytes(b"\x00\x01\xff\xfe arXiv:2107.03374 \x00\x00")
    (root / "bad-utf8.txt").write_bytes(b"caf\xe9 \xff\xfe see arXiv:2108.02818\n")
    (root / "utf16.txt").write_bytes("\ufeffsee arXiv:2102.02503\r\n".encode("utf-16-le"))
    (root / "crlf.txt").write_bytes(b"a arXiv:2004.07213\r\nb arXiv:1908.09203\r\n")
    (root / "empty.md").write_bytes(b"")
    (root / "weird.bib").write_text(
        '@string{foo = "Bar"}\n@comment{ a comment with arXiv:9999.99999 }\n'
        "@misc{k1, title = foo # {x}, eprint = {1802.07228}}\n"
        "@misc{k1, title = {dup}, eprint = {1708.05866}}\n"
        "@misc{k2, title = {unbalanced {, eprint = {1703.10987}\n"
        "@misc{k3, eprint = {2005.14165}}\n", encoding="utf-8")
    (root / "dir.bib").mkdir()  # a directory named like a file
    os.symlink("loop-b.txt", root / "loop-a.txt")
    os.symlink("loop-a.txt", root / "loop-b.txt")
    (root / "sub").mkdir()
    os.symlink("..", root / "sub" / "up")  # directory symlink loop
    (root / "good.md").write_text("Codex is arXiv:2107.03374.\n", encoding="utf-8")
    return {"utf16.txt": "2102.02503", "crlf.txt": "1908.09203", "weird.bib": "2005.14165",
            "good.md": "2107.03374", "bad-utf8.txt": "2108.02818"}


def _scan_jsonl(paths: list[str]) -> tuple[list[dict[str, object]], subprocess.CompletedProcess[str]]:
    proc = _cli(["scan", "--format", "jsonl", *paths], timeout=60)
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return rows, proc


def _ids(rows: list[dict[str, object]]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for row in rows:
        text = json.dumps(row)
        for match in re.findall(r"\d{4}\.\d{4,5}", text):
            found.setdefault(Path(str(row.get("source", ""))).name, set()).add(match)
    return found


def test_scan_hostile_tree_reports_and_continues(tmp_path: Path) -> None:
    expected = _write_hostile_tree(tmp_path / "in")
    rows, proc = _scan_jsonl([str(tmp_path / "in")])
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0, proc.stderr
    found = _ids(rows)
    for name, arxiv_id in expected.items():
        assert arxiv_id in found.get(name, set()), (name, proc.stderr)
    warnings = [line for line in proc.stderr.splitlines() if "warning" in line]
    assert any("binary.txt" in w for w in warnings)
    assert any("bad-utf8.txt:1" in w for w in warnings)
    assert any("weird.bib:4" in w and "duplicate" in w for w in warnings)
    assert any("weird.bib:5" in w for w in warnings)
    assert "9999.99999" not in json.dumps(rows)  # @comment is not input


def test_scan_cr_only_line_ends_count_lines(tmp_path: Path) -> None:
    path = tmp_path / "cr.txt"
    path.write_bytes(b"a arXiv:1907.04534\rb arXiv:1806.00610\r")
    rows, proc = _scan_jsonl([str(path)])
    assert proc.returncode == 0
    lines = {r.get("arxiv_id") or r.get("id"): r.get("line") for r in rows}
    assert sorted(lines.values()) == [1, 2], rows


def test_scan_named_symlink_loop_is_one_line_error(tmp_path: Path) -> None:
    root = tmp_path / "in"
    _write_hostile_tree(root)
    bad = root / "loop-a.txt"
    proc = _cli(["scan", str(bad), str(root / "good.md")], timeout=60)
    assert "Traceback" not in proc.stderr
    assert proc.returncode != 0
    assert len([line for line in proc.stderr.splitlines() if bad.name in line]) == 1


def test_scan_named_directory_like_file_is_walked(tmp_path: Path) -> None:
    root = tmp_path / "in"
    _write_hostile_tree(root)
    proc = _cli(["scan", str(root / "dir.bib"), str(root / "good.md")], timeout=60)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0
    assert "2107.03374" in proc.stdout


def test_scan_fifo_is_reported_not_hung(tmp_path: Path) -> None:
    """A FIFO is 'unreadable' for a scanner: opening it blocks forever. It must be skipped."""
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    (tmp_path / "good.md").write_text("arXiv:2107.03374\n", encoding="utf-8")
    try:
        proc = _cli(["scan", str(tmp_path)], timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("arxref scan blocked on a FIFO (scan._open / scan._walk must skip non-regular files)")
    assert "Traceback" not in proc.stderr
    assert "pipe.txt" in proc.stderr
    assert "2107.03374" in proc.stdout


def test_export_hostile_tree_offline_no_traceback(tmp_path: Path) -> None:
    _write_hostile_tree(tmp_path / "in")
    cache = tmp_path / "c.sqlite"
    proc = _cli(["cache", "import", str(ROOT / "examples" / "arxiv-responses"), "--cache", str(cache), "-q"])
    assert proc.returncode == 0, proc.stderr
    proc = _cli(["export", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--offline", "--cache", str(cache)])
    assert "Traceback" not in proc.stderr
    assert proc.returncode in (0, 1, 3)
    bib = (tmp_path / "out" / "references.bib").read_text(encoding="utf-8")
    for arxiv_id in ("2102.02503", "1908.09203", "2005.14165", "2107.03374"):
        assert arxiv_id in bib


@pytest.mark.slow
def test_scan_single_50mb_line(tmp_path: Path) -> None:
    """Ids at both ends of one 50 MB line are found (Markdown: ids count anywhere on a line)."""
    path = tmp_path / "long.md"
    with open(path, "wb") as handle:
        handle.write(b"See arXiv:2107.03374 ")
        chunk = b"x" * (1 << 20)
        for _ in range(50):
            handle.write(chunk)
        handle.write(b" and arXiv:2108.02818.\n")
    rows, proc = _scan_jsonl([str(path)])
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert [r["arxiv_id"] for r in rows] == ["2107.03374", "2108.02818"]
    assert [r["line"] for r in rows] == [1, 1]


@pytest.mark.slow
def test_scan_200mb_dump_memory_stays_flat(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_big_scan import make_dump, peak_rss_of_scan

    path = make_dump(tmp_path / "dump.txt", 200 * 1024 * 1024)
    returncode, peak_mib = peak_rss_of_scan(path)
    assert returncode == 0
    assert peak_mib < 300, f"peak RSS {peak_mib:.0f} MiB"


# -- names from data never become paths -----------------------------------------------------

SYNTHETIC_HOSTILE = [
    # SYNTHETIC entries (not real papers): an old-style id with a slash and hostile titles
    ("hep-th/9901001", "../../../../tmp/escape attempt"),
    ("math/0309136", "/etc/passwd"),
    ("2512.99101", "..\\..\\windows\\path } \\ % @ title"),
]


def _entry(arxiv_id: str, title: str, author: str = "Synthetic Author") -> str:
    from xml.sax.saxutils import escape

    return (f"<entry><id>http://arxiv.org/abs/{arxiv_id}v1</id><title>{escape(title)}</title>"
            "<updated>2025-12-31T00:00:00Z</updated><published>2025-12-31T00:00:00Z</published>"
            f"<summary>SYNTHETIC test record, not a real paper.</summary>"
            f"<author><name>{escape(author)}</name></author>"
            f'<link href="https://arxiv.org/abs/{arxiv_id}v1" rel="alternate" type="text/html"/>'
            '<arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.SE"/>'
            '<category term="cs.SE" scheme="http://arxiv.org/schemas/atom"/></entry>')


def test_cache_export_cannot_write_outside_dir(fake_arxiv: fa.FakeArxiv, tmp_path: Path) -> None:
    for arxiv_id, title in SYNTHETIC_HOSTILE:
        fake_arxiv.add_entry(_entry(arxiv_id, title))
    cache = tmp_path / "c.sqlite"
    env = {"ARXREF_API_URL": fake_arxiv.url, "ARXREF_CACHE": str(cache), "ARXREF_REQUEST_INTERVAL": "0"}
    proc = _cli(["fetch", *[i for i, _ in SYNTHETIC_HOSTILE]], env)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0, proc.stderr
    sandbox = tmp_path / "sandbox"
    out = sandbox / "export"
    out.mkdir(parents=True)
    before = set(tmp_path.rglob("*"))
    proc = _cli(["cache", "export", str(out)], env)
    assert proc.returncode == 0, proc.stderr
    created = set(tmp_path.rglob("*")) - before
    assert created, "nothing exported"
    for path in created:
        assert out.resolve() in path.resolve().parents, path
    assert not (Path("/tmp") / "escape attempt").exists()
    texts = "".join(p.read_text(encoding="utf-8") for p in created if p.is_file())
    for arxiv_id, _ in SYNTHETIC_HOSTILE:
        assert arxiv_id in texts


# -- nasty metadata still yields valid outputs ---------------------------------------------

NASTY = [
    # SYNTHETIC papers with hostile metadata (not real)
    ("2512.99201", "Closing } brace and \\backslash and 50% and @misc{x, inside",
     "Ann } O'Brace"),
    ("2512.99202", "Line\nbreak and\ttab and \x0b vertical and bell \x07 done", "Back \\ Slash"),
    ("2512.99203", "Unbalanced { open and \\end{document} and #hash & amp ~tilde ^caret _under $dollar",
     "Per%cent @At"),
]


def test_nasty_metadata_bib_accepted_by_bibtex_and_biber_and_csl_validates(
        fake_arxiv: fa.FakeArxiv, tmp_path: Path) -> None:
    for arxiv_id, title, author in NASTY:
        # XML 1.0 cannot carry \x07 or \x0b: send them as-is would be malformed, so arXiv never does
        safe_title = "".join(c for c in title if c in "\t\n" or ord(c) >= 0x20)
        fake_arxiv.add_entry(_entry(arxiv_id, safe_title, author))
    notes = tmp_path / "notes.md"
    notes.write_text("".join(f"- arXiv:{i}\n" for i, _, _ in NASTY), encoding="utf-8")
    env = {"ARXREF_API_URL": fake_arxiv.url, "ARXREF_CACHE": str(tmp_path / "c.sqlite"), "ARXREF_REQUEST_INTERVAL": "0"}
    out = tmp_path / "out"
    proc = _cli(["export", str(notes), "-o", str(out), "-q"], env)
    assert proc.returncode == 0, proc.stderr
    _assert_bib_accepted(out / "references.bib", [i for i, _, _ in NASTY], tmp_path / "latex")
    _assert_csl_valid(out / "references.json", len(NASTY))


def _assert_bib_accepted(bib: Path, ids: list[str], work: Path) -> None:
    work.mkdir()
    shutil.copy(bib, work / "refs.bib")
    keys = re.findall(r"^@\w+\{([^,]+),", bib.read_text(encoding="utf-8"), re.M)
    assert len(keys) == len(ids)
    # bibtex: a minimal .aux is all it needs
    (work / "doc.aux").write_text("\\relax\n" + "".join(f"\\citation{{{k}}}\n" for k in keys)
                                  + "\\bibstyle{plain}\n\\bibdata{refs}\n", encoding="utf-8")
    proc = subprocess.run(["bibtex", "doc"], cwd=work, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "error message" not in proc.stdout
    # biber: --tool mode parses and re-emits the data source
    proc = subprocess.run(["biber", "--tool", "--quiet", "--validate-datamodel", "refs.bib"], cwd=work,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ERROR" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr


def _assert_csl_valid(path: Path, count: int) -> None:
    import jsonschema

    items = json.loads(path.read_text(encoding="utf-8"))
    assert len(items) == count
    jsonschema.validate(items, json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_control_characters_in_metadata_bib_accepted_and_csl_valid(tmp_path: Path) -> None:
    """XML cannot carry most control characters, but a snapshot import can: the writers must cope."""
    import io
    from datetime import datetime, timezone

    from arxref.formats import write_bibtex, write_csljson
    from arxref.model import Author, Entry, Paper

    when = datetime(2025, 12, 31, tzinfo=timezone.utc)
    papers = [  # SYNTHETIC metadata
        Paper(arxiv_id="2512.99211", version=1, title="Bell\x07 vt\x0b esc\x1b nul\x00 } { \\ % @ #\r\nend",
              authors=[Author("Ctrl\x01 Char"), Author("Brace } Name")], abstract="x", published=when,
              updated=when, categories=["cs.SE"], primary_category="cs.SE", versions=[1]),
        Paper(arxiv_id="2512.99212", version=1, title="\\\\ double backslash and trailing \\",
              authors=[Author("{Odd")], abstract="x", published=when, updated=when, versions=[1]),
    ]
    items = [Entry(f"synthetic{n}", p) for n, p in enumerate(papers)]
    bib = tmp_path / "nasty.bib"
    with open(bib, "w", encoding="utf-8") as handle:
        write_bibtex(items, handle)
    _assert_bib_accepted(bib, [p.arxiv_id for p in papers], tmp_path / "latex")
    out = io.StringIO()
    write_csljson(items, out)
    json_path = tmp_path / "nasty.json"
    json_path.write_text(out.getvalue(), encoding="utf-8")
    _assert_csl_valid(json_path, len(papers))
