"""Settings: a TOML file plus the environment, checked against one table of known keys.

Where the file comes from: ``--config PATH``, else ``$MONITOR_CONFIG``, else ``./monitor.toml``
when present, else built-in defaults. ``$MONITOR_DATABASE_URL`` overrides ``[database] url``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.config_checks import (
    ConfigError,
    Locator,
    check_keys,
    check_table,
    checked,
    decode_error,
)
from monitor.newsrooms import read_newsroom
from monitor.settings import CRAWL_BY_NAME, CRAWL_SETTINGS, SECTIONS, SOURCE_BY_NAME
from spiders import BUILTIN, spider_class
from spiders.configured import configured_spider
from spiders.definition import SourceDefinition

if TYPE_CHECKING:
    from spiders.base import NewsroomSpider

DEFAULT_DATABASE_URL = "sqlite:///data/monitor.db"

__all__ = ["DEFAULT_DATABASE_URL", "Config", "ConfigError", "SourceConfig", "load_config"]


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
            raise ConfigError(decode_error(path, exc)) from exc
    where = Locator(path, text)
    check_keys(data, {"database", "crawl", "sources", *SECTIONS}, "", where)
    database = data.get("database", {})
    check_table(database, "database", where)
    check_keys(database, {"url"}, "database", where)
    url = os.environ.get("MONITOR_DATABASE_URL") or database.get("url") or DEFAULT_DATABASE_URL
    if not isinstance(url, str):
        raise where.error("database", "url", "must be a string such as 'sqlite:///data/monitor.db'")

    crawl_table = data.get("crawl", {})
    check_table(crawl_table, "crawl", where)
    crawl = {s.name: s.default for s in CRAWL_SETTINGS}
    crawl.update(checked(crawl_table, CRAWL_BY_NAME, "crawl", where))

    sources_table = data.get("sources", {})
    check_table(sources_table, "sources", where)
    sources: dict[str, SourceConfig] = {}
    for key in source_keys:
        table = sources_table.get(key, {})
        check_table(table, f"sources.{key}", where)
        values = checked(table, SOURCE_BY_NAME, f"sources.{key}", where)
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
            definition, values = read_newsroom(key, table, source_keys, where)
            sources[key] = SourceConfig(
                key=key,
                enabled=values.get("enabled", True),
                start_urls=definition.start_urls,
                crawl={**crawl, **{k: v for k, v in values.items() if k in CRAWL_BY_NAME}},
                definition=definition,
            )
    sections = {}
    for name, settings in SECTIONS.items():
        table = data.get(name, {})
        check_table(table, name, where)
        known = {s.name: s for s in settings}
        sections[name] = {s.name: s.default for s in settings} | checked(table, known, name, where)
    if sections["threads"]["suggest_threshold"] > sections["threads"]["match_threshold"]:
        raise where.error("threads", "suggest_threshold", "must not be above match_threshold")
    return Config(path=path, database_url=url, sources=sources, crawl=crawl, sections=sections)
