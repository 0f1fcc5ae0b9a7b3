"""Run every benchmark of the project and write benchmarks/RESULTS.md (one Markdown table).

Usage:
    python3 benchmarks/run_all.py            # full sizes (the figures the issues ask for; ~20 min)
    python3 benchmarks/run_all.py --quick    # small sizes, to check that everything still runs

Each benchmark is a standalone script that prints its figures; this runner executes them
in a fresh interpreter, keeps their full output under "Raw output", and pulls the headline
figures into the table (figure, value, comparison/aim, machine).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Figure:
    name: str
    pattern: str
    """Regex with one group: the value as printed."""
    aim: str


@dataclass
class Bench:
    script: str
    full_args: list[str]
    quick_args: list[str]
    figures: list[Figure]


BENCHES = [
    Bench("bench_scan.py", ["--size-mb", "200"], ["--size-mb", "10"], [
        Figure("scan throughput", r"scan: [\d.]+ s, ([\d.]+ MB/s)", ">= 30 MB/s"),
        Figure("scan peak RSS", r"peak RSS: ([\d.]+ MB \(before scan [\d.]+ MB, growth [\d.]+ MB\))", "flat"),
    ]),
    Bench("bench_cache.py", ["--records", "1000000"], ["--records", "20000"], [
        Figure("snapshot import", r"import[^\n]*?([\d,]+ records/s)", ">= 20,000 records/s"),
        Figure("snapshot file size", r"snapshot[^\n]*?([\d,.]+ [MG]B)", ""),
        Figure("cache file size", r"; cache ([\d,.]+ [MG]B)", ""),
        Figure("import peak memory", r"import:[^\n]*?peak RSS ([\d,.]+ MB)", "flat"),
        Figure("cached lookups (get)", r"get[^\n]*?([\d,]+ lookups/s)", ""),
        Figure("local full-text search", r"search_local[^\n]*?(median [\d.]+ ms)", "a few ms"),
    ]),
    Bench("bench_cache_write.py", [], ["--records", "20000"], [
        Figure("import's writing side alone (CPU per record)", r"write, as shipped +([\d.]+ us/record)", "the import's floor"),
        Figure("... without the full-text index", r"write, no full-text index +([\d.]+ us/record)", ""),
    ]),
    Bench("bench_resolve.py", [], ["--papers", "5000", "--records", "200", "--online-papers", "500",
                                   "--online-records", "40"], [
        Figure("local resolution precision", r"precision[ =:]+([\d.]+)", ">= 0.99"),
        Figure("local resolution recall", r"recall[ =:]+([\d.]+)", ">= 0.98"),
        Figure("local resolution median (ms per record)", r"ms per record: median ([\d.]+)", "<= 20 ms"),
        Figure("search requests per id-less record", r"search requests \d+ = ([\d.]+) per record", "far below 1"),
    ]),
    Bench("bench_writers.py", [], [], [
        Figure("BibTeX vs bibtexparser writer", r"bibtexparser[^\n]*?([\d.]+x)", ">= 3x faster"),
        Figure("BibTeX vs pybtex writer", r"pybtex[^\n]*?([\d.]+x)", ""),
        Figure("all three formats, as export writes them", r"as export writes them: ([\d.]+ s)", "< 5 s"),
        Figure("all three formats, one process", r"; one process: ([\d.]+ s)", ""),
    ]),
    Bench("bench_long_lines.py", ["--sizes", "16", "64", "1024"], ["--sizes", "16"], [
        Figure("one-line file vs line breaks (throughput ratio, largest size)",
               r"(?s).*one-line/baseline ([\d.]+)", "~1 (linear)"),
        Figure("one-line file throughput (largest size)", r"(?s).*one line: +([\d.]+ MB/s)", ">= 30 MB/s"),
    ]),
    Bench("bench_export_memory.py", ["--sizes", "10", "100"], ["--sizes", "10"], [
        Figure("export peak RSS (largest dump)", r"(?s).*peak RSS +([\d.]+ MiB)", "<= 500 MB, flat"),
    ]),
    Bench("bench_export.py", ["100000"], ["20000"], [
        Figure("export from cache / bibtexparser write_string", r"write_string = ([\d.]+)", "<= 0.33"),
    ]),
    Bench("bench_startup.py", ["--runs", "20"], ["--runs", "5"], [
        Figure("arxref --help start-up", r"median ([\d.]+ s)", "< 0.3 s"),
    ]),
]


def machine() -> str:
    cpus = os.cpu_count() or 0
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = 0.0
    return f"{platform.machine()}, {cpus} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def run(bench: Bench, quick: bool) -> tuple[str, float, int]:
    args = bench.quick_args if quick else bench.full_args
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(HERE / bench.script), *args], capture_output=True, text=True)
    return proc.stdout + proc.stderr, time.perf_counter() - start, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run, not the reported figures)")
    parser.add_argument("--only", nargs="*", help="script names to run (default: all)")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    host = machine()
    rows: list[str] = []
    raw: list[str] = []
    failed = 0
    for bench in BENCHES:
        if args.only and bench.script not in args.only:
            continue
        print(f"running {bench.script} ...", file=sys.stderr, flush=True)
        output, seconds, code = run(bench, args.quick)
        failed += code != 0
        for fig in bench.figures:
            match = re.search(fig.pattern, output, re.IGNORECASE)
            value = match.group(1) if match else ("(failed)" if code else "(not printed)")
            rows.append(f"| {fig.name} | {value} | {fig.aim} | `{bench.script}` | {host} |")
        cmd = " ".join(["python3", f"benchmarks/{bench.script}", *(bench.quick_args if args.quick else bench.full_args)])
        raw.append(f"### {bench.script} ({seconds:.0f} s, exit {code})\n\n`{cmd}`\n\n```\n{output.strip()}\n```\n")
    kind = "quick smoke run (small sizes)" if args.quick else "full sizes"
    text = (
        "# Benchmark results\n\n"
        f"Generated by `python3 benchmarks/run_all.py{' --quick' if args.quick else ''}` ({kind}) on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n\n"
        "| figure | value | comparison / aim | benchmark | machine |\n| --- | --- | --- | --- | --- |\n"
        + "\n".join(rows) + "\n\n## Raw output\n\n" + "\n".join(raw)
    )
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
