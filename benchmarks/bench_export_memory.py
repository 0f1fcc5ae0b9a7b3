"""Benchmark: peak memory of `arxref export` follows papers, not mentions.

A dump with an arXiv id on every line (the ids of the shipped responses in
examples/arxiv-responses, in several written forms) is exported offline from a cache
holding those responses. Printed: peak RSS and time of the `arxref export` child for a
small dump (the baseline, same run) and for the large one; flat memory means the two
peaks are close. Target: <= 500 MB for a 1 GiB dump (before the fix a 100 MiB dump
used 2.2-4.1 GB).

Run: ``python3 benchmarks/bench_export_memory.py`` (10 and 100 MB) or ``--sizes 10 1024``.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = ROOT / "examples" / "arxiv-responses"
FORMS = ("arXiv:{}", "https://arxiv.org/abs/{}", "see arXiv:{} for details", "{}v1", "[{}]")


def write_dump(path: Path, size: int, ids: list[str]) -> int:
    rng = random.Random(7)
    lines = [rng.choice(FORMS).format(rng.choice(ids)) + "\n" for _ in range(10_000)]
    block = "".join(lines).encode("ascii")
    written = 0
    with open(path, "wb") as handle:
        while written < size:
            handle.write(block)
            written += len(block)
    return written


def run_export(dump: Path, out: Path, cache: Path) -> tuple[float, float, str]:
    """(seconds, peak RSS MiB, last stderr line) of one `arxref export` child, run alone in a fresh process."""
    script = (
        "import resource, subprocess, sys, time\n"
        "began = time.perf_counter()\n"
        "run = subprocess.run([sys.executable, '-m', 'arxref', 'export', sys.argv[1], '-o', sys.argv[2]],"
        " capture_output=True, text=True)\n"
        "print(time.perf_counter() - began, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
        "print(run.stderr.strip().splitlines()[-1])\n"
    )
    env = dict(os.environ, ARXREF_CACHE=str(cache), ARXREF_OFFLINE="1")
    out_lines = subprocess.run([sys.executable, "-c", script, str(dump), str(out)], env=env, capture_output=True,
                               text=True, check=True).stdout.splitlines()
    seconds, rss = map(float, out_lines[0].split())
    return seconds, rss, out_lines[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100], help="dump sizes in MB (first = baseline)")
    args = parser.parse_args()
    ids = sorted({m.group(1) for m in (re.match(r"(\d{4}\.\d{4,5})\.xml$", p.name) for p in RESPONSES.iterdir()) if m})
    with tempfile.TemporaryDirectory(prefix="arxref-bench-memory-") as tmp:
        root = Path(tmp)
        cache = root / "cache.sqlite"
        subprocess.run([sys.executable, "-m", "arxref", "cache", "import", str(RESPONSES), "--cache", str(cache)],
                       check=True, capture_output=True)
        for size_mb in args.sizes:
            dump = root / f"dump-{size_mb}.txt"
            began = time.perf_counter()
            size = write_dump(dump, size_mb * 1_000_000, ids)
            made = time.perf_counter() - began
            seconds, rss, summary = run_export(dump, root / "out", cache)
            print(f"{size / 1e6:7.0f} MB dump ({made:.0f} s to write): export {seconds:6.1f} s, "
                  f"peak RSS {rss:6.1f} MiB  [{summary}]")
            dump.unlink()


if __name__ == "__main__":
    main()
