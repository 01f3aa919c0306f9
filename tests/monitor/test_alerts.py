"""Alerts through Apprise, delivered to a real webhook server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts import (
    Alert,
    describe,
    send_alerts,
    source_alerts,
    thread_alerts,
    watched_alerts,
)
from monitor.db import transaction
from monitor.health import ProblemKind
from monitor.models import (
    CrawlRun,
    Event,
    EventKind,
    MemberMethod,
    MemberState,
    Release,
    RunStatus,
    Thread,
    ThreadMember,
    ThreadStatus,
)
from monitor.problems import Change, ProblemRecord
from monitor.store import ensure_source


@dataclass
class Webhook:
    """A webhook receiver: every POST's path and JSON body; answers ``status``."""

    status: int = 200
    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str = "/hook") -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    @property
    def titles(self) -> list[str]:
        return [body["title"] for _, body in self.posts]


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            hook.posts.append((self.path, json.loads(self.rfile.read(length))))
            self.send_response(hook.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield hook
    server.shutdown()
    server.server_close()


def settings(*urls: str, **overrides: Any) -> dict[str, Any]:
    return {
        "urls": list(urls),
        "events": ["thread", "source", "watched"],
        "retries": 2,
        "retry_delay": 0.0,
        **overrides,
    }


BROKEN = Alert("source", "ice is broken: blocked", "blocked: 403", "failure")
JOINED = Alert("thread", "Thread 'ICE detainer dispute': ICE asks", "ICE asks\nice · 2026-01-08")


def test_an_alert_arrives_as_json(webhook):
    assert send_alerts([BROKEN], settings(webhook.url())) == 1
    [(path, body)] = webhook.posts
    assert path == "/hook"
    assert body["title"] == "ice is broken: blocked"
    assert body["message"] == "blocked: 403"
    assert body["type"] == "failure"


def test_only_the_chosen_events_are_sent(webhook):
    assert send_alerts([BROKEN, JOINED], settings(webhook.url(), events=["thread"])) == 1
    assert webhook.titles == [JOINED.title]
    assert send_alerts([BROKEN], settings()) == 0  # no URLs: nothing to do


def test_a_failing_webhook_is_retried_then_logged_without_its_secret(webhook, caplog):
    webhook.status = 500
    caplog.set_level(logging.WARNING)
    url = webhook.url("/secret-token-123")
    assert send_alerts([BROKEN], settings(url, retries=2)) == 0
    assert len(webhook.posts) == 3  # the first try and two retries
    failures = [r.getMessage() for r in caplog.records if r.name == "monitor.alerts"]
    assert failures == [
        f"alert 'ice is broken: blocked' could not be sent to "
        f"json://127.0.0.1:{webhook.port} (2 retries)"
    ]
    assert "secret-token-123" not in caplog.text


def test_a_url_that_failed_is_not_tried_again_in_the_same_batch(webhook, caplog):
    webhook.status = 500
    caplog.set_level(logging.WARNING)
    assert send_alerts([BROKEN, JOINED, JOINED], settings(webhook.url(), retries=1)) == 0
    assert webhook.titles == [BROKEN.title] * 2
    messages = [r.getMessage() for r in caplog.records if r.name == "monitor.alerts"]
    assert (
        messages[-1] == f"2 more alerts not sent to json://127.0.0.1:{webhook.port} after it failed"
    )


def test_one_failing_url_does_not_stop_the_others(webhook, caplog):
    caplog.set_level(logging.WARNING)
    dead = "json://127.0.0.1:9/nobody-listens"  # the discard port: refused
    assert send_alerts([BROKEN], settings(dead, "nope://x", webhook.url(), retries=0)) == 1
    assert webhook.titles == [BROKEN.title]
    messages = [r.getMessage() for r in caplog.records if r.name == "monitor.alerts"]
    assert "alert URL not understood by Apprise, skipped: nope://…" in messages
    assert any("json://127.0.0.1:9 " in m for m in messages)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("json://127.0.0.1:8123/hook?token=abc", "json://127.0.0.1:8123"),
        (
            "mailtos://user:secret@mail.example.org?to=desk@example.org",
            "mailtos://mail.example.org",
        ),
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnl", "slack://…"),
        ("ntfy://my-secret-topic", "ntfy://…"),
        ("ntfys://ntfy.sh/my-topic", "ntfys://ntfy.sh"),
        ("json://localhost/x", "json://localhost"),
        ("json://[::1", "an unreadable URL"),
    ],
)
def test_urls_are_logged_by_scheme_and_host_only(url, shown):
    assert describe(url) == shown


def _record(kind: ProblemKind, detail: str = "") -> ProblemRecord:
    return ProblemRecord("ice", kind, detail, dt.datetime(2026, 11, 28, 9, 30))


def test_source_alerts_say_broken_once_and_recovered_once():
    blocked = _record(ProblemKind.BLOCKED, "blocked by the site (HTTP 403)\x1b[31m")
    silent = _record(ProblemKind.SILENT, "no new release since 2026-01-08")
    alerts = source_alerts(
        [
            Change("ice", (blocked,), (), ()),
            Change("dhs", (), (), (blocked,)),  # still open: not alerted again
            Change("ca_ag", (), (blocked,), ()),
            Change("ny_ag", (), (blocked,), (silent,)),
        ]
    )
    assert [(a.title, a.level) for a in alerts] == [
        ("ice is broken: blocked", "failure"),
        ("ca_ag recovered", "success"),
        ("ny_ag partly recovered", "success"),
    ]
    assert alerts[0].body == "blocked: blocked by the site (HTTP 403)[31m"
    assert alerts[1].body == "no longer blocked (since 2026-11-28 09:30 UTC)"
    assert alerts[2].body.endswith("still silent: no new release since 2026-01-08")


def _release(session: Session, n: int) -> Release:
    source = ensure_source(session, "ice", "U.S. Immigration and Customs Enforcement")
    moment = dt.datetime(2026, 1, 8, 12)
    release = Release(
        source_id=source.id,
        url=f"https://www.ice.gov/news/releases/r{n}",
        first_seen=moment,
        last_seen=moment,
        last_checked=moment,
        title=f"ICE reports detainer figures {n}",
        published=dt.date(2026, 1, 8),
        content_hash=f"{n:064d}",
    )
    session.add(release)
    session.flush()
    return release


def test_thread_and_watched_alerts_from_the_store(sessions: sessionmaker[Session]):
    with transaction(sessions) as session:
        joined, edited, removed, elsewhere, old = (_release(session, n) for n in range(5))
        moment = dt.datetime(2026, 1, 9)
        thread = Thread(name="ICE detainer dispute", created_at=moment)
        closed = Thread(name="Old story", created_at=moment, status=ThreadStatus.CLOSED)
        session.add_all([thread, closed])
        session.flush()
        members = ((thread, edited), (thread, removed), (closed, elsewhere), (thread, old))
        for t, release in members:
            session.add(
                ThreadMember(
                    thread_id=t.id,
                    release_id=release.id,
                    method=MemberMethod.SEED,
                    state=MemberState.CONFIRMED,
                    joined_at=moment,
                    history=release is old,  # joined as history; its later edit is alerted
                )
            )
        run = CrawlRun(
            source_id=joined.source_id,
            trigger="manual",
            started_at=moment,
            status=RunStatus.OK,
        )
        session.add(run)
        session.flush()
        for release, kind, fields in (
            (edited, EventKind.EDITED, "title,body"),
            (removed, EventKind.REMOVED, ""),
            (elsewhere, EventKind.EDITED, "body"),  # its thread is closed
            (old, EventKind.EDITED, "body"),
            (joined, EventKind.NEW, ""),
        ):
            session.add(
                Event(at=moment, kind=kind, release_id=release.id, run_id=run.id, fields=fields)
            )
        run_id, joined_id = run.id, joined.id
    with sessions() as session:
        item = {
            "thread": "ICE detainer dispute",
            "release_id": joined_id,
            "state": MemberState.SUGGESTED,
            "score": 44.6,
            "reason": "…",
        }
        [suggested] = thread_alerts(session, [item])
        watched = watched_alerts(session, [run_id])
    assert suggested.title == "Thread 'ICE detainer dispute': ICE reports detainer figures 0"
    assert suggested.body == (
        "ICE reports detainer figures 0\n"
        "U.S. Immigration and Customs Enforcement (ice) · 2026-01-08 · "
        "suggested for the thread (score 45)\n"
        "https://www.ice.gov/news/releases/r0"
    )
    assert [a.title for a in watched] == [
        "Thread 'ICE detainer dispute': edited: ICE reports detainer figures 1",
        "Thread 'ICE detainer dispute': removed: ICE reports detainer figures 2",
        "Thread 'ICE detainer dispute': edited: ICE reports detainer figures 4",
    ]
    assert "edited (title, body changed)" in watched[0].body
    assert "removed from the agency's site" in watched[1].body
