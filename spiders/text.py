"""HTML fragments to the text a reader sees, paragraph breaks kept."""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree, html
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

    ``drop`` lists CSS selectors of descendants to remove first (teasers, contact blocks…).
    A ``<br>`` inside a paragraph starts a new paragraph too, as readers see it.
    """
    if selector is None:
        return ""
    root = selector.root
    if not isinstance(root, html.HtmlElement | etree._Element):
        return squash(str(root))
    root = html.fromstring(etree.tostring(root, encoding="unicode"))
    for css in (*DROP_TAGS, *drop):
        for node in root.cssselect(css):
            _remove(node)
    parts: list[str] = []
    _walk(root, parts)
    paragraphs = (squash(p) for p in "".join(parts).split(_BREAK))
    return "\n\n".join(p for p in paragraphs if p)


def _remove(node: html.HtmlElement) -> None:
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail
    if tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(node)


def _walk(node: etree._Element, parts: list[str]) -> None:
    tag = node.tag if isinstance(node.tag, str) else ""
    if not tag:  # comments, processing instructions
        if node.tail:
            parts.append(node.tail)
        return
    block = tag in BLOCK_TAGS
    if block or tag == "br":
        parts.append(_BREAK)
    if node.text:
        parts.append(node.text)
    for child in node:
        _walk(child, parts)
    if block:
        parts.append(_BREAK)
    if node.tail:
        parts.append(node.tail)
