"""Canonical URLs, the normalized form of a release, and its content hash.

Two fetches of a release are the same version when their normalized title, date and body hash
alike. Normalizing folds what a reader would not call a change: Unicode forms, runs of
whitespace, curly versus straight quotes, the various dashes, invisible characters, and volatile
lines such as "Last reviewed" stamps.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "igshid",
        "yclid",
        "ref",
        "ref_src",
        "cmpid",
        "source",
        "sc_cid",
    }
)
_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": None,
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)
_VOLATILE_LINE = re.compile(
    r"^\s*(page\s+)?(last\s+(reviewed|updated|modified)|updated\s+on|date\s+modified|"
    r"this\s+page\s+was\s+last)\b.*$",
    re.IGNORECASE | re.MULTILINE,
)
_DASH_SPACING = re.compile(r"\s*-\s*")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no tracking parameters (``utm_*`` and kin)."""
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not (k.lower().startswith("utm_") or k.lower() in TRACKING_PARAMS)
    ]
    netloc = parts.netloc.lower()
    if parts.scheme == "http" and netloc.endswith(":80"):
        netloc = netloc[:-3]
    elif parts.scheme == "https" and netloc.endswith(":443"):
        netloc = netloc[:-4]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))


def strip_volatile(text: str) -> str:
    """Drop lines that change without the release changing ("Last reviewed: …")."""
    return _VOLATILE_LINE.sub("", text)


def fold(text: str) -> str:
    """The comparison form of a text: what a change must alter to count as one."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = strip_volatile(text)
    text = _DASH_SPACING.sub("-", text)
    return " ".join(text.split())


def content_hash(title: str, published: dt.date | None, body: str) -> str:
    """SHA-256 over the folded title, ISO date and body."""
    digest = hashlib.sha256()
    for part in (fold(title), published.isoformat() if published else "", fold(body)):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def clean_text(text: str) -> str:
    """Text as stored: NFC, volatile lines dropped, whitespace tidied, paragraphs kept."""
    text = strip_volatile(unicodedata.normalize("NFC", text))
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", text))
    return "\n\n".join(p for p in paragraphs if p)
