"""HTML fragments to the text a reader sees, paragraph breaks kept."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import cast

from lxml import etree
from lxml.cssselect import CSSSelector
from parsel import Selector

BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "table",
        "tr",
        "dl",
        "dt",
        "dd",
        "figure",
        "figcaption",
        "address",
        "hr",
    ]
)
_BREAK = "\x00"  # a structural break; newlines inside the source text are just spaces
DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "form", "button", "svg")


def squash(text: str | None) -> str:
    """Collapse runs of whitespace to one space (a title as a reader sees it)."""
    return " ".join((text or "").split())


def element_text(selector: Selector | None, *, drop: Iterable[str] = ()) -> str:
    """Clean text of one element: blocks become paragraphs separated by a blank line.

    ``drop`` lists CSS selectors of descendants to leave out (teasers, contact blocks…).
    A ``<br>`` inside a paragraph starts a new paragraph too, as readers see it.
    """
    if selector is None:
        return ""
    root = selector.root
    if not isinstance(root, etree._Element):
        return squash(str(root))
    matched = cast("list[etree._Element]", _selector(tuple(drop))(root))
    skipped = set(matched) - {root}
    parts: list[str] = []
    _walk(root, parts, skipped)
    paragraphs = (squash(p) for p in "".join(parts).split(_BREAK))
    return "\n\n".join(p for p in paragraphs if p)


@functools.lru_cache(maxsize=256)
def _selector(drop: tuple[str, ...]) -> CSSSelector:
    """One compiled selector for the tags always dropped plus a site's own list."""
    return CSSSelector(", ".join((*DROP_TAGS, *drop)))


def _walk(node: etree._Element, parts: list[str], skipped: set[etree._Element]) -> None:
    tag = node.tag if isinstance(node.tag, str) else ""
    if not tag or node in skipped:  # comments, processing instructions, dropped elements
        if node.tail:
            parts.append(node.tail)
        return
    block = tag in BLOCK_TAGS
    if block or tag == "br":
        parts.append(_BREAK)
    if node.text:
        parts.append(node.text)
    for child in node:
        _walk(child, parts, skipped)
    if block:
        parts.append(_BREAK)
    if node.tail:
        parts.append(node.tail)
