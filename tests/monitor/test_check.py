"""`monitor sources check`: one listing page and one release page, what would be extracted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, inspect

from monitor.cli import main
from tests.newsrooms import Newsroom, serve, source_config


@pytest.fixture(scope="module")
def rooms() -> Iterator[dict[str, Newsroom]]:
    with serve("doj", "wa_ag", "ma_ag", "ny_ag") as served:
        yield served


def config(tmp_path: Path, rooms: dict[str, Newsroom], *, edit: tuple[str, str] = ("", "")) -> Path:
    text = "\n".join(source_config(site, room.root) for site, room in rooms.items())
    text = (
        f'[database]\nurl = "sqlite:///{tmp_path / "check.db"}"\n[crawl]\ndownload_delay = 0\n\n'
        + text
    )
    path = tmp_path / "monitor.toml"
    path.write_text(text.replace(*edit) if edit[0] else text)
    return path


def check(path: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["--config", str(path), "--log-file", "", "sources", "check", *args]
    )


def test_an_html_source_shows_rows_fields_and_selectors(tmp_path, rooms):
    path = config(tmp_path, rooms)
    result = check(path, "wa_ag")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "source wa_ag (html): Washington Attorney General" in out
    assert "8 rows  [by div.view-content > div.views-row], 8 with a date" in out
    assert f"next page: {rooms['wa_ag'].root}/news/news-releases?page=1" in out
    assert "[by h1.page-header text]" in out and "[by div.field--name-body]" in out
    assert "[by span.news-date text]" in out
    assert "OLYMPIA —" in out and out.rstrip().endswith("ok: every field was found")
    assert (
        not (tmp_path / "check.db").exists()
        or not inspect(create_engine(f"sqlite:///{tmp_path / 'check.db'}")).get_table_names()
    )  # nothing stored


def test_a_feed_and_the_extractor(tmp_path, rooms):
    path = config(tmp_path, rooms)
    doj = json.loads(check(path, "doj", "--format", "json").output)
    assert doj["ok"] and doj["kind"] == "rss"
    assert doj["listing"]["rows_by"] == "feed items" and len(doj["listing"]["rows"]) == 12
    assert doj["listing"]["rows"][0]["date_by"] == "feed pubDate"
    assert doj["release"]["url"].startswith(rooms["doj"].root + "/opa/pr/")  # followed locally
    assert doj["release"]["date_by"] == "div.node-date time @datetime"
    ma = json.loads(check(path, "ma_ag", "--format", "json").output)
    assert ma["ok"] and ma["release"]["body_by"] == "auto (extractor)"
    assert ma["release"]["excerpt"].startswith("BOSTON —") and ma["release"]["words"] > 150


def test_a_built_in_spider_and_another_page(tmp_path, rooms):
    path = config(tmp_path, rooms)
    root = rooms["ny_ag"].root
    result = check(path, "ny_ag", "--url", f"{root}/press-releases?page=1")
    assert result.exit_code == 0, result.output
    assert f"listing  {root}/press-releases?page=1" in result.output
    assert "[by the site's spider]" in result.output
    release = (
        f"{root}/press-release/2025/attorney-general-james-answers-ice-letter-immigration-detainers"
    )
    result = check(path, "ny_ag", "--release", release)
    assert "Attorney General James Answers ICE Letter on Immigration Detainers" in result.output


def test_broken_selectors_blocks_and_gone_pages_are_named(tmp_path, rooms):
    path = config(
        tmp_path,
        rooms,
        edit=('row = "div.view-content > div.views-row"', 'row = "div.nothing-here"'),
    )
    result = check(path, "wa_ag")
    assert result.exit_code == 1
    assert "problem: no release rows found: check the row and link selectors" in result.output
    path = config(tmp_path, rooms, edit=('body = "div.field--name-body"', 'body = "div.nope"'))
    result = check(path, "wa_ag", "--format", "json")
    body_by = json.loads(result.output)["release"]["body_by"]
    assert body_by == "auto (extractor; 'div.nope' found nothing)"
    rooms["ny_ag"].blocked = True
    try:
        result = check(config(tmp_path, rooms), "ny_ag")
    finally:
        rooms["ny_ag"].blocked = False
    assert result.exit_code == 1 and "problem: blocked by the site (HTTP 403" in result.output
    result = check(config(tmp_path, rooms), "wa_ag", "--release", rooms["wa_ag"].root + "/nope")
    assert "problem: the page is gone (HTTP 404" in result.output


def test_config_mistakes_one_line_each_and_unknown_sources(tmp_path, rooms):
    path = config(
        tmp_path,
        rooms,
        edit=('date_format = "%m/%d/%Y"\nnext_page', 'date_format = "%m/%Y"\nnext_pages'),
    )
    result = check(path, "ma_ag")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 2, lines
    assert "sources.ma_ag.listing.next_pages is not a known selector" in lines[0]
    assert "sources.ma_ag.listing.date_format does not give a whole date" in lines[1]
    result = check(config(tmp_path, rooms), "fbi")
    assert result.exit_code == 2 and "unknown source fbi" in result.output


def test_the_check_is_the_crawl_robots_txt_and_truncation_rules_included(tmp_path, rooms):
    served = {"ny_ag": rooms["ny_ag"], "wa_ag": rooms["wa_ag"]}
    path = config(tmp_path, served)
    root = rooms["ny_ag"].root
    result = check(path, "ny_ag", "--release", f"{root}/search/detainers")
    assert result.exit_code == 1
    assert "problem: Forbidden by robots.txt" in result.output  # never fetched, as in a crawl
    assert f"{root}/search/detainers" not in rooms["ny_ag"].requests
    cut = config(
        tmp_path, served, edit=("[sources.wa_ag]", '[sources.wa_ag]\nend_markers = ["div.nope"]')
    )
    result = check(cut, "wa_ag", "--format", "json")
    report = json.loads(result.output)
    assert result.exit_code == 1 and not report["ok"]
    assert report["listing"]["problems"] == [
        "the page was cut short: a crawl would trust none of its rows"
    ]


def test_built_in_listings_show_their_titles(tmp_path, rooms):
    result = check(config(tmp_path, rooms), "ny_ag")
    assert result.exit_code == 0, result.output
    assert "Attorney General James Shuts Down Fake Immigration Consultants" in result.output
    rows = json.loads(check(config(tmp_path, rooms), "ny_ag", "--format", "json").output)
    assert all(row["title"] for row in rows["listing"]["rows"])
