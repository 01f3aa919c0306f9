"""Settings: a TOML file plus the environment, checked against one table of known keys.

Where the file comes from: ``--config PATH``, else ``$MONITOR_CONFIG``, else ``./monitor.toml``
when present, else built-in defaults. ``$MONITOR_DATABASE_URL`` overrides ``[database] url``.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.settings import (
    CRAWL_BY_NAME,
    CRAWL_SETTINGS,
    MOVED,
    SECTIONS,
    SOURCE_BY_NAME,
    Setting,
)
from spiders import BUILTIN, spider_class
from spiders.configured import configured_spider
from spiders.definition import (
    AUTO,
    KINDS,
    ListingSelectors,
    ReleaseSelectors,
    SourceDefinition,
    date_format_problem,
    selector_problem,
)

if TYPE_CHECKING:
    from spiders.base import NewsroomSpider

DEFAULT_DATABASE_URL = "sqlite:///data/monitor.db"


class ConfigError(Exception):
    """A config file that cannot be used; the message is one line naming file, line and key."""


@dataclass(frozen=True)
class SourceConfig:
    key: str
    enabled: bool
    start_urls: tuple[str, ...] | None
    crawl: Mapping[str, Any]
    definition: SourceDefinition | None = None  # a newsroom defined in the config

    def get(self, name: str) -> Any:
        return self.crawl[name]

    @property
    def kind(self) -> str:
        return self.definition.kind if self.definition else "builtin"

    @property
    def spider(self) -> type[NewsroomSpider]:
        """The spider class that crawls this source."""
        if self.definition is not None:
            return configured_spider(self.definition)
        return spider_class(self.key)

    @property
    def name(self) -> str:
        """The agency's name, as shown to readers."""
        return self.spider.agency or self.key

    @property
    def listing_urls(self) -> tuple[str, ...]:
        """Where a crawl starts: the configured URLs, else the spider's own."""
        return self.start_urls or self.spider.default_start_urls


@dataclass(frozen=True)
class Config:
    path: Path | None
    database_url: str
    sources: Mapping[str, SourceConfig]
    crawl: Mapping[str, Any] = field(default_factory=dict)
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def source(self, key: str) -> SourceConfig:
        return self.sources[key]

    def agencies(self) -> dict[str, str]:
        """Each source's agency name, by key."""
        return {key: source.name for key, source in self.sources.items()}

    @property
    def threads(self) -> Mapping[str, Any]:
        return self.sections["threads"]

    @property
    def digest(self) -> Mapping[str, Any]:
        return self.sections["digest"]

    @property
    def health(self) -> Mapping[str, Any]:
        return self.sections["health"]

    @property
    def alerts(self) -> Mapping[str, Any]:
        return self.sections["alerts"]

    @property
    def smtp(self) -> Mapping[str, Any]:
        return self.sections["smtp"]

    @property
    def service(self) -> Mapping[str, Any]:
        return self.sections["service"]


def find_config_file(explicit: str | Path | None) -> Path | None:
    if explicit:
        return Path(explicit)
    env = os.environ.get("MONITOR_CONFIG")
    if env:
        return Path(env)
    local = Path("monitor.toml")
    return local if local.is_file() else None


def load_config(
    explicit: str | Path | None = None, *, source_keys: tuple[str, ...] | None = None
) -> Config:
    """Read and check the config; raise :class:`ConfigError` with a one-line message (one line
    per problem for a configured newsroom's selectors).

    ``source_keys`` are the built-in sources (all of them by default); any other table under
    ``[sources]`` defines a newsroom of kind ``html`` or ``rss``.
    """
    if source_keys is None:
        source_keys = tuple(BUILTIN)
    path = find_config_file(explicit)
    text = ""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: config file is not UTF-8 text") from exc
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(_decode_error(path, exc)) from exc
    where = _Locator(path, text)
    _check_keys(data, {"database", "crawl", "sources", *SECTIONS}, "", where)
    database = data.get("database", {})
    _check_table(database, "database", where)
    _check_keys(database, {"url"}, "database", where)
    url = os.environ.get("MONITOR_DATABASE_URL") or database.get("url") or DEFAULT_DATABASE_URL
    if not isinstance(url, str):
        raise where.error("database", "url", "must be a string such as 'sqlite:///data/monitor.db'")

    crawl_table = data.get("crawl", {})
    _check_table(crawl_table, "crawl", where)
    crawl = {s.name: s.default for s in CRAWL_SETTINGS}
    crawl.update(_checked(crawl_table, CRAWL_BY_NAME, "crawl", where))

    sources_table = data.get("sources", {})
    _check_table(sources_table, "sources", where)
    sources: dict[str, SourceConfig] = {}
    for key in source_keys:
        table = sources_table.get(key, {})
        _check_table(table, f"sources.{key}", where)
        values = _checked(table, SOURCE_BY_NAME, f"sources.{key}", where)
        merged = {**crawl, **{k: v for k, v in values.items() if k in CRAWL_BY_NAME}}
        start = values.get("start_urls")
        sources[key] = SourceConfig(
            key=key,
            enabled=values.get("enabled", True),
            start_urls=tuple(start) if start else None,
            crawl=merged,
        )
    for key, table in sources_table.items():
        if key not in source_keys:
            sources[key] = _configured_source(key, table, crawl, source_keys, where)
    sections = {}
    for name, settings in SECTIONS.items():
        table = data.get(name, {})
        _check_table(table, name, where)
        known = {s.name: s for s in settings}
        sections[name] = {s.name: s.default for s in settings} | _checked(table, known, name, where)
    if sections["threads"]["suggest_threshold"] > sections["threads"]["match_threshold"]:
        raise where.error("threads", "suggest_threshold", "must not be above match_threshold")
    return Config(path=path, database_url=url, sources=sources, crawl=crawl, sections=sections)


SOURCE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
DEFINITION_KEYS = {"kind", "name", "hosts", "listing", "release"}
LISTING_SELECTORS = ("row", "link", "title", "date", "next_page")
RELEASE_SELECTORS = ("title", "date", "body")


def _configured_source(
    key: str,
    table: Any,
    crawl: Mapping[str, Any],
    builtin: tuple[str, ...],
    where: _Locator,
) -> SourceConfig:
    """A newsroom defined in the config: its crawl settings and its selectors."""
    _check_table(table, f"sources.{key}", where)
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
    values = _checked(settings, SOURCE_BY_NAME, name, where)
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
    return SourceConfig(
        key=key,
        enabled=values.get("enabled", True),
        start_urls=definition.start_urls,
        crawl={**crawl, **{k: v for k, v in values.items() if k in CRAWL_BY_NAME}},
        definition=definition,
    )


def _definition_problems(key: str, table: Mapping[str, Any], where: _Locator) -> list[str]:
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


def _decode_error(path: Path, exc: tomllib.TOMLDecodeError) -> str:
    message = str(exc)
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if match:
        message = message[: match.start()].strip()
        return f"{path}:{match[1]}: invalid TOML: {message} (column {match[2]})"
    return f"{path}: invalid TOML: {message}"


@dataclass(frozen=True)
class _Locator:
    """Finds the line of a key in the config text, for error messages."""

    path: Path | None
    text: str

    def line_of(self, table: str, key: str) -> int | None:
        current = ""
        for number, line in enumerate(self.text.splitlines(), start=1):
            stripped = line.strip()
            header = re.match(r"^\[\s*([^\]]+?)\s*\]", stripped)
            if header:
                current = header[1].replace('"', "").replace(" ", "")
                if f"{current}" == f"{table}.{key}".strip("."):
                    return number
                continue
            if current == table and re.match(rf'^"?{re.escape(key)}"?\s*=', stripped):
                return number
        return None

    def error(self, table: str, key: str, problem: str) -> ConfigError:
        name = f"{self.path}" if self.path else "built-in config"
        line = self.line_of(table, key)
        place = f"{name}:{line}" if line else name
        dotted = f"{table}.{key}" if table else key
        return ConfigError(f"{place}: {dotted} {problem}")


def _check_table(value: Any, name: str, where: _Locator) -> None:
    if not isinstance(value, dict):
        table, _, key = name.rpartition(".")
        raise where.error(table, key, "must be a table")


def _check_keys(data: Mapping[str, Any], allowed: set[str], table: str, where: _Locator) -> None:
    for key in data:
        if (table, key) in MOVED:
            raise where.error(table, key, f"has moved to [{MOVED[table, key]}]")
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = (
                f" (did you mean '{close[0]}'?)"
                if close
                else f" (known: {', '.join(sorted(allowed))})"
            )
            raise where.error(table, key, f"is not a known setting{hint}")


def _checked(
    table: Mapping[str, Any], known: Mapping[str, Setting], name: str, where: _Locator
) -> dict[str, Any]:
    _check_keys(table, set(known), name, where)
    values: dict[str, Any] = {}
    for key, value in table.items():
        setting = known[key]
        if not setting.check(value):
            raise where.error(name, key, f"must be {setting.expects}, got {value!r}")
        values[key] = value
    return values
