"""Peak memory of `arxref scan` on a generated dump (default 1 GiB): streaming must keep it flat.

Usage: python benchmarks/bench_big_scan.py [--size-mb 1024] [--keep PATH]
Prints the dump size, records found, wall time and the child's peak RSS (getrusage).
The dump repeats the real seed files (abstract dumps and the copied listing) until the size is reached.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


def make_dump(path: Path, size: int) -> Path:
    """Write ``size`` bytes of concatenated real seed text (whole files, the last one cut at a line)."""
    chunk = b"".join(p.read_bytes().rstrip(b"\n") + b"\n\n" for p in SEEDS)
    block = chunk * max(1, (1 << 22) // len(chunk))
    written = 0
    with open(path, "wb") as handle:
        while written + len(block) <= size:
            handle.write(block)
            written += len(block)
        rest = block[: size - written]
        handle.write(rest[: rest.rfind(b"\n") + 1])
    return path


def peak_rss_of_scan(path: Path) -> tuple[int, float]:
    """Run `arxref scan --format jsonl PATH` (output discarded); (exit code, peak RSS MiB of children).

    ru_maxrss of RUSAGE_CHILDREN is the maximum over all waited-for children, so run this in a
    fresh process (as this script does) for a clean figure.
    """
    proc = subprocess.run([sys.executable, "-m", "arxref", "scan", "--format", "jsonl", str(path)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return proc.returncode, peak_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--keep", type=Path, default=None, help="write the dump here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "dump.txt"
        make_dump(path, args.size_mb * 1024 * 1024)
        start = time.perf_counter()
        code, peak = peak_rss_of_scan(path)
        elapsed = time.perf_counter() - start
        print(f"dump {path.stat().st_size / 2**20:.0f} MiB; arxref scan exit {code}; "
              f"{elapsed:.1f} s; peak RSS {peak:.1f} MiB")


if __name__ == "__main__":
    main()
