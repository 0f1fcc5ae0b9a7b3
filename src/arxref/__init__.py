"""arxref: turn messy text about papers into clean, deduplicated bibliographies.

The library API mirrors the command line; heavy modules load on first use.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# A library logs (arXiv retries, rejected searches) and lets the application decide where to:
# the command line prints them on stderr (-v/-q); a script configures logging as it likes.
logging.getLogger("arxref").addHandler(logging.NullHandler())

_LAZY = {
    "scan_paths": "arxref.scan",
    "scan_file": "arxref.scan",
    "scan_text": "arxref.scan",
    "Record": "arxref.model",
    "Paper": "arxref.model",
    "Author": "arxref.model",
    "Entry": "arxref.model",
    "Settings": "arxref.config",
    "ArxivId": "arxref.ids",
    "parse_id": "arxref.ids",
    "Cache": "arxref.cache",
    "ArxivClient": "arxref.client",
    "resolve_records": "arxref.resolve",
    "export": "arxref.pipeline",
    "check": "arxref.pipeline",
    "paper_from_result": "arxref.results",
    "result_from_paper": "arxref.results",
    "write_formats": "arxref.formats",
    "ExitCode": "arxref.errors",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name == "parse_id":
        return import_module("arxref.ids").parse
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'arxref' has no attribute {name!r}")
