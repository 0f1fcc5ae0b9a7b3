"""Benchmark the resolver: precision, recall, speed (local) and search requests per record (fake API).

Everything here is SYNTHETIC: papers are built from generated pseudo-words
("velokar tismuren ..."), with synthetic ids and authors, so no figure can be
mistaken for real metadata. Records are derived from them with the noise real
dumps show: older-version edits (a sentence dropped, one rewritten, words
changed), truncation ending in an ellipsis, typos (swaps, drops, doubled
letters), PDF-style wrapping with hyphenation and TeX escapes, title-only
references with author surnames, and combinations. Invented abstracts that match
no paper measure false positives.

The corpus also contains the hard cases: follow-up papers that reuse half of an
earlier abstract, and pairs that share a title.

Usage (defaults meet the brief: 100,000 papers, 1,000+ records):
    python3 benchmarks/bench_resolve.py
    python3 benchmarks/bench_resolve.py --papers 20000 --records 300      # quicker
    python3 benchmarks/bench_resolve.py --seeds                            # real-data score table only
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from arxref.config import Settings  # noqa: E402
from arxref.model import Author, Paper, Record  # noqa: E402

SYLLABLES = ("ka lo mi ter ran vo su pel dra nix qua zor fen gli bra tos mur vek sal dim "
             "ro ta ne shi ul an bo ce du fi ga he ju ky lu ma no pi re so tu va we xe yo zu "
             "bel cor den far gom hul lin mor nal pon rus sim tor vin").split()
FUNCTION_WORDS = ("the of and a to in we is for that with on by this as are from an our which "
                  "these it be can its into using via their both").split()


@dataclass
class Corpus:
    papers: list[Paper]
    families: int
    same_titles: int


class Words:
    """A Zipf-distributed pseudo-word vocabulary (deterministic for a seed).

    Shaped like scientific English: a long tail (200,000 word types, Zipf exponent
    1.0, as in abstract corpora of this size) and frequent words shorter than rare
    ones (Zipf's law of abbreviation), the property arxref's query building relies on
    when it has no corpus statistics. ``--vocab``/``--zipf`` make it harsher.
    """

    def __init__(self, rng: random.Random, size: int = 200_000, exponent: float = 1.0) -> None:
        vocab: set[str] = set()
        while len(vocab) < size:
            vocab.add("".join(rng.choice(SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3, 3, 3, 4, 4)))))
        ordered = sorted(vocab)
        rng.shuffle(ordered)
        # frequent ranks get short words: sort by length, with a random jitter of one syllable
        self.vocab = sorted(ordered, key=lambda w: len(w) + rng.uniform(-2.5, 2.5))
        weights = [1.0 / (rank + 1) ** exponent for rank in range(size)]
        self.cum = list(_accumulate(weights))
        self.rng = rng

    def word(self) -> str:
        return self.vocab[_bisect(self.cum, self.rng.random() * self.cum[-1])]

    def sentence(self) -> str:
        out = []
        for _ in range(self.rng.randint(10, 24)):
            out.append(self.rng.choice(FUNCTION_WORDS) if self.rng.random() < 0.35 else self.word())
            if self.rng.random() < 0.04:
                out[-1] += "-" + self.word()
            if self.rng.random() < 0.02:
                out.append(f"{self.rng.randint(2, 99)}\\%")
        text = " ".join(out)
        return text[0].upper() + text[1:] + "."

    def abstract(self, sentences: int | None = None) -> list[str]:
        return [self.sentence() for _ in range(sentences or self.rng.randint(4, 9))]

    def title(self) -> str:
        return " ".join(w.capitalize() for w in (self.word() for _ in range(self.rng.randint(4, 10))))

    def name(self) -> str:
        return f"{self.rng.choice(SYLLABLES).capitalize()}{self.rng.choice(SYLLABLES)} " \
               f"{''.join(self.rng.choice(SYLLABLES) for _ in range(3)).capitalize()}"


def _accumulate(values: list[float]) -> list[float]:
    total, out = 0.0, []
    for v in values:
        total += v
        out.append(total)
    return out


def _bisect(cum: list[float], x: float) -> int:
    import bisect

    return min(bisect.bisect_left(cum, x), len(cum) - 1)


def synthetic_id(n: int) -> str:
    """Synthetic new-style ids: 2401.00001 ... (99,999 per month)."""
    month = 2401 + n // 99999
    return f"{month}.{n % 99999 + 1:05d}"


def make_corpus(count: int, rng: random.Random, words: Words) -> Corpus:
    when = datetime(2024, 1, 1, tzinfo=timezone.utc)
    papers: list[Paper] = []
    families = same_titles = 0
    for n in range(count):
        sentences = words.abstract()
        title = words.title()
        if papers and rng.random() < 0.03:  # follow-up paper reusing half of an earlier abstract
            base = rng.choice(papers)
            old = _sentences(base.abstract)
            keep = rng.sample(range(len(old)), max(1, len(old) // 2))
            sentences = [old[i] for i in sorted(keep)] + words.abstract(rng.randint(2, 4))
            families += 1
        if papers and rng.random() < 0.01:  # another paper with the same title
            title = rng.choice(papers).title
            same_titles += 1
        authors = [Author(words.name()) for _ in range(rng.randint(1, 6))]
        papers.append(Paper(arxiv_id=synthetic_id(n), version=1, title=title, authors=authors,
                            abstract=" ".join(sentences), published=when, updated=when,
                            categories=["cs.SY"], primary_category="cs.SY"))
    return Corpus(papers, families, same_titles)


def _sentences(text: str) -> list[str]:
    import re

    return [s for s in re.split(r"(?<=\.)\s+", text) if s]


# --------------------------------------------------------------------------- noise


def typos(text: str, rng: random.Random, rate: float) -> str:
    chars = list(text)
    out: list[str] = []
    i = 0
    while i < len(chars):
        c = chars[i]
        if c.isalpha() and rng.random() < rate:
            kind = rng.randrange(3)
            if kind == 0 and i + 1 < len(chars) and chars[i + 1].isalpha():
                out += [chars[i + 1], c]
                i += 2
                continue
            if kind == 1:
                i += 1
                continue
            out += [c, c]
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def older_version(text: str, rng: random.Random, words: Words) -> str:
    sentences = _sentences(text)
    if len(sentences) > 3:
        sentences.pop(rng.randrange(1, len(sentences)))
    sentences[rng.randrange(len(sentences))] = words.sentence()
    tokens = " ".join(sentences).split()
    for _ in range(max(1, len(tokens) // 30)):
        tokens[rng.randrange(len(tokens))] = words.word()
    return " ".join(tokens)


def truncate(text: str, rng: random.Random) -> str:
    return text[: int(len(text) * rng.uniform(0.2, 0.7))].rstrip() + rng.choice(["\u2026", "...", " \u2026"])


def pdf_wrap(text: str, rng: random.Random) -> str:
    out, line = [], ""
    for word in text.replace("%", "\\%").split():
        if len(line) + len(word) > 72:
            if len(word) > 7 and rng.random() < 0.5:
                cut = len(word) // 2
                out.append(f"{line} {word[:cut]}-")
                line = word[cut:]
                continue
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(line)
    return "\n".join(out).replace("Ka", "{K}a")


NOISES = ("exact", "older", "truncated", "typos", "wrapped", "truncated+typos", "older+typos", "title")
WEIGHTS = (10, 22, 18, 18, 8, 8, 8, 8)


def make_records(corpus: Corpus, count: int, rng: random.Random, words: Words,
                 negatives: float = 0.1) -> list[tuple[Record, str | None, str]]:
    """(record, true id or None, noise kind): ``count`` positives plus ``negatives`` share of invented ones."""
    out: list[tuple[Record, str | None, str]] = []
    for n in range(count):
        paper = rng.choice(corpus.papers)
        kind = rng.choices(NOISES, WEIGHTS)[0]
        abstract = paper.abstract
        text: str | None = abstract
        title = None
        authors: list[str] = []
        if kind == "older":
            text = older_version(abstract, rng, words)
        elif kind == "truncated":
            text = truncate(abstract, rng)
        elif kind == "typos":
            text = typos(abstract, rng, rng.uniform(0.005, 0.02))
        elif kind == "wrapped":
            text = pdf_wrap(abstract, rng)
        elif kind == "truncated+typos":
            text = typos(truncate(abstract, rng), rng, 0.01)
        elif kind == "older+typos":
            text = typos(older_version(abstract, rng, words), rng, 0.01)
        elif kind == "title":
            text = None
            title = typos(paper.title, rng, 0.02) if rng.random() < 0.3 else paper.title
            authors = [a.name.split()[-1] for a in paper.authors[:2]]
        out.append((Record("synthetic.txt", n + 1, "abstract" if text else "text", text=text, title=title,
                           authors=authors), paper.arxiv_id, kind))
    for n in range(int(count * negatives)):
        out.append((Record("synthetic.txt", count + n + 1, "abstract", text=" ".join(words.abstract())),
                    None, "invented"))
    return out


# --------------------------------------------------------------------------- measuring


def score(results: list, truth: list[tuple[Record, str | None, str]]) -> dict[str, float]:
    resolved = correct = positives = wrong = ambiguous = 0
    by_kind: dict[str, list[int]] = {}
    for res, (_, true_id, kind) in zip(results, truth):
        stats = by_kind.setdefault(kind, [0, 0, 0])
        stats[0] += 1
        if true_id is not None:
            positives += 1
        if res.status == "ambiguous":
            ambiguous += 1
        if res.status == "resolved":
            resolved += 1
            if res.arxiv_id == true_id:
                correct += 1
                stats[1] += 1
            else:
                wrong += 1
                stats[2] += 1
    print("  by noise kind (records / resolved right / resolved WRONG):")
    for kind, (n, ok, bad) in sorted(by_kind.items()):
        print(f"    {kind:16s} {n:5d} {ok:5d} {bad:3d}")
    return {
        "precision": correct / resolved if resolved else 1.0,
        "recall": correct / positives if positives else 1.0,
        "wrong": wrong,
        "ambiguous": ambiguous,
    }


def build_cache(path: Path, papers: list[Paper]) -> float:
    from arxref.cache import Cache

    started = time.perf_counter()
    with Cache(path) as cache:
        for start in range(0, len(papers), 5000):
            cache.put_papers(papers[start : start + 5000])
    return time.perf_counter() - started


def bench_local(args: argparse.Namespace, corpus: Corpus, records: list, tmp: Path) -> None:
    from arxref.cache import Cache
    from arxref.resolve import resolve_records

    path = tmp / "bench.sqlite"
    seconds = build_cache(path, corpus.papers)
    print(f"cache: {len(corpus.papers):,} synthetic papers ({corpus.families:,} follow-ups reusing half an "
          f"abstract, {corpus.same_titles:,} sharing a title) built in {seconds:.1f} s")
    settings = Settings.from_options(cache_path=path, offline=True)
    times: list[float] = []
    results = []
    with Cache(path) as cache:
        resolve_records([records[0][0]], settings, cache)  # warm up (imports, page cache)
        for rec, _, _ in records:
            started = time.perf_counter()
            results.extend(resolve_records([rec], settings, cache, min_score=args.min_score))
            times.append((time.perf_counter() - started) * 1000)
    positives = sum(1 for _, t, _ in records if t)
    print(f"local (offline, one record per call): {len(records):,} records ({positives:,} derived from cached "
          f"papers, {len(records) - positives} invented)")
    figures = score(results, records)
    times.sort()
    print(f"  precision {figures['precision']:.4f}  recall {figures['recall']:.4f}  "
          f"wrong {figures['wrong']}  ambiguous {figures['ambiguous']}")
    print(f"  ms per record: median {statistics.median(times):.2f}  p90 {times[int(len(times) * 0.9)]:.2f}  "
          f"p99 {times[int(len(times) * 0.99)]:.2f}  max {times[-1]:.2f}")


def _load_fake() -> object:
    spec = importlib.util.spec_from_file_location("fakearxiv", ROOT / "tests" / "fakearxiv.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["fakearxiv"] = module
    spec.loader.exec_module(module)
    return module


def entry_xml(paper: Paper) -> str:
    stamp = paper.published.strftime("%Y-%m-%dT%H:%M:%SZ")
    authors = "".join(f"\n    <author>\n      <name>{escape(a.name)}</name>\n    </author>" for a in paper.authors)
    return (
        f"<entry>\n    <id>http://arxiv.org/abs/{paper.arxiv_id}v1</id>\n"
        f"    <title>{escape(paper.title)}</title>\n    <updated>{stamp}</updated>\n"
        f'    <link href="https://arxiv.org/abs/{paper.arxiv_id}v1" rel="alternate" type="text/html"/>\n'
        f'    <link href="https://arxiv.org/pdf/{paper.arxiv_id}v1" rel="related" type="application/pdf" title="pdf"/>\n'
        f"    <summary>{escape(paper.abstract)}</summary>\n"
        f'    <category term="cs.SY" scheme="http://arxiv.org/schemas/atom"/>\n'
        f"    <published>{stamp}</published>\n"
        f'    <arxiv:primary_category term="cs.SY"/>{authors}\n  </entry>'
    )


def bench_online(args: argparse.Namespace, corpus: Corpus, records: list, tmp: Path) -> None:
    from arxref.cache import Cache
    from arxref.resolve import resolve_records

    fake_module = _load_fake()
    served = corpus.papers[: args.online_papers]
    entries = [fake_module.parse_stored_entry(entry_xml(p)) for p in served]  # type: ignore[attr-defined]
    served_ids = {p.arxiv_id for p in served}
    positives = [r for r in records if r[1] in served_ids][: args.online_records]
    chosen = positives + [r for r in records if r[1] is None][: max(1, len(positives) // 10)]
    path = tmp / "online.sqlite"
    with fake_module.FakeArxiv(entries) as fake:  # type: ignore[attr-defined]
        settings = Settings.from_options(cache_path=path, offline=False, api_url=fake.url, request_interval=0.0)
        started = time.perf_counter()
        with Cache(path) as cache:
            results = resolve_records([r for r, _, _ in chosen], settings, cache, min_score=args.min_score)
        seconds = time.perf_counter() - started
        searches = len([r for r in fake.requests() if r.params.get("search_query")])
        before = len(fake.requests())
        with Cache(path) as cache:
            resolve_records([r for r, _, _ in chosen], settings, cache, min_score=args.min_score)
        rerun = len(fake.requests()) - before
    print(f"search (empty cache, fake arXiv API serving {len(served):,} of the synthetic papers): "
          f"{len(chosen)} records")
    figures = score(results, chosen)
    print(f"  precision {figures['precision']:.4f}  recall {figures['recall']:.4f}  wrong {figures['wrong']}  "
          f"ambiguous {figures['ambiguous']}")
    print(f"  search requests {searches} = {searches / len(chosen):.3f} per record; {seconds:.1f} s in all "
          f"(fake server scans every entry per query); rerun: {rerun} requests")


# --------------------------------------------------------------------------- real data table


def seeds_table() -> None:
    """Best true / best wrong scores of the 42 real seed abstracts (and derived noise) vs the 25 papers."""
    import re

    from arxref.atom import parse_feed
    from arxref.resolve import _Query, score_paper

    papers = parse_feed((ROOT / "examples" / "arxiv-responses" / "all.xml").read_bytes()).papers
    texts: list[str] = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("Abstract:"):
                texts.append(line[len("Abstract:"):])
            else:
                line = re.sub(r"^arXiv:\d{4}\.\d{4,5}", "", line)
                if len(line) > 200:
                    texts.append(line)
    truth = {t: next(p.arxiv_id for p in papers if p.abstract == t) for t in texts}
    rng = random.Random(3)

    def cut(t: str, share: float) -> str:
        return t[: int(len(t) * share)] + "\u2026"

    def drop(t: str) -> str:
        return " ".join(s for i, s in enumerate(_sentences(t)) if i % 3 != 1)

    variants = {
        "exact seed text": lambda t: t,
        "truncated 40% + …": lambda t: cut(t, 0.4),
        "truncated 15% + …": lambda t: cut(t, 0.15),
        "truncated 8% + …": lambda t: cut(t, 0.08),
        "typos 1% of chars": lambda t: typos(t, rng, 0.01),
        "typos 3% of chars": lambda t: typos(t, rng, 0.03),
        "every 3rd sentence cut": drop,
        "cut + typos 2%": lambda t: typos(drop(t), rng, 0.02),
        "truncated 30% + typos 2%": lambda t: typos(cut(t, 0.3), rng, 0.02),
    }
    print(f"real data: {len(texts)} seed abstracts vs {len(papers)} shipped papers "
          f"(true = the paper whose summary is the seed text)")
    print(f"  {'variant':26s} {'true min':>8s} {'true med':>8s} {'2nd max':>8s} {'2nd med':>8s} {'gap min':>8s}")
    for name, derive in variants.items():
        trues, seconds, gaps = [], [], []
        for text in texts:
            query = _Query.of(Record("seed", 1, "abstract", text=derive(text)))
            scored = {p.arxiv_id: score_paper(query, p)[0] for p in papers}
            true = scored.pop(truth[text])
            second = max(scored.values())
            trues.append(true)
            seconds.append(second)
            gaps.append(true - second)
        print(f"  {name:26s} {min(trues):8.2f} {statistics.median(trues):8.2f} {max(seconds):8.2f} "
              f"{statistics.median(seconds):8.2f} {min(gaps):8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=1_000, help="records derived from cached papers")
    parser.add_argument("--online-papers", type=int, default=2_000, help="papers the fake API serves")
    parser.add_argument("--online-records", type=int, default=160)
    parser.add_argument("--min-score", type=float, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--vocab", type=int, default=200_000, help="pseudo-word types in the vocabulary")
    parser.add_argument("--zipf", type=float, default=1.0, help="Zipf exponent of word frequencies")
    parser.add_argument("--seeds", action="store_true", help="only print the real-data score table")
    args = parser.parse_args()
    seeds_table()
    if args.seeds:
        return
    rng = random.Random(args.seed)
    words = Words(rng, args.vocab, args.zipf)
    started = time.perf_counter()
    corpus = make_corpus(args.papers, rng, words)
    records = make_records(corpus, args.records, rng, words)
    print(f"generated in {time.perf_counter() - started:.1f} s (seed {args.seed})")
    with tempfile.TemporaryDirectory() as tmp:
        bench_local(args, corpus, records, Path(tmp))
        online_records = [r for r in make_records(Corpus(corpus.papers[: args.online_papers], 0, 0),
                                                  args.online_records, rng, words)]
        bench_online(args, corpus, online_records, Path(tmp))


if __name__ == "__main__":
    main()
