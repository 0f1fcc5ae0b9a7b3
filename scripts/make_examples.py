"""Regenerate examples/output/ (the README's main job on seeds/, offline, from the shipped data).

Usage: python3 scripts/make_examples.py [--check]
With --check nothing is written: exit 1 if the committed examples differ from a fresh run
(tests/test_examples.py runs this so examples never drift).
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "examples" / "output"


def generate(out_dir: Path) -> int:
    """Import the shipped Atom responses into a fresh cache and export seeds/ offline."""
    from arxref.cache import Cache
    from arxref.config import Settings
    from arxref.pipeline import export

    with tempfile.TemporaryDirectory() as tmp:
        cache_path = Path(tmp) / "cache.sqlite"
        with Cache(cache_path) as cache:
            cache.import_paths([ROOT / "examples" / "arxiv-responses"])
        settings = Settings.from_options(cache_path=cache_path, offline=True)
        report = export([ROOT / "seeds"], out_dir, settings=settings)
    return report.exit_code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    if not args.check:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        return generate(OUTPUT)
    with tempfile.TemporaryDirectory() as tmp:
        code = generate(Path(tmp))
        names = ["references.bib", "references.json", "references.ris"]
        _, mismatch, errors = filecmp.cmpfiles(OUTPUT, tmp, names, shallow=False)
        if mismatch or errors or code:
            print(f"examples/output drifted: differ={mismatch} missing={errors} exit={code}; "
                  "run python3 scripts/make_examples.py", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
