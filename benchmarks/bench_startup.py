"""Start-up time of `arxref --help` (target: under 0.3 s thanks to lazy imports).

Usage: python3 benchmarks/bench_startup.py [--runs 20]
Prints the median and best wall time of a fresh interpreter running `arxref --help`,
and of `python3 -c pass` for comparison (the floor no CLI can beat).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def _time(cmd: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    exe = shutil.which("arxref")
    cli = [exe, "--help"] if exe else [sys.executable, "-m", "arxref", "--help"]
    help_times = _time(cli, args.runs)
    floor = _time([sys.executable, "-c", "pass"], args.runs)
    figures = {
        "help_median_s": statistics.median(help_times),
        "help_best_s": min(help_times),
        "python_floor_median_s": statistics.median(floor),
    }
    print(f"arxref --help: median {figures['help_median_s']:.3f} s, best {figures['help_best_s']:.3f} s "
          f"({args.runs} runs; python -c pass: {figures['python_floor_median_s']:.3f} s)")
    return figures


if __name__ == "__main__":
    main()
