"""One HTTP request with a hard deadline and a size cap: what requests cannot promise.

``requests`` bounds each socket read, not the request: a server that drips one byte
every few seconds keeps it waiting forever, and it inflates gzip without limit (a 1 MB
bomb becomes gigabytes). So this module sends each request on its own connection with
the standard library and

* arms a watchdog that shuts the socket down at the deadline (connect, TLS, headers and
  the whole body all count), so nothing is left running after we give up and a retry
  can never overlap the abandoned request;
* counts the body as it arrives, before and after decompression, and stops at
  ``max_bytes``;
* connects (name lookup, TCP, TLS, a proxy's tunnel) in a helper thread it waits for
  only until the deadline: ``getaddrinfo`` cannot be interrupted, and a resolver that
  does not answer must not hold the run past ``timeout``;
* tells a host that cannot be reached at all (connection refused, a name that does
  not resolve, no route) from a server that answers badly: :class:`Unreachable`, which
  a client retries once, quickly, instead of backing off for minutes.

Proxies from the usual environment variables (``http_proxy``, ``https_proxy``,
``no_proxy``) are honoured, as requests did; so are the certificate authorities requests
trusted (certifi's bundle, ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``), beside the system's
(see :func:`tls_context`).
"""

from __future__ import annotations

import base64
import errno
import functools
import http.client
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from typing import Callable, Mapping, Protocol
from urllib.parse import unquote, urlsplit
from urllib.request import getproxies, proxy_bypass

CHUNK = 64 * 1024
#: Most bytes one call to zlib may inflate (see _inflate).
INFLATE_PIECE = 1 << 20


class _Inflater(Protocol):
    """What ``zlib.decompressobj()`` offers that _inflate uses."""

    @property
    def unconsumed_tail(self) -> bytes: ...

    def decompress(self, data: bytes, max_length: int = ..., /) -> bytes: ...


class TransportError(Exception):
    """The request failed in a way worth retrying (network, deadline, oversized answer)."""


class DeadlineExceeded(TransportError):
    pass


class Unreachable(TransportError):
    """No connection could be made: refused, the name does not resolve, no route to the host.

    Nothing is listening (or nothing can be found) there: unlike a 503 or a timeout, waiting
    minutes will not change that. ``reason`` is the why alone ("connection refused"), for
    callers that name the host their own way."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


class ResponseTooLarge(TransportError):
    pass


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    """Header names lower-cased."""
    content: bytes
    """The body, decompressed."""
    reason: str = ""
    """The status line's reason phrase ("Not Found")."""


def send(method: str, url: str, *, body: bytes | None = None, headers: Mapping[str, str] | None = None,
         timeout: float, max_bytes: int, clock: Callable[[], float] = time.monotonic) -> Answer:
    """Send one request and read the whole answer within ``timeout`` seconds, at most ``max_bytes``."""
    deadline = clock() + timeout
    conn, target = _connection(url, timeout)
    expired = threading.Event()
    opened: list[socket.socket] = []  # http.client drops conn.sock once the response owns it

    def kill() -> None:
        expired.set()
        for sock in opened:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    watchdog = threading.Timer(timeout, kill)
    watchdog.daemon = True
    watchdog.start()
    try:
        all_headers = {"Accept-Encoding": "gzip", "Connection": "close", **(headers or {})}
        _connect(conn, max(deadline - clock(), 0.0), urlsplit(url).netloc)
        opened.append(conn.sock)
        if expired.is_set():  # the deadline passed while connecting
            kill()
        conn.request(method, target, body=body, headers=all_headers)
        response = conn.getresponse()
        answer_headers = {name.lower(): value for name, value in response.getheaders()}
        content = _read_body(response, answer_headers.get("content-encoding", ""), max_bytes, deadline, clock)
        if expired.is_set():
            raise DeadlineExceeded(f"no answer within {timeout:g} s")
        return Answer(response.status, answer_headers, content, response.reason or "")
    except DeadlineExceeded:
        raise DeadlineExceeded(f"no answer within {timeout:g} s") from None
    except TransportError:  # Unreachable, ResponseTooLarge, damaged: said precisely already
        raise
    except ssl.SSLCertVerificationError as exc:
        raise TransportError(f"the server's certificate is not trusted ({exc.verify_message}); if a proxy re-signs "
                             "HTTPS, name its CA bundle in REQUESTS_CA_BUNDLE") from None
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set() or isinstance(exc, TimeoutError):
            raise DeadlineExceeded(f"no answer within {timeout:g} s") from None
        raise TransportError(f"connection failed ({type(exc).__name__})") from None
    finally:
        watchdog.cancel()
        conn.close()


#: Errors of a connection attempt that mean nothing can be reached there (see Unreachable).
_UNREACHABLE_ERRNOS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ENETUNREACH: "network unreachable",
    errno.EHOSTUNREACH: "no route to host",
    errno.EADDRNOTAVAIL: "address not available",
}


def _connect(conn: http.client.HTTPConnection, seconds: float, where: str) -> None:
    """``conn.connect()`` (lookup, TCP, TLS, tunnel) given at most ``seconds``.

    It runs in a daemon thread: a name lookup cannot be interrupted, so past the deadline
    the thread is left to finish on its own (it closes what it opened) and DeadlineExceeded
    is raised here. Refused connections and names that do not resolve raise Unreachable.
    """
    guard = threading.Lock()
    done = threading.Event()
    errors: list[BaseException] = []
    abandoned: list[bool] = []

    def run() -> None:
        try:
            conn.connect()
        except BaseException as exc:  # noqa: BLE001 - handed over to the waiting thread
            errors.append(exc)
        with guard:
            if abandoned and not errors:
                conn.close()
            done.set()

    threading.Thread(target=run, name="arxref-connect", daemon=True).start()
    if not done.wait(seconds):
        with guard:
            abandoned.append(True)
            if done.is_set() and not errors:
                conn.close()
        raise DeadlineExceeded("no connection before the deadline")
    if not errors:
        return
    error = errors[0]
    if isinstance(error, socket.gaierror):
        reason = f"the name does not resolve ({error.strerror or error})"
        raise Unreachable(f"cannot reach {where}: {reason}", reason) from None
    if isinstance(error, OSError) and error.errno in _UNREACHABLE_ERRNOS:
        reason = _UNREACHABLE_ERRNOS[error.errno]
        raise Unreachable(f"cannot reach {where}: {reason}", reason) from None
    raise error


def _read_body(response: http.client.HTTPResponse, encoding: str, max_bytes: int, deadline: float,
               clock: Callable[[], float]) -> bytes:
    """Read and inflate the body chunk by chunk, counting both sides against ``max_bytes``."""
    encoding = encoding.strip().lower()
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding in ("gzip", "x-gzip") else (
        zlib.decompressobj() if encoding == "deflate" else None)
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(f"response too large ({int(declared):,} bytes announced; limit {max_bytes:,})")
    parts: list[bytes] = []
    raw_total = total = 0
    while True:
        chunk = response.read(CHUNK)
        if not chunk:
            break
        raw_total += len(chunk)
        if raw_total > max_bytes:
            raise ResponseTooLarge(f"response too large (over {max_bytes:,} bytes)")
        if inflater is not None:
            chunk = _inflate(inflater, chunk, max_bytes - total, max_bytes)
        total += len(chunk)
        if total > max_bytes:
            raise ResponseTooLarge(f"response too large (over {max_bytes:,} bytes)")
        parts.append(chunk)
        if clock() > deadline:
            raise DeadlineExceeded("the answer was still arriving at the deadline")
    if response.length:  # http.client ends a read at EOF quietly, short of the Content-Length
        raise TransportError(f"damaged response (body cut short: {raw_total:,} of {int(declared or 0):,} bytes)")
    if inflater is not None:
        try:
            tail = inflater.flush()
        except zlib.error:
            tail = b""
        total += len(tail)
        if total > max_bytes:
            raise ResponseTooLarge(f"response too large (over {max_bytes:,} bytes decompressed)")
        parts.append(tail)
        if not inflater.eof:
            raise TransportError("damaged response (compressed body cut short)")
    return b"".join(parts)


def _inflate(inflater: "_Inflater", data: bytes, room: int, limit: int) -> bytes:
    """Inflate ``data`` a piece at a time; ResponseTooLarge (naming ``limit``) past ``room`` bytes out.

    One 64 KB chunk of a bomb inflates to 64 MB; asked in pieces, zlib never makes more
    than a piece beyond the cap, so memory stays at the cap, not twice it.
    """
    pieces: list[bytes] = []
    size = 0
    while data:
        try:
            piece = inflater.decompress(data, INFLATE_PIECE)
        except zlib.error:  # a corrupt stream, or not the encoding the header names
            raise TransportError("damaged response (the compressed body cannot be decompressed)") from None
        data = inflater.unconsumed_tail
        size += len(piece)
        if size > room:
            raise ResponseTooLarge(f"response too large (over {limit:,} bytes decompressed)")
        pieces.append(piece)
    return b"".join(pieces)


def tls_context() -> ssl.SSLContext:
    """The certificates an HTTPS server may present: the system's (and ``SSL_CERT_FILE``/``SSL_CERT_DIR``),
    certifi's bundle, and the bundle ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` names.

    requests trusted certifi and those variables; a Python without system certificates
    (python.org's macOS build) or a company CA set up for requests must keep working
    now that requests are sent here. A bundle named that cannot be read is a UsageError.
    """
    import os

    return _tls_context(os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None)


@functools.lru_cache(maxsize=4)
def _tls_context(bundle: str | None) -> ssl.SSLContext:
    """One context per bundle (loading certifi's takes milliseconds; a context serves every connection)."""
    context = ssl.create_default_context()
    try:
        import certifi
    except ImportError:  # requests (and so certifi) came with the arxiv package; without it, the system's
        pass
    else:
        context.load_verify_locations(certifi.where())
    if bundle:
        try:
            context.load_verify_locations(bundle)
        except (OSError, ssl.SSLError) as exc:
            from .errors import UsageError

            raise UsageError(f"the certificate bundle {bundle} (REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE) cannot be "
                             f"used: {getattr(exc, 'strerror', None) or exc}") from None
    return context


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    """A connection for ``url`` (through a proxy when the environment names one) and the request target."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportError(f"unsupported URL {url!r}")
    host, port = parts.hostname, parts.port
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    proxy = getproxies().get(parts.scheme)
    if proxy and not proxy_bypass(host):
        return _proxied(parts.scheme, host, port, proxy, timeout), (url if parts.scheme == "http" else target)
    if parts.scheme == "https":
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=tls_context()), target
    return http.client.HTTPConnection(host, port, timeout=timeout), target


def _proxied(scheme: str, host: str, port: int | None, proxy: str, timeout: float) -> http.client.HTTPConnection:
    """HTTPS goes through a CONNECT tunnel; plain HTTP sends the absolute URI to the proxy."""
    proxy_parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    proxy_headers: dict[str, str] = {}
    if proxy_parts.username:
        credentials = f"{unquote(proxy_parts.username)}:{unquote(proxy_parts.password or '')}"
        proxy_headers["Proxy-Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
    proxy_host, proxy_port = proxy_parts.hostname or "", proxy_parts.port
    if scheme == "https":
        tunnel = http.client.HTTPSConnection(proxy_host, proxy_port, timeout=timeout,
                                             context=tls_context())
        tunnel.set_tunnel(host, port, headers=proxy_headers)
        return tunnel
    conn = _ProxyAuthConnection(proxy_host, proxy_port, timeout=timeout)
    conn.proxy_headers = proxy_headers
    return conn


class _ProxyAuthConnection(http.client.HTTPConnection):
    """Plain-HTTP proxy connection that adds Proxy-Authorization (when set) to every request."""

    proxy_headers: dict[str, str] = {}

    def putrequest(self, method: str, url: str, skip_host: bool = False, skip_accept_encoding: bool = False) -> None:
        super().putrequest(method, url, skip_host=skip_host, skip_accept_encoding=skip_accept_encoding)
        for name, value in self.proxy_headers.items():
            self.putheader(name, value)
