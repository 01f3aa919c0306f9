"""A store filled by real crawls of the saved newsrooms, served by the app over real HTTP.

The database is built once for tests/web: ``monitor crawl`` (a real subprocess) reads the saved
newsrooms in their first state, a thread is created through the CLI, the later state is crawled,
and two hostile releases are stored through :func:`monitor.store.record_release`. Crawls started
through the app go to :class:`RecordingCrawls`, a stand-in for the service that records what it
was asked and answers with real :class:`CrawlJob` objects.
"""

from __future__ import annotations

import datetime as dt
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Config, load_config
from monitor.db import open_database, transaction
from monitor.history import find_release
from monitor.models import (
    MemberMethod,
    MemberState,
    Release,
    Source,
    Thread,
    ThreadMember,
    utcnow,
)
from monitor.service.jobs import CrawlJob, JobState
from monitor.store import record_release
from monitor.threads import create_thread
from monitor.web import create_app
from spiders.items import ReleasePage
from tests.conftest import empty_database
from tests.monitor.test_crawl_e2e import crawl, write_config
from tests.monitor.test_digest_e2e import ICE_EDITED, ICE_SEEDS, cli
from tests.newsrooms import SITES, serve

TOKEN = "s3cret-token"
HOSTILE_TITLE = "<script>alert(1)</script> Hostile release"
HOSTILE_BODY = "<img src=x onerror=alert(1)>\n\nA second paragraph."
HOSTILE_BODY_V2 = "<img src=x onerror=alert(1)>\n\nA second paragraph, <b>edited</b> later."
HOSTILE_URL = "https://www.ice.gov/news/releases/hostile-test-release"
SCRIPT_URL = "javascript:alert(document.cookie)"
SCRIPT_TITLE = "A release whose address is a javascript: URL"


@dataclass
class RecordingCrawls:
    """A fake-but-honest ``Crawls``: records every trigger, keeps jobs, one running per source."""

    triggered: list[tuple[list[str], str]] = field(default_factory=list)
    _jobs: dict[str, CrawlJob] = field(default_factory=dict)
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def trigger(self, sources: list[str], *, trigger: str) -> list[tuple[CrawlJob, bool]]:
        self.triggered.append((list(sources), trigger))
        started = []
        for source in sources:
            running = next(
                (j for j in self._jobs.values() if j.source == source and not j.finished), None
            )
            if running is not None:
                started.append((running, False))
                continue
            job = CrawlJob(id=f"job{next(self._ids)}", source=source, trigger=trigger)
            job.state, job.started_at = JobState.RUNNING, dt.datetime.now(dt.UTC)
            self._jobs[job.id] = job
            started.append((job, True))
        return started

    def job(self, job_id: str) -> CrawlJob | None:
        return self._jobs.get(job_id)

    def jobs(self) -> list[CrawlJob]:
        return sorted(self._jobs.values(), key=lambda j: (j.finished, -j.queued_at.timestamp()))

    def finish_all(self) -> None:
        for job in self._jobs.values():
            job.state, job.finished_at = JobState.DONE, dt.datetime.now(dt.UTC)


@dataclass
class Store:
    config: Config
    sessions: sessionmaker[Session]
    roots: dict[str, str]
    ids: dict[str, int]


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    directory = tmp_path_factory.mktemp("web")
    for database_url in empty_database(directory):
        with serve(*SITES) as rooms:
            quiet = "[health]\nsilence_min_days = 100000\n"
            path = write_config(directory / "monitor.toml", database_url, rooms, extra=quiet)
            first = crawl(path)
            assert first.returncode == 0, first.stderr
            ice = rooms["ice"].root
            seeds = [a for p in ICE_SEEDS for a in ("-r", ice + p)]
            cli(path, "threads", "add", "ICE detainer dispute", "-k", "detainer", *seeds)
            cli(path, "threads", "add", "Consumer scams", "-k", "scam")
            for room in rooms.values():
                room.state = "v2"
            second = crawl(path)
            assert second.returncode == 0, second.stderr
            roots = {s: r.root for s, r in rooms.items()}
        engine, sessions = open_database(database_url)
        ids = {
            "hostile": _store_hostile(sessions),
            "script_url": _store(sessions, SCRIPT_URL, title=SCRIPT_TITLE),
        }
        with sessions() as session:
            ids["edited"] = find_release(session, ice + ICE_EDITED).id
        config = load_config(path)
        yield Store(config=config, sessions=sessions, roots=roots, ids=ids)
        engine.dispose()


def _store(
    sessions: sessionmaker[Session],
    url: str,
    *,
    title: str = HOSTILE_TITLE,
    body: str = HOSTILE_BODY,
) -> int:
    with transaction(sessions) as session:
        ice = session.scalars(select(Source).where(Source.key == "ice")).one()
        page = ReleasePage(
            source="ice",
            url=url,
            title=title,
            published=dt.date(2026, 3, 1),
            body=body,
            html=b"<html><body>saved page</body></html>",
        )
        record_release(session, ice, page, run_id=None)
        return find_release(session, url).id


def _store_hostile(sessions: sessionmaker[Session]) -> int:
    _store(sessions, HOSTILE_URL)
    return _store(sessions, HOSTILE_URL, body=HOSTILE_BODY_V2)  # a second version: a diff


@dataclass(frozen=True)
class Decisions:
    """A thread of this test's own: a suggestion, a confirmed member, one that joined as history."""

    thread: int
    suggested: int
    confirmed: int
    history: int


@pytest.fixture
def decisions(store: Store) -> Iterator[Decisions]:
    """The thread is deleted afterwards, so the shared store's threads stay as they were."""
    with transaction(store.sessions) as session:
        ice = store.roots["ice"]
        confirmed = find_release(session, ice + ICE_SEEDS[0])
        thread = create_thread(session, "Decisions on detainers", seeds=[str(confirmed.id)])
        history = find_release(session, ice + ICE_EDITED)
        hostile = session.get_one(Release, store.ids["hostile"])
        for release, state, old in ((hostile, "suggested", False), (history, "confirmed", True)):
            session.add(
                ThreadMember(
                    thread=thread,
                    release=release,
                    method=MemberMethod.MATCHED,
                    state=MemberState(state),
                    score=45.0,
                    reason="keywords: detainer",
                    joined_at=utcnow(),
                    history=old,
                )
            )
        session.flush()
        made = Decisions(thread.id, hostile.id, confirmed.id, history.id)
    yield made
    with transaction(store.sessions) as session:
        session.delete(session.get_one(Thread, made.thread))


@contextmanager
def running(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free port of 127.0.0.1, in a background thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@dataclass
class Served:
    url: str
    crawls: RecordingCrawls
    store: Store


def _served(store: Store, token: str | None) -> Iterator[Served]:
    crawls = RecordingCrawls()
    app = create_app(config=store.config, sessions=store.sessions, crawls=crawls, token=token)
    with running(app) as url:
        yield Served(url, crawls, store)


@pytest.fixture(scope="session")
def server(store: Store) -> Iterator[Served]:
    """The app with a token: writes need ``Authorization: Bearer s3cret-token``."""
    yield from _served(store, TOKEN)


@pytest.fixture(scope="session")
def open_server(store: Store) -> Iterator[Served]:
    """The app without a token (as on 127.0.0.1): writes are open."""
    yield from _served(store, None)


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
