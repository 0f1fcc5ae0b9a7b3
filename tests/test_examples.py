"""examples/output is the README's main job on seeds/; it must never drift from the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_examples_output_matches_a_fresh_run() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_examples.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_examples_output_has_25_entries_in_each_format() -> None:
    import json

    out = ROOT / "examples" / "output"
    assert (out / "references.bib").read_text(encoding="utf-8").count("\n@") + 1 == 25
    assert len(json.loads((out / "references.json").read_text(encoding="utf-8"))) == 25
    assert (out / "references.ris").read_text(encoding="utf-8").count("ER  - ") == 25
