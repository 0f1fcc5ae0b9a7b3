"""Zotero: push papers into a library, through the Web API or a running Zotero desktop.

* :func:`push` (``arxref zotero push --library user:ID``): the Web API (:mod:`.web`),
  deduplicated against the library by an index kept by library version (:mod:`.index`),
  written in batches that are safe to retry (:mod:`.push`);
* :func:`push_desktop` (``--desktop``): the desktop app's connector (:mod:`.desktop`).

Items are Zotero ``preprint`` JSON from :mod:`arxref.formats.zotero`.
"""

from __future__ import annotations

from .desktop import DEFAULT_DESKTOP_URL, DesktopSettings, push_desktop
from .push import Outcome, PushOptions, PushReport, push
from .web import DEFAULT_ZOTERO_URL, Library, WebSettings, ZoteroError, ZoteroRefused, ZoteroUnreachable

__all__ = [
    "DEFAULT_DESKTOP_URL", "DEFAULT_ZOTERO_URL", "DesktopSettings", "Library", "Outcome", "PushOptions", "PushReport",
    "WebSettings", "ZoteroError", "ZoteroRefused", "ZoteroUnreachable", "push", "push_desktop",
]
