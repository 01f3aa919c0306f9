"""End to end: ``monitor crawl`` of a sample newsroom raises source alerts once, at the change.

Each crawl is a real ``monitor crawl`` process; the alerts go to a webhook server in this test.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from monitor.cli import main
from monitor.models import SourceProblem
from tests.monitor.test_alerts import Webhook
from tests.monitor.test_crawl_e2e import crawl, summaries, write_config
from tests.newsrooms import serve


def test_blocked_twice_alerts_once_then_recovery_once(tmp_path, database_url, sessions, webhook):
    hook: Webhook = webhook
    with serve("ice") as rooms:
        # the saved pages end in early 2026: keep "silent" out of this story
        extra = (
            "[health]\nsilence_min_days = 100000\n\n"
            f'[alerts]\nurls = ["{hook.url("/alerts/secret-7f3a")}"]\n'
            "retries = 2\nretry_delay = 0.1\n"
        )
        config = write_config(tmp_path / "monitor.toml", database_url, rooms, extra=extra)
        room = rooms["ice"]

        room.blocked = True
        opened = []
        for _ in range(2):
            result = crawl(config, "ice")
            ice = summaries(result)["ice"]
            assert result.returncode == 1 and ice["status"] == "blocked"
            assert ice["health"]["open"] == ["blocked"]
            opened += ice["health"]["opened"]
        assert opened == ["blocked"]
        assert hook.titles == ["ice is broken: blocked"]
        [(path, body)] = hook.posts
        assert path == "/alerts/secret-7f3a" and body["type"] == "failure"
        assert "HTTP 403 'Access Denied' page" in body["message"]

        room.blocked = False
        result = crawl(config, "ice")
        assert result.returncode == 0, result.stderr
        assert summaries(result)["ice"]["health"]["cleared"] == ["blocked"]
        assert hook.titles[1:] == ["ice recovered"]
        assert hook.posts[1][1]["type"] == "success"
        assert hook.posts[1][1]["message"].startswith("no longer blocked (since ")

        # a webhook that fails: retried, logged, and the crawl still ends ok
        room.blocked = True
        assert crawl(config, "ice").returncode == 1
        hook.status, before = 500, len(hook.posts)
        room.blocked = False
        result = crawl(config, "ice")
        assert result.returncode == 0, result.stderr
        assert summaries(result)["ice"]["status"] == "ok"
        assert hook.titles[before:] == ["ice recovered"] * 3  # the first try and two retries
    log = (Path(tmp_path) / "data" / "monitor.log").read_text()
    assert f"alert 'ice recovered' could not be sent to json://127.0.0.1:{hook.port}" in log
    assert "secret-7f3a" not in log
    with sessions() as session:
        rows = session.scalars(select(SourceProblem).order_by(SourceProblem.id)).all()
        assert [(r.kind, r.cleared_at is not None) for r in rows] == [
            ("blocked", True),
            ("blocked", True),
        ]


WA = "/news/news-releases/"
GUIDANCE = (
    WA + "ag-brown-issues-updated-guidance-keep-washington-working-act-and-immigration-detainers"
)
STANDS = WA + "ag-brown-stands-california-illinois-new-york-after-ice-detainer-letters"


def test_thread_news_and_an_edit_of_a_watched_release_are_alerted(
    tmp_path, database_url, sessions, webhook
):
    """A newsroom defined in the config, through threads and alerts like any other."""
    hook: Webhook = webhook
    with serve("wa_ag") as rooms:
        extra = (
            "[health]\nsilence_min_days = 100000\n\n"
            f'[alerts]\nurls = ["{hook.url()}"]\nevents = ["thread", "watched"]\n'
        )
        config = write_config(tmp_path / "monitor.toml", database_url, rooms, extra=extra)
        room = rooms["wa_ag"]
        first = crawl(config, "wa_ag")
        assert first.returncode == 0 and summaries(first)["wa_ag"]["baseline"]
        assert hook.posts == []  # the baseline: history, nothing to tell
        added = CliRunner().invoke(
            main,
            [
                *("--config", str(config), "--log-file", "", "threads", "add", "Detainers"),
                *("-k", "detainer", "-r", room.root + GUIDANCE, "-r", room.root + STANDS),
            ],
        )
        assert added.exit_code == 0, added.output
        room.state = "v2"
        result = crawl(config, "wa_ag")
        assert result.returncode == 0, result.stderr
    watched = [body for _, body in hook.posts if ": edited: " in body["title"]]
    assert [b["title"] for b in watched] == [
        "Thread 'Detainers': edited: AG Brown Issues Updated Guidance on the Keep Washington "
        "Working Act and Immigration Detainers"
    ]
    assert "edited (body changed)" in watched[0]["message"] and GUIDANCE in watched[0]["message"]
    joined = summaries(result)["wa_ag"]["threads"]
    thread_titles = [b["title"] for _, b in hook.posts if b not in watched]
    assert joined and len(thread_titles) == len(joined)  # one per release joined or suggested
    assert all(t.startswith("Thread 'Detainers': ") for t in thread_titles)
