"""`arxref export`: exit codes and the summary line (run as a process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def run_cli(*args: str, env_cache: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ARXREF_CACHE=str(env_cache), ARXREF_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "arxref", *args], capture_output=True, text=True, env=env)


def test_cli_export_exit_codes(seeded: Path, tmp_path: Path) -> None:
    ok = run_cli("export", str(SEEDS), "-o", str(tmp_path / "out"), env_cache=seeded)
    assert ok.returncode == 0, ok.stderr
    assert "25 papers written" in ok.stderr
    usage = run_cli("export", str(SEEDS), "-o", str(tmp_path / "out"), "--formats", "docx", env_cache=seeded)
    assert usage.returncode == 2
    assert "Traceback" not in usage.stderr
