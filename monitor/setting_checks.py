"""What a setting's value must be: one predicate per kind of value, for the settings tables."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from typing import Any, get_args


def whole_number(v: Any) -> bool:
    """An integer, never a float such as 2.5 or 3.0 (TOML tells them apart) or a boolean."""
    return isinstance(v, int) and not isinstance(v, bool)


def positive_int(v: Any) -> bool:
    return whole_number(v) and v > 0


def non_negative_int(v: Any) -> bool:
    return whole_number(v) and v >= 0


def non_negative_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and v >= 0


def non_empty_string(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip())


def boolean(v: Any) -> bool:
    return isinstance(v, bool)


def browser_name(v: Any) -> bool:
    """'' (off) or a browser curl_cffi can impersonate; without curl_cffi installed, any
    plausible name (the crawl then says which extra to install)."""
    if not isinstance(v, str):
        return False
    if v == "":
        return True
    try:
        from curl_cffi.requests.impersonate import REAL_TARGET_MAP, BrowserTypeLiteral
    except ImportError:
        return re.fullmatch(r"[a-z]+[a-z0-9_]*", v) is not None
    return v in REAL_TARGET_MAP or v in get_args(BrowserTypeLiteral)


def url_list(v: Any) -> bool:
    return (
        isinstance(v, list)
        and bool(v)
        and all(isinstance(u, str) and u.startswith(("http://", "https://")) for u in v)
    )


def end_markers(v: Any) -> bool:
    """[] (the spider's own), or closing tags such as '</body>' and CSS or XPath selectors."""
    from spiders.definition import selector_problem

    return isinstance(v, list) and all(
        isinstance(m, str)
        and (re.fullmatch(r"</[A-Za-z][\w:.-]*>", m) is not None or selector_problem(m) is None)
        for m in v
    )


def parameter_names(v: Any) -> bool:
    return isinstance(v, list) and all(
        isinstance(n, str) and re.fullmatch(r"[^\s=&#]+", n) is not None for n in v
    )


def score(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 100


def timezone_name(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    try:
        zoneinfo.ZoneInfo(v)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def one_of(*options: str) -> Callable[[Any], bool]:
    return lambda v: v in options


def any_string(v: Any) -> bool:
    return isinstance(v, str)


def address_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(a, str) and "@" in a for a in v)


def share(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < 1


def apprise_urls(v: Any) -> bool:
    return isinstance(v, list) and all(
        isinstance(u, str) and "://" in u and u.partition("://")[0].isidentifier() for u in v
    )
