"""`zotero push --desktop`: papers into the Zotero that is running on this computer, no API key.

Zotero's desktop app listens on ``http://127.0.0.1:23119`` for its browser connector.
arxref talks to it as the connector does: ``GET /connector/ping`` (is Zotero running?),
``POST /connector/getSelectedCollection`` (the libraries and collections one may save
into), ``POST /connector/saveItems`` (a session of translator-format items, 201 when
saved) and ``POST /connector/updateSession`` (file the session's items into a chosen
collection). The connector cannot read the library or create collections.

To skip papers the library already has, arxref reads it through Zotero's local API
(``/api/users/0/items``, same JSON as the Web API) when the user has allowed it (Settings
→ Advanced → "Allow other applications on this computer to communicate with Zotero");
without it, only papers arxref itself pushed to this Zotero before are recognised (kept
in ``<cache dir>/zotero/desktop-<server>.json``), and the report says so.

Every request goes through :func:`arxref.transport.send`, so an app that hangs or
answers a byte at a time costs at most ``timeout`` seconds per request, not the run.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ..config import DEFAULT_MAX_RESPONSE_BYTES, Settings
from ..errors import UsageError
from ..formats.zotero import connector_item
from ..transport import Answer, TransportError, send
from .index import LibraryIndex, save_json
from .push import Outcome, PushOptions, PushReport, batches, gather_papers
from .web import Library, WebClient, WebSettings, ZoteroError, ZoteroUnreachable

if TYPE_CHECKING:
    from ..model import Paper
    from ..pipeline import Progress
    from ..results import PaperLike

DEFAULT_DESKTOP_URL = "http://127.0.0.1:23119"
#: The connector protocol version arxref speaks (Zotero warns older connectors).
CONNECTOR_API_VERSION = "3"
TARGET = "Zotero desktop"


@dataclass(frozen=True)
class DesktopSettings:
    base_url: str = DEFAULT_DESKTOP_URL
    timeout: float = 30.0
    """Seconds one request may take in all, the whole answer included."""
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES


class Connector:
    """The desktop app's connector endpoints."""

    def __init__(self, settings: DesktopSettings) -> None:
        self.base = settings.base_url.rstrip("/")
        self.settings = settings
        self.headers = {"X-Zotero-Connector-API-Version": CONNECTOR_API_VERSION, "Zotero-Allowed-Request": "1"}

    def close(self) -> None:
        """Nothing stays open (each request has its own connection); kept for symmetry with WebClient."""

    def _send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Answer:
        """One request within the timeout; TransportError when it fails or is cut off."""
        headers = dict(self.headers)
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode("ascii")
        return send(method, self.base + path, body=data, headers=headers, timeout=self.settings.timeout,
                    max_bytes=self.settings.max_response_bytes)

    def ping(self) -> None:
        """Raise :class:`ZoteroUnreachable` with a plain explanation unless Zotero answers."""
        try:
            response = self._send("GET", "/connector/ping")
        except TransportError:
            raise ZoteroUnreachable(f"Zotero is not running: nothing answers at {self.base}/connector/ping. "
                                    "Start Zotero and run again, or push through the Web API with --library "
                                    "and ZOTERO_API_KEY") from None
        if response.status != 200:
            raise ZoteroUnreachable(f"something other than Zotero answers at {self.base} "
                                    f"({response.status} on /connector/ping)")

    def _post(self, path: str, body: dict[str, Any]) -> Answer:
        try:
            return self._send("POST", path, body)
        except TransportError as exc:
            raise ZoteroUnreachable(f"Zotero stopped answering at {self.base}{path} ({exc})") from None

    def collection_target(self, name: str) -> str:
        """The connector's id (``C12``) of the collection called ``name``."""
        response = self._post("/connector/getSelectedCollection", {})
        if response.status != 200:
            raise ZoteroError(f"Zotero answered {response.status} to /connector/getSelectedCollection")
        try:
            answer = json.loads(response.content)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise ZoteroError("Zotero answered /connector/getSelectedCollection with something other than a JSON object")
        targets = answer.get("targets") or []
        for target in targets:
            if target.get("name") == name and str(target.get("id", "")).startswith("C"):
                return str(target["id"])
        raise UsageError(f"Zotero has no collection named {name!r}; the connector cannot create collections: "
                         "create it in Zotero, or leave out --collection to save into the one selected in Zotero")

    def save(self, items: list[dict[str, Any]], target: str | None) -> str | None:
        """Save one session of items; None when saved, else why not."""
        session_id = uuid.uuid4().hex
        response = self._post("/connector/saveItems", {"sessionID": session_id, "uri": "https://arxiv.org/",
                                                        "items": items})
        if response.status != 201:
            try:
                body = json.loads(response.content)
            except ValueError:
                body = {}
            if isinstance(body, dict) and body.get("libraryEditable") is False:
                return "the library selected in Zotero is read-only; select an editable library and run again"
            return f"Zotero answered {response.status} to saveItems"
        if target:
            moved = self._post("/connector/updateSession", {"sessionID": session_id, "target": target})
            if moved.status != 200:
                return f"saved, but not filed into the collection (Zotero answered {moved.status})"
        return None


def push_desktop(paths: Sequence[str | os.PathLike[str]], *, settings: Settings | None = None,
                 desktop: DesktopSettings | None = None, options: PushOptions | None = None,
                 papers: Iterable[PaperLike] = (), progress: Progress | None = None) -> PushReport:
    """Push the papers of ``paths`` into the running Zotero through its connector."""
    settings = settings or Settings()
    desktop = desktop or DesktopSettings()
    options = options or PushOptions()
    if options.update:
        raise UsageError("--update needs the Web API (--library): the desktop connector cannot change items")
    connector = Connector(desktop)
    try:
        connector.ping()
        target = connector.collection_target(options.collection) if options.collection else None
        notes: list[str] = []
        index, pushed = _library_index(desktop, settings, notes)
        found, gathered = gather_papers(paths, settings, options, papers, progress)
        outcomes: dict[str, Outcome] = {}
        to_add: list[Paper] = []
        for paper in found:
            known = index.find(paper) if index is not None else []
            if known or paper.arxiv_id in pushed:
                outcomes[paper.arxiv_id] = Outcome(paper.arxiv_id, paper.title, "already",
                                                   known[0].key if known else None)
            elif options.dry_run:
                outcomes[paper.arxiv_id] = Outcome(paper.arxiv_id, paper.title, "would add")
            else:
                to_add.append(paper)
        unreachable = None
        try:
            for batch in batches(to_add, options.batch_size):
                problem = connector.save([connector_item(p, year=options.year) for p in batch], target)
                status = "failed" if problem and not problem.startswith("saved") else "added"
                for paper in batch:
                    outcomes[paper.arxiv_id] = Outcome(paper.arxiv_id, paper.title, status, None, problem or "")
                if status == "added":
                    pushed.update(p.arxiv_id for p in batch)
                    _save_pushed(settings, desktop, pushed)
        except ZoteroUnreachable as exc:
            unreachable = str(exc)
            for paper in to_add:
                outcomes.setdefault(paper.arxiv_id, Outcome(paper.arxiv_id, paper.title, "failed", None,
                                                            "not saved: Zotero stopped answering"))
    finally:
        connector.close()
    ordered = tuple(outcomes[p.arxiv_id] for p in found if p.arxiv_id in outcomes)
    return PushReport(TARGET, ordered, gathered, tuple(notes), unreachable, options.dry_run)


def _library_index(desktop: DesktopSettings, settings: Settings, notes: list[str]) -> tuple[LibraryIndex | None, set[str]]:
    """The desktop library's index through the local API, or None; and the ids arxref pushed here before."""
    pushed = _load_pushed(settings, desktop)
    local = WebSettings(base_url=desktop.base_url.rstrip("/") + "/api", timeout=desktop.timeout, max_retries=1,
                        max_response_bytes=desktop.max_response_bytes)
    try:
        with WebClient(local, Library("user", "0"), what="Zotero's local API") as client:
            index = LibraryIndex()
            index.apply(client.read_items(0)[0])
            return index, pushed
    except ZoteroUnreachable as exc:  # it answers the connector but not here in time: not "off"
        notes.append(f"Zotero's local API did not answer ({exc}), so only papers arxref saved to this Zotero "
                     "before are recognised")
        return None, pushed
    except ZoteroError:
        notes.append("Zotero's local API is off, so only papers arxref saved to this Zotero before are "
                     "recognised; to check the whole library, allow it in Zotero: Settings > Advanced > "
                     "\"Allow other applications on this computer to communicate with Zotero\"")
        return None, pushed


def _pushed_path(settings: Settings, desktop: DesktopSettings) -> Path:
    server = hashlib.sha256(desktop.base_url.rstrip("/").encode()).hexdigest()[:12]
    return settings.cache_path.expanduser().parent / "zotero" / f"desktop-{server}.json"


def _load_pushed(settings: Settings, desktop: DesktopSettings) -> set[str]:
    try:
        data = json.loads(_pushed_path(settings, desktop).read_text(encoding="utf-8"))
        return {str(i) for i in data.get("pushed", [])} if isinstance(data, dict) else set()
    except (OSError, ValueError):
        return set()


def _save_pushed(settings: Settings, desktop: DesktopSettings, pushed: set[str]) -> None:
    save_json(_pushed_path(settings, desktop), {"format": 1, "pushed": sorted(pushed)})
