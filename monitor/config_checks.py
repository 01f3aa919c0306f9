"""Checking a config file's tables: one line naming the file, the line and the key."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.settings import MOVED, Setting


class ConfigError(Exception):
    """A config file that cannot be used; the message is one line naming file, line and key."""


def decode_error(path: Path, exc: tomllib.TOMLDecodeError) -> str:
    message = str(exc)
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if match:
        message = message[: match.start()].strip()
        return f"{path}:{match[1]}: invalid TOML: {message} (column {match[2]})"
    return f"{path}: invalid TOML: {message}"


@dataclass(frozen=True)
class Locator:
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


def check_table(value: Any, name: str, where: Locator) -> None:
    if not isinstance(value, dict):
        table, _, key = name.rpartition(".")
        raise where.error(table, key, "must be a table")


def check_keys(data: Mapping[str, Any], allowed: set[str], table: str, where: Locator) -> None:
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


def checked(
    table: Mapping[str, Any], known: Mapping[str, Setting], name: str, where: Locator
) -> dict[str, Any]:
    check_keys(table, set(known), name, where)
    values: dict[str, Any] = {}
    for key, value in table.items():
        setting = known[key]
        if not setting.check(value):
            raise where.error(name, key, f"must be {setting.expects}, got {value!r}")
        values[key] = value
    return values
