"""Saved newsrooms over TLS behind a fingerprinting gate, as Akamai puts one in front of DHS.

The server reads each connection's TLS ClientHello before it completes the handshake (peeking,
so the bytes stay for :mod:`ssl`). Chrome, Edge and Safari put GREASE values (``0x?a?a``,
RFC 8701) among their cipher suites and extensions; Firefox sends NSS's delegated_credentials
and record_size_limit extensions; OpenSSL, under Twisted and so under Scrapy, does neither. A
connection that looks like no browser gets the site's 403 "Access Denied" page for every
request; one that does gets the saved newsroom (:class:`monitor.samples.Newsroom`).
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

import trustme

from monitor.samples import DATA, Newsroom, _handler_for


@dataclass(frozen=True)
class ClientHello:
    ciphers: tuple[int, ...]
    extensions: tuple[int, ...]

    @property
    def browser_like(self) -> bool:
        """GREASE (Chrome, Edge, Safari), or Firefox's pair of NSS extensions:
        delegated_credentials (0x22) and record_size_limit (0x1c)."""
        grease = any(_is_grease(v) for v in (*self.ciphers, *self.extensions))
        return grease or {0x22, 0x1C} <= set(self.extensions)


def _is_grease(value: int) -> bool:
    return value & 0x0F0F == 0x0A0A and value >> 8 == value & 0xFF


def parse_client_hello(record: bytes) -> ClientHello | None:
    """Cipher suites and extension types of a TLS record holding a ClientHello, else ``None``."""
    if len(record) < 9 or record[0] != 0x16 or record[5] != 0x01:
        return None
    pos = 9 + 2 + 32  # record header, handshake header, client version, random
    pos += 1 + record[pos]  # session id
    (length,) = struct.unpack_from("!H", record, pos)
    ciphers = struct.unpack_from(f"!{length // 2}H", record, pos + 2)
    pos += 2 + length
    pos += 1 + record[pos]  # compression methods
    extensions = []
    if pos + 2 <= len(record):
        (end,) = struct.unpack_from("!H", record, pos)
        pos, end = pos + 2, pos + 2 + end
        while pos + 4 <= min(end, len(record)):
            kind, size = struct.unpack_from("!HH", record, pos)
            extensions.append(kind)
            pos += 4 + size
    return ClientHello(tuple(ciphers), tuple(extensions))


def peek_client_hello(sock: socket.socket, *, limit: float = 5.0) -> ClientHello | None:
    """The ClientHello waiting on ``sock``, read with MSG_PEEK so the handshake can still use it."""
    sock.settimeout(limit)
    data = b""
    try:
        while True:
            data = sock.recv(65536, socket.MSG_PEEK)
            if not data:
                return None
            if len(data) >= 5 and len(data) >= 5 + struct.unpack_from("!H", data, 3)[0]:
                return parse_client_hello(data)
    except (OSError, struct.error, IndexError):
        return None


@dataclass
class GatedNewsroom(Newsroom):
    """A saved newsroom served over TLS; non-browser TLS clients only ever see its block page."""

    hellos: list[ClientHello | None] = field(default_factory=list)

    @property
    def root(self) -> str:
        return f"https://127.0.0.1:{self.port}"


class _GatedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, room: GatedNewsroom, context: ssl.SSLContext) -> None:
        self.room = room
        self.context = context
        super().__init__(("127.0.0.1", 0), _gated_handler(room))

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        hello = peek_client_hello(sock)
        self.room.hellos.append(hello)
        sock.settimeout(10)
        tls = self.context.wrap_socket(sock, server_side=True)  # handshake; errors drop it
        tls.browser_like = hello is not None and hello.browser_like  # type: ignore[attr-defined]
        return tls, address


def _gated_handler(room: GatedNewsroom) -> type:
    base = _handler_for(room)

    class Handler(base):  # type: ignore[valid-type,misc]
        def do_GET(self) -> None:
            if getattr(self.request, "browser_like", False):
                super().do_GET()
                return
            room.requests.append(self.path)
            room.agents.append(self.headers.get("User-Agent", ""))
            body = (DATA / room.site / "v1" / "_blocked.html").read_bytes()
            self.send_response(403)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def serve_gated(ca: trustme.CA, *sites: str) -> Iterator[dict[str, GatedNewsroom]]:
    """Serve saved sites over TLS on 127.0.0.1 (certificates from ``ca``) behind the gate."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    context.set_alpn_protocols(["http/1.1"])
    rooms = {site: GatedNewsroom(site) for site in sites}
    servers = []
    for room in rooms.values():
        server = _GatedServer(room, context)
        room.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    try:
        yield rooms
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
