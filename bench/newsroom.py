"""A synthetic newsroom in ICE's markup, generated on the fly and served on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import html
import random
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PER_PAGE = 25
WORDS = [
    "agency",
    "officers",
    "federal",
    "detainer",
    "custody",
    "release",
    "county",
    "jail",
    "removal",
    "proceedings",
    "court",
    "judge",
    "order",
    "statement",
    "enforcement",
    "public",
    "safety",
    "community",
    "investigation",
    "charges",
    "national",
    "immigration",
    "attorney",
    "general",
    "state",
    "law",
    "policy",
    "request",
    "notice",
    "program",
    "review",
    "data",
    "report",
]


class Newsroom:
    def __init__(self, releases: int, *, seed: int = 7) -> None:
        self.count = releases
        self.seed = seed
        self.bytes_sent = 0
        self.lock = threading.Lock()

    def date(self, i: int) -> dt.date:
        return dt.date(2026, 11, 1) - dt.timedelta(days=i // 3)

    def text(self, i: int, words: int) -> str:
        rng = random.Random(self.seed * 1_000_003 + i)
        return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."

    def listing(self, page: int) -> str:
        first = page * PER_PAGE
        rows = "".join(
            f'<div class="views-row"><div class="news-title"><a href="/news/releases/r-{i}">'
            f'{html.escape(self.text(i, 9))}</a></div><div class="news-date">'
            f'{self.date(i):%B %-d, %Y} <span class="news-tag">| Enforcement</span></div>'
            f'<div class="news-body">{html.escape(self.text(i + 1, 25))}</div></div>'
            for i in range(first, min(first + PER_PAGE, self.count))
        )
        more = first + PER_PAGE < self.count
        pager = (
            (
                f'<nav class="usa-pagination"><a class="usa-pagination__next-page" '
                f'href="/newsroom?page={page + 1}">Next</a></nav>'
            )
            if more
            else ""
        )
        return _page("Newsroom", f'<div class="view-content">{rows}</div>{pager}')

    def release(self, i: int) -> str:
        paragraphs = "".join(f"<p>{html.escape(self.text(i * 10 + k, 60))}</p>" for k in range(6))
        head = f'<meta property="article:published_time" content="{self.date(i).isoformat()}">'
        main = (
            f'<div class="nr-title"><h1>{html.escape(self.text(i, 9))}</h1></div>'
            f'<div class="nr-meta">{self.date(i):%B %-d, %Y} <span class="locality">WASHINGTON'
            f'</span></div><div class="nr-body">{paragraphs}</div>'
            '<div class="field--name-body"><p>Standing mission statement.</p></div>'
        )
        return _page(self.text(i, 9), main, head)

    def respond(self, target: str) -> tuple[int, bytes]:
        parts = urlsplit(target)
        if parts.path == "/robots.txt":
            return 200, b"User-agent: *\nDisallow: /admin/\n"
        if parts.path == "/newsroom":
            page = int(parse_qs(parts.query).get("page", ["0"])[0])
            return 200, self.listing(page).encode()
        if parts.path.startswith("/news/releases/r-"):
            i = int(parts.path.rsplit("-", 1)[1])
            if i < self.count:
                return 200, self.release(i).encode()
        return 404, _page("Page not found", "<h1>Page not found</h1>").encode()

    @property
    def listing_pages(self) -> int:
        return -(-self.count // PER_PAGE)


def _page(title: str, main: str, head: str = "") -> str:
    nav = "".join(f'<li><a href="/topic/{w}">{w}</a></li>' for w in WORDS[:20])
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>'
        f"{html.escape(title)} | ICE</title>{head}</head><body><header><nav><ul>{nav}</ul></nav>"
        f"</header><main>{main}</main><footer><p>Contact the newsroom.</p></footer></body></html>"
    )


@contextmanager
def serve(room: Newsroom) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes

        def do_GET(self) -> None:
            status, body = room.respond(self.path)
            tag = f'"{zlib.crc32(body):08x}"'
            if status == 200 and self.headers.get("If-None-Match") == tag:
                status, body = 304, b""
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if status in (200, 304):
                self.send_header("ETag", tag)
            self.end_headers()
            self.wfile.write(body)
            with room.lock:
                room.bytes_sent += len(body)

        def flush_headers(self) -> None:  # count the header bytes too: a 304 is not free
            with room.lock:
                room.bytes_sent += sum(len(part) for part in getattr(self, "_headers_buffer", []))
            super().flush_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
