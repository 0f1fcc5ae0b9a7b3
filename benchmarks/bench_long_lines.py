"""Benchmark: scanning one-line files (a dump whose line breaks were lost) stays linear and flat.

For each size, the same real seed text (seeds/*.txt, repeated) is scanned twice in a fresh
process: with its line breaks (the baseline) and with every line break turned into a space
(one line of N MB). Printed: MB/s of each, their ratio, and each child's peak RSS. Before
the fix one-line files were quadratic (16 MB: 4.3 s, 32 MB: 79 s, 1 GiB did not finish).

Run: ``python3 benchmarks/bench_long_lines.py`` (16 and 64 MB) or ``--sizes 16 64 1024``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))

CHILD = """
import json, resource, sys, time
from arxref.scan import scan_file
began = time.perf_counter()
records = mentions = 0
for record in scan_file(sys.argv[1]):
    records += 1
    mentions += len(record.mentions)
print(json.dumps({"seconds": time.perf_counter() - began, "records": records, "mentions": mentions,
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write(path: Path, size: int, one_line: bool) -> None:
    text = b"".join(p.read_bytes().rstrip(b"\n") + b"\n\n" for p in SEEDS)
    if one_line:
        text = text.replace(b"\n", b" ")
    block = text * max(1, (1 << 22) // len(text))
    with open(path, "wb") as handle:
        written = 0
        while written < size:
            piece = block[: size - written]
            handle.write(piece)
            written += len(piece)


def measure(path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 64], help="sizes in MB (default 16 64)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="arxref-bench-long-") as tmp:
        for size_mb in args.sizes:
            size = size_mb * 1_000_000
            results = {}
            for one_line in (False, True):
                path = Path(tmp) / f"{size_mb}-{'one' if one_line else 'lines'}.txt"
                write(path, size, one_line)
                results[one_line] = measure(path)
                path.unlink()
            lines, one = results[False], results[True]
            lines_rate, one_rate = size / 1e6 / lines["seconds"], size / 1e6 / one["seconds"]
            print(f"{size_mb:>5} MB  with line breaks: {lines_rate:6.1f} MB/s, peak RSS {lines['rss_mib']:6.1f} MiB | "
                  f"one line: {one_rate:6.1f} MB/s, peak RSS {one['rss_mib']:6.1f} MiB, "
                  f"{one['records']:.0f} records, {one['mentions']:.0f} mentions | "
                  f"one-line/baseline {one_rate / lines_rate:.2f}")


if __name__ == "__main__":
    main()
