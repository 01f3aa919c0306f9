"""A feed read without fetching pages: each release keeps its own item's XML as evidence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.models import Release, Version
from monitor.store import decompress
from tests.monitor.test_crawl_e2e import crawl, summaries
from tests.newsrooms import serve_pages

# RSS 1.0: the items are namespaced, and the channel lists them in another order than the
# document holds them; the third item carries no link of its own but its rdf:about
FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="/rss"><title>News</title><link>/</link><description>Releases</description>
<items><rdf:Seq><rdf:li rdf:resource="/pr/two"/><rdf:li rdf:resource="/pr/one"/></rdf:Seq></items>
</channel>
<item rdf:about="/pr/promo"><title>Subscribe to our newsletter</title></item>
<item rdf:about="/pr/two"><title>Second release</title><link>/pr/two</link>
<description>The second one.</description><dc:date>2025-09-18</dc:date></item>
<item rdf:about="/pr/one"><title>First release</title><link>/pr/one</link>
<description>The first one.</description><dc:date>2025-09-17</dc:date></item>
</rdf:RDF>"""


@pytest.fixture
def feed_root() -> Iterator[str]:
    with serve_pages(
        lambda path: (
            (200, FEED, "application/rss+xml") if path == "/rss" else (404, b"", "text/html")
        )
    ) as root:
        yield root


def test_each_feed_release_keeps_its_own_item(tmp_path: Path, database_url, sessions, feed_root):
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[database]\nurl = "{database_url}"\n[crawl]\ndownload_delay = 0\nretries = 0\n'
        f'[sources.feed]\nkind = "rss"\nname = "Example Department"\n'
        f'start_urls = ["{feed_root}/rss"]\n'
    )
    result = crawl(config, "feed")
    assert summaries(result)["feed"]["new"] == 2, result.stderr
    with sessions() as session:
        stored = session.execute(select(Release.url, Version.raw_html).join(Version)).all()
    evidence = {url.rsplit("/", 1)[1]: decompress(raw) for url, raw in stored}
    assert set(evidence) == {"one", "two"}
    assert b"First release" in evidence["one"] and b"Second" not in evidence["one"]
    assert b"Second release" in evidence["two"] and b"First" not in evidence["two"]
    assert all(raw.startswith(b"<item") for raw in evidence.values())
