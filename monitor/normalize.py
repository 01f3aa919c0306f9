"""Canonical URLs, the normalized form of a release, and its content hash.

Two fetches of a release are the same version when their normalized title, date and body hash
alike. Normalizing folds what a reader would not call a change: Unicode forms, runs of
whitespace, curly versus straight quotes, the various dashes, invisible characters, and volatile
lines such as "Last reviewed" stamps.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import unicodedata
from collections.abc import Collection
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

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


def canonical_url(url: str, *, strip: Collection[str] = ()) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters.

    Tracking parameters are those of the ClearURLs rules (``utm_*``, ``fbclid``, ``gclid``,
    ``mc_cid``, ``mc_eid``, ``_ga``, ``msclkid`` and the like, by way of the ``unalix`` package);
    ``strip`` names more that carry no meaning on a source's site. Any other parameter, such as
    ``source``, ``ref`` or ``id``, can tell two releases apart and is kept.
    """
    parts = urlsplit(url.strip())
    netloc = parts.netloc.lower()
    if parts.scheme == "http" and netloc.endswith(":80"):
        netloc = netloc[:-3]
    elif parts.scheme == "https" and netloc.endswith(":443"):
        netloc = netloc[:-4]
    query = parts.query
    if query:
        dropped = {name.lower() for name in strip}
        host = parts.hostname or ""
        query = urlencode(
            [
                (k, v)
                for k, v in parse_qsl(query, keep_blank_values=True)
                if k.lower() not in dropped and not is_tracking(host, k)
            ]
        )
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", query, ""))


@functools.lru_cache(maxsize=4096)
def is_tracking(host: str, name: str) -> bool:
    """Whether the ClearURLs rules strip the query parameter ``name`` on ``host`` (any case:
    ``UTM_Source`` is ``utm_source``). Referral parameters (``ref``) are not tracking here."""
    import unalix  # loaded on first use: its rules take half a second to compile

    for candidate in dict.fromkeys((name, name.lower())):
        probe = f"https://{host or 'example.org'}/?{quote(candidate, safe='')}=1"
        cleaned = unalix.clear_url(
            probe,
            ignoreReferralMarketing=True,
            ignoreRedirections=True,
            ignoreRawRules=True,
            skipBlocked=True,
        )
        if not urlsplit(cleaned).query:
            return True
    return False


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
