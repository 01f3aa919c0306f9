"""Saved pages for callback tests, and the sample newsrooms server (``monitor.samples``)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from scrapy.http import HtmlResponse, Request

from monitor.samples import DATA, SITES, Newsroom, gone_paths, page_file, serve, source_config

__all__ = [
    "DATA",
    "SITES",
    "Newsroom",
    "case_response",
    "gone_paths",
    "page_file",
    "saved_response",
    "serve",
    "serve_pages",
    "source_config",
]


def saved_response(site: str, url: str, *, state: str = "v1", status: int = 200) -> HtmlResponse:
    """An ``HtmlResponse`` for a saved page, as if ``url`` had been fetched (callback tests)."""
    site_dir = DATA / site
    target = urlsplit(url)
    path = page_file(site_dir, state, target.path + ("?" + target.query if target.query else ""))
    if path is None:
        raise FileNotFoundError(f"no saved page for {url} in {site}/{state}")
    return HtmlResponse(url=url, body=path.read_bytes(), status=status, request=Request(url))


def case_response(site: str, name: str, url: str, *, status: int = 200) -> HtmlResponse:
    """An ``HtmlResponse`` for ``tests/data/<site>/cases/<name>``."""
    body = (DATA / site / "cases" / name).read_bytes()
    return HtmlResponse(url=url, body=body, status=status, request=Request(url))


@contextmanager
def serve_pages(answer: Callable[[str], tuple[int, bytes, str]]) -> Iterator[str]:
    """Serve ``answer(path) -> (status, body, content type)`` on a free port of 127.0.0.1 for the
    duration of the block; yields the root URL (for pages made up by a test)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body, kind = answer(self.path)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
