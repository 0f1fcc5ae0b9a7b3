"""Benchmark the writing side of a snapshot import alone: where the import's floor is.

``arxref cache import`` parses lines in a helper process while the importing process
writes rows; the writer is the slower side. This generates a SYNTHETIC snapshot (the
generator of ``bench_cache.py``), parses it into rows untimed, then times only the
writes into a fresh cache, in the import's chunks and settings, twice: as shipped,
and with the full-text index insert left out (to show what the index costs).

    python3 benchmarks/bench_cache_write.py                 # 100,000 records
    python3 benchmarks/bench_cache_write.py --records 20000 # quick run

Nothing here is real paper metadata.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_cache  # noqa: E402  (the synthetic snapshot generator)

from arxref.cache import IMPORT_CHUNK, Cache, merge as cache_module  # noqa: E402
from arxref.cache.importer import bulk_mode  # noqa: E402
from arxref.cache.lines import parse_snapshot_lines  # noqa: E402


def write_rows(rows: list, path: Path, index: bool) -> tuple[float, float, float, int]:
    """Write rows as the importer does; (user us, system us, wall us) per record and file bytes."""
    saved = cache_module._FTS_INSERT_NEW
    if not index:
        cache_module._FTS_INSERT_NEW = "SELECT ?"  # same statement count, no index insert
    try:
        with Cache(path) as cache:
            bulk_mode(cache.conn, True)
            before, began = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            for start in range(0, len(rows), IMPORT_CHUNK):
                cache.write_rows(rows[start : start + IMPORT_CHUNK])
            bulk_mode(cache.conn, False)
            wall, after = time.perf_counter() - began, resource.getrusage(resource.RUSAGE_SELF)
    finally:
        cache_module._FTS_INSERT_NEW = saved
    count = len(rows)
    size = sum(os.path.getsize(f"{path}{s}") for s in ("", "-wal") if os.path.exists(f"{path}{s}"))
    return ((after.ru_utime - before.ru_utime) / count * 1e6, (after.ru_stime - before.ru_stime) / count * 1e6,
            wall / count * 1e6, size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="arxref-bench-") as tmp:
        snapshot = Path(tmp) / "snapshot.json"
        bench_cache.write_snapshot(snapshot, args.records)
        lines = snapshot.read_bytes().splitlines(keepends=True)
        began = time.process_time()
        rows: list = []
        for start in range(0, len(lines), IMPORT_CHUNK):
            rows.extend(parse_snapshot_lines("snapshot.json", start + 1, lines[start : start + IMPORT_CHUNK])[0])
        parse = (time.process_time() - began) / len(lines) * 1e6
        del lines
        print(f"{len(rows):,} synthetic records; parsing (untimed below): {parse:.1f} us/record of CPU")
        for index in (True, False):
            user, system, wall, size = write_rows(rows, Path(tmp) / f"c{int(index)}.sqlite", index)
            label = "write, as shipped" if index else "write, no full-text index"
            print(f"{label:<26} {user + system:6.1f} us/record CPU (user {user:.1f}, system {system:.1f}), "
                  f"wall {wall:.1f} us; {size / len(rows):,.0f} bytes/record on disk")


if __name__ == "__main__":
    main()
