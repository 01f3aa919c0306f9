"""Pages are judged by their content: a page is whole when it holds what the site's pages end
with (the body's close, a footer, the pager), whatever closing tags HTML5 lets it leave out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, XmlResponse

from monitor.config import load_config
from monitor.samples import EXAMPLE_CONFIG
from spiders.base import NewsroomSpider
from spiders.items import CrawlProblem, Problem, ReleasePage
from tests.monitor.test_crawl_e2e import crawl, summaries, write_config
from tests.newsrooms import DATA, SITES, serve

CONFIG = load_config(EXAMPLE_CONFIG)
BUILT_IN = ("dhs", "ice", "ca_ag", "il_ag", "ny_ag")


def spider(site: str) -> NewsroomSpider:
    return CONFIG.source(site).spider()


def response(path: Path, body: bytes | None = None) -> HtmlResponse:
    url = "http://127.0.0.1:8000/page"
    cls = XmlResponse if path.suffix == ".xml" else HtmlResponse
    return cls(url=url, body=path.read_bytes() if body is None else body, request=Request(url))


def saved_pages(site: str) -> list[Path]:
    pages = [*(DATA / site / "v1").rglob("*.*"), *(DATA / site / "v2").rglob("*.*")]
    return sorted(p for p in pages if p.suffix in (".html", ".xml") and not p.name.startswith("_"))


@pytest.mark.parametrize("site", SITES)
def test_every_saved_page_is_whole_and_every_cut_case_is_not(site):
    crawler = spider(site)
    for page in saved_pages(site):
        whole = response(page)
        assert crawler.page_complete(whole) or crawler.release_complete(whole), page
    for case in sorted((DATA / site / "cases").glob("truncated_*")):
        cut = response(case)
        assert not crawler.page_complete(cut) and not crawler.release_complete(cut), case


def release_page(site: str) -> Path:
    start = json.loads((DATA / site / "expected.json").read_text())["start_urls"][0]
    listing = {p for p in saved_pages(site) if start.strip("/") in str(p)}
    return next(p for p in saved_pages(site) if p not in listing and p.suffix == ".html")


@pytest.mark.parametrize("site", BUILT_IN)
def test_a_page_without_closing_tags_is_whole_and_one_cut_before_its_end_is_not(site):
    crawler = spider(site)
    page = release_page(site)
    html = page.read_bytes()
    bare = re.sub(rb"</(body|html)>", b"", html)
    [item] = [i for i in crawler.parse_release(response(page, bare)) if not isinstance(i, Request)]
    assert isinstance(item, ReleasePage), item
    ends = [i for i in (html.find(b"<footer"), html.find(b"field-name-end-of-release")) if i > 0]
    cut_at = html.rfind(b"<", 0, min(ends))  # before the release's end, or else the footer
    [cut] = crawler.parse_release(response(page, html[:cut_at]))
    assert isinstance(cut, CrawlProblem) and cut.problem is Problem.TRUNCATED


def test_a_source_can_name_its_own_end_markers(tmp_path, database_url):
    with serve("ice") as rooms:
        rooms["ice"].etags = False  # every page comes in full, to be judged again
        path = write_config(tmp_path / "monitor.toml", database_url, rooms)
        own = path.read_text() + 'end_markers = ["div.usa-identifier", "</body>"]\n'
        path.write_text(own)
        assert summaries(crawl(path, "ice"))["ice"]["status"] == "ok"
        path.write_text(own.replace('"div.usa-identifier", "</body>"', '"div.not-on-the-page"'))
        run = summaries(crawl(path, "ice"))["ice"]
    assert run["status"] == "failed"
    assert run["failures"][0]["reason"] == "truncated" and run["failures"][0]["listing"]
