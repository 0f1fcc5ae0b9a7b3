"""The pre-commit hook, driven by pre-commit itself (`pre-commit try-repo`)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from arxref.cache import Cache

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.tools


def test_hook_manifest_contract() -> None:
    import yaml

    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "arxref-check"
    assert hook["files"] == r"\.(tex|bib|md)$"
    assert hook["entry"].split()[:2] == ["arxref", "check"]


@pytest.fixture(scope="module")
def manuscript_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    base = tmp_path_factory.mktemp("precommit")
    cache = base / "cache.sqlite"
    with Cache(cache) as c:
        c.import_paths([ROOT / "examples" / "arxiv-responses"])
    repo = base / "paper"
    repo.mkdir()
    (repo / "refs.bib").write_text(
        "@misc{chen2021evaluating,\n  title = {Evaluating Large Language Models Trained on Code},\n"
        "  eprint = {2107.03374},\n  archivePrefix = {arXiv},\n}\n",
        encoding="utf-8",
    )
    (repo / "paper.tex").write_text(
        "\\documentclass{article}\n\\begin{document}\nCodex~\\cite{chen2021evaluating}.\n"
        "\\bibliography{refs}\n\\end{document}\n",
        encoding="utf-8",
    )
    env = dict(os.environ, ARXREF_CACHE=str(cache), ARXREF_OFFLINE="1",
               PRE_COMMIT_HOME=str(base / "pre-commit-home"), GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    return repo, env


def try_repo(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("pre-commit")
    assert exe, "pre-commit is a test dependency; install with pip install -e '.[test]'"
    return subprocess.run(
        [exe, "try-repo", str(ROOT), "arxref-check", "--files", "paper.tex", "refs.bib"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=900,
    )


def test_try_repo_passes_then_fails_on_undefined_citation(manuscript_repo: tuple[Path, dict[str, str]]) -> None:
    repo, env = manuscript_repo
    ok = try_repo(repo, env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "arxref check" in ok.stdout and "Passed" in ok.stdout

    tex = repo / "paper.tex"
    tex.write_text(tex.read_text(encoding="utf-8").replace("chen2021evaluating", "chen2021evaluatng"), encoding="utf-8")
    bad = try_repo(repo, env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "paper.tex:3:" in bad.stdout and "chen2021evaluatng" in bad.stdout
