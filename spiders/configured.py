"""Spiders built from a :class:`~spiders.definition.SourceDefinition`: no code per newsroom.

``html``: listing pages read with the configured row, link, title, date and next-page selectors;
release pages with the title, date and body selectors (the body found by trafilatura's
main-content extractor when it is ``"auto"``, or when its selector finds nothing).

``rss``: an RSS or Atom feed read by feedparser; each item is a release. When a body selector
(or ``"auto"``) is set, the item's page is fetched and read like an html source's release page;
otherwise the item's own title, date and content are the release.

Every value records which selector found it, for ``monitor sources check``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml import etree
from parsel import Selector
from scrapy.http import Response, TextResponse

from spiders.base import NewsroomSpider, is_block_page
from spiders.dates import parse_date
from spiders.definition import AUTO, SourceDefinition, select
from spiders.items import (
    CrawlProblem,
    ListingEntry,
    Problem,
    ReleaseFields,
    ReleaseNotModified,
    ReleasePage,
)
from spiders.text import element_text, squash

LINK_ATTRIBUTES = ("href",)
DATE_ATTRIBUTES = ("datetime", "content")
DEFAULT_TITLE = ("h1", 'meta[property="og:title"]::attr(content)')
DEFAULT_DATE = ('meta[property="article:published_time"]::attr(content)',)
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


@dataclass(frozen=True)
class Found:
    """A value and what found it (``"h1 text"``, ``"time @datetime"``); ``by`` is "" when absent."""

    value: str | None
    by: str = ""


@dataclass(frozen=True)
class Row:
    """One listing row as a configured source reads it."""

    url: str
    title: Found
    published: dt.date | None
    date: Found


def find(node: Selector, expression: str, *, attributes: Iterable[str] = ()) -> Found:
    """The first match of a selector: its attribute or text value, or the element's own
    attribute (the first of ``attributes`` it has), else its text."""
    matches = select(node, expression)
    if not matches:
        return Found(None)
    first = matches[0]
    if not isinstance(first.root, etree._Element):  # ::attr(), @attr, ::text or text()
        value = squash(str(first.root))
        return Found(value or None, expression if value else "")
    for name in attributes:
        value = (first.attrib.get(name) or "").strip()
        if value:
            return Found(value, f"{expression} @{name}")
    if "href" in attributes:  # a row's title element rather than its link
        href = first.css("a::attr(href)").get()
        if href and href.strip():
            return Found(href.strip(), f"{expression} a@href")
        return Found(None)
    text = squash(" ".join(first.xpath(".//text()").getall()))
    return Found(text or None, f"{expression} text" if text else "")


def page(response: Response) -> Selector:
    """The page's root selector (parsed once by Scrapy for text responses)."""
    if isinstance(response, TextResponse):
        selector: Selector = response.selector
        return selector
    return Selector(body=response.body, type="html")


def read_date(found: Found, fmt: str) -> dt.date | None:
    """A date from a found value: attributes are machine dates (ISO); text uses ``fmt``."""
    if found.value is None:
        return None
    if fmt == AUTO or "@" in found.by:
        return parse_date(found.value)
    try:
        return dt.datetime.strptime(found.value, fmt).date()
    except ValueError:
        return None


def extract_main_text(html: str | bytes) -> str:
    """The main content of a page by trafilatura, as paragraphs separated by a blank line."""
    import trafilatura  # loaded on first use: most sources have a body selector

    text = trafilatura.extract(
        html, include_comments=False, include_tables=True, deduplicate=False, favor_precision=True
    )
    if not text:
        return ""
    return "\n\n".join(squash(line) for line in text.splitlines() if line.strip())


class ConfiguredSpider(NewsroomSpider):
    """A newsroom defined in the config; subclasses are made by :func:`configured_spider`."""

    definition: ClassVar[SourceDefinition]

    def rows(self, response: Response) -> Iterator[Row]:
        """The listing's rows, with what found each value."""
        raise NotImplementedError

    def listing_entries(self, response: Response) -> Iterator[ListingEntry]:
        for row in self.rows(response):
            yield ListingEntry(row.url, row.published, row.title.value)

    def release_fields(self, response: Response) -> ReleaseFields:
        rules = self.definition.release
        configured = (rules.title,) if rules.title else ()
        title = self._first(response, (*configured, *DEFAULT_TITLE))
        date_found = self._first(response, (rules.date,), dates=True) if rules.date else Found(None)
        published = read_date(date_found, rules.date_format)
        if published is None:  # the configured date found nothing: the page's meta date
            date_found = self._first(response, DEFAULT_DATE, dates=True)
            published = read_date(date_found, AUTO)
        body, body_by = self._body(response)
        return ReleaseFields(
            title.value or "",
            published,
            body,
            date_found.by if published else "",
            title_source=title.by,
            body_source=body_by,
        )

    def _body(self, response: Response) -> tuple[str, str]:
        rules = self.definition.release
        if rules.body and rules.body != AUTO:
            matches = select(page(response), rules.body)
            if matches:
                return element_text(matches[0], drop=rules.drop), rules.body
            text = extract_main_text(response.text)
            return text, f"auto (extractor; '{rules.body}' found nothing)" if text else ""
        text = extract_main_text(response.text)
        return text, "auto (extractor)" if text else ""

    @staticmethod
    def _first(response: Response, expressions: Iterable[str], *, dates: bool = False) -> Found:
        for expression in expressions:
            found = find(page(response), expression, attributes=DATE_ATTRIBUTES if dates else ())
            if found.value:
                return found
        return Found(None)


class HtmlSourceSpider(ConfiguredSpider):
    """A configured html newsroom: listing pages read with selectors."""

    def rows(self, response: Response) -> Iterator[Row]:
        rules = self.definition.listing
        assert rules is not None  # an html definition always has one
        for row in select(page(response), rules.row):
            link = find(row, rules.link, attributes=LINK_ATTRIBUTES)
            if not link.value:
                continue
            title = find(row, rules.title) if rules.title else Found(None)
            date = find(row, rules.date, attributes=DATE_ATTRIBUTES) if rules.date else Found(None)
            yield Row(link.value, title, read_date(date, rules.date_format), date)

    def next_page(self, response: Response) -> str | None:
        rules = self.definition.listing
        if rules is None or not rules.next_page:
            return None
        return find(page(response), rules.next_page, attributes=LINK_ATTRIBUTES).value


class FeedSourceSpider(ConfiguredSpider):
    """A configured RSS or Atom feed; its items are the releases."""

    listing_end = ("</rss>", "</feed>", "</rdf:rdf>")  # a feed is whole when its root closes

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.definition.fetch_pages:  # no page to re-fetch: the feed is all there is
            self.known, self.recheck = {}, set()

    def parse_listing(self, response: Response) -> Iterator[Any]:
        yield from super().parse_listing(response)
        if (
            response.status == 200
            and not is_block_page(response)
            and self.page_complete(response)  # a cut-short feed is reported as such
        ):
            feed = self.feed(response)
            if feed.bozo:  # items were read, but the feed is broken: say so
                yield CrawlProblem(
                    self.name,
                    response.url,
                    Problem.PARSE,
                    f"the feed is not well-formed ({feed.bozo_exception}); "
                    f"{len(feed.entries)} items read anyway",
                )

    def feed(self, response: Response) -> Any:
        """The parsed feed (parsed once per response)."""
        parsed = response.meta.get("parsed_feed")
        if parsed is None:
            parsed = feedparser.parse(response.body)
            response.meta["parsed_feed"] = parsed
        return parsed

    def rows(self, response: Response) -> Iterator[Row]:
        for entry in self.feed(response).entries:
            link = (entry.get("link") or "").strip()
            if not link:
                continue
            title = squash(entry.get("title"))
            raw_date, field = _entry_date(entry)
            found = Found(raw_date, f"feed {field}" if raw_date else "")
            yield Row(link, Found(title or None, "feed title"), parse_date(raw_date), found)

    def next_page(self, response: Response) -> str | None:
        for link in self.feed(response).feed.get("links", []):
            if link.get("rel") == "next" and link.get("href"):
                return str(link["href"])
        return None

    def listed_release(self, entry: ListingEntry, response: Response) -> Iterator[Any]:
        if self.definition.fetch_pages:
            yield from super().listed_release(entry, response)
            return
        if response.status == 304:  # the feed has not changed, so neither has its item
            yield ReleaseNotModified(self.name, entry.url)
            return
        item = self._items(response).get(entry.url)
        if item is None or not self.page_complete(response):  # a cut-short item is no version
            return
        feed_entry, raw = item
        title = squash(feed_entry.get("title"))
        content = feed_entry.get("content") or []
        html = content[0].get("value", "") if content else feed_entry.get("summary", "")
        body = element_text(Selector(text=f"<html><body>{html}</body></html>").css("body")[0])
        field = _entry_date(feed_entry)[1]
        yield ReleasePage(
            source=self.name,
            url=entry.url,
            title=title,
            published=entry.published,
            body=body,
            html=raw,
            date_source=f"feed {field}" if entry.published else "",
        )

    def _items(self, response: Response) -> dict[str, tuple[Any, bytes]]:
        """Each item by its followed URL, with the item's own XML as the stored evidence
        (matched by guid or link, never by position)."""
        items = response.meta.get("feed_items")
        if items is not None:
            return dict(items)
        evidence = _item_xml(response)
        items = {}
        for feed_entry in self.feed(response).entries:
            link = (feed_entry.get("link") or "").strip()
            if not link:
                continue
            keys = (feed_entry.get("id"), link)
            raw = next((evidence[k] for k in map(_key, keys) if k and k in evidence), b"")
            items[self.follow_url(response, link)] = (feed_entry, raw)
        response.meta["feed_items"] = items
        return dict(items)


def _key(value: Any) -> str:
    return str(value).strip() if value else ""


def _item_xml(response: Response) -> dict[str, bytes]:
    """The XML of each item or entry of a feed (RSS 0.9x to 2.0, RSS 1.0, Atom), by its guid
    or id and by its link; the first item with a key keeps it."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(response.body, parser=parser)
    found: dict[str, bytes] = {}
    if root is None:
        return found
    base = root.get(XML_BASE) or response.url
    for node in root.iter("{*}item", "{*}entry"):
        raw = etree.tostring(node)
        keys = [node.findtext("{*}guid"), node.findtext("{*}id"), node.findtext("{*}link")]
        keys += [link.get("href") for link in node.iterfind("{*}link")]
        keys.append(node.get(f"{{{RDF}}}about"))
        for key in filter(None, map(_key, keys)):
            found.setdefault(key, raw)
            found.setdefault(urljoin(base, key), raw)  # as feedparser resolves a relative link
    return found


def _entry_date(entry: Any) -> tuple[str | None, str]:
    """The item's date as written, and the field it came from."""
    for field in ("published", "updated"):
        value = entry.get(field)
        if value:
            return str(value), "pubDate" if field == "published" else "updated"
    return None, ""


@functools.cache
def configured_spider(definition: SourceDefinition) -> type[ConfiguredSpider]:
    """A spider class for a configured newsroom."""
    base: type[ConfiguredSpider] = (
        FeedSourceSpider if definition.kind == "rss" else HtmlSourceSpider
    )
    hosts = tuple(
        dict.fromkeys(
            host for url in definition.start_urls if (host := urlsplit(url).hostname) is not None
        )
    )
    attributes = {
        "name": definition.key,
        "agency": definition.name,
        "hosts": definition.hosts or hosts,
        "default_start_urls": definition.start_urls,
        "definition": definition,
    }
    return type(f"Configured_{definition.key}", (base,), attributes)
