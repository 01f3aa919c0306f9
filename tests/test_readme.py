"""The README must not drift from the code: settings, defaults, commands, example config."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main
from monitor.settings import CRAWL_SETTINGS, SECTIONS

README = (Path(__file__).parents[1] / "README.md").read_text()


def test_settings_tables_match_the_settings():
    rows = re.findall(r"^\| `(\w+)` \| `([^`]*)` \|", README, re.MULTILINE)
    settings = [*CRAWL_SETTINGS, *(s for table in SECTIONS.values() for s in table)]

    def shown(value: object) -> str:
        if isinstance(value, list):
            return json.dumps(value)
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, str):
            return f'"{value}"'
        return str(value)

    expected = sorted((s.name, shown(s.default)) for s in settings if s.name != "user_agent")
    assert sorted(row for row in rows if row[0] != "user_agent") == expected
    assert any(name == "user_agent" for name, _ in rows)


def test_every_command_is_in_the_tour():
    commands = main.list_commands(None)  # type: ignore[arg-type]
    assert commands
    for command in commands:
        assert f"$ monitor {command}" in README, command
    for group in ("threads", "sources"):
        for command in main.get_command(None, group).list_commands(None):  # type: ignore[union-attr,arg-type]
            assert f"$ monitor {group} {command}" in README, command


def test_readme_opens_with_the_two_commands():
    block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert ".venv/bin/monitor serve" in block and "bash .ci/run" in block


def test_help_works():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0 and "crawl" in result.output
