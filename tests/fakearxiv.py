"""A fake arXiv API on loopback, serving the shipped Atom data in the live API's format.

It follows the "API facts" of ``examples/arxiv-responses/README.md``: feed
header, ``totalResults`` counting only papers found, ``itemsPerPage`` echoing
``max_results`` (default 10, at most ``page_limit`` = 2000 entries), order not the request order,
duplicates once, unknown ids omitted, impossible ids -> HTTP 400 with an Atom
``Error`` entry, GET and POST, and ``search_query`` (fields ti au abs co jr cat
id doi all; AND OR ANDNOT, parentheses, quoted phrases, bare words = all:).

Tests drive faults through :meth:`FakeArxiv.inject` (applied to the next
requests, one each) and read :attr:`FakeArxiv.log`. Bound to 127.0.0.1 only;
request bodies and waits are bounded.
"""

from __future__ import annotations

import functools
import hashlib
import re
import select
import socket
import struct
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterable
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = ROOT / "examples" / "arxiv-responses"
API_PATH = "/api/query"
MAX_BODY = 1 << 20
MAX_SLOW = 30.0
FEED_UPDATED = "2026-11-23T00:00:00Z"

# arXiv's own id check is a lenient regex (month 13 passes); anything else is HTTP 400.
_LENIENT_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Za-z-]+)?/\d{7})(?:v\d+)?$")
_ENTRY_RE = re.compile(r"<entry>.*?</entry>", re.S)
_ENTRY_ID_RE = re.compile(r"<id>\s*https?://arxiv\.org/abs/(?P<id>.+?)v(?P<v>\d+)\s*</id>")


# -- faults -------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """One misbehaviour for one request (see the module-level constructors)."""

    kind: str
    status: int = 200
    retry_after: str | None = None
    seconds: float = 0.0
    ids: frozenset[str] = frozenset()
    location: str | None = None


def status(code: int, retry_after: float | str | None = None) -> Fault:
    """Answer with HTTP ``code`` (429/503/500...), optionally with a Retry-After header."""
    return Fault("status", status=code, retry_after=None if retry_after is None else str(retry_after))


def redirect(code: int, location: str) -> Fault:
    """Answer ``code`` (301, 302...) pointing elsewhere (an http:// endpoint moved to https://, say)."""
    return Fault("status", status=code, location=location)


def slow(seconds: float) -> Fault:
    """Wait ``seconds`` (capped) before answering normally; meant to exceed the client timeout."""
    return Fault("slow", seconds=min(seconds, MAX_SLOW))


ok = Fault("ok")
"""Answer normally (to schedule a fault for a later request)."""
truncated = Fault("truncated")
"""The normal answer cut in the middle of an entry (a consistent Content-Length)."""
empty = Fault("empty")
"""A valid feed with totalResults 0 and no entries."""
html = Fault("html")
"""An HTML error page with status 200."""


def html_page(code: int) -> Fault:
    """An HTML error page with status ``code`` (a proxy's 502, a portal's 400)."""
    return Fault("html", status=code)


api_error = Fault("api_error")
"""Status 200 with an Atom Error entry instead of results."""
reset = Fault("reset")
"""Close the connection abruptly (TCP RST) without answering."""
down = Fault("down")
"""Reset this request and stop listening until :meth:`FakeArxiv.up` is called."""


def drip(seconds_per_byte: float) -> Fault:
    """Send the headers, then the normal answer one byte every ``seconds_per_byte`` (a stalled link)."""
    return Fault("drip", seconds=seconds_per_byte)


def oversized(megabytes: int) -> Fault:
    """Status 200 and an Atom-looking body of ``megabytes`` MB, with no Content-Length."""
    return Fault("oversized", seconds=float(megabytes))


def gzip_bomb(megabytes: int) -> Fault:
    """A small gzip body (Content-Encoding: gzip) that inflates to ``megabytes`` MB."""
    return Fault("gzip_bomb", seconds=float(megabytes))


def drop(ids: Iterable[str]) -> Fault:
    """Answer normally but omit the given ids (base ids)."""
    return Fault("drop", ids=frozenset(ids))


def stray(ids: Iterable[str]) -> Fault:
    """Answer with the entries of the given ids (base ids) instead of those asked: a confused mirror or
    proxy cache serving another request's answer (arXiv itself never sends an id it was not asked for)."""
    return Fault("stray", ids=frozenset(ids))


@dataclass
class LoggedRequest:
    method: str
    path: str
    params: dict[str, str]
    id_list: list[str]
    time: float
    """time.monotonic() when the request arrived."""
    status: int | None = None
    """HTTP status sent, None when the connection was reset or never answered."""
    fault: str | None = None
    user_agent: str = ""
    finished: float | None = None
    """time.monotonic() when the answer was sent or abandoned."""


# -- data -----------------------------------------------------------------------


@dataclass
class StoredEntry:
    base: str
    version: int
    raw: str
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    comment: str
    journal_ref: str
    doi: str


def _tag_text(raw: str, tag: str) -> list[str]:
    from xml.sax.saxutils import unescape

    return [unescape(m) for m in re.findall(rf"<{tag}(?:\s[^>]*)?>(.*?)</{tag}>", raw, re.S)]


def parse_stored_entry(raw: str) -> StoredEntry:
    match = _ENTRY_ID_RE.search(raw)
    if not match:
        raise ValueError("entry without an arXiv abstract URL id")
    return StoredEntry(
        base=match.group("id"),
        version=int(match.group("v")),
        raw=raw.strip(),
        title=" ".join(_tag_text(raw, "title")),
        abstract=" ".join(_tag_text(raw, "summary")),
        authors=_tag_text(raw, "name"),
        categories=re.findall(r'<category term="([^"]+)"', raw),
        comment=" ".join(_tag_text(raw, "arxiv:comment")),
        journal_ref=" ".join(_tag_text(raw, "arxiv:journal_ref")),
        doi=" ".join(_tag_text(raw, "arxiv:doi")),
    )


def load_shipped_entries(directory: Path = RESPONSES) -> list[StoredEntry]:
    """Each paper's <entry> taken out of its per-paper file (all.xml is not needed)."""
    entries = []
    for path in sorted(directory.glob("*.xml")):
        if path.name == "all.xml":
            continue
        for raw in _ENTRY_RE.findall(path.read_text(encoding="utf-8")):
            entries.append(parse_stored_entry(raw))
    return entries


# -- search_query -----------------------------------------------------------------

_TOKEN_RE = re.compile(r'\s*(?:(\()|(\))|([A-Za-z_]+):"([^"]*)"|"([^"]*)"|([^\s()"]+))')
_WORD_RE = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(text.lower())


def _contains(haystack: str, phrase: str) -> bool:
    """Case-insensitive whole-word (or phrase) match; a trailing * matches a word prefix."""
    words = _words(haystack)
    needle = _words(phrase)
    if not needle:
        return False
    prefix = phrase.rstrip().endswith("*")
    n = len(needle)
    for i in range(len(words) - n + 1):
        window = words[i : i + n]
        if window[:-1] == needle[:-1] and (
            window[-1] == needle[-1] or (prefix and window[-1].startswith(needle[-1]))
        ):
            return True
    return False


def _field_text(entry: StoredEntry, name: str) -> list[str]:
    if name == "ti":
        return [entry.title]
    if name == "au":
        return entry.authors
    if name == "abs":
        return [entry.abstract]
    if name == "co":
        return [entry.comment]
    if name == "jr":
        return [entry.journal_ref]
    if name == "cat":
        return entry.categories
    if name == "doi":
        return [entry.doi]
    if name == "id":
        return [entry.base, f"{entry.base}v{entry.version}"]
    if name == "all":
        return [entry.title, entry.abstract, entry.comment, entry.journal_ref, *entry.authors, *entry.categories]
    return []


class QuerySyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Term:
    name: str
    value: str


@dataclass(frozen=True)
class Op:
    op: str
    """AND, OR or ANDNOT."""
    left: "Node"
    right: "Node"


Node = Term | Op


class _Query:
    """Recursive-descent parser: expr := term (OP term)*, OP in AND/OR/ANDNOT (missing = OR)."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str, str]] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            match = _TOKEN_RE.match(text, pos)
            if not match or match.end() == pos:
                raise QuerySyntaxError(f"cannot parse query at {text[pos:]!r}")
            pos = match.end()
            lpar, rpar, fname, fphrase, phrase, word = match.groups()
            if lpar:
                self.tokens.append(("(", "", ""))
            elif rpar:
                self.tokens.append((")", "", ""))
            elif fname:
                self.tokens.append(("term", fname.lower(), fphrase))
            elif phrase is not None:
                self.tokens.append(("term", "all", phrase))
            elif word in ("AND", "OR", "ANDNOT"):
                self.tokens.append(("op", word, ""))
            elif ":" in word:
                name, _, value = word.partition(":")
                self.tokens.append(("term", name.lower(), value))
            else:
                self.tokens.append(("term", "all", word))
        self.pos = 0

    def _peek(self) -> tuple[str, str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def parse(self) -> Node:
        tree = self._expr()
        if self._peek() is not None:
            raise QuerySyntaxError("unbalanced parentheses")
        return tree

    def _expr(self) -> Node:
        left = self._atom()
        while True:
            token = self._peek()
            if token is None or token[0] == ")":
                return left
            op = "OR"
            if token[0] == "op":
                op = token[1]
                self.pos += 1
            left = Op(op, left, self._atom())

    def _atom(self) -> Node:
        token = self._peek()
        if token is None:
            raise QuerySyntaxError("query ends early")
        self.pos += 1
        if token[0] == "(":
            inner = self._expr()
            closing = self._peek()
            if closing is None or closing[0] != ")":
                raise QuerySyntaxError("missing )")
            self.pos += 1
            return inner
        if token[0] != "term":
            raise QuerySyntaxError(f"unexpected {token[1] or token[0]!r}")
        return Term(token[1], token[2])


def _matches(tree: Node, entry: StoredEntry) -> bool:
    if isinstance(tree, Term):
        value = tree.value.replace("_", " ") if tree.name == "au" else tree.value
        if tree.name == "id":
            return value.strip().lower() in {t.lower() for t in _field_text(entry, "id")}
        return any(_contains(text, value) for text in _field_text(entry, tree.name))
    if tree.op == "AND":
        return _matches(tree.left, entry) and _matches(tree.right, entry)
    if tree.op == "ANDNOT":
        return _matches(tree.left, entry) and not _matches(tree.right, entry)
    return _matches(tree.left, entry) or _matches(tree.right, entry)


def _terms(tree: Node) -> list[str]:
    if isinstance(tree, Term):
        return [tree.value]
    return _terms(tree.left) + _terms(tree.right)


# -- the server -----------------------------------------------------------------------


class FakeArxiv:
    """The fake API. ``url`` is the full query endpoint to put in ``ARXREF_API_URL``."""

    def __init__(self, entries: Iterable[StoredEntry] | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, list[StoredEntry]] = {}
        for entry in load_shipped_entries() if entries is None else entries:
            self._store(entry)
        self.log: list[LoggedRequest] = []
        self.faults: deque[Fault] = deque()
        self.bad_ids: set[str] = set()
        self.page_limit = 2000
        """Most entries in one answer, as arXiv's; a test lowers it to cut pages."""
        """Ids treated as an invalid id format (HTTP 400), to simulate arXiv's rejection."""
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # data
    def _store(self, entry: StoredEntry) -> None:
        versions = [e for e in self._entries.get(entry.base, []) if e.version != entry.version]
        self._entries[entry.base] = sorted([*versions, entry], key=lambda e: e.version)

    def add_entry(self, raw_entry_xml: str) -> str:
        """Serve one more <entry> (synthetic test data); returns its base id."""
        entry = parse_stored_entry(raw_entry_xml)
        with self._lock:
            self._store(entry)
        return entry.base

    @property
    def ids(self) -> list[str]:
        return sorted(self._entries)

    # control
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PATH}"

    def inject(self, fault: Fault, times: int = 1) -> None:
        """Apply ``fault`` to each of the next ``times`` requests (after any already queued)."""
        with self._lock:
            self.faults.extend([fault] * times)

    def requests(self, path: str | None = API_PATH) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.log if path is None or r.path == path]

    def start(self) -> "FakeArxiv":
        self._serve(self.port)
        return self

    def _serve(self, port: int) -> None:
        handler = type("Handler", (_Handler,), {"fake": self})
        httpd = _QuietServer(("127.0.0.1", port), handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def go_down(self) -> None:
        """Stop listening: connections are refused until :meth:`up`."""
        httpd, self._httpd = self._httpd, None
        if httpd is not None:

            def close() -> None:
                httpd.shutdown()
                httpd.server_close()

            # not in this thread: go_down may run inside a request handler of this very server
            threading.Thread(target=close, daemon=True).start()
            # wait until the socket is closed so connects are refused
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and httpd.socket.fileno() != -1:
                time.sleep(0.01)

    def up(self) -> None:
        """Listen again on the same port."""
        if self._httpd is None:
            self._serve(self.port)

    @property
    def is_up(self) -> bool:
        return self._httpd is not None

    def stop(self) -> None:
        self._stopping.set()
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()

    def __enter__(self) -> "FakeArxiv":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # answering
    def _next_fault(self) -> Fault | None:
        with self._lock:
            return self.faults.popleft() if self.faults else None

    def lookup(self, id_list: list[str]) -> list[StoredEntry]:
        """Entries for id_list: verbatim matching, unknown omitted, duplicates once."""
        found: dict[tuple[str, int], StoredEntry] = {}
        with self._lock:
            for token in id_list:
                match = re.fullmatch(r"(?P<base>.+?)(?:v(?P<v>\d+))?", token)
                assert match is not None
                versions = self._entries.get(match.group("base"), [])
                if match.group("v"):
                    versions = [e for e in versions if e.version == int(match.group("v"))]
                if versions:
                    entry = versions[-1]
                    found[(entry.base, entry.version)] = entry
        # not the request order: a stable order by a hash of the id, like an index would give
        return sorted(found.values(), key=lambda e: hashlib.sha1(e.base.encode()).hexdigest())

    def search(self, query: str) -> list[StoredEntry]:
        tree = _Query(query).parse()
        with self._lock:
            latest = [versions[-1] for versions in self._entries.values()]
        hits = [e for e in latest if _matches(tree, e)]
        terms = _terms(tree)

        def score(entry: StoredEntry) -> tuple[int, str]:
            points = sum(3 * _contains(entry.title, t) + _contains(entry.abstract, t) for t in terms)
            return (-points, entry.base)

        return sorted(hits, key=score)


def render_feed(params: dict[str, str], entries: list[str], total: int, max_results: int, start: int) -> bytes:
    """A feed laid out like the live API's (see examples/arxiv-responses)."""
    query = (f"search_query={params.get('search_query', '')}&id_list={params.get('id_list', '')}"
             f"&start={start}&max_results={max_results}")
    feed_id = hashlib.sha1(query.encode()).hexdigest()[:27]
    body = "".join(f"\n  {e}" for e in entries)
    text = (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
        f"  <id>https://arxiv.org/api/{feed_id}</id>\n"
        f"  <title>arXiv Query: {escape(query)}</title>\n"
        f"  <updated>{FEED_UPDATED}</updated>\n"
        f'  <link href="https://arxiv.org/api/query?{escape(query)}" type="application/atom+xml"/>\n'
        f"  <opensearch:itemsPerPage>{max_results}</opensearch:itemsPerPage>\n"
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>"
        f"{body}\n</feed>\n"
    )
    return text.encode("utf-8")


def error_entry(message: str) -> str:
    anchor = re.sub(r"\W", "_", message)
    return (
        "<entry>\n"
        f"    <id>http://arxiv.org/api/errors#{escape(anchor)}</id>\n"
        "    <title>Error</title>\n"
        f"    <summary>{escape(message)}</summary>\n"
        f"    <updated>{FEED_UPDATED}</updated>\n"
        f'    <link href="http://arxiv.org/api/errors#{escape(anchor)}" rel="alternate" type="text/html"/>\n'
        "    <author>\n      <name>arXiv api core</name>\n    </author>\n"
        "  </entry>"
    )


@functools.lru_cache(maxsize=4)
def _bomb(megabytes: int) -> bytes:
    """``megabytes`` MB of spaces after a feed's opening, gzip-compressed (about 1000:1).

    Compressed a block at a time, so making the bomb never holds the inflated bytes (the
    fake runs inside the test process, whose memory other tests measure).
    """
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [packer.compress(b'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">')]
    block = b" " * (1 << 20)
    parts.extend(packer.compress(block) for _ in range(megabytes))
    parts.append(packer.flush())
    return b"".join(parts)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """Resets and timeouts are the point of this server; do not print tracebacks."""


class _Handler(BaseHTTPRequestHandler):
    fake: FakeArxiv
    protocol_version = "HTTP/1.1"
    # one buffered write per answer and no Nagle: avoids 40 ms delayed-ACK stalls on keep-alive
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence stderr
        pass

    def do_GET(self) -> None:
        self._handle(urlsplit(self.path).query)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(413, b"too large", "text/plain")
            return
        self._handle(self.rfile.read(length).decode("utf-8", "replace"))

    def _handle(self, query_string: str) -> None:
        fake = self.fake
        parsed = {k: v[-1] for k, v in parse_qs(query_string, keep_blank_values=True).items()}
        id_list = [t.strip() for t in parsed.get("id_list", "").split(",") if t.strip()]
        entry = LoggedRequest(self.command, urlsplit(self.path).path, parsed, id_list, time.monotonic(),
                              user_agent=self.headers.get("User-Agent", ""))
        with fake._lock:
            fake.log.append(entry)
        self._entry = entry
        if entry.path != API_PATH:
            self._send(404, b"not found", "text/plain")
            return
        fault = fake._next_fault()
        entry.fault = fault.kind if fault else None
        if fault is not None and fault.kind in ("reset", "down"):
            self._reset()
            if fault.kind == "down":
                fake.go_down()
            return
        if fault is not None and fault.kind == "slow":
            if fake._stopping.wait(fault.seconds):
                return
        if fault is not None and fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            if fault.location:
                headers["Location"] = fault.location
            self._send(fault.status, b"Rate exceeded.", "text/plain", headers)
            return
        if fault is not None and fault.kind in ("drip", "oversized", "gzip_bomb"):
            try:
                self._misbehave(fault, self._answer(parsed, id_list, None)[1])
            finally:
                entry.finished = time.monotonic()
            return
        if fault is not None and fault.kind == "html":
            page = b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>busy</body></html>"
            self._send(fault.status, page, "text/html")
            return
        if fault is not None and fault.kind == "api_error":
            self._send(200, render_feed(parsed, [error_entry("internal search error")], 1, 10, 0))
            return
        status, body = self._answer(parsed, id_list, fault)
        if fault is not None and fault.kind == "truncated" and status == 200:
            body = body[: max(len(body) * 3 // 5, 1)]
        self._send(status, body)

    def _answer(self, params: dict[str, str], id_list: list[str], fault: Fault | None) -> tuple[int, bytes]:
        fake = self.fake
        try:
            start = int(params.get("start") or 0)
            max_results = int(params.get("max_results") or 10)
        except ValueError:
            return 400, render_feed(params, [error_entry("start and max_results must be integers")], 1, 10, 0)
        if start < 0 or max_results < 0:
            return 400, render_feed(params, [error_entry("start and max_results must be >= 0")], 1, 10, 0)
        for token in id_list:
            rejected = token in fake.bad_ids or re.sub(r"v\d+$", "", token) in fake.bad_ids
            if rejected or not _LENIENT_ID.match(token):
                return 400, render_feed(params, [error_entry(f"incorrect id format for {token}")], 1, 10, 0)
        query = params.get("search_query", "").strip()
        try:
            hits = fake.search(query) if query else []
        except QuerySyntaxError as exc:
            return 400, render_feed(params, [error_entry(f"malformed query: {exc}")], 1, 10, 0)
        if id_list:
            listed = fake.lookup(id_list)
            if query:
                keys = {(e.base, e.version) for e in hits}
                listed = [e for e in listed if (e.base, e.version) in keys]
            hits = listed
        if fault is not None and fault.kind == "drop":
            hits = [e for e in hits if e.base not in fault.ids]
        if fault is not None and fault.kind == "empty":
            hits = []
        if fault is not None and fault.kind == "stray":
            hits = fake.lookup(sorted(fault.ids))
        page = hits[start : start + min(max_results, fake.page_limit)]
        return 200, render_feed(params, [e.raw for e in page], len(hits), max_results, start)

    def _send(self, status: int, body: bytes, content_type: str = "application/atom+xml; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self._entry.status = status
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:  # the client gave up (timeout) and closed the connection
            self._entry.status = None
        finally:
            self._entry.finished = time.monotonic()

    def _misbehave(self, fault: Fault, body: bytes) -> None:
        """The three hostile answers: a drip, an endless body, a gzip bomb."""
        self._entry.status = 200
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
            if fault.kind == "drip":
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    if self._client_left(fault.seconds) or self.fake._stopping.is_set():
                        self._entry.status = None
                        return
            elif fault.kind == "oversized":
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body[: body.index(b"<entry>")] if b"<entry>" in body else body)
                block = b" " * (1 << 20)
                for _ in range(int(fault.seconds)):
                    self.wfile.write(block)
            else:
                bomb = _bomb(int(fault.seconds))
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(bomb)))
                self.end_headers()
                self.wfile.write(bomb)
            self.wfile.flush()
        except OSError:  # the client gave up and closed the connection
            self._entry.status = None
        self.close_connection = True

    def _client_left(self, seconds: float) -> bool:
        """Wait up to ``seconds``; True as soon as the client closes its end (so ``finished`` is exact)."""
        readable, _, _ = select.select([self.connection], [], [], seconds)
        if not readable:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _reset(self) -> None:
        """Close with SO_LINGER 0 so the client sees a connection reset, not a clean close."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True
