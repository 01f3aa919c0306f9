"""Sample newsrooms: saved pages of the agencies' sites served on 127.0.0.1 (tests and demo).

Layout of ``<data>/<site>/``:

- ``v1/`` the first state of the site; ``v2/`` an overlay for the later state: a file in ``v2``
  replaces the one in ``v1``, and paths listed in ``v2/_gone.json`` (``{"/path": 404 or 410}``)
  answer with that status from then on.
- A URL maps to a file: leading ``/`` dropped, ``index`` added to a path ending in ``/``, ``@``
  plus the query added when there is one, then ``.html`` or ``.xml`` (a feed) unless a file of
  the exact name exists, as for ``robots.txt``. ``/newsroom?page=1`` is ``newsroom@page=1.html``.
- ``_404.html`` is the site's not-found page; ``_blocked.html`` its 403 "Access Denied" page.
- ``cases/`` holds extra pages used only by callback tests.
- ``expected.json`` says what a crawl of v1 and then v2 must find (read by the end-to-end tests).

The data lives in the source tree's ``tests/data`` (or where ``$MONITOR_SAMPLES`` points).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DATA = Path(os.environ.get("MONITOR_SAMPLES") or Path(__file__).parents[1] / "tests" / "data")
# the newsrooms with a spider of their own, then those defined in the example config
SITES = ("dhs", "ice", "ca_ag", "il_ag", "ny_ag", "doj", "wa_ag", "ma_ag")
EXAMPLE_CONFIG = Path(__file__).parents[1] / "deploy" / "monitor.example.toml"
CONTENT_TYPES = {".txt": "text/plain", ".xml": "application/rss+xml; charset=utf-8"}


def page_file(site_dir: Path, state: str, target: str) -> Path | None:
    """The saved file for a request target (path and query) in a state, or ``None``."""
    parts = urlsplit(target)
    rel = parts.path.lstrip("/")
    if not rel or rel.endswith("/"):
        rel += "index"
    if parts.query:
        rel += "@" + parts.query
    states = ("v2", "v1") if state == "v2" else ("v1",)
    for name in states:
        base = site_dir / name
        for candidate in (base / rel, base / (rel + ".html"), base / (rel + ".xml")):
            if candidate.is_file():
                return candidate
    return None


def gone_paths(site_dir: Path, state: str) -> dict[str, int]:
    gone_file = site_dir / "v2" / "_gone.json"
    if state != "v2" or not gone_file.is_file():
        return {}
    return {k: int(v) for k, v in json.loads(gone_file.read_text()).items()}


def source_config(site: str, root: str) -> str:
    """The ``[sources.<site>]`` TOML for a saved site served at ``root``: its start URLs, and
    for a newsroom defined in the example config, that definition."""
    start = json.loads((DATA / site / "expected.json").read_text())["start_urls"]
    urls = [root + path for path in start]
    sources = tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8")).get("sources", {})
    table = dict(sources.get(site, {}))
    if "kind" not in table:
        return f"[sources.{site}]\nstart_urls = {json.dumps(urls)}\n"
    # links to the site's own hosts are followed on the sample server
    table.setdefault("hosts", sorted({urlsplit(u).hostname or "" for u in table["start_urls"]}))
    table["start_urls"] = urls
    return _toml_tables(f"sources.{site}", table)


def _toml_tables(name: str, table: dict[str, Any]) -> str:
    """A table of strings, numbers, booleans, lists of strings and sub-tables as TOML."""
    lines, subtables = [f"[{name}]"], []
    for key, value in table.items():
        if isinstance(value, dict):
            subtables.append(_toml_tables(f"{name}.{key}", value))
        elif isinstance(value, bool):
            lines.append(f"{key} = {str(value).lower()}")
        else:  # JSON strings, numbers and lists of strings are TOML too
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n\n" + "".join(subtables)


@dataclass
class Newsroom:
    """One saved site served on its own port. Change ``state``, ``blocked`` or ``broken`` live."""

    site: str
    state: str = "v1"
    blocked: bool = False
    broken: set[str] = field(default_factory=set)  # paths answered with 500
    statuses: dict[str, int] = field(default_factory=dict)  # paths answered with this status
    delays: dict[str, float] = field(default_factory=dict)  # seconds before answering a path
    etags: bool = True  # send ETags and answer a matching If-None-Match with 304
    requests: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)  # User-Agent of each request, in order
    not_modified: int = 0
    bytes_sent: int = 0
    port: int = 0

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def respond(self, target: str) -> tuple[int, bytes, str]:
        site_dir = DATA / self.site
        self.requests.append(target)
        path = urlsplit(target).path
        if self.blocked:
            return 403, (site_dir / "v1" / "_blocked.html").read_bytes(), "text/html"
        if path in self.broken:
            return 500, b"<html><body>Internal Server Error</body></html>", "text/html"
        if path in self.statuses:
            return self.statuses[path], self._not_found(site_dir), "text/html"
        gone = gone_paths(site_dir, self.state)
        if path in gone:
            return gone[path], self._not_found(site_dir), "text/html"
        file = page_file(site_dir, self.state, target)
        if file is None:
            return 404, self._not_found(site_dir), "text/html"
        kind = CONTENT_TYPES.get(file.suffix, "text/html; charset=utf-8")
        return 200, file.read_bytes(), kind

    @staticmethod
    def _not_found(site_dir: Path) -> bytes:
        page = site_dir / "v1" / "_404.html"
        return page.read_bytes() if page.is_file() else b"<html><body>Not Found</body></html>"


@contextmanager
def serve(*sites: str) -> Iterator[dict[str, Newsroom]]:
    """Serve saved sites on free ports of 127.0.0.1 for the duration of the block."""
    rooms = {site: Newsroom(site) for site in (sites or SITES)}
    servers = []
    for room in rooms.values():
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(room))
        server.daemon_threads = True
        room.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    try:
        yield rooms
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def _handler_for(room: Newsroom) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes

        def do_GET(self) -> None:
            time.sleep(room.delays.get(urlsplit(self.path).path, 0))
            status, body, kind = room.respond(self.path)
            room.agents.append(self.headers.get("User-Agent", ""))
            tag = f'"{hashlib.sha1(body).hexdigest()[:16]}"'  # noqa: S324 (not for security)
            if status == 200 and room.etags and self.headers.get("If-None-Match") == tag:
                room.not_modified += 1
                status, body = 304, b""
            room.bytes_sent += len(body)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if status in (200, 304) and room.etags:
                self.send_header("ETag", tag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler
