"""Benchmark: write 100,000 entries as BibTeX, CSL-JSON and RIS; compare BibTeX writers.

All entries are SYNTHETIC (generated here with realistic lengths: ~10-word titles, half
in Title Case, half in sentence case (some with proper nouns), 30% with an acronym or TeX,
1-12 authors with some accented and particle names, drawn from ~400 distinct names
(so the writers' per-name caches hit, as they do for the recurring authors of a real
bibliography), ~1,100-character abstracts, some TeX math). The same entries are given to bibtexparser v2's writer
(``bibtexparser.write_string`` on a ``Library``) and to pybtex's BibTeX writer
(``BibliographyData.to_string('bibtex')``); building their objects is timed apart
from writing. Both receive arxref's already-escaped field values, so they do less
work than arxref's writer does.

``arxref export`` writes the three formats in one pass and, for 20,000 entries or more
on Linux with two cores, in two processes (see ``arxref.formats.write_formats``): both
that and the one-process figure are printed (medians of three alternating runs each).

Run: ``python3 benchmarks/bench_writers.py [N]`` (default 100000).
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

from arxref.formats import FORMATS, WriteOptions, write_formats
from arxref.formats.forked import PARALLEL_MIN_ENTRIES, can_fork as _can_fork
from arxref.formats.bibtex import entry_type, format_authors  # noqa
from arxref.tex import bibtex_title
from arxref.keys import split_name
from arxref.model import Author, Entry, Paper

ROUNDS = 3

GIVEN = "Anna Ben Chen Dmitri Eva Farid Grace Hiro Ines Jun Karl Lena Marta Noor Olga Pablo Qian Rosa Sven Tomás Ute".split()
FAMILY = ("Müller Smith Wiśniewski Nguyen García Kowalski Rossi Dvořák Okafor Tanaka Schmidt Ivanova Larsen "
          "Martínez-Plumed Zhang O'Brien").split() + ["de Haas", "van der Berg", "De Sa"]
WORDS = ("learning model models language large neural network networks graph transformer attention training "
         "data robust efficient scaling inference optimization diffusion policy reinforcement vision text "
         "generation evaluation benchmark theory analysis sparse quantum causal").split()
SPECIAL = ["GPT-4", "BERT", "$O(n \\log n)$", "R&D", "50%", "CLIP:", "3D", "LLMs"]
PROPER = ["Gaussian", "Markov", "Bayesian", "Schr\\\"odinger", "Hilbert", "Monte Carlo"]


def synthetic_papers(count: int, seed: int = 1) -> list[Paper]:
    rng = random.Random(seed)
    start = datetime(2015, 1, 1, tzinfo=timezone.utc)
    papers = []
    for i in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(6, 14))]
        if rng.random() < 0.5:  # Title Case, as many arXiv titles are
            words = [w.capitalize() if len(w) > 3 or not n else w for n, w in enumerate(words)]
        else:  # sentence case, some with a proper noun
            words[0] = words[0].capitalize()
            if rng.random() < 0.3:
                words.insert(rng.randrange(1, len(words)), rng.choice(PROPER))
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words)), rng.choice(SPECIAL))
        title = " ".join(words)
        authors = [Author(f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}") for _ in range(rng.randint(1, 12))]
        abstract = " ".join(rng.choice(WORDS) for _ in range(150))
        published = start + timedelta(days=rng.randrange(3600))
        arxiv_id = f"{published:%y%m}.{i % 99999 + 1:05d}"
        papers.append(Paper(arxiv_id, rng.randint(1, 4), title, authors, abstract, published,
                            published + timedelta(days=rng.randrange(400)), ["cs.LG", "cs.AI"], "cs.LG"))
    return papers


def timed(label: str, func: object) -> float:
    began = time.perf_counter()
    func()  # type: ignore[operator]
    elapsed = time.perf_counter() - began
    print(f"{label:<46} {elapsed:8.2f} s")
    return elapsed


def main(count: int) -> None:
    papers = synthetic_papers(count)
    entries = [Entry(f"key{i}", p) for i, p in enumerate(papers)]
    options = WriteOptions()
    print(f"{count} synthetic entries\n")

    sizes: dict[str, int] = {}
    tmp = tempfile.mkdtemp(prefix="arxref-bench-")

    def run(formats: tuple[str, ...], processes: int | None) -> None:
        # to real files opened as `arxref export` opens them (binary; a 400 MB StringIO
        # would measure memory)
        streams = {f: open(os.path.join(tmp, f"refs.{f}"), "wb") for f in formats}
        try:
            write_formats(entries, streams, options, processes=processes)
        finally:
            for stream in streams.values():
                stream.close()
        for f in formats:
            sizes[f] = os.path.getsize(os.path.join(tmp, f"refs.{f}"))

    # one process each, so the comparison with the other libraries is like for like
    t_bib = timed("arxref BibTeX (1 process)", lambda: run(("bib",), 1))
    t_json = timed("arxref CSL-JSON (1 process)", lambda: run(("json",), 1))
    t_ris = timed("arxref RIS (1 process)", lambda: run(("ris",), 1))
    # the two ways of writing all three formats alternate (ROUNDS each, medians reported)
    # so that warm-up, page-cache writeback and machine drift hit both alike
    auto = "2 processes" if _can_fork({}) and count >= PARALLEL_MIN_ENTRIES else "1 process: no fork here"
    ones: list[float] = []
    autos: list[float] = []
    for _ in range(ROUNDS):
        ones.append(timed("arxref all three, one pass (1 process)", lambda: run(FORMATS, 1)))
        autos.append(timed(f"arxref all three, as export writes ({auto})", lambda: run(FORMATS, None)))
    t_one, total = statistics.median(ones), statistics.median(autos)
    print(f"{'medians of ' + str(ROUNDS) + ' alternating runs':<46} {t_one:8.2f} s (1 process), {total:.2f} s (as export)")
    print(f"{'':<46} ({sum(sizes.values()) / 1e6:.0f} MB written; separate runs summed: "
          f"{t_bib + t_json + t_ris:.2f} s)")
    shutil.rmtree(tmp)

    # the same entries, already escaped, as the other libraries' objects
    import bibtexparser
    from bibtexparser import model as bpm
    from pybtex.database import BibliographyData, Entry as PybtexEntry, Person

    def fields_of(entry: Entry) -> list[tuple[str, str]]:
        paper = entry.paper
        return [
            ("author", format_authors([split_name(a.name) for a in paper.authors], False)),
            ("title", bibtex_title(paper.title)), ("year", str(paper.published.year)),
            ("month", str(paper.published.month)), ("eprint", paper.arxiv_id), ("archivePrefix", "arXiv"),
            ("primaryClass", "cs.LG"), ("eprinttype", "arxiv"), ("eprintclass", "cs.LG"),
            ("doi", paper.datacite_doi), ("url", paper.abs_url),
        ]

    prepared = [(e.key, entry_type(e, options), fields_of(e)) for e in entries]
    library = bibtexparser.Library()
    holder: dict[str, object] = {}

    def build_bp() -> None:
        library.add([bpm.Entry(kind, key, [bpm.Field(k, v) for k, v in fields]) for key, kind, fields in prepared])

    def build_pybtex() -> None:
        holder["data"] = BibliographyData(entries={
            key: PybtexEntry(kind, fields=[f for f in fields if f[0] != "author"],
                             persons={"author": [Person(name) for name in fields[0][1].split(" and ")]})
            for key, kind, fields in prepared})

    print()
    timed("bibtexparser v2: build Library (not compared)", build_bp)
    t_bp = timed("bibtexparser v2: write_string (default)", lambda: bibtexparser.write_string(library))
    # bibtexparser's own advice for large libraries: an in-place unparse stack (no deep copy)
    stack = bibtexparser.middlewares.default_unparse_stack(allow_inplace_modification=True)
    t_bp_fast = timed("bibtexparser v2: write_string (in-place stack)",
                      lambda: bibtexparser.write_string(library, unparse_stack=stack))
    timed("pybtex: build BibliographyData (not compared)", build_pybtex)
    t_pb = timed("pybtex: to_string('bibtex')", lambda: holder["data"].to_string("bibtex"))  # type: ignore[attr-defined]
    print()
    print(f"arxref BibTeX vs bibtexparser write_string: {t_bp / t_bib:6.1f}x faster (aim >= 3x)")
    print(f"  vs write_string with in-place stack:      {t_bp_fast / t_bib:6.1f}x faster")
    print(f"arxref BibTeX vs pybtex to_string:          {t_pb / t_bib:6.1f}x faster")
    print(f"all three arxref formats as export writes them: {total:.2f} s (aim < 5 s); one process: {t_one:.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
