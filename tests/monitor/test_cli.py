"""The reading commands, driven through the real CLI on a database two real crawls filled."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import delete, select

from monitor.cli import main
from monitor.config import load_config
from monitor.db import open_database, transaction
from monitor.models import Source, SourceProblem
from spiders import BUILTIN
from tests.conftest import empty_database
from tests.monitor.test_crawl_e2e import EXPECTED, crawl, write_config
from tests.newsrooms import SITES, serve


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """Config of a database holding v1 and then v2 of every saved site, and the ICE root."""
    directory = tmp_path_factory.mktemp("cli")
    for database_url in empty_database(directory):
        with serve(*SITES) as rooms:
            config = write_config(directory / "monitor.toml", database_url, rooms)
            assert crawl(config).returncode == 0
            for room in rooms.values():
                room.state = "v2"
            assert crawl(config).returncode == 0
            yield config, rooms["ice"].root


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), "--log-file", "", *args])


def ice_url(root: str, kind: str) -> str:
    later = EXPECTED["ice"]["v2"]
    path = next(iter(later["edited"])) if kind == "edited" else later[kind][0]
    return root + path


def test_releases_json_and_filters(crawled):
    config, _ = crawled
    everything = json.loads(run(config, "releases", "--format", "json").output)
    total_v1 = sum(EXPECTED[s]["v1"]["releases"] for s in SITES)
    assert len(everything) == total_v1 + sum(len(EXPECTED[s]["v2"]["new"]) for s in SITES)
    removed = json.loads(run(config, "releases", "--status", "removed", "--format", "json").output)
    assert len(removed) == sum(len(EXPECTED[s]["v2"]["removed"]) for s in SITES)
    ice = json.loads(
        run(
            config, "releases", "--source", "ice", "--since", "2026-01-01", "--format", "json"
        ).output
    )
    assert ice and all(r["source"] == "ice" and r["published"] >= "2026-01-01" for r in ice)
    assert {"id", "source", "url", "title", "published", "status", "versions", "first_seen"} <= set(
        ice[0]
    )


def test_releases_table_and_bad_input(crawled):
    config, _ = crawled
    table = run(config, "releases", "--source", "il_ag", "--limit", "3")
    assert table.exit_code == 0 and len(table.output.strip().splitlines()) == 5
    bad_date = run(config, "releases", "--since", "Sept 20")
    assert bad_date.exit_code == 2 and "is not a date like 2025-09-20" in bad_date.output
    unknown = run(config, "releases", "--source", "fbi")
    assert unknown.exit_code == 2 and "unknown source fbi" in unknown.output


def test_show_current_old_version_and_history(crawled):
    config, root = crawled
    url = ice_url(root, "edited")
    shown = json.loads(run(config, "show", url, "--format", "json").output)
    assert shown["versions"] == 2 and shown["version"]["number"] == 2
    assert [h["changed"] for h in shown["history"]] == [[], ["body"]]
    old = json.loads(
        run(config, "show", str(shown["id"]), "--version", "1", "--format", "json").output
    )
    assert old["version"]["body"] != shown["version"]["body"]
    text = run(config, "show", url + "?utm_source=x").output
    assert "history:" in text and "v2" in text and "body" in text
    missing = run(config, "show", "999999")
    assert (
        missing.exit_code == 1
        and missing.output.strip() == "Error: no release with id or URL '999999'"
    )
    no_version = run(config, "show", url, "--version", "9")
    assert "has no version 9 (it has 1 to 2)" in no_version.output


def test_diff_marks_words(crawled):
    config, root = crawled
    result = run(config, "diff", ice_url(root, "edited"), "--no-color")
    assert result.exit_code == 0
    assert "title: unchanged" in result.output and "published: unchanged" in result.output
    assert "{+" in result.output
    redated = next(p for p, f in EXPECTED["ice"]["v2"]["edited"].items() if f == ["published"])
    dates = run(config, "diff", root + redated, "--from", "1", "--to", "2").output
    assert "published:\n[-" in dates and "body: unchanged" in dates
    single = run(config, "diff", ice_url(root, "new"))
    assert "has only one version" in single.output


def test_export_jsonl_and_csv(crawled):
    config, _ = crawled
    lines = run(config, "export", "--source", "ice").output.splitlines()
    rows = [json.loads(line) for line in lines]
    expected_versions = (
        EXPECTED["ice"]["v1"]["releases"]
        + len(EXPECTED["ice"]["v2"]["new"])
        + len(EXPECTED["ice"]["v2"]["edited"])
    )
    assert len(rows) == expected_versions
    assert set(rows[0]) == {
        "release_id",
        "source",
        "url",
        "version",
        "fetched_at",
        "title",
        "published",
        "body",
        "content_hash",
    }
    table = list(csv.DictReader(io.StringIO(run(config, "export", "--format", "csv").output)))
    assert len(table) > len(rows) and {r["source"] for r in table} == set(SITES)


def test_sources_show_last_runs(crawled):
    config, _ = crawled
    sources = json.loads(run(config, "sources", "--format", "json").output)
    assert [s["source"] for s in sources] == list(SITES)
    assert all(s["last_run"]["status"] == "ok" for s in sources)
    assert "ok 20" in run(config, "sources").output


def test_db_upgrade_and_broken_config(crawled, tmp_path):
    config, _ = crawled
    assert "latest schema" in run(config, "db", "upgrade").output
    broken = tmp_path / "broken.toml"
    broken.write_text("[crawl]\nmax_pages = 'ten'\n")
    result = run(broken, "releases")
    assert result.exit_code == 1
    assert (
        result.output
        == f"Error: {broken}:2: crawl.max_pages must be a positive integer, got 'ten'\n"
    )


def test_sources_show_open_health_problems(crawled):
    config, _ = crawled
    url = load_config(config, source_keys=tuple(BUILTIN)).database_url
    engine, sessions = open_database(url)
    moment = dt.datetime(2026, 11, 28, 9, 30)
    try:
        with transaction(sessions) as session:
            source = session.scalars(select(Source).where(Source.key == "ny_ag")).one()
            session.add(
                SourceProblem(
                    source_id=source.id,
                    kind="blocked",
                    detail="blocked by the site \x1b[31m<b>403</b>",
                    opened_at=moment,
                    last_seen_at=moment,
                )
            )
        listed = {
            s["source"]: s for s in json.loads(run(config, "sources", "--format", "json").output)
        }
        [problem] = [p for p in listed["ny_ag"]["problems"] if p["kind"] == "blocked"]
        assert problem["label"] == "blocked"
        assert problem["since"] == "2026-11-28T09:30:00Z" and problem["cleared"] is None
        table = run(config, "sources").output
        row = next(line for line in table.splitlines() if line.startswith("ny_ag"))
        assert "blocked" in row.replace(",", " ").split()
        assert "ny_ag: blocked since 2026-11-28 09:30Z: blocked by the site [31m<b>403</b>" in table
        assert "\x1b" not in table
    finally:
        with transaction(sessions) as session:
            session.execute(delete(SourceProblem).where(SourceProblem.kind == "blocked"))
        engine.dispose()
