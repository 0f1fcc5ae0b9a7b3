"""Real seed data and noise DERIVED from it, shared by the resolver tests (test_resolve, test_scoring,
test_search): not a test module.

Noisy variants (truncated, mistyped, edited "later version" texts) are DERIVED from the
real abstracts in examples/arxiv-responses/; nothing here is invented and passed off as real.
"""

from __future__ import annotations

import random
import re
import socket
from pathlib import Path

from arxref.atom import parse_feed
from arxref.model import Paper, Record

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = ROOT / "examples" / "arxiv-responses"
SEEDS = ROOT / "seeds"

NONSENSE = ("Purple calculators negotiate with lighthouse otters about the melting schedule of marmalade "
            "glaciers, while seventeen accordions audit the tax returns of a sleepy volcano near the moon.")


def seed_papers() -> dict[str, Paper]:
    """The 25 real seed papers by id, parsed from the shipped all.xml."""
    feed = parse_feed((RESPONSES / "all.xml").read_bytes())
    return {p.arxiv_id: p for p in feed.papers}


def truncated(text: str, share: float = 0.4) -> str:
    """DERIVED: the first ``share`` of a real abstract, cut mid-word, ending in an ellipsis."""
    return text[: int(len(text) * share)] + "\u2026"


def mistyped(text: str, every: int = 40, seed: int = 7) -> str:
    """DERIVED: deterministic adjacent-letter swaps, about one per ``every`` characters."""
    rng = random.Random(seed)
    chars = list(text)
    i = rng.randrange(every)
    while i < len(chars) - 1:
        if chars[i].isalpha() and chars[i + 1].isalpha():
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        i += every + rng.randrange(-5, 6)
    return "".join(chars)


def later_version(text: str) -> str:
    """DERIVED "other version" text: drop the second sentence and reword the last one."""
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    assert len(sentences) >= 4, "needs a multi-sentence abstract"
    kept = [sentences[0], *sentences[2:-1]]
    last = sentences[-1].split()
    reworded = " ".join(["In", "summary,", *last[1:]]) if len(last) > 2 else sentences[-1]
    return " ".join([*kept, reworded])


def wrapped(text: str, width: int = 70) -> str:
    """DERIVED: hard-wrapped at ``width`` with words hyphenated across line breaks, as PDFs copy."""
    lines, line = [], ""
    for word in text.split():
        if len(line) + len(word) + 1 > width and len(word) > 6:
            cut = len(word) // 2
            lines.append(f"{line} {word[:cut]}-".strip())
            line = word[cut:]
        elif len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def record(text: str | None = None, title: str | None = None, authors: list[str] | None = None,
           source: str = "derived.txt", line: int = 1) -> Record:
    return Record(source=source, line=line, kind="abstract" if text else "text", text=text, title=title,
                  authors=authors or [])


def dead_endpoint() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/query"


def synthetic_same_title_entries(papers: dict[str, Paper]) -> tuple[str, list[str]]:
    """SYNTHETIC: two entries with the real title of 2112.07773 but other ids and abstracts."""
    real = papers["2112.07773"]
    assert real.raw_entry
    entries = []
    for new_id in ("2601.00011", "2601.00012"):
        raw = real.raw_entry.replace("2112.07773", new_id)
        raw = re.sub(r"<summary>.*?</summary>",
                     f"<summary>SYNTHETIC test entry {new_id}: same title as a real paper, "
                     f"abstract deliberately unrelated.</summary>", raw, flags=re.S)
        entries.append(raw)
    return real.title, entries
