"""Scanner throughput and memory on a large abstract/listing dump.

Builds a dump from the real seed lines (seeds/*.txt) repeated with varied ids:
half in the ``Abstract:`` shape, half in the copied-listing shape (id glued to
the start of the next abstract, comments lines in between). Then scans both
files with arxref.scan.scan_paths and prints MB/s, records, and peak memory.

    python3 benchmarks/bench_scan.py                 # 200 MB
    python3 benchmarks/bench_scan.py --size-mb 20 --keep

Aim: >= 30 MB/s with flat memory (peak RSS independent of the dump size).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def seed_abstracts() -> list[str]:
    """The real abstracts of the seed files (text only)."""
    abstracts = []
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("Abstract:"):
                abstracts.append(line[len("Abstract:"):])
    return abstracts


def write_dumps(directory: Path, size_mb: float) -> list[Path]:
    """An abstract dump and a listing of about size_mb/2 MB each; ids vary per record."""
    abstracts = seed_abstracts()
    target = int(size_mb * 1_000_000 / 2)
    comments = ["32 pages, report", "23 pages, 1 table", "To appear in IEEE Signal Processing Magazine"]
    abstract_path, listing_path = directory / "dump-abstracts.txt", directory / "dump-listing.txt"
    with open(abstract_path, "w", encoding="utf-8") as out:
        written, i = 0, 0
        while written < target:
            line = f"Abstract:{abstracts[i % len(abstracts)]}\n"
            if i % 7 == 0:
                line = line[:-1] + f" (see arXiv:{_fake_id(i)})\n"
            out.write(line)
            written += len(line.encode("utf-8"))
            i += 1
    with open(listing_path, "w", encoding="utf-8") as out:
        written, i = 0, 0
        out.write(abstracts[0] + "\n")
        while written < target:
            chunk = ""
            if i % 3 == 0:
                chunk += comments[i % len(comments)] + "\n"
            chunk += f"arXiv:{_fake_id(i)}{abstracts[(i + 1) % len(abstracts)]}\n"
            out.write(chunk)
            written += len(chunk.encode("utf-8"))
            i += 1
        out.write(f"arXiv:{_fake_id(i)}\n")
    return [abstract_path, listing_path]


def _fake_id(i: int) -> str:
    """A well-formed id that varies with i (ids from 1501 on have 5 digits)."""
    year = 15 + (i // 12) % 9
    month = 1 + i % 12
    return f"{year:02d}{month:02d}.{1 + i % 99999:05d}"


def measure(paths: list[Path], trace: bool) -> tuple[float, float, int, int, int]:
    """(wall seconds, CPU seconds, records, ids, tracemalloc peak bytes or 0) for one scan."""
    from arxref.scan import scan_paths

    if trace:
        tracemalloc.start()
    records = with_ids = 0
    cpu = time.process_time()
    start = time.perf_counter()
    for record in scan_paths(paths):
        records += 1
        with_ids += record.arxiv_id is not None
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    return elapsed, cpu, records, with_ids, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=200.0, help="total dump size (default 200)")
    parser.add_argument("--dir", type=Path, help="where to write the dump (default: a temp dir, removed after)")
    parser.add_argument("--keep", action="store_true", help="keep the generated dump")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also run a (slower) pass under tracemalloc for the Python heap peak")
    args = parser.parse_args(argv)

    directory = args.dir or Path(tempfile.mkdtemp(prefix="arxref-bench-scan-"))
    directory.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        paths = write_dumps(directory, args.size_mb)
        size = sum(p.stat().st_size for p in paths)
        print(f"dump: {size / 1e6:.1f} MB in {len(paths)} files ({time.perf_counter() - t0:.1f} s to write)")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        elapsed, cpu, records, with_ids, _ = measure(paths, trace=False)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"scan: {elapsed:.2f} s, {size / 1e6 / elapsed:.1f} MB/s, {records} records "
              f"({with_ids} with an id), {records / elapsed:,.0f} records/s")
        print(f"cpu: {cpu:.2f} s of process time, {size / 1e6 / cpu:.1f} MB per CPU second "
              f"(wall-clock is lower when other processes share the cores)")
        print(f"peak RSS: {rss_after / 1024:.1f} MB (before scan {rss_before / 1024:.1f} MB, "
              f"growth {(rss_after - rss_before) / 1024:.1f} MB)")
        if args.tracemalloc:
            t_elapsed, _, _, _, peak = measure(paths, trace=True)
            print(f"tracemalloc: Python heap peak {peak / 1e6:.2f} MB (traced pass {t_elapsed:.1f} s)")
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(directory, ignore_errors=True)
        elif args.keep:
            print(f"dump kept in {directory}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
