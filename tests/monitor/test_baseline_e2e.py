"""End to end: a source's first crawls are its baseline (history), the crawls after it are news.

Every crawl and backfill is a real ``monitor`` process against the saved newsrooms served on
127.0.0.1; alerts go to a webhook server in this test; the assertions read the digest through the
CLI and the store.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.cli import main
from monitor.models import Release, Source, ThreadMember
from tests.monitor.test_alerts import Webhook
from tests.monitor.test_backfill import monitor
from tests.monitor.test_crawl_e2e import EXPECTED, crawl, summaries, write_config
from tests.monitor.test_digest_e2e import ICE_SEEDS
from tests.newsrooms import serve

STORY = ("dhs", "ice", "ca_ag", "il_ag", "ny_ag")  # the newsrooms of the detainer dispute
QUIET = "[health]\nsilence_min_days = 100000\n"  # the saved pages end in early 2026
ICE_PAGE_ONE = (  # on the first listing page, so a one-page crawl stores them
    "/news/releases/ice-reports-detainer-figures-fiscal-year-2025",
    "/news/releases/ice-new-york-city-arrests-previously-removed-dominican-national",
)


def cli(config: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-file", "", *args])
    assert result.exit_code == 0, result.output
    return result.output


def digest(config: Path, since: str, fmt: str = "json") -> Any:
    out = cli(config, "digest", "--since", since, "--format", fmt)
    return json.loads(out) if fmt == "json" else out


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def members(sessions: sessionmaker[Session]) -> dict[str, ThreadMember]:
    with sessions() as session:
        rows = session.execute(select(ThreadMember, Release.url).join(Release)).all()
        return {url: member for member, url in rows}


def baselined(sessions: sessionmaker[Session]) -> dict[str, dt.datetime | None]:
    with sessions() as session:
        return dict(session.execute(select(Source.key, Source.baselined_at)).all())


def add_thread(config: Path, root: str, seeds: tuple[str, ...]) -> None:
    seeded = [a for path in seeds for a in ("-r", root + path)]
    cli(config, "threads", "add", "ICE detainer dispute", "-k", "detainer", *seeded)


def test_a_first_crawl_is_history_and_the_next_crawls_news_is_alerted(
    tmp_path, database_url, sessions, webhook
):
    hook: Webhook = webhook
    with serve(*STORY) as rooms:
        alerts = f'[alerts]\nurls = ["{hook.url()}"]\n'
        config = write_config(tmp_path / "monitor.toml", database_url, rooms, extra=QUIET + alerts)
        ice = rooms["ice"].root

        # two listing pages of ten: cut short, so the baseline is not complete
        first = monitor(config, "crawl", "ice", "--max-pages", "2")
        assert first.returncode == 0, first.stderr
        assert first.stdout.splitlines()[0].endswith("baseline")
        assert "ice: baseline, 10 releases stored as history; the baseline is complete after" in (
            first.stdout
        )
        assert baselined(sessions) == {"ice": None}
        add_thread(config, ice, ICE_SEEDS)

        since = now()
        result = crawl(config)  # the first crawl of the others, ice's first of its whole window
        assert result.returncode == 0, result.stderr
        runs = summaries(result)
        assert all(r["baseline"] and r["baseline_complete"] for r in runs.values())
        assert runs["ice"]["new"] == EXPECTED["ice"]["v1"]["releases"] - 10
        assert all(baselined(sessions).values())
        joined = [t for r in runs.values() for t in r["threads"]]
        assert joined and all(t["history"] for t in joined)
        assert all(m.history for m in members(sessions).values() if m.method.value == "matched")
        assert hook.posts == []  # history alerts nothing

        quiet = digest(config, since)
        assert (quiet["new"], quiet["edited"], quiet["removed"]) == ([], [], [])
        assert quiet["thread_updates"] == []
        reports = {s["source"]: s for s in quiet["sources"]}
        assert reports["ice"]["baseline"] == {"runs": 1, "releases": 4, "complete": True}
        assert reports["dhs"]["baseline"]["releases"] == EXPECTED["dhs"]["v1"]["releases"]
        assert "ice: baseline, 4 releases stored as history" in digest(config, since, "text")
        assert "No changes" not in digest(config, since, "text")

        for room in rooms.values():
            room.state = "v2"
        since = now()
        result = crawl(config)
        assert result.returncode == 0, result.stderr
        runs = summaries(result)
        assert not any(r["baseline"] for r in runs.values())
    news = digest(config, since)
    new = {r["url"].removeprefix(rooms[r["source"]].root) for r in news["new"]}
    assert new == {p for s in STORY for p in EXPECTED[s]["v2"]["new"]}
    assert len(news["edited"]) == sum(len(EXPECTED[s]["v2"]["edited"]) for s in STORY)
    assert all(s["baseline"] is None for s in news["sources"])
    [update] = news["thread_updates"]
    assert update["releases"] and update["counts"]
    # joining as history was no update, but a later edit of such a member is one
    history = {m.release_id for m in members(sessions).values() if m.history}
    assert history & {e["release"]["id"] for e in news["edited"]}
    assert history & {r["id"] for r in update["releases"]}
    joined = [t for r in runs.values() for t in r["threads"]]
    assert joined and not any(t["history"] for t in joined)
    thread_titles = [t for t in hook.titles if t.startswith("Thread 'ICE detainer dispute': ")]
    assert len([t for t in thread_titles if ": edited: " not in t]) == len(joined)
    assert any(": edited: " in t for t in thread_titles)  # an edit of a member is news


def test_no_baseline_reports_a_first_crawl_as_news(tmp_path, database_url, sessions):
    with serve("ice") as rooms:
        config = write_config(tmp_path / "monitor.toml", database_url, rooms, extra=QUIET)
        since = now()
        result = crawl(config, "ice", "--no-baseline")
        assert result.returncode == 0, result.stderr
        run = summaries(result)["ice"]
        assert (run["baseline"], run["new"]) == (False, EXPECTED["ice"]["v1"]["releases"])
        assert baselined(sessions)["ice"] is not None
    found = digest(config, since)
    assert len(found["new"]) == EXPECTED["ice"]["v1"]["releases"]
    assert found["sources"][0]["baseline"] is None


def test_backfilled_releases_join_threads_as_history(tmp_path, database_url, sessions):
    with serve("ice") as rooms:
        config = write_config(tmp_path / "monitor.toml", database_url, rooms, extra=QUIET)
        ice = rooms["ice"].root
        assert crawl(config, "ice", "--max-pages", "1").returncode == 0
        add_thread(config, ice, ICE_PAGE_ONE)
        since = now()
        result = monitor(config, "backfill", "ice", "--pages", "5")
        assert result.returncode == 0, result.stderr
    assert "reached the end of the listing" in result.stdout
    assert "as history (score" in result.stdout
    found = members(sessions)
    backfilled = [m for m in found.values() if m.method.value == "matched"]
    assert backfilled and all(m.history for m in backfilled)
    assert ice + "/news/releases/illinois-new-york-decline-ice-detainer-requests" in found
    assert not any(found[ice + seed].history for seed in ICE_PAGE_ONE)  # seeds are a choice
    quiet = digest(config, since)
    assert quiet["thread_updates"] == [] and quiet["new"] == []
