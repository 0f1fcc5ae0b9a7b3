"""`arxref resolve`: JSON lines / text out, unmatched on stderr with file:line, exit codes."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from click.testing import CliRunner

from arxref.atom import parse_feed
from arxref.cli import cli

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = ROOT / "examples" / "arxiv-responses"
SEEDS = ROOT / "seeds"

NONSENSE = ("Purple calculators negotiate with lighthouse otters about the melting schedule of marmalade "
            "glaciers, while seventeen accordions audit the tax returns of a sleepy volcano near the moon.")


def dead_endpoint() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/query"


def run(args: list[str]) -> object:
    return CliRunner().invoke(cli, ["resolve", *args], catch_exceptions=False)


def summary(stderr: str) -> dict[str, int]:
    line = [line for line in stderr.splitlines() if line.startswith("arxref resolve: ")][-1]
    pairs = [part.rsplit(" ", 1) for part in line[len("arxref resolve: "):].split(", ")]
    return {name: int(count) for name, count in pairs}


def test_seeds_offline_jsonl(seeded: Path) -> None:
    result = run([str(SEEDS), "--offline", "--cache", str(seeded)])
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    abstracts = [r for r in rows if r["kind"] in ("abstract", "listing") and r["text"]]
    assert len(abstracts) == 42
    papers = {p.arxiv_id: p for p in parse_feed((RESPONSES / "all.xml").read_bytes()).papers}
    for row in abstracts:
        assert row["status"] in ("resolved", "given"), row
        assert papers[row["arxiv_id"]].abstract == row["text"]
        if row["status"] == "resolved":
            assert row["score"] >= 0.99 and row["evidence"]["abstract"] >= 0.99
            assert row["candidates"] == [] and row["matched_title"] == papers[row["arxiv_id"]].title
            assert {"source", "line", "kind", "text", "status", "score", "candidates", "evidence"} <= set(row)
    counts = summary(result.stderr)
    assert counts["resolved"] == sum(1 for r in rows if r["status"] == "resolved")
    assert counts["ambiguous"] == 0


def test_unmatched_reported_on_stderr_with_file_line(seeded: Path, tmp_path: Path) -> None:
    dump = tmp_path / "dump.txt"
    abstract = parse_feed((RESPONSES / "2203.02155.xml").read_bytes()).papers[0].abstract
    dump.write_text(f"Abstract:{abstract}\nAbstract:{NONSENSE}\n", encoding="utf-8")
    result = run([str(dump), "--offline", "--cache", str(seeded), "--format", "text"])
    assert result.exit_code == 1  # an unmatched record is a problem, as in export and check
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{dump}:1: resolved 2203.02155 (1.00) ")
    assert lines[1].startswith(f"{dump}:2: unmatched")
    assert f"{dump}:2: unmatched: 'Purple calculators" in result.stderr
    assert summary(result.stderr) == {"resolved": 1, "given": 0, "ambiguous": 0, "unmatched": 1,
                                      "not_found": 0, "invalid": 0, "unverified": 0, "conflict": 0,
                                      "not_arxiv": 0}


def test_min_score_option(seeded: Path, tmp_path: Path) -> None:
    dump = tmp_path / "dump.txt"
    abstract = parse_feed((RESPONSES / "2203.02155.xml").read_bytes()).papers[0].abstract
    dump.write_text(f"Abstract:{abstract[: len(abstract) // 3]}\u2026\n", encoding="utf-8")
    loose = run([str(dump), "--offline", "--cache", str(seeded)])
    assert json.loads(loose.stdout)["status"] == "resolved"
    assert run([str(dump), "--offline", "--cache", str(seeded), "--min-score", "1.5"]).exit_code == 2


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run([str(tmp_path / "missing.txt")]).exit_code == 2
    assert run([]).exit_code == 2
    dump = tmp_path / "d.txt"
    dump.write_text("x\n", encoding="utf-8")
    assert run([str(dump), "--format", "xml"]).exit_code == 2


def test_unreachable_arxiv_exits_3(tmp_path: Path) -> None:
    dump = tmp_path / "dump.txt"
    dump.write_text(f"Abstract:{NONSENSE}\n", encoding="utf-8")
    result = run([str(dump), "--cache", str(tmp_path / "c.sqlite"), "--api-url", dead_endpoint(),
                  "--request-interval", "0", "--online"])
    assert result.exit_code == 3
    row = json.loads(result.stdout)
    assert row["status"] == "unverified"
    assert f"{dump}:1: unverified" in result.stderr


def test_search_through_the_fake_api(fake_arxiv, tmp_path: Path) -> None:
    papers = parse_feed((RESPONSES / "all.xml").read_bytes()).papers
    dump = tmp_path / "dump.txt"
    dump.write_text("".join(f"Abstract:{p.abstract}\n" for p in papers[:6]), encoding="utf-8")
    args = [str(dump), "--cache", str(tmp_path / "c.sqlite"), "--api-url", fake_arxiv.url,
            "--request-interval", "0", "--online"]
    result = run(args)
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["arxiv_id"] for r in rows] == [p.arxiv_id for p in papers[:6]]
    assert {r["status"] for r in rows} == {"resolved"}
    sent = len(fake_arxiv.requests())
    assert 0 < sent < 6
    assert run(args).exit_code == 0
    assert len(fake_arxiv.requests()) == sent


def test_help_states_the_real_default_threshold() -> None:
    from arxref import resolve as library
    from arxref.cli import resolve as command

    assert command.RESOLVE_MIN == library.RESOLVE_MIN
    assert f"[default {library.RESOLVE_MIN}]" in run(["--help"]).stdout


def test_help_does_not_load_the_scoring_libraries() -> None:
    """The threshold shown by --help comes from arxref.config, so rapidfuzz and arxiv stay unloaded."""
    import subprocess
    import sys

    code = ("import sys\nfrom arxref.cli import main\n"
            "try:\n    main(['resolve', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('HEAVY:' + ','.join(m for m in ('rapidfuzz', 'arxiv', 'requests', 'sqlite3') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "[default 0.4]" in out and out.strip().splitlines()[-1] == "HEAVY:"


def test_unreadable_input_is_warned_first_then_records_problems_and_summary(seeded: Path, tmp_path: Path) -> None:
    dump = tmp_path / "dump.txt"
    dump.write_bytes(b"Abstract:" + NONSENSE.encode() + b" caf\xe9\n")
    result = run([str(dump), "--offline", "--cache", str(seeded), "--format", "text"])
    assert result.exit_code == 1  # the unmatched records are problems
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"arxref: warning: {dump}:1: invalid UTF-8")
    assert lines[1].startswith(f"{dump}:1: unmatched: 'Purple calculators")
    assert lines[2].startswith("arxref resolve: resolved 0, given 0, ambiguous 0, unmatched 1,")
    assert result.stdout.startswith(f"{dump}:1: unmatched 'Purple calculators")


def test_no_readable_input_exits_1_with_one_error_line(seeded: Path, tmp_path: Path) -> None:
    """Like scan, check and export: an empty report would look like "nothing to resolve"."""
    binary = tmp_path / "scan.pdf.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    result = run([str(binary), "--offline", "--cache", str(seeded)])
    assert result.exit_code == 1, result.stderr
    assert result.stderr.startswith("arxref: error: no input file could be read")
    assert str(binary) in result.stderr and len(result.stderr.splitlines()) == 1
    assert result.stdout == ""
