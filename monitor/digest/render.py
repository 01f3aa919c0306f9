"""Every format of the digest, by name: ``RENDERERS[name](digest)`` gives the document as text.

=========  ====================================================================
text       plain text for a terminal and the text part of the e-mail
markdown   GitHub-flavoured Markdown, scraped text escaped
html       one self-contained page (inline CSS), the HTML part of the e-mail
json       ``Digest.as_json()`` pretty-printed, for scripts
atom       an Atom 1.0 feed with one entry per change
=========  ====================================================================
"""

from __future__ import annotations

import json
from collections.abc import Callable

from .model import Digest
from .render_atom import render_atom
from .render_html import render_html
from .render_text import render_markdown, render_text

__all__ = [
    "RENDERERS",
    "render_atom",
    "render_html",
    "render_json",
    "render_markdown",
    "render_text",
]


def render_json(digest: Digest) -> str:
    """The digest as JSON (the shape of :meth:`Digest.as_json`), indented, UTF-8 kept as is."""
    return json.dumps(digest.as_json(), indent=2, ensure_ascii=False)


RENDERERS: dict[str, Callable[[Digest], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "html": render_html,
    "json": render_json,
    "atom": render_atom,
}
