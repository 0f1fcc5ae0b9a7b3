"""What a Zotero library already holds, by arXiv id and DOI, kept in step by library version.

``zotero push`` must not add a paper the library has, whoever added it (arxref, Zotero's
arXiv translator, a CSL-JSON import, a journal article with the published DOI). Reading a
whole library on every run is slow for big libraries, so the index is kept between runs
in a small state file per library beside the arxref cache (``<cache dir>/zotero/``):
the library version it is current to, and per item only its key, version, type and the
ids found in it (:func:`arxref.formats.zotero.item_identifiers`). A run asks only for
what changed since that version (``since=``) and for what was deleted since
(``/deleted``). The file holds no API key and no item text.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, TextIO

from ..atomic import write_atomically
from ..formats.zotero import ItemIds, item_identifiers

if TYPE_CHECKING:
    from ..model import Paper
    from .web import Library, WebClient

#: Bumped when the state file's layout changes; an older file is read again from version 0.
STATE_FORMAT = 1


@dataclass(frozen=True)
class Known:
    """One item of the library, as far as deduplication needs it."""

    key: str
    version: int
    item_type: str
    ids: ItemIds


@dataclass
class LibraryIndex:
    """The library's arXiv ids and DOIs, current to library version ``version``."""

    version: int = 0
    items: dict[str, Known] = field(default_factory=dict)
    _by_id: dict[str, list[str]] | None = field(default=None, repr=False)

    # ----------------------------------------------------------------- lookups

    def find(self, paper: Paper) -> list[Known]:
        """Items that are this paper: same arXiv id (any field, any version), or its journal DOI."""
        by_id = self._lookup()
        keys = list(by_id.get(paper.arxiv_id, ()))
        if paper.doi:
            keys += [k for k in by_id.get("doi:" + paper.doi.strip().lower(), ()) if k not in keys]
        return [self.items[k] for k in keys]

    def _lookup(self) -> dict[str, list[str]]:
        if self._by_id is None:
            by_id: dict[str, list[str]] = {}
            for known in self.items.values():
                for name in (*known.ids.arxiv_ids, *("doi:" + d for d in known.ids.dois)):
                    by_id.setdefault(name, []).append(known.key)
            self._by_id = by_id
        return self._by_id

    # ----------------------------------------------------------------- changes

    def apply(self, objects: Iterable[dict[str, Any]]) -> None:
        """Take in items as the API returns them (``{key, version, data}``); items without arXiv ids are dropped."""
        for obj in objects:
            data: dict[str, Any] = obj["data"] if isinstance(obj.get("data"), dict) else obj
            key = obj.get("key") or data.get("key")
            if not isinstance(key, str):
                continue
            found = item_identifiers(data)
            if found:
                version = obj.get("version", data.get("version", 0))
                self.items[key] = Known(key, int(version or 0), str(data.get("itemType", "")), found)
            else:
                self.items.pop(key, None)
        self._by_id = None

    def remove(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.items.pop(key, None)
        self._by_id = None

    def sync(self, client: WebClient) -> int:
        """Read what changed in the library since ``version`` (and what was deleted); items read."""
        since = self.version
        changed, version = client.read_items(since)
        if version < since:  # the library was reset or replaced: start over
            self.items.clear()
            changed, version = client.read_items(0)
            since = 0
        if since:
            self.remove(client.deleted_since(since))
        self.apply(changed)
        self.version = version
        return len(changed)

    # ----------------------------------------------------------------- state file

    def to_json(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "version": self.version,
            "items": {k: [i.version, i.item_type, list(i.ids.arxiv_ids), i.ids.version, list(i.ids.dois)]
                      for k, i in sorted(self.items.items())},
        }

    @classmethod
    def from_json(cls, data: Any) -> "LibraryIndex":
        """The index a state file holds; an empty one (read again from version 0) if it is not ours or damaged."""
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            return cls()
        try:
            items = {key: Known(key, int(v), str(t), ItemIds(tuple(a), av if av is None else int(av), tuple(d)))
                     for key, (v, t, a, av, d) in data["items"].items()}
            return cls(int(data["version"]), items)
        except (AttributeError, KeyError, TypeError, ValueError):
            return cls()


def state_path(cache_path: Path, base_url: str, library: Library) -> Path:
    """``<cache dir>/zotero/<user|group>-<id>-<server>.json``: one index per library per server."""
    server = hashlib.sha256(base_url.rstrip("/").encode()).hexdigest()[:12]
    return cache_path.expanduser().parent / "zotero" / f"{library.kind}-{library.id}-{server}.json"


def load_index(path: Path) -> LibraryIndex:
    """The saved index, or an empty one when there is none or it cannot be read."""
    try:
        return LibraryIndex.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return LibraryIndex()


def save_index(path: Path, index: LibraryIndex) -> bool:
    """Write the index; False when it cannot be written (the next run then reads the whole library)."""
    return save_json(path, index.to_json())


def save_json(path: Path, data: Any) -> bool:
    """Write a small state file atomically under the cache directory; False when that is not possible."""
    text = json.dumps(data, separators=(",", ":"))

    def write(stream: TextIO) -> None:
        stream.write(text)

    try:
        os.makedirs(path.parent, exist_ok=True)
        write_atomically(path, write)
    except OSError:
        return False
    return True
