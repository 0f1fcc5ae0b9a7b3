"""arxref.transport: a request ends by its deadline and never reads past the size cap."""

from __future__ import annotations

import gzip
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator

import pytest

from arxref.errors import UsageError
from arxref.transport import (CHUNK, INFLATE_PIECE, DeadlineExceeded, ResponseTooLarge, TransportError, Unreachable,
                              send)

Behaviour = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    behaviour: Behaviour

    def do_GET(self) -> None:
        type(self).behaviour(self)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def serve() -> Iterator[Callable[[Behaviour], str]]:
    servers: list[ThreadingHTTPServer] = []

    def start(behaviour: Behaviour) -> str:
        handler = type("Handler", (_Handler,), {"behaviour": staticmethod(behaviour)})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/api/query?id_list=1"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _answer(body: bytes, encoding: str | None = None, length: int | None = None) -> Behaviour:
    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        if encoding:
            handler.send_header("Content-Encoding", encoding)
        handler.send_header("Content-Length", str(len(body) if length is None else length))
        handler.end_headers()
        handler.wfile.write(body)
    return behaviour


def test_plain_and_gzip_bodies_arrive_whole(serve: Callable[[Behaviour], str]) -> None:
    body = b"<feed>" + b"x" * 200_000 + b"</feed>"
    assert send("GET", serve(_answer(body)), timeout=10, max_bytes=1 << 20).content == body
    zipped = send("GET", serve(_answer(gzip.compress(body), "gzip")), timeout=10, max_bytes=1 << 20)
    assert zipped.content == body and zipped.status == 200


def test_a_gzip_body_inflating_to_many_pieces_per_chunk_arrives_whole(serve: Callable[[Behaviour], str]) -> None:
    """Highly compressible: one 64 KB chunk on the wire inflates to several INFLATE_PIECEs."""
    body = b"<feed>" + b" " * (12 << 20) + b"</feed>"
    zipped = gzip.compress(body)
    assert len(zipped) < CHUNK and len(body) > 4 * INFLATE_PIECE
    assert send("GET", serve(_answer(zipped, "gzip")), timeout=30, max_bytes=16 << 20).content == body
    with pytest.raises(ResponseTooLarge, match=r"over 12,582,912 bytes decompressed"):
        send("GET", serve(_answer(zipped, "gzip")), timeout=30, max_bytes=12 << 20)


def test_a_gzip_bomb_stops_at_the_cap(serve: Callable[[Behaviour], str]) -> None:
    bomb = gzip.compress(b"\0" * (200 << 20))  # 200 MiB inflated, ~200 KB on the wire
    assert len(bomb) < 1 << 20
    with pytest.raises(ResponseTooLarge, match="response too large"):
        send("GET", serve(_answer(bomb, "gzip")), timeout=30, max_bytes=8 << 20)


def test_an_announced_oversized_body_is_refused_before_reading(serve: Callable[[Behaviour], str]) -> None:
    with pytest.raises(ResponseTooLarge, match="announced"):
        send("GET", serve(_answer(b"tiny", length=1 << 40)), timeout=10, max_bytes=1 << 20)


def test_an_unannounced_oversized_body_stops_at_the_cap(serve: Callable[[Behaviour], str]) -> None:
    def endless(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.end_headers()  # no Content-Length: the body runs until the connection closes
        try:
            for _ in range(4096):
                handler.wfile.write(b"y" * 65536)
        except OSError:
            pass
    with pytest.raises(ResponseTooLarge):
        send("GET", serve(endless), timeout=30, max_bytes=4 << 20)


def test_a_dripping_server_is_cut_off_at_the_deadline(serve: Callable[[Behaviour], str]) -> None:
    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        try:
            for _ in range(1000):
                handler.wfile.write(b"z")
                handler.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        send("GET", serve(drip), timeout=1.0, max_bytes=1 << 20)
    assert time.monotonic() - started < 2.0


def test_dripped_headers_are_cut_off_at_the_deadline(serve: Callable[[Behaviour], str]) -> None:
    def drip_headers(handler: BaseHTTPRequestHandler) -> None:
        try:
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        send("GET", serve(drip_headers), timeout=1.0, max_bytes=1 << 20)
    assert time.monotonic() - started < 2.0


def test_a_refused_connection_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(Unreachable, match=f"^cannot reach 127.0.0.1:{port}: connection refused$"):
        send("GET", f"http://127.0.0.1:{port}/api/query", timeout=5, max_bytes=1 << 20)
    assert issubclass(Unreachable, TransportError)


def test_a_name_that_does_not_resolve_is_unreachable() -> None:
    """.invalid never resolves (RFC 6761), with or without a network."""
    with pytest.raises(Unreachable, match=r"^cannot reach nonexistent\.invalid: the name does not resolve"):
        send("GET", "http://nonexistent.invalid/api/query", timeout=10, max_bytes=1 << 20)


def test_a_name_lookup_that_hangs_ends_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """getaddrinfo cannot be interrupted: the connection is waited for only until the deadline."""
    release = threading.Event()

    def hanging_lookup(*args: object, **kwargs: object) -> list[object]:
        release.wait(10)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", hanging_lookup)
    started = time.monotonic()
    try:
        with pytest.raises(DeadlineExceeded, match="no answer within 0.5 s"):
            send("GET", "http://slow-resolver.invalid/api/query", timeout=0.5, max_bytes=1 << 20)
        assert time.monotonic() - started < 2.0
    finally:
        release.set()


def test_a_truncated_gzip_body_is_damaged(serve: Callable[[Behaviour], str]) -> None:
    zipped = gzip.compress(b"<feed>" + b"q" * 100_000 + b"</feed>")
    with pytest.raises(TransportError):
        send("GET", serve(_answer(zipped[: len(zipped) // 2], "gzip")), timeout=10, max_bytes=1 << 20)


@pytest.mark.parametrize("encoding, body", [
    ("gzip", gzip.compress(b"<feed>" + b"q" * 1000 + b"</feed>")[:20] + b"\0" * 40),  # a corrupt stream
    ("gzip", b"this body is not gzip at all"),
    ("deflate", b"\x78\x9c" + b"\xff" * 64),  # a zlib header, then garbage
], ids=["corrupt-gzip", "not-gzip", "corrupt-deflate"])
def test_a_body_that_cannot_be_decompressed_is_damaged_not_a_zlib_error(
        serve: Callable[[Behaviour], str], encoding: str, body: bytes) -> None:
    with pytest.raises(TransportError, match="cannot be decompressed"):
        send("GET", serve(_answer(body, encoding)), timeout=10, max_bytes=1 << 20)


def test_a_body_shorter_than_its_content_length_is_damaged(serve: Callable[[Behaviour], str]) -> None:
    """http.client ends such a read quietly at EOF; a whole-looking feed must not pass for the answer."""
    body = b"<feed>" + b"x" * 5000 + b"</feed>"
    with pytest.raises(TransportError, match=r"body cut short: 5,013 of 10,013 bytes"):
        send("GET", serve(_answer(body, length=len(body) + 5000)), timeout=10, max_bytes=1 << 20)


def test_the_reason_alone_is_kept_for_callers(serve: Callable[[Behaviour], str]) -> None:
    """Unreachable.reason without the host (the Zotero client names the host itself); the status line's reason."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(Unreachable) as caught:
        send("GET", f"http://127.0.0.1:{port}/", timeout=5, max_bytes=1 << 20)
    assert caught.value.reason == "connection refused"
    assert Unreachable("cannot reach x: why").reason == "cannot reach x: why"

    def not_found(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(404, "Not Found")
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    answer = send("GET", serve(not_found), timeout=5, max_bytes=1 << 20)
    assert (answer.status, answer.reason, answer.content) == (404, "Not Found", b"")


@pytest.fixture
def https_url(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate made now (openssl), and that certificate."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    handler = type("Handler", (_Handler,), {"behaviour": staticmethod(_answer(b"<feed/>"))})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}/api/query", cert
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_https_trusts_the_bundle_requests_trusted(https_url: tuple[str, Path], variable: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A company CA set up for requests (its variables) still works; an unknown issuer is refused, saying so."""
    url, cert = https_url
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with pytest.raises(TransportError, match="certificate .*not trusted"):
        send("GET", url, timeout=10, max_bytes=1 << 20)
    monkeypatch.setenv(variable, str(cert))
    assert send("GET", url, timeout=10, max_bytes=1 << 20).content == b"<feed/>"


def test_a_bundle_that_cannot_be_read_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    with pytest.raises(UsageError, match="missing.pem .*REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE.* cannot be used"):
        send("GET", "https://127.0.0.1:9/", timeout=5, max_bytes=1 << 20)


def test_the_tls_context_holds_certifis_bundle_beside_the_systems(monkeypatch: pytest.MonkeyPatch) -> None:
    import certifi

    from arxref.transport import tls_context

    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with_certifi = tls_context().cert_store_stats()["x509_ca"]
    only_certifi = ssl.create_default_context(cafile=certifi.where()).cert_store_stats()["x509_ca"]
    assert with_certifi >= only_certifi > 100
