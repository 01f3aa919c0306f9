"""Settings: a TOML file plus the environment, checked against one table of known keys.

Where the file comes from: ``--config PATH``, else ``$MONITOR_CONFIG``, else ``./monitor.toml``
when present, else built-in defaults. ``$MONITOR_DATABASE_URL`` overrides ``[database] url``.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.settings import (
    CRAWL_BY_NAME,
    CRAWL_SETTINGS,
    MOVED,
    SECTIONS,
    SOURCE_BY_NAME,
    Setting,
)

DEFAULT_DATABASE_URL = "sqlite:///data/monitor.db"


class ConfigError(Exception):
    """A config file that cannot be used; the message is one line naming file, line and key."""


@dataclass(frozen=True)
class SourceConfig:
    key: str
    enabled: bool
    start_urls: tuple[str, ...] | None
    crawl: Mapping[str, Any]

    def get(self, name: str) -> Any:
        return self.crawl[name]


@dataclass(frozen=True)
class Config:
    path: Path | None
    database_url: str
    sources: Mapping[str, SourceConfig]
    crawl: Mapping[str, Any] = field(default_factory=dict)
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def source(self, key: str) -> SourceConfig:
        return self.sources[key]

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


def load_config(explicit: str | Path | None = None, *, source_keys: tuple[str, ...]) -> Config:
    """Read and check the config; raise :class:`ConfigError` with a one-line message."""
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
    _check_keys(sources_table, set(source_keys), "sources", where)
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
    sections = {}
    for name, settings in SECTIONS.items():
        table = data.get(name, {})
        _check_table(table, name, where)
        known = {s.name: s for s in settings}
        sections[name] = {s.name: s.default for s in settings} | _checked(table, known, name, where)
    if sections["threads"]["suggest_threshold"] > sections["threads"]["match_threshold"]:
        raise where.error("threads", "suggest_threshold", "must not be above match_threshold")
    return Config(path=path, database_url=url, sources=sources, crawl=crawl, sections=sections)


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
