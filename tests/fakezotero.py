"""Loopback fakes of Zotero: the Web API v3 (:class:`FakeZotero`) and the desktop app's connector
with its local API (:class:`FakeConnector`).

Written from Zotero's documentation (dev/web_api/v3: basics, syncing, write requests)
and, where the documentation is silent, the behaviour of Zotero's own server
(zotero/dataserver) and desktop (server_connector.js, server_localAPI.js):

* every object has a ``version``; each object written bumps the library version by one
  (the dataserver bumps per object); answers carry ``Last-Modified-Version``;
* reads: ``limit`` (at most 100) and ``start`` pages with ``Total-Results`` and a
  ``Link: rel="next"``; ``since=`` returns objects changed after that version;
  ``includeTrashed=1`` includes items in the trash (``deleted: 1``), otherwise they are
  left out; ``itemKey=`` picks items; ``GET /deleted?since=`` lists keys deleted for good;
* writes: at most 50 objects (413); ``Zotero-Write-Token`` (5-32 characters; a token already
  used with the same key is ``412 Write token already used``); ``If-Unmodified-Since-Version``
  older than the library is ``412 Library has been modified since specified version``;
  the answer is ``{successful, success, unchanged, failed}`` keyed by the object's
  position; an object with ``key`` and ``version`` is a partial update (per-object 412
  when its version is stale); fields are checked against zotero-schema
  (tests/data/zotero-schema: an unknown field fails that object with code 400);
* the key travels as ``Authorization: Bearer`` or ``Zotero-API-Key``; a wrong or missing
  key is 403;
* ``Backoff`` on a normal answer, ``429``/``503`` with ``Retry-After``, a write applied but
  its answer lost (the connection closed), an answer whose body drips one byte at a time
  (:func:`drip`), a server that reads the request and never answers (:func:`silent`), and
  per-item failures are injected by tests (:meth:`FakeZotero.inject`, :attr:`FakeZotero.fail_items`).

Bound to 127.0.0.1; every request is logged (:attr:`log`) without the key.
"""

from __future__ import annotations

import json
import random
import select
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

SCHEMA = Path(__file__).resolve().parent / "data" / "zotero-schema" / "item-types.json"
MAX_WRITE = 50
MAX_PAGE = 100
KEY_CHARS = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
#: Spaces a dripped JSON body is padded with (still valid JSON): at a byte a second, ten minutes.
DRIP_PADDING = 600
#: Longest a silent or dripping answer holds its connection (a hang guard for the fake itself).
HOLD_LIMIT = 600.0
#: Item properties that are not fields of the item type.
ITEM_PROPERTIES = {"key", "version", "itemType", "creators", "tags", "collections", "relations", "deleted",
                   "parentItem", "dateAdded", "dateModified", "note", "linkMode", "contentType", "charset",
                   "filename", "md5", "mtime", "accessDate"}


def _schema() -> dict[str, tuple[set[str], set[str]]]:
    data = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return {t["itemType"]: ({f["field"] for f in t["fields"]}, {c["creatorType"] for c in t.get("creatorTypes", [])})
            for t in data["itemTypes"]}


ITEM_TYPES = _schema()


@dataclass(frozen=True)
class Fault:
    """One misbehaviour for the next request it matches (``method`` None: any)."""

    status: int = 0
    """Answer with this status instead (0: answer normally)."""
    headers: tuple[tuple[str, str], ...] = ()
    """Headers added to the answer (``Backoff`` on a normal answer, ``Retry-After`` on a 429)."""
    drop: bool = False
    """Do the request, then close the connection without an answer (a lost answer)."""
    method: str | None = None
    drip: float = 0.0
    """Do the request, send the headers at once, then the body one byte every ``drip`` seconds."""
    silent: bool = False
    """Read the request and never answer (until the client hangs up)."""
    path: str | None = None
    """Only for a request whose path starts with this (None: any path)."""


def status(code: int, **headers: str) -> Fault:
    """Answer ``code`` (429, 503...) with headers such as ``Retry_After="3"`` (underscores become dashes)."""
    return Fault(code, tuple((k.replace("_", "-"), v) for k, v in headers.items()))


def backoff(seconds: str) -> Fault:
    """Answer normally with ``Backoff: seconds``."""
    return Fault(0, (("Backoff", seconds),))


def lost_answer(method: str = "POST") -> Fault:
    """Carry the request out, then drop the connection before answering."""
    return Fault(drop=True, method=method)


def drip(seconds: float = 1.0) -> Fault:
    """Answer normally, but the body one byte every ``seconds`` (padded: it takes minutes in all).

    Each read gets a byte well within a per-read timeout, so only a deadline on the
    whole request ends it."""
    return Fault(drip=seconds)


def silent() -> Fault:
    """Accept the connection, read the request, answer nothing."""
    return Fault(silent=True)


@dataclass
class Logged:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Request headers except Authorization/Zotero-API-Key (a key never enters the log)."""
    objects: int = 0
    status: int = 0


@dataclass
class FakeLibrary:
    """One library's objects and versions (shared by the Web API fake and the local API fake)."""

    version: int = 0
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    collections: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: list[tuple[int, str]] = field(default_factory=list)

    def new_key(self) -> str:
        while True:
            key = "".join(random.choice(KEY_CHARS) for _ in range(8))
            if key not in self.items and key not in self.collections:
                return key

    def add_item(self, data: dict[str, Any]) -> str:
        """Store an item as another client would have (bumps the library version); its key."""
        self.version += 1
        key = self.new_key()
        stored = {**data, "key": key, "version": self.version}
        stored.setdefault("collections", [])
        self.items[key] = {"key": key, "version": self.version, "data": stored}
        return key

    def delete_item(self, key: str) -> None:
        self.version += 1
        del self.items[key]
        self.deleted.append((self.version, key))

    def trash_item(self, key: str) -> None:
        self.version += 1
        obj = self.items[key]
        obj["version"] = obj["data"]["version"] = self.version
        obj["data"]["deleted"] = 1

    def query_items(self, query: dict[str, str]) -> list[dict[str, Any]]:
        since = int(query.get("since") or 0)
        keys = set(query["itemKey"].split(",")) if query.get("itemKey") else None
        trashed = query.get("includeTrashed") == "1"
        found = [obj for key, obj in sorted(self.items.items(), key=lambda kv: kv[1]["version"])
                 if obj["version"] > since and (keys is None or key in keys)
                 and (trashed or not obj["data"].get("deleted"))]
        return found

    def write(self, objects: list[Any], fail: Callable[[dict[str, Any]], tuple[int, str] | None]) -> dict[str, Any]:
        """Apply a multi-object write; the API's answer body."""
        report: dict[str, dict[str, Any]] = {"successful": {}, "success": {}, "unchanged": {}, "failed": {}}
        for position, obj in enumerate(objects):
            slot = str(position)
            problem = _invalid(obj) if isinstance(obj, dict) else (400, "Invalid value for index in uploaded data")
            if problem is None:
                problem = fail(obj)
            if problem is not None:
                report["failed"][slot] = {"key": obj.get("key", "") if isinstance(obj, dict) else "",
                                          "code": problem[0], "message": problem[1]}
                if not report["failed"][slot]["key"]:
                    del report["failed"][slot]["key"]
                continue
            key = obj.get("key")
            if key and key in self.items:
                current = self.items[key]
                if "version" in obj and int(obj["version"]) != current["version"]:
                    report["failed"][slot] = {"key": key, "code": 412, "message": (
                        f"Item has been modified since specified version (expected {obj['version']}, "
                        f"found {current['version']})")}
                    continue
                change = {k: v for k, v in obj.items() if k not in ("key", "version")}
                if all(current["data"].get(k) == v for k, v in change.items()):
                    report["unchanged"][slot] = key
                    continue
                self.version += 1
                current["data"].update(change)
                current["version"] = current["data"]["version"] = self.version
                report["successful"][slot] = current
                report["success"][slot] = key
                continue
            self.version += 1
            key = self.new_key()
            data = {k: v for k, v in obj.items() if k != "version"}
            data.update({"key": key, "version": self.version})
            data.setdefault("collections", [])
            stored = {"key": key, "version": self.version, "data": data}
            self.items[key] = stored
            report["successful"][slot] = stored
            report["success"][slot] = key
        return report


def _invalid(obj: dict[str, Any]) -> tuple[int, str] | None:
    item_type = obj.get("itemType")
    if item_type is None and obj.get("key"):
        return None  # a partial update of an existing item
    if item_type not in ITEM_TYPES:
        return 400, f"'{item_type}' is not a valid itemType"
    fields, creator_types = ITEM_TYPES[item_type]
    for name in obj:
        if name not in fields and name not in ITEM_PROPERTIES:
            return 400, f"'{name}' is not a valid field for type '{item_type}'"
    for creator in obj.get("creators", []):
        if creator.get("creatorType") not in creator_types:
            return 400, f"'{creator.get('creatorType')}' is not a valid creator type for type '{item_type}'"
        if not ("name" in creator or "lastName" in creator):
            return 400, "Creator must have a name or lastName"
    return None


class _Server:
    """A ThreadingHTTPServer on 127.0.0.1 with a request log and injected faults."""

    handler: type[BaseHTTPRequestHandler]

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.log: list[Logged] = []
        self.faults: deque[Fault] = deque()
        self.port = 0
        self.stopped = threading.Event()
        """Set by :meth:`stop`: silent and dripping handlers let go of their connections."""
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inject(self, fault: Fault, times: int = 1) -> None:
        with self.lock:
            self.faults.extend([fault] * times)

    def take_fault(self, method: str, path: str = "") -> Fault | None:
        with self.lock:
            if self.faults and self.faults[0].method in (None, method) and path.startswith(self.faults[0].path or ""):
                return self.faults.popleft()
        return None

    def start(self) -> Any:
        handler = type("Handler", (self.handler,), {"fake": self})
        httpd = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self.port = httpd.server_address[1]
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()

    def requests(self, method: str | None = None, path_end: str = "") -> list[Logged]:
        with self.lock:
            return [r for r in self.log if (method is None or r.method == method) and r.path.endswith(path_end)]


class _Handler(BaseHTTPRequestHandler):
    fake: Any
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        body: Any = None
        if method == "POST":
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = ValueError
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("authorization", "zotero-api-key")}
        entry = Logged(method, parts.path, {k: v for k, v in query.items() if k != "key"}, headers,
                       len(body) if isinstance(body, list) else 0)
        with self.fake.lock:
            self.fake.log.append(entry)
        fault = self.fake.take_fault(method, parts.path)
        if fault is not None and fault.silent:
            self._hold()
            return
        if fault is not None and fault.status:
            entry.status = fault.status
            self.send(fault.status, "Too many requests" if fault.status == 429 else "Service unavailable",
                      extra=dict(fault.headers))
            return
        with self.fake.lock:
            code, payload, extra = self.route(method, parts.path, query, body)
        entry.status = code
        if fault is not None and fault.drop:
            self.close_connection = True
            return
        if fault is not None and fault.drip:
            self._drip(code, payload, extra, fault.drip)
            return
        if fault is not None:
            extra = {**extra, **dict(fault.headers)}
        self.send(code, payload, extra=extra)

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    def send(self, code: int, payload: Any, extra: dict[str, str] | None = None) -> None:
        data = self._head(code, payload, extra)
        self.wfile.write(data)

    def _head(self, code: int, payload: Any, extra: dict[str, str] | None, padding: int = 0) -> bytes:
        """Send the status line and headers for ``payload`` (plus ``padding`` spaces); the body to send."""
        if isinstance(payload, (dict, list)):
            data, kind = json.dumps(payload).encode(), "application/json"
        else:
            data, kind = str(payload).encode(), "text/plain" if not str(payload).startswith("<!") else "text/html"
        data += b" " * padding
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        return data

    def _drip(self, code: int, payload: Any, extra: dict[str, str], seconds: float) -> None:
        """The headers at once, then the body a byte at a time until it ends or the client hangs up."""
        self.close_connection = True
        try:
            data = self._head(code, payload, extra, DRIP_PADDING)
            for index in range(len(data)):
                self.wfile.write(data[index:index + 1])
                if self.fake.stopped.wait(seconds):
                    return
        except OSError:  # the client gave up and closed the connection
            pass

    def _hold(self) -> None:
        """Answer nothing; return when the client closes the connection (or the fake stops)."""
        self.close_connection = True
        until = time.monotonic() + HOLD_LIMIT
        while time.monotonic() < until and not self.fake.stopped.is_set():
            try:
                readable, _, _ = select.select([self.connection], [], [], 0.1)
                if readable and not self.connection.recv(1024):
                    return
            except OSError:
                return


def _page(handler_query: dict[str, str], objects: list[Any], version: int, base: str) -> tuple[int, Any, dict[str, str]]:
    limit = min(int(handler_query.get("limit") or 25), MAX_PAGE)
    start = int(handler_query.get("start") or 0)
    page = objects[start:start + limit]
    headers = {"Total-Results": str(len(objects)), "Last-Modified-Version": str(version)}
    if start + limit < len(objects):
        rest = {**handler_query, "start": str(start + limit)}
        headers["Link"] = f'<{base}?{"&".join(f"{k}={v}" for k, v in rest.items())}>; rel="next"'
    return 200, page, headers


class _WebHandler(_Handler):
    fake: "FakeZotero"

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        fake = self.fake
        key = self._key(query)
        prefix = fake.prefix
        if not path.startswith(prefix + "/") and path != prefix:
            return 404, "Not found", {}
        if key is None:
            return 403, "Forbidden", {}
        if key != fake.api_key:
            return 403, "Invalid key", {}
        library = fake.library
        rest = path[len(prefix):]
        version = {"Last-Modified-Version": str(library.version)}
        if method == "GET" and rest == "/items":
            return _page(query, library.query_items(query), library.version, path)
        if method == "GET" and rest == "/deleted":
            since = int(query.get("since") or 0)
            return 200, {"items": [k for v, k in library.deleted if v > since], "collections": [], "searches": [],
                         "tags": [], "settings": []}, version
        if method == "GET" and rest == "/collections":
            since = int(query.get("since") or 0)
            return _page(query, [c for c in library.collections.values() if c["version"] > since], library.version,
                         path)
        if method == "POST" and rest in ("/items", "/collections"):
            return self._write(rest, body, key)
        return 400, "Unsupported request", {}

    def _key(self, query: dict[str, str]) -> str | None:
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth[len("Bearer "):]
        return self.headers.get("Zotero-API-Key") or query.get("key")

    def _write(self, rest: str, body: Any, api_key: str) -> tuple[int, Any, dict[str, str]]:
        fake = self.fake
        library = fake.library
        token = self.headers.get("Zotero-Write-Token")
        if token is not None:
            if not 5 <= len(token) <= 32:
                return 400, "Write token must be 5-32 characters in length", {}
            if (api_key, token) in fake.tokens:
                return 412, "Write token already used", {}
        expected = self.headers.get("If-Unmodified-Since-Version")
        if expected is not None:
            if not expected.isdigit():
                return 400, "Invalid If-Unmodified-Since-Version value", {}
            if library.version > int(expected):
                return 412, (f"Library has been modified since specified version (expected {expected}, "
                             f"found {library.version})"), {}
        if not isinstance(body, list):
            return 400, "Uploaded data must be a JSON array", {}
        if len(body) > MAX_WRITE:
            return 413, f"Cannot add more than {MAX_WRITE} {rest.strip('/')} at a time", {}
        if rest == "/collections":
            report = _write_collections(library, body)
        else:
            report = library.write(body, fake.failure_for)
        if token is not None:
            fake.tokens.add((api_key, token))
        return 200, report, {"Last-Modified-Version": str(library.version)}


def _write_collections(library: FakeLibrary, body: list[Any]) -> dict[str, Any]:
    report: dict[str, dict[str, Any]] = {"successful": {}, "success": {}, "unchanged": {}, "failed": {}}
    for position, obj in enumerate(body):
        if not isinstance(obj, dict) or not obj.get("name"):
            report["failed"][str(position)] = {"code": 400, "message": "Collection name cannot be empty"}
            continue
        library.version += 1
        key = library.new_key()
        stored = {"key": key, "version": library.version,
                  "data": {"key": key, "version": library.version, "name": obj["name"],
                           "parentCollection": obj.get("parentCollection", False), "relations": {}}}
        library.collections[key] = stored
        report["successful"][str(position)] = stored
        report["success"][str(position)] = key
    return report


class FakeZotero(_Server):
    """The Web API for one library (``user:1234567`` by default) and one key."""

    handler = _WebHandler

    def __init__(self, api_key: str = "fake-key-0123456789abcdef", library: str = "user:1234567") -> None:
        super().__init__()
        self.api_key = api_key
        kind, _, number = library.partition(":")
        self.prefix = f"/{kind}s/{number}"
        self.library = FakeLibrary()
        self.tokens: set[tuple[str, str]] = set()
        self.fail_items: dict[str, tuple[int, str]] = {}
        """archiveID -> (code, message): writes of that item fail with this entry in ``failed``."""

    def failure_for(self, obj: dict[str, Any]) -> tuple[int, str] | None:
        return self.fail_items.get(str(obj.get("archiveID", "")))

    def item_writes(self) -> list[Logged]:
        return [r for r in self.requests("POST", "/items")]

    def __enter__(self) -> "FakeZotero":
        return self.start()  # type: ignore[no-any-return]

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------- desktop


class _ConnectorHandler(_Handler):
    fake: "FakeConnector"

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        fake = self.fake
        if path == "/connector/ping":
            if method == "GET":
                return 200, "<!DOCTYPE html><html><body>Zotero is running</body></html>", {}
            return 200, {"prefs": {}}, {}
        if path.startswith("/api/"):
            if not fake.local_api:
                return 403, "Local API is not enabled", {}
            if method == "GET" and path == "/api/users/0/items":
                return _page(query, fake.library.query_items(query), fake.library.version, path)
            return 404, "Not found", {}
        if method != "POST":
            return 400, "Endpoint does not support method\n", {}
        if path == "/connector/getSelectedCollection":
            targets = [{"id": "L1", "name": "My Library", "level": 0}]
            targets += [{"id": f"C{n}", "name": name, "level": 1} for n, name in fake.collections.items()]
            return 200, {"libraryID": 1, "libraryName": "My Library", "libraryEditable": not fake.read_only,
                         "editable": not fake.read_only, "id": None, "name": "My Library", "targets": targets}, {}
        if path == "/connector/saveItems":
            if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                return 400, "Bad request", {}
            if body.get("sessionID") in fake.sessions:
                return 409, {"error": "SESSION_EXISTS"}, {}
            if fake.read_only:
                return 500, {"libraryEditable": False}, {}
            keys = []
            for item in body["items"]:
                data = {k: v for k, v in item.items() if k not in ("id", "attachments", "notes")}
                if _invalid({k: v for k, v in data.items() if k != "tags"}) is not None:
                    return 500, "An error occurred", {}
                keys.append(fake.library.add_item(data))
            fake.sessions[body["sessionID"]] = keys
            return 201, "", {}
        if path == "/connector/updateSession":
            keys = fake.sessions.get((body or {}).get("sessionID"))
            if keys is None:
                return 400, {"error": "SESSION_NOT_FOUND"}, {}
            target = str(body.get("target", ""))
            if target.startswith("C"):
                if int(target[1:]) not in fake.collections:
                    return 400, {"error": "COLLECTION_NOT_FOUND"}, {}
                for key in keys:
                    fake.library.items[key]["data"]["collections"] = [target]
            return 200, {}, {}
        return 404, "No endpoint found", {}


class FakeConnector(_Server):
    """A running Zotero desktop: connector endpoints, and the local API when ``local_api`` is on."""

    handler = _ConnectorHandler

    def __init__(self, local_api: bool = True, collections: dict[int, str] | None = None) -> None:
        super().__init__()
        self.local_api = local_api
        self.read_only = False
        self.library = FakeLibrary()
        self.collections = dict(collections or {})
        self.sessions: dict[str, list[str]] = {}

    def __enter__(self) -> "FakeConnector":
        return self.start()  # type: ignore[no-any-return]

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port() -> int:
    """A loopback port nothing listens on (for 'Zotero is not running')."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


__all__ = ["FakeConnector", "FakeLibrary", "FakeZotero", "Fault", "backoff", "drip", "free_port", "lost_answer",
           "silent", "status"]
