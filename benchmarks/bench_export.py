"""Benchmark: `arxref export` end to end, answered from the cache, against bibtexparser's writer.

A dump with one arXiv id per line (N distinct SYNTHETIC papers, generated as in
bench_writers.py: realistic title, author and abstract lengths) is exported to BibTeX,
CSL-JSON and RIS with every paper already in the offline cache: scanning, cache
lookups, deduplication, keys and the three writers. The baseline, measured in the same
run on the same entries, is bibtexparser v2's ``write_string`` alone on a Library holding
the entries of the .bib that export wrote (parsed beforehand, not timed). Target: export
takes at most 1/3 of that (ratio <= 0.33).

Run: ``python3 benchmarks/bench_export.py [N]`` (default 100000). Medians of three runs each.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_writers import synthetic_papers  # noqa: E402

from arxref.cache import Cache  # noqa: E402
from arxref.config import Settings  # noqa: E402
from arxref.pipeline import export  # noqa: E402

ROUNDS = 3


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
        print(f"{len(papers)} synthetic papers, all cached; dump {dump.stat().st_size / 1e6:.1f} MB\n")

        import bibtexparser

        export_times: list[float] = []
        baseline_times: list[float] = []
        library = None
        for _ in range(ROUNDS):
            began = time.perf_counter()
            report = export([dump], out, settings=settings)
            export_times.append(time.perf_counter() - began)
            assert len(report.entries) == len(papers), (len(report.entries), len(papers))
            if library is None:
                library = bibtexparser.parse_string((out / "references.bib").read_text(encoding="utf-8"))
                assert len(library.entries) == len(papers)
            began = time.perf_counter()
            bibtexparser.write_string(library)
            baseline_times.append(time.perf_counter() - began)
            print(f"export (bib+json+ris) {export_times[-1]:7.2f} s   bibtexparser write_string {baseline_times[-1]:7.2f} s")
        t_export, t_base = statistics.median(export_times), statistics.median(baseline_times)
        print(f"\nmedians: export {t_export:.2f} s, bibtexparser write_string {t_base:.2f} s")
        print(f"export / write_string = {t_export / t_base:.2f} (aim <= 0.33)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
