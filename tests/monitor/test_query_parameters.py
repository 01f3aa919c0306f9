"""Distinct releases stay distinct: only tracking parameters are stripped from URLs, a source's
``strip_query`` names more, and a migration moves stored URLs to the new rule without splitting a
release in two."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import select

from monitor.cli import main
from monitor.db import _alembic_config, make_engine, session_factory
from monitor.models import (
    ListingPageRow,
    MemberMethod,
    MemberState,
    Release,
    Source,
    Thread,
    ThreadMember,
    Version,
)
from monitor.normalize import canonical_url
from tests.monitor.test_crawl_e2e import crawl, summaries
from tests.newsrooms import serve_pages


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.ice.gov/news/releases/x?utm_source=tw&UTM_Medium=e&fbclid=1&gclid=2"
            "&mc_cid=3&mc_eid=4&_ga=5&msclkid=6&_hsenc=7",
            "https://www.ice.gov/news/releases/x",
        ),
        (  # parameters that can tell releases apart are kept
            "https://oag.ca.gov/news?source=rss&ref=home&id=3&page=2&utm_campaign=x",
            "https://oag.ca.gov/news?source=rss&ref=home&id=3&page=2",
        ),
    ],
)
def test_only_tracking_parameters_are_stripped(url, expected):
    assert canonical_url(url) == expected
    assert canonical_url(url, strip=["Source", "ref"]) == expected.replace(
        "source=rss&ref=home&", ""
    )


LISTING = b"""<html><body><div class="list">
<div class="row"><a href="/pr/one?source=rss">One, from the feed</a></div>
<div class="row"><a href="/pr/one?source=email&utm_medium=email">One, from the mail</a></div>
<div class="row"><a href="/pr/two?ref=home">Two</a></div>
</div><footer>Contact</footer></body></html>"""
PAGE = b"""<html><body><h1>A release</h1><div class="body"><p>%s</p></div>
<footer>Contact</footer></body></html>"""


def page(path: str) -> tuple[int, bytes, str]:
    path = path.split("?")[0]
    return 200, LISTING if path == "/news" else PAGE % path.encode(), "text/html"


@pytest.fixture
def newsroom() -> Iterator[str]:
    with serve_pages(page) as root:
        yield root


def config(path: Path, database_url: str, root: str, strip: str) -> Path:
    path.write_text(
        f'[database]\nurl = "{database_url}"\n[crawl]\ndownload_delay = 0\nretries = 0\n'
        f'[sources.town]\nkind = "html"\nname = "Town Hall"\nstart_urls = ["{root}/news"]\n'
        f"{strip}\n"
        '[sources.town.listing]\nrow = "div.row"\nlink = "a"\n'
        '[sources.town.release]\nbody = "div.body"\n'
    )
    return path


def test_a_source_names_the_parameters_that_mean_nothing_on_its_site(
    tmp_path, database_url, sessions, newsroom
):
    kept = config(tmp_path / "kept.toml", database_url, newsroom, "")
    assert summaries(crawl(kept, "town"))["town"]["new"] == 3  # source= may mean something
    with sessions() as session:
        session.query(Release).delete()
        session.commit()
    stripped = config(tmp_path / "strip.toml", database_url, newsroom, 'strip_query = ["source"]')
    assert summaries(crawl(stripped, "town"))["town"]["new"] == 2
    with sessions() as session:
        urls = sorted(session.scalars(select(Release.url)))
    assert urls == [f"{newsroom}/pr/one", f"{newsroom}/pr/two?ref=home"]
    bad = config(tmp_path / "bad.toml", database_url, newsroom, 'strip_query = ["a b"]')
    result = CliRunner().invoke(main, ["--config", str(bad), "--log-file", "", "sources"])
    assert result.exit_code == 1
    assert "sources.town.strip_query must be a list of query parameter names" in result.output


def test_the_migration_moves_stored_urls_without_splitting_a_release(tmp_path, database_url):
    engine = make_engine(database_url)
    command.upgrade(_alembic_config(engine), "0008")
    base = "https://www.ice.gov/news/releases"
    early, late = dt.datetime(2025, 9, 1), dt.datetime(2025, 9, 20)
    with session_factory(engine)() as session:
        source = Source(key="ice", name="ICE", kind="builtin", enabled=True)
        thread = Thread(name="Detainers", created_at=late)
        session.add_all([source, thread])
        session.flush()

        def release(url: str, seen: dt.datetime, versions: int) -> Release:
            row = Release(
                source_id=source.id,
                url=url,
                first_seen=seen,
                last_seen=seen,
                last_checked=seen,
                version_count=versions,
                title=url,
                content_hash="h",
            )
            row.versions = [
                Version(
                    number=n,
                    fetched_at=seen,
                    title=url,
                    body="b",
                    content_hash="h",
                    raw_html=b"",
                )
                for n in range(1, versions + 1)
            ]
            session.add(row)
            session.flush()
            return row

        meaningful = release(f"{base}/a?source=rss", early, 1)
        plain = release(f"{base}/b", early, 1)  # the same release as the next one
        tracked = release(f"{base}/b?spm=home.1", late, 2)
        alone = release(f"{base}/c?_hsenc=p2&page=1", late, 1)
        session.add(
            ThreadMember(
                thread_id=thread.id,
                release_id=plain.id,
                method=MemberMethod.MATCHED,
                state=MemberState.CONFIRMED,
                joined_at=late,
            )
        )
        session.add_all(
            ListingPageRow(source_id=source.id, url=url, entries="[]", fetched_at=late)
            for url in (
                "https://www.ice.gov/newsroom?page=1",
                "https://www.ice.gov/newsroom?page=2&_hsenc=x",
            )
        )
        session.commit()
        ids = {"meaningful": meaningful.id, "tracked": tracked.id, "alone": alone.id}
    engine.dispose()

    config_file = tmp_path / "monitor.toml"
    config_file.write_text(f'[database]\nurl = "{database_url}"\n')
    result = CliRunner().invoke(
        main, ["--config", str(config_file), "--log-file", "", "db", "upgrade"]
    )
    assert result.exit_code == 0, result.output

    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        stored = {r.url: r for r in session.scalars(select(Release))}
        assert set(stored) == {f"{base}/a?source=rss", f"{base}/b", f"{base}/c?page=1"}
        assert stored[f"{base}/a?source=rss"].id == ids["meaningful"]
        merged = stored[f"{base}/b"]  # one release, the row with the longer history
        assert merged.id == ids["tracked"] and len(merged.versions) == 2
        assert merged.first_seen == early and merged.last_seen == late
        [member] = session.scalars(select(ThreadMember))
        assert member.release_id == merged.id  # its thread kept it
        assert stored[f"{base}/c?page=1"].id == ids["alone"]
        assert list(session.scalars(select(ListingPageRow.url))) == [
            "https://www.ice.gov/newsroom?page=1"
        ]
    engine.dispose()
