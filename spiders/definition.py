"""A newsroom described in the config instead of code: selectors, date formats, a feed.

A selector is CSS unless it starts with ``/``, ``./`` or ``(``, which make it XPath. A selector
may end in an attribute (``a::attr(href)``, ``//a/@href``) or ``::text``; otherwise the element's
own attribute (``href`` for links, ``datetime`` or ``content`` for dates) or its text is used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from cssselect import SelectorError
from lxml.etree import XPathError
from parsel import Selector, SelectorList

AUTO = "auto"  # a date read by the date parser; a body found by the main-content extractor
KINDS = ("html", "rss")


def is_xpath(expression: str) -> bool:
    return expression.lstrip().startswith(("/", "./", "("))


def select(node: Selector, expression: str) -> SelectorList[Selector]:
    """The nodes an expression finds under ``node`` (CSS or XPath, see the module doc)."""
    if is_xpath(expression):
        return node.xpath(expression)
    return node.css(expression)


def selector_problem(expression: str) -> str | None:
    """Why an expression is not a usable selector, or ``None``."""
    if not expression.strip():
        return "is empty"
    probe = Selector(text="<html><body><p>x</p></body></html>")
    try:
        select(probe, expression)
    except (SelectorError, XPathError, ValueError) as exc:
        kind = "XPath" if is_xpath(expression) else "CSS"
        return f"is not a valid {kind} selector ({exc})"
    return None


def date_format_problem(fmt: str) -> str | None:
    """Why a strptime format cannot read a date, or ``None`` (``"auto"`` is always fine)."""
    if fmt == AUTO:
        return None
    if "%" not in fmt:
        return "has no % directive (use 'auto' or a format such as '%B %d, %Y')"
    sample = dt.datetime(2025, 9, 18, 14, 3)
    try:
        parsed = dt.datetime.strptime(sample.strftime(fmt), fmt)
    except ValueError as exc:
        return f"is not a usable date format ({exc})"
    if parsed.date() != sample.date():
        return "does not give a whole date (it needs a year, a month and a day)"
    return None


@dataclass(frozen=True)
class ListingSelectors:
    """Where the rows of a listing page are, and what each row holds."""

    row: str
    link: str
    title: str | None = None
    date: str | None = None
    date_format: str = AUTO
    next_page: str | None = None


@dataclass(frozen=True)
class ReleaseSelectors:
    """Where a release page keeps its fields. ``body`` is a selector or ``"auto"``."""

    title: str | None = None
    date: str | None = None
    date_format: str = AUTO
    body: str | None = None
    drop: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceDefinition:
    """A configured newsroom: a listing of kind ``html`` or a feed of kind ``rss``."""

    key: str
    kind: Literal["html", "rss"]
    name: str
    start_urls: tuple[str, ...]
    hosts: tuple[str, ...] = ()  # the site's own hosts, when start_urls point at a mirror
    listing: ListingSelectors | None = None  # html only
    release: ReleaseSelectors = field(default_factory=ReleaseSelectors)

    @property
    def fetch_pages(self) -> bool:
        """Whether release pages are fetched: always for html, for a feed when a body is set."""
        return self.kind == "html" or self.release.body is not None
