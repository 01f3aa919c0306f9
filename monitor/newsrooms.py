"""Newsrooms defined in the config: a ``[sources.<key>]`` table with a ``kind``, read into a
:class:`~spiders.definition.SourceDefinition`, every mistake in it reported on a line of its own.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from typing import Any

from monitor.config_checks import ConfigError, Locator, check_table, checked
from monitor.settings import SOURCE_BY_NAME
from spiders.definition import (
    AUTO,
    KINDS,
    ListingSelectors,
    ReleaseSelectors,
    SourceDefinition,
    date_format_problem,
    selector_problem,
)

SOURCE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
DEFINITION_KEYS = {"kind", "name", "hosts", "listing", "release"}
LISTING_SELECTORS = ("row", "link", "title", "date", "next_page")
RELEASE_SELECTORS = ("title", "date", "body")


def read_newsroom(
    key: str, table: Any, builtin: tuple[str, ...], where: Locator
) -> tuple[SourceDefinition, dict[str, Any]]:
    """A newsroom defined in the config: its definition, and its own checked settings
    (``enabled`` and any crawl setting)."""
    check_table(table, f"sources.{key}", where)
    if "kind" not in table:
        close = difflib.get_close_matches(key, builtin, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise where.error(
            "sources",
            key,
            f"is not a built-in source ({hint}built-in: {', '.join(builtin)}); "
            "a newsroom of your own needs kind = 'html' or 'rss'",
        )
    if not SOURCE_KEY.match(key):
        raise where.error(
            "sources", key, "is not a usable source key (lower-case letters, digits and _)"
        )
    name = f"sources.{key}"
    settings = {k: v for k, v in table.items() if k not in DEFINITION_KEYS}
    values = checked(settings, SOURCE_BY_NAME, name, where)
    problems = _definition_problems(key, table, where)
    if problems:
        raise ConfigError("\n".join(problems))
    listing = table.get("listing")
    release = table.get("release", {})
    definition = SourceDefinition(
        key=key,
        kind=table["kind"],
        name=table.get("name", key),
        start_urls=tuple(table["start_urls"]),
        hosts=tuple(table.get("hosts", ())),
        listing=ListingSelectors(**listing) if listing is not None else None,
        release=ReleaseSelectors(**{**release, "drop": tuple(release.get("drop", ()))}),
    )
    return definition, values


def _definition_problems(key: str, table: Mapping[str, Any], where: Locator) -> list[str]:
    """Every problem with a configured newsroom's definition, one line each."""
    name = f"sources.{key}"
    problems: list[str] = []

    def problem(table_name: str, setting: str, text: str) -> None:
        problems.append(str(where.error(table_name, setting, text)))

    kind = table["kind"]
    if kind not in KINDS:
        problem(name, "kind", f"must be 'html' or 'rss', got {kind!r}")
        return problems
    if "start_urls" not in table:
        problem(name, "start_urls", f"is required for kind = '{kind}' (the listing or feed URL)")
    if not isinstance(table.get("name", key), str) or not table.get("name", key).strip():
        problem(name, "name", "must be the agency's name")
    hosts = table.get("hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        problem(name, "hosts", "must be a list of host names such as 'www.justice.gov'")
    listing = table.get("listing")
    if kind == "rss" and listing is not None:
        problem(name, "listing", "does not apply to kind = 'rss' (the feed lists the releases)")
    elif kind == "html":
        if listing is None:
            problem(name, "listing", "is required for kind = 'html' (at least row and link)")
        elif not isinstance(listing, dict):
            problem(name, "listing", "must be a table")
        else:
            _selector_problems(
                listing, f"{name}.listing", LISTING_SELECTORS, ("row", "link"), problem
            )
    release = table.get("release", {})
    if not isinstance(release, dict):
        problem(name, "release", "must be a table")
    else:
        _selector_problems(release, f"{name}.release", RELEASE_SELECTORS, (), problem, drop=True)
    return problems


def _selector_problems(
    table: Mapping[str, Any],
    name: str,
    selectors: tuple[str, ...],
    required: tuple[str, ...],
    problem: Callable[[str, str, str], None],
    *,
    drop: bool = False,
) -> None:
    known = {*selectors, "date_format", *(("drop",) if drop else ())}
    for setting in table:
        if setting not in known:
            close = difflib.get_close_matches(setting, sorted(known), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(sorted(known))}"
            problem(name, setting, f"is not a known selector ({hint})")
            continue
    for setting in required:
        if setting not in table:
            problem(name, setting, "is required (a CSS or XPath selector)")
    for setting in selectors:
        value = table.get(setting)
        if value is None or (setting == "body" and value == AUTO):
            continue
        if not isinstance(value, str):
            problem(name, setting, f"must be a CSS or XPath selector, got {value!r}")
        elif (why := selector_problem(value)) is not None:
            problem(name, setting, why)
    fmt = table.get("date_format", AUTO)
    if not isinstance(fmt, str):
        problem(name, "date_format", f"must be 'auto' or a strptime format, got {fmt!r}")
    elif (why := date_format_problem(fmt)) is not None:
        problem(name, "date_format", why)
    dropped = table.get("drop", []) if drop else []
    if not isinstance(dropped, list):
        problem(name, "drop", "must be a list of selectors")
        dropped = []
    for value in dropped:
        why = selector_problem(value) if isinstance(value, str) else "must be a selector"
        if why is not None:
            problem(name, "drop", f"entry {value!r} {why}")
