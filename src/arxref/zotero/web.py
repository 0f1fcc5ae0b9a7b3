"""The Zotero Web API (v3) over HTTP: reads by library version, writes that are safe to retry.

Written against Zotero's documentation (``dev/web_api/v3``: basics, syncing, write
requests) with ``requests``, not pyzotero: pyzotero cannot be installed beside arxref
(every release since 1.6.13 requires ``bibtexparser<2``, arxref's .bib scanner needs
bibtexparser 2), its ``Zotero()`` takes no base URL (the endpoint is fixed to
api.zotero.org, so tests cannot point it at a loopback server through its public API),
and its ``create_items`` draws a fresh ``Zotero-Write-Token`` on every call, so a batch
retried after a lost answer would be written twice. README "Zotero" says more.

What the API asks of a client, and where it is kept here:

* ``Zotero-API-Version: 3`` and the key as ``Authorization: Bearer`` on every request:
  the key is never in a URL, a message or a file;
* ``Backoff: <s>`` on any answer: no request before that many seconds;
  ``429``/``503`` with ``Retry-After`` (or ``Backoff``): wait, then send the same request
  again, same headers, same write token (:meth:`WebClient.request`);
* writes carry ``If-Unmodified-Since-Version`` (the library version the caller read) and a
  ``Zotero-Write-Token`` per batch: a stale version or a token already used is ``412``,
  which the caller answers by reading what changed (:meth:`WebClient.post_items`);
* reads page with ``limit``/``start`` (at most 100 per page) and ``since=<version>``,
  and restart if the library changed between pages (:meth:`WebClient.read_items`).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

import requests

from ..errors import ArxrefError, ExitCode, UsageError

DEFAULT_ZOTERO_URL = "https://api.zotero.org"
#: The API's limit of objects per write request.
MAX_WRITE = 50
#: The API's limit of objects per page of a read.
PAGE = 100
#: Statuses answered by waiting and sending the same request again.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class ZoteroError(ArxrefError):
    """Zotero answered, but not as asked (exit 1 unless a subclass says otherwise)."""


class ZoteroUnreachable(ZoteroError):
    """Zotero could not be reached, or kept refusing (429/503) past the retries: exit 3."""

    exit_code: int = ExitCode.UNVERIFIED


class ZoteroRefused(UsageError, ZoteroError):
    """The key or the library is wrong (401/403/404): the user's setting to fix, exit 2."""


@dataclass(frozen=True)
class Library:
    """A Zotero library as ``--library`` names it: ``user:ID`` or ``group:ID``."""

    kind: str
    id: str

    @classmethod
    def parse(cls, text: str) -> "Library":
        kind, _, number = text.strip().partition(":")
        kind = kind.strip().lower()
        number = number.strip()
        if kind not in ("user", "group") or not number.isdigit():
            raise UsageError(f"--library {text!r}: expected user:ID or group:ID (the number from zotero.org/settings/keys)")
        return cls(kind, number)

    @property
    def prefix(self) -> str:
        """The API path of the library (``/users/123``, ``/groups/456``)."""
        return f"/{self.kind}s/{self.id}"

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class WebSettings:
    """Where the Web API is and how patiently to talk to it. The key is never shown (``repr``)."""

    base_url: str = DEFAULT_ZOTERO_URL
    api_key: str = field(default="", repr=False)
    timeout: float = 30.0
    """Seconds for one request (connect and read)."""
    max_retries: int = 5
    """Retries of one request after a network failure, 429, 5xx, and of a batch after a 412."""
    max_wait: float = 600.0
    """Longest ``Retry-After``/``Backoff`` honoured; a longer one stops the run (exit 3)."""
    retry_base: float = 2.0
    """First wait when the server names none; doubled per retry (capped at 60 s)."""
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    """How waits are taken (tests record them instead of sleeping)."""


@dataclass(frozen=True)
class WriteAnswer:
    """One write request's outcome: status, the parsed body and the library version after it."""

    status: int
    body: Any
    version: int | None
    retried: bool
    """True when the request was sent again after a network failure (the first may have arrived)."""


def new_write_token() -> str:
    """A random 32-character token (the API accepts 5-32 characters)."""
    return uuid.uuid4().hex


class WebClient:
    """One library on one Zotero Web API (or a Zotero desktop's local API, which reads alike)."""

    def __init__(self, settings: WebSettings, library: Library, *, what: str = "the Zotero Web API") -> None:
        from .. import __version__

        self.settings = settings
        self.library = library
        self.what = what
        self.base = settings.base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update({"Zotero-API-Version": "3", "User-Agent": f"arxref/{__version__}"})
        if settings.api_key:
            self.session.headers["Authorization"] = f"Bearer {settings.api_key}"
        self._not_before = 0.0
        self.requests_sent = 0

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "WebClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- one request

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None, headers: Mapping[str, str] | None = None) -> tuple[requests.Response, bool]:
        """Send one request, waiting and resending on 429/5xx/network failures; (answer, resent after a failure).

        401/403/404 raise :class:`ZoteroRefused`; running out of retries raises
        :class:`ZoteroUnreachable`. Other answers (200, 204, 304, 400, 412, 413...) are returned.
        """
        url = self.base + path
        resent = False
        for attempt in range(self.settings.max_retries + 1):
            self._wait_backoff()
            try:
                self.requests_sent += 1
                response = self.session.request(method, url, params=params, json=json, headers=dict(headers or {}),
                                                timeout=self.settings.timeout)
            except requests.RequestException as exc:
                reason = _reason(exc)
                if attempt == self.settings.max_retries:
                    raise ZoteroUnreachable(f"{self.what} at {self.base} could not be reached: {reason}") from None
                resent = resent or method != "GET"
                self.settings.sleep(self._retry_wait(attempt, None))
                continue
            self._note_backoff(response)
            status = response.status_code
            if status in (401, 403):
                raise ZoteroRefused(f"{self.what} refused access to {self.library} ({status} {_body(response)}); "
                                    "check ZOTERO_API_KEY and that the key may write to this library")
            if status == 404 and path.startswith(self.library.prefix):
                raise ZoteroRefused(f"{self.what} has no library {self.library} at {self.base} (404)")
            if status in RETRY_STATUSES:
                if attempt == self.settings.max_retries:
                    raise ZoteroUnreachable(f"{self.what} at {self.base} kept answering {status} "
                                            f"after {attempt + 1} attempts")
                self.settings.sleep(self._retry_wait(attempt, response))
                continue
            return response, resent
        raise AssertionError("unreachable")  # pragma: no cover

    def _retry_wait(self, attempt: int, response: requests.Response | None) -> float:
        """Seconds before a retry: what the server asked for (Retry-After, else Backoff), else exponential."""
        asked = None
        if response is not None:
            asked = _seconds(response.headers.get("Retry-After")) or _seconds(response.headers.get("Backoff"))
        if asked is None:
            return min(self.settings.retry_base * 2.0 ** attempt, 60.0)
        if asked > self.settings.max_wait:
            raise ZoteroUnreachable(f"{self.what} asks to wait {asked:.0f} s before any request "
                                    f"(more than {self.settings.max_wait:.0f} s); try again later")
        return asked

    def _note_backoff(self, response: requests.Response) -> None:
        """``Backoff: <s>`` on any answer: no further request before then."""
        seconds = _seconds(response.headers.get("Backoff"))
        if seconds is not None and response.status_code not in RETRY_STATUSES:
            if seconds > self.settings.max_wait:
                raise ZoteroUnreachable(f"{self.what} asks to wait {seconds:.0f} s before any request; try again later")
            self._not_before = max(self._not_before, time.monotonic() + seconds)

    def _wait_backoff(self) -> None:
        remaining = self._not_before - time.monotonic()
        if remaining > 0:
            self.settings.sleep(remaining)
            self._not_before = 0.0

    # ----------------------------------------------------------------- reads

    def read_items(self, since: int) -> tuple[list[dict[str, Any]], int]:
        """Every item changed after library version ``since`` (trashed ones too), and the library version.

        Pages of 100; if the library changes while the pages are read, the read starts
        again, so the version returned covers every item returned.
        """
        for _ in range(self.settings.max_retries + 1):
            items: list[dict[str, Any]] = []
            versions = set()
            for page, version in self._pages("/items", {"since": since, "format": "json", "includeTrashed": 1}):
                items.extend(page)
                versions.add(version)
            if len(versions) <= 1:
                return items, (versions.pop() if versions else since) or since
        raise ZoteroUnreachable(f"{self.library} kept changing while it was read; try again later")

    def deleted_since(self, since: int) -> list[str]:
        """Keys of items deleted for good after library version ``since``."""
        response, _ = self.request("GET", self.library.prefix + "/deleted", params={"since": since})
        _expect(response, 200, self.what)
        body = _json(response, self.what)
        return [key for key in body.get("items", []) if isinstance(key, str)] if isinstance(body, dict) else []

    def items_by_key(self, keys: list[str]) -> list[dict[str, Any]]:
        """The items with these keys (at most 50 per request, as the API allows)."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), MAX_WRITE):
            chunk = ",".join(keys[start:start + MAX_WRITE])
            for page, _ in self._pages("/items", {"itemKey": chunk, "format": "json", "includeTrashed": 1}):
                found.extend(page)
        return found

    def collections(self) -> list[dict[str, Any]]:
        """Every collection of the library (``key``, ``version``, ``data.name``...)."""
        found: list[dict[str, Any]] = []
        for page, _ in self._pages("/collections", {"format": "json"}):
            found.extend(page)
        return found

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[tuple[list[dict[str, Any]], int | None]]:
        start = 0
        while True:
            response, _ = self.request("GET", self.library.prefix + path, params={**params, "limit": PAGE, "start": start})
            _expect(response, 200, self.what)
            page = _json(response, self.what)
            if not isinstance(page, list):
                raise ZoteroError(f"{self.what} answered {path} with something other than a list")
            yield page, _int(response.headers.get("Last-Modified-Version"))
            start += len(page)
            total = _int(response.headers.get("Total-Results"))
            if not page or (total is not None and start >= total) or (total is None and len(page) < PAGE):
                return

    # ----------------------------------------------------------------- writes

    def post_items(self, items: list[dict[str, Any]], *, version: int | None, token: str | None) -> WriteAnswer:
        """POST up to 50 items in one request: ``If-Unmodified-Since-Version`` and the batch's write token."""
        return self._post("/items", items, version, token)

    def create_collection(self, name: str, *, version: int | None) -> str:
        """Create a top-level collection; its key."""
        for _ in range(self.settings.max_retries + 1):
            answer = self._post("/collections", [{"name": name}], version, new_write_token())
            if answer.status == 412:
                version = None  # the library moved on; a collection of the same name is looked for by the caller
                continue
            _expect_status(answer.status, 200, self.what)
            body = answer.body if isinstance(answer.body, dict) else {}
            made = body.get("successful", {}).get("0") or {}
            if "key" in made:
                return str(made["key"])
            failed = body.get("failed", {}).get("0") or {}
            raise ZoteroError(f"{self.what} did not create collection {name!r}: {failed.get('message', body)}")
        raise ZoteroUnreachable(f"{self.library} kept changing while collection {name!r} was created")

    def _post(self, path: str, objects: list[dict[str, Any]], version: int | None, token: str | None) -> WriteAnswer:
        headers = {"Content-Type": "application/json"}
        if version is not None:
            headers["If-Unmodified-Since-Version"] = str(version)
        if token:
            headers["Zotero-Write-Token"] = token
        response, resent = self.request("POST", self.library.prefix + path, json=objects, headers=headers)
        body: Any = None
        if response.status_code == 200:
            body = _json(response, self.what)
        else:
            body = _body(response)
        return WriteAnswer(response.status_code, body, _int(response.headers.get("Last-Modified-Version")), resent)


def _expect(response: requests.Response, status: int, what: str) -> None:
    _expect_status(response.status_code, status, what, _body(response))


def _expect_status(got: int, status: int, what: str, detail: str = "") -> None:
    if got != status:
        raise ZoteroError(f"{what} answered {got}" + (f": {detail}" if detail else ""))


def _json(response: requests.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ZoteroError(f"{what} answered {response.status_code} with something that is not JSON") from None


def _body(response: requests.Response) -> str:
    """The first line of an error answer, short (Zotero's error bodies are one line of text)."""
    text = (response.text or "").strip().splitlines()
    return text[0][:200] if text else response.reason or ""


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _reason(exc: requests.RequestException) -> str:
    """A network failure in a few words (requests' messages repeat the whole URL and pool state)."""
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.ConnectionError):
        return "connection refused or dropped"
    return type(exc).__name__
