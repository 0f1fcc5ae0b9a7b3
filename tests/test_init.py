"""arxref/__init__.py: the package face loads every documented name lazily and nothing else."""

from __future__ import annotations

import subprocess
import sys

import pytest

import arxref


@pytest.mark.parametrize("name", sorted(set(arxref.__all__) - {"__version__"}))
def test_every_exported_name_resolves(name: str) -> None:
    assert getattr(arxref, name) is not None


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        arxref.nope  # noqa: B018


def test_importing_the_package_loads_no_stage() -> None:
    code = "import sys, arxref; print(sorted(m for m in sys.modules if m.startswith('arxref')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['arxref']"
