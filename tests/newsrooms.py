"""Saved pages for callback tests, and the sample newsrooms server (``monitor.samples``)."""

from __future__ import annotations

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
