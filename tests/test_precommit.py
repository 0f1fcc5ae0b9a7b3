"""The pre-commit hook, driven by pre-commit itself (`pre-commit try-repo`)."""

from __future__ import annotations

import os
import re
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

    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert sorted(hooks) == ["arxref-check", "arxref-sync"]
    hook = hooks["arxref-check"]
    assert hook["files"] == r"\.(tex|bib|md)$"
    assert hook["entry"].split()[:2] == ["arxref", "check"]
    sync = hooks["arxref-sync"]
    assert sync["entry"].split()[:2] == ["arxref", "sync"] and sync["require_serial"] is True
    assert re.search(sync["files"], "paper.tex") and re.search(sync["files"], "notes.md")
    assert not re.search(sync["files"], "refs.bib")


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


def try_repo(repo: Path, env: dict[str, str], hook: str = "arxref-check",
             files: tuple[str, ...] = ("paper.tex", "refs.bib")) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("pre-commit")
    assert exe, "pre-commit is a test dependency; install with pip install -e '.[test]'"
    return subprocess.run(
        [exe, "try-repo", str(ROOT), hook, "--files", *files],
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


def test_sync_hook_adds_the_missing_entry_then_passes(manuscript_repo: tuple[Path, dict[str, str]]) -> None:
    """pre-commit's fixer convention: the hook that changed refs.bib fails once, then passes."""
    repo, env = manuscript_repo
    tex = repo / "paper.tex"
    tex.write_text(tex.read_text(encoding="utf-8").replace("\\cite{chen2021evaluatng}", "\\cite{chen2021evaluating}")
                   .replace("\\cite{chen2021evaluating}", "\\cite{chen2021evaluating,2108.02818}"), encoding="utf-8")
    before = (repo / "refs.bib").read_bytes()
    fixed = try_repo(repo, env, "arxref-sync", ("paper.tex",))
    assert fixed.returncode == 1 and "files were modified by this hook" in fixed.stdout, fixed.stdout + fixed.stderr
    after = (repo / "refs.bib").read_bytes()
    assert after.startswith(before) and b"@misc{2108.02818," in after
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    clean = try_repo(repo, env, "arxref-sync", ("paper.tex",))
    assert clean.returncode == 0 and "Passed" in clean.stdout, clean.stdout + clean.stderr
