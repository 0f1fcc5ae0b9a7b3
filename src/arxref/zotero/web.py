"""The Zotero Web API (v3) over HTTP: reads by library version, writes that are safe to retry.

Written against Zotero's documentation (``dev/web_api/v3``: basics, syncing, write
requests) on :func:`arxref.transport.send`, not pyzotero: pyzotero cannot be installed beside arxref
(every release since 1.6.13 requires ``bibtexparser<2``, arxref's .bib scanner needs
bibtexparser 2), its ``Zotero()`` takes no base URL (the endpoint is fixed to
api.zotero.org, so tests cannot point it at a loopback server through its public API),
and its ``create_items`` draws a fresh ``Zotero-Write-Token`` on every call, so a batch
retried after a lost answer would be written twice. README "Zotero" says more.

What the API asks of a client, and where it is kept here:

* ``Zotero-API-Version: 3`` and the key as ``Authorization: Bearer`` on every request:
  the key is never in a URL, a message or a file;
* each request, answer included, ends within ``timeout`` seconds (``transport.send``:
  ``requests`` bounds each read, so a server dripping a byte at a time held a push
  forever); a request cut off, like a network failure, is sent again after a wait, and
  every retry is one line on the ``arxref.zotero.web`` logger (the CLI's stderr);
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

import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping
from urllib.parse import urlencode

from ..client import wait_text  # a retry line's wait, as the arXiv client shows it
from ..config import DEFAULT_MAX_RESPONSE_BYTES
from ..errors import ArxrefError, ExitCode, UsageError
from ..transport import Answer, DeadlineExceeded, TransportError, Unreachable, send

log = logging.getLogger(__name__)

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
    """Seconds one request may take in all: name lookup, connect, send, and the whole answer."""
    max_retries: int = 5
    """Retries of one request after a network failure, 429, 5xx, and of a batch after a 412."""
    max_wait: float = 600.0
    """Longest ``Retry-After``/``Backoff`` honoured; a longer one stops the run (exit 3)."""
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    """Largest answer read (decompressed); a larger one is a failed request."""
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
        self._headers = {"Zotero-API-Version": "3", "User-Agent": f"arxref/{__version__}"}
        """Sent with every request; the only place the key is kept (never shown: no repr, no message)."""
        if settings.api_key:
            self._headers["Authorization"] = f"Bearer {settings.api_key}"
        self._not_before = 0.0
        self.requests_sent = 0

    def close(self) -> None:
        """Nothing stays open (each request has its own connection); kept for ``with``."""

    def __enter__(self) -> "WebClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- one request

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None, headers: Mapping[str, str] | None = None) -> tuple[Answer, bool]:
        """Send one request, waiting and resending on 429/5xx/network failures; (answer, resent after a failure).

        Each attempt ends within ``settings.timeout`` seconds, whole answer included.
        401/403/404 raise :class:`ZoteroRefused`; running out of retries raises
        :class:`ZoteroUnreachable`. Other answers (200, 204, 304, 400, 412, 413...) are returned.
        """
        url = self.base + path + (f"?{urlencode(params)}" if params else "")
        body = None if json is None else _dumps(json)
        sent = {**self._headers, **({"Content-Type": "application/json"} if body is not None else {}), **(headers or {})}
        retries = self.settings.max_retries
        resent = False
        for attempt in range(retries + 1):
            self._wait_backoff()
            try:
                answer = self._send(method, url, body, sent)
            except TransportError as exc:
                if attempt == retries:
                    raise ZoteroUnreachable(f"{self.what} at {self.base} could not be reached: {_reason(exc)} "
                                            f"(gave up after {attempt + 1} attempt{'s' if attempt else ''})") from None
                resent = resent or method != "GET"
                self._retry(self._said(exc), self._retry_wait(attempt, None), attempt)
                continue
            self._note_backoff(answer)
            status = answer.status
            if status in (401, 403):
                raise ZoteroRefused(f"{self.what} refused access to {self.library} ({status} {_body(answer)}); "
                                    "check ZOTERO_API_KEY and that the key may write to this library")
            if status in (301, 302, 303, 307, 308):  # 304 is Zotero's "not modified": an answer
                moved = answer.headers.get("location", "").split("?")[0] or "another address"
                raise ZoteroRefused(f"{self.what} at {self.base} answered {status}: it moved to {moved}; use that "
                                    "address (redirects are not followed: the API key would go along)")
            if status == 404 and path.startswith(self.library.prefix):
                raise ZoteroRefused(f"{self.what} has no library {self.library} at {self.base} (404)")
            if status in RETRY_STATUSES:
                if attempt == retries:
                    raise ZoteroUnreachable(f"{self.what} at {self.base} kept answering {status} "
                                            f"after {attempt + 1} attempts")
                self._retry(f"{self.what} answered {status}", self._retry_wait(attempt, answer), attempt)
                continue
            return answer, resent
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, method: str, url: str, body: bytes | None, headers: Mapping[str, str]) -> Answer:
        """One attempt, bounded by the timeout; logged at INFO (never with its headers: the key is there)."""
        self.requests_sent += 1
        started = time.monotonic()
        try:
            answer = send(method, url, body=body, headers=headers, timeout=self.settings.timeout,
                          max_bytes=self.settings.max_response_bytes)
        except TransportError as exc:
            log.info("Zotero request %d: %s %s -> %s in %.2f s", self.requests_sent, method, url, _reason(exc),
                     time.monotonic() - started)
            raise
        log.info("Zotero request %d: %s %s -> HTTP %d, %s bytes in %.2f s", self.requests_sent, method, url,
                 answer.status, f"{len(answer.content):,}", time.monotonic() - started)
        return answer

    def _said(self, exc: TransportError) -> str:
        """How a retry line names a failed attempt."""
        if isinstance(exc, DeadlineExceeded):
            return f"{self.what} did not answer within {self.settings.timeout:g} s"
        if isinstance(exc, Unreachable):
            return f"{self.what} could not be reached ({exc.reason})"
        return f"{self.what}'s answer failed: {exc}"

    def _retry(self, said: str, wait: float, attempt: int) -> None:
        """Announce the retry (one line on stderr in the CLI, unless -q), then wait."""
        log.warning("%s; retrying in %s (%d of %d)", said, wait_text(wait), attempt + 1, self.settings.max_retries)
        self.settings.sleep(wait)

    def _retry_wait(self, attempt: int, answer: Answer | None) -> float:
        """Seconds before a retry: what the server asked for (Retry-After, else Backoff), else exponential."""
        asked = None
        if answer is not None:
            asked = _seconds(answer.headers.get("retry-after")) or _seconds(answer.headers.get("backoff"))
        if asked is None:
            return min(self.settings.retry_base * 2.0 ** attempt, 60.0)
        if asked > self.settings.max_wait:
            raise ZoteroUnreachable(f"{self.what} asks to wait {asked:.0f} s before any request "
                                    f"(more than {self.settings.max_wait:.0f} s); try again later")
        return asked

    def _note_backoff(self, answer: Answer) -> None:
        """``Backoff: <s>`` on any answer: no further request before then."""
        seconds = _seconds(answer.headers.get("backoff"))
        if seconds is not None and answer.status not in RETRY_STATUSES:
            if seconds > self.settings.max_wait:
                raise ZoteroUnreachable(f"{self.what} asks to wait {seconds:.0f} s before any request; try again later")
            self._not_before = max(self._not_before, time.monotonic() + seconds)

    def _wait_backoff(self) -> None:
        remaining = self._not_before - time.monotonic()
        if remaining > 0:
            log.warning("%s asked for a pause (Backoff); waiting %s", self.what, wait_text(remaining))
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
            yield page, _int(response.headers.get("last-modified-version"))
            start += len(page)
            total = _int(response.headers.get("total-results"))
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
        if response.status == 200:
            body = _json(response, self.what)
        else:
            body = _body(response)
        return WriteAnswer(response.status, body, _int(response.headers.get("last-modified-version")), resent)


def _expect(response: Answer, status: int, what: str) -> None:
    _expect_status(response.status, status, what, _body(response))


def _expect_status(got: int, status: int, what: str, detail: str = "") -> None:
    if got != status:
        raise ZoteroError(f"{what} answered {got}" + (f": {detail}" if detail else ""))


def _dumps(value: Any) -> bytes:
    """A JSON request body (as requests' ``json=`` wrote it: ASCII, no NaN)."""
    return json.dumps(value, allow_nan=False).encode("ascii")


def _json(response: Answer, what: str) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        raise ZoteroError(f"{what} answered {response.status} with something that is not JSON") from None


def _body(response: Answer) -> str:
    """The first line of an error answer, short (Zotero's error bodies are one line of text)."""
    text = response.content.decode("utf-8", "replace").strip().splitlines()
    return text[0][:200] if text else response.reason


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


def _reason(exc: TransportError) -> str:
    """A failed attempt in a few words ("no answer within 30 s", "connection refused")."""
    return exc.reason if isinstance(exc, Unreachable) else str(exc)
