"""Benchmark the offline cache: bulk snapshot import, lookups and local full-text search.

Generates a SYNTHETIC snapshot file in arXiv's JSON Lines layout (made-up words
from a syllable list, Zipf-distributed like real text; valid new-style ids, one
per line), imports it with ``arxref cache import`` (a subprocess, as a user runs
it), then measures ``get``/``get_many`` lookups and ``search_local`` latency.

    python3 benchmarks/bench_cache.py                  # 1,000,000 records
    python3 benchmarks/bench_cache.py --records 100000 # quick run

Nothing here is real paper metadata.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import accumulate
from pathlib import Path

SYLLABLES = ("ka lo mi ne ru ta si vo pe da fu gi ho ja ke li mo na pi ra so tu ve wa xi yo ze "
             "bar cen dor fel gan hin jor kel lun mar nor pel quin ros sul tor ven wir").split()
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()


def make_vocabulary(rng: random.Random, size: int) -> tuple[list[str], list[float]]:
    """``size`` distinct made-up words and Zipf cumulative weights (word i has weight 1/(i+1))."""
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))] = None
    return list(words), list(accumulate(1.0 / (rank + 1) for rank in range(size)))


def synthetic_ids(count: int) -> list[str]:
    """Valid, distinct new-style ids (5-digit numbers, 2015 on), in order."""
    per_month = max(1, -(-count // 118))  # 1501..2410
    ids: list[str] = []
    for month_index in range(118):
        year, month = 15 + month_index // 12, 1 + month_index % 12
        for number in range(1, per_month + 1):
            ids.append(f"{year:02d}{month:02d}.{number:05d}")
            if len(ids) == count:
                return ids
    return ids


def created(year: int, month: int, day: int, rng: random.Random) -> str:
    import datetime as dt

    value = dt.datetime(year, month, day, rng.randrange(24), rng.randrange(60), rng.randrange(60))
    return f"{DAYS[value.weekday()]}, {day} {MONTHS[month - 1]} {year} {value:%H:%M:%S} GMT"


def write_snapshot(path: Path, count: int, seed: int = 7) -> None:
    """Write ``count`` synthetic snapshot lines to ``path``."""
    rng = random.Random(seed)
    words, weights = make_vocabulary(rng, 30_000)
    names = [w.capitalize() for w in words[5000:9000]]
    categories = "cs.LG cs.CL cs.CV cs.AI stat.ML math.OC hep-th quant-ph astro-ph.GA cond-mat.str-el".split()
    with open(path, "w", encoding="utf-8") as out:
        for arxiv_id in synthetic_ids(count):
            year, month = 2000 + int(arxiv_id[:2]), int(arxiv_id[2:4])
            title_words = rng.choices(words, cum_weights=weights, k=rng.randint(5, 12))
            abstract_words = rng.choices(words, cum_weights=weights, k=rng.randint(80, 180))
            authors = [(rng.choice(names), rng.choice(names)) for _ in range(rng.randint(1, 8))]
            n_versions = rng.choice((1, 1, 1, 2, 2, 3))
            versions = [{"version": f"v{v}", "created": created(year, month, min(28, v * 3), rng)}
                        for v in range(1, n_versions + 1)]
            cats = rng.sample(categories, rng.randint(1, 3))
            record = {
                "id": arxiv_id, "submitter": authors[0][0] + " " + authors[0][1],
                "authors": ", ".join(f"{first} {last}" for first, last in authors),
                "title": "Synthetic " + " ".join(title_words).capitalize(),
                "comments": f"{rng.randint(4, 40)} pages" if rng.random() < 0.6 else None,
                "journal-ref": None, "doi": None, "report-no": None,
                "categories": " ".join(cats), "license": None,
                "abstract": "  " + " ".join(abstract_words).capitalize() + ".\n",
                "versions": versions,
                "update_date": f"{year}-{month:02d}-28",
                "authors_parsed": [[last, first, ""] for first, last in authors],
            }
            out.write(json.dumps(record) + "\n")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the snapshot and cache go (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--snapshot", type=Path, default=None,
                        help="reuse this synthetic snapshot (generated there first if missing; "
                             "its --records must match)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        snapshot = args.snapshot or work / "synthetic-snapshot.jsonl"
        cache = work / "cache.sqlite"
        if args.snapshot and snapshot.exists():
            print(f"reusing {snapshot}; snapshot {snapshot.stat().st_size / 1e6:,.1f} MB")
        else:
            started = time.perf_counter()
            write_snapshot(snapshot, args.records)
            print(f"generated {args.records:,} synthetic records in {time.perf_counter() - started:.1f} s; "
                  f"snapshot {snapshot.stat().st_size / 1e6:,.1f} MB")

        code = (
            "import resource, sys, time\n"
            "from arxref.cli import main\n"
            "t = time.perf_counter()\n"
            "try:\n    main(['cache', 'import', sys.argv[1], '--cache', sys.argv[2]])\n"
            "except SystemExit as e:\n    code = e.code\n"
            "print(f'IMPORT_SECONDS {time.perf_counter() - t:.3f}', file=sys.stderr)\n"
            "print(f'MAXRSS_KB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr)\n"
            "for who, usage in (('MAIN', resource.RUSAGE_SELF), ('HELPER', resource.RUSAGE_CHILDREN)):\n"
            "    r = resource.getrusage(usage)\n"
            "    print(f'IMPORT_CPU_{who} {r.ru_utime + r.ru_stime:.3f}', file=sys.stderr)\n"
        )
        result = subprocess.run([sys.executable, "-c", code, str(snapshot), str(cache)],
                                capture_output=True, text=True, check=True)
        figures = dict(line.split(" ", 1) for line in result.stderr.splitlines() if line.startswith(("IMPORT_", "MAXRSS_")))
        seconds = float(figures["IMPORT_SECONDS"])
        print(result.stdout.strip())
        print(f"import: {args.records / seconds:,.0f} records/s ({seconds:.1f} s); "
              f"peak RSS {int(figures['MAXRSS_KB']) / 1024:,.0f} MB; "
              f"cache {sum(p.stat().st_size for p in work.glob('cache.sqlite*')) / 1e6:,.1f} MB")
        # CPU per record says more than wall time on a machine shared with other work
        print(f"import CPU: importing process {float(figures['IMPORT_CPU_MAIN']) / args.records * 1e6:.0f} us/record, "
              f"parsing helper {float(figures['IMPORT_CPU_HELPER']) / args.records * 1e6:.0f} us/record")

        from arxref.cache import Cache

        rng = random.Random(11)
        ids = synthetic_ids(args.records)
        with Cache(cache) as db:
            sample = [rng.choice(ids) for _ in range(20_000)]
            t = time.perf_counter()
            for arxiv_id in sample:
                assert db.get(arxiv_id) is not None
            print(f"get: {len(sample) / (time.perf_counter() - t):,.0f} lookups/s")
            t = time.perf_counter()
            got = 0
            for start in range(0, len(sample), 100):
                got += len(db.get_many(sample[start : start + 100]))
            print(f"get_many (batches of 100): {got / (time.perf_counter() - t):,.0f} papers/s")

            latencies, hits = [], 0
            for arxiv_id in [rng.choice(ids) for _ in range(300)]:
                paper = db.get(arxiv_id)
                words = paper.abstract.split()
                start = rng.randrange(max(1, len(words) - 30))
                query = " ".join(words[start : start + 30])
                t = time.perf_counter()
                found = db.search_local(query, limit=20)
                latencies.append((time.perf_counter() - t) * 1000)
                hits += bool(found) and found[0].arxiv_id == arxiv_id
            print(f"search_local (30-word abstract chunk): median {statistics.median(latencies):.2f} ms, "
                  f"p90 {percentile(latencies, 0.9):.2f} ms, top-1 correct {hits}/300")
            latencies = []
            for arxiv_id in [rng.choice(ids) for _ in range(300)]:
                title = db.get(arxiv_id).title
                t = time.perf_counter()
                db.search_local(title, limit=20)
                latencies.append((time.perf_counter() - t) * 1000)
            print(f"search_local (title): median {statistics.median(latencies):.2f} ms, "
                  f"p90 {percentile(latencies, 0.9):.2f} ms")
        if args.keep and not args.snapshot:
            keep = Path("benchmarks/data")
            keep.mkdir(parents=True, exist_ok=True)
            os.replace(snapshot, keep / snapshot.name)
            print(f"kept {keep / snapshot.name}")
        print(f"this process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
