"""Benchmark: `arxref export` end to end, answered from the cache, against bibtexparser's writer.

A dump with one arXiv id per line (N distinct SYNTHETIC papers, generated as in
bench_writers.py: realistic title, author and abstract lengths) is exported to BibTeX,
CSL-JSON and RIS with every paper already in the offline cache: scanning, cache
lookups, deduplication, keys and the three writers. The baseline, measured in the same
run on the same entries, is bibtexparser v2's ``write_string`` alone on a Library holding
the entries of the .bib that export wrote (parsed beforehand, not timed). Target: export
takes at most 1/3 of that (ratio <= 0.33).

Each is timed in a fresh process, as a user runs it: ``arxref export`` as a command
(interpreter start-up and imports included), and the baseline in its own process. In
one process, either would pay for the other's heap: the collector walks a parsed
Library of 100,000 entries during the export, and the export's report during the write.

Run: ``python3 benchmarks/bench_export.py [N]`` (default 100000). Medians of three runs each.
Then one more export, stage by stage through the library functions it is made of (scan
and fold of mentions, resolve from the cache, deduplication and keys, the write of the
three files), prints where the time goes: wall clock, and the CPU of all the export's
processes (the write formats half of the entries in a forked child). That CPU over the
cores is a floor no schedule can beat, printed as the best ratio spreading the stages
over the cores could give without making any of them do less work per paper.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_writers import synthetic_papers  # noqa: E402

from arxref.cache import Cache  # noqa: E402
from arxref.config import Settings  # noqa: E402

ROUNDS = 3

#: The baseline's process: parse the .bib export wrote (not timed), then time write_string alone.
BASELINE = """
import sys, time, bibtexparser
library = bibtexparser.parse_string(open(sys.argv[1], encoding="utf-8").read())
assert len(library.entries) == int(sys.argv[2]), len(library.entries)
began = time.perf_counter()
bibtexparser.write_string(library)
print(time.perf_counter() - began)
"""


def main(count: int) -> None:
    papers = list({p.arxiv_id: p for p in synthetic_papers(count)}.values())
    with tempfile.TemporaryDirectory(prefix="arxref-bench-export-") as tmp:
        root = Path(tmp)
        cache_path = root / "cache.sqlite"
        with Cache(cache_path) as cache:
            cache.put_papers(papers)
        dump = root / "dump.txt"
        dump.write_text("".join(f"arXiv:{p.arxiv_id}\n" for p in papers), encoding="utf-8")
        settings = Settings(cache_path=cache_path, offline=True)
        out = root / "out"
        print(f"{len(papers)} synthetic papers, all cached; dump {dump.stat().st_size / 1e6:.1f} MB")
        print("each timing in a fresh process, as a user runs them: `arxref export` (start-up and imports"
              " included) and bibtexparser's write_string (after parsing the .bib export wrote, not timed)\n")

        env = dict(os.environ, ARXREF_CACHE=str(cache_path), ARXREF_OFFLINE="1")
        command = [sys.executable, "-m", "arxref", "export", str(dump), "-o", str(out), "-q"]
        export_times: list[float] = []
        baseline_times: list[float] = []
        for _ in range(ROUNDS):
            began = time.perf_counter()
            run = subprocess.run(command, env=env, capture_output=True, text=True)
            export_times.append(time.perf_counter() - began)
            if run.returncode != 0:
                raise SystemExit(f"arxref export exited {run.returncode}: {run.stderr.strip()}")
            baseline = subprocess.run([sys.executable, "-c", BASELINE, str(out / "references.bib"), str(len(papers))],
                                      capture_output=True, text=True, check=True)
            baseline_times.append(float(baseline.stdout))
            print(f"export (bib+json+ris) {export_times[-1]:7.2f} s   bibtexparser write_string {baseline_times[-1]:7.2f} s")
        t_export, t_base = statistics.median(export_times), statistics.median(baseline_times)
        print(f"\nmedians: export {t_export:.2f} s, bibtexparser write_string {t_base:.2f} s")
        print(f"export / write_string = {t_export / t_base:.2f} (aim <= 0.33)")
        stage_breakdown(dump, root / "stages", settings, t_base)


def _cpu() -> float:
    """CPU seconds of this process and of its children reaped so far (the forked writer)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def stage_breakdown(dump: Path, out: Path, settings: Settings, baseline: float) -> None:
    """One export again, stage by stage, as :func:`arxref.pipeline.export` runs them, with the
    CPU each stage used in all processes: the whole export's CPU over the cores is a bound no
    schedule beats, so it says how far spreading the stages over the cores could go."""
    from arxref.atomic import write_atomically_many
    from arxref.collector import few_full_collections
    from arxref.dedup import build_entries
    from arxref.formats import WriteOptions, write_formats
    from arxref.mentions import distinct_papers
    from arxref.resolve import resolve_records
    from arxref.scan import scan_paths

    times: list[tuple[str, float, float]] = []

    def timed(name: str, step: Any) -> Any:
        wall, cpu = time.perf_counter(), _cpu()
        result = step()
        times.append((name, time.perf_counter() - wall, _cpu() - cpu))
        return result

    out.mkdir(exist_ok=True)
    formats = ("bib", "json", "ris")
    with few_full_collections():
        papers = timed("scan", lambda: distinct_papers(scan_paths([dump])))
        with Cache(settings.cache_path) as cache:
            resolutions = timed("resolve", lambda: resolve_records(papers.records, settings, cache))
        pairs = [(res.record, res.paper) for res in resolutions if res.paper is not None]
        entries = timed("dedup", lambda: build_entries(pairs))
        targets = [out / f"references.{fmt}" for fmt in formats]
        timed("write", lambda: write_atomically_many(
            targets, lambda streams: write_formats(entries, dict(zip(formats, streams)), WriteOptions()), binary=True))
    cpu_total = sum(t[2] for t in times)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    print("\nstages of one more export (wall s / CPU s of all its processes):")
    print("  " + "   ".join(f"{name} {wall:.2f}/{cpu:.2f}" for name, wall, cpu in times)
          + f"   total {sum(t[1] for t in times):.2f}/{cpu_total:.2f}")
    print(f"  on {cores} cores no schedule of this CPU takes less than {cpu_total / cores:.2f} s: "
          f"export / write_string >= {cpu_total / cores / baseline:.2f} without less work per paper")
    before_write = sum(cpu for name, _, cpu in times if name != "write")
    print(f"  scan, resolve and dedup alone use {before_write:.2f} s of CPU: {before_write / baseline:.2f}"
          f" of write_string before a byte is written")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
