"""Outcomes of storing release pages, on a real SQLite file or PostgreSQL schema."""

from __future__ import annotations

import datetime as dt
import zlib

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.db import transaction
from monitor.models import Event, EventKind, Release, ReleaseStatus, Version
from monitor.store import Outcome, ensure_source, known_releases, mark_removed, record_release
from spiders.items import ReleasePage

URL = "https://www.dhs.gov/news/2025/09/20/dhs-puts-states-notice"
BODY = "WASHINGTON – The Department said “today” it would act.\n\nSecond paragraph here."


def page(**changes: object) -> ReleasePage:
    values: dict[str, object] = {
        "source": "dhs",
        "url": URL,
        "title": "DHS Puts States on Notice",
        "published": dt.date(2025, 9, 20),
        "body": BODY,
        "html": b"<html>raw</html>",
    }
    values.update(changes)
    return ReleasePage(**values)  # type: ignore[arg-type]


def store(sessions: sessionmaker[Session], item: ReleasePage) -> Outcome:
    with transaction(sessions) as session:
        source = ensure_source(session, "dhs", "DHS")
        return record_release(session, source, item, run_id=None)


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_first_fetch_is_new_with_one_version_and_compressed_evidence(sessions):
    assert store(sessions, page()) is Outcome.NEW
    with sessions() as session:
        version = session.scalars(select(Version)).one()
        assert version.number == 1 and version.changed == ""
        assert zlib.decompress(version.raw_html) == b"<html>raw</html>"
        assert [e.kind for e in session.scalars(select(Event))] == [EventKind.NEW]


@pytest.mark.parametrize(
    "noise",
    [
        {"body": BODY.replace("“", '"').replace("”", '"')},
        {"body": BODY.replace("–", "-").replace(" ", "  ")},
        {"body": BODY + "\n\nLast Reviewed: 10/02/2025"},
        {"title": "  DHS Puts   States on Notice "},
        {"html": b"<html>re-rendered sidebar</html>"},
    ],
    ids=["quotes", "dash-and-spaces", "last-reviewed-stamp", "title-whitespace", "raw-html-only"],
)
def test_noise_writes_no_version(sessions, noise):
    store(sessions, page())
    assert store(sessions, page(**noise)) is Outcome.UNCHANGED
    assert count(sessions, Version) == 1
    assert count(sessions, Event) == 1


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"body": BODY + "\n\nA new paragraph."}, ["body"]),
        ({"published": dt.date(2025, 9, 21)}, ["published"]),
        ({"title": "DHS Puts Three States on Notice"}, ["title"]),
        ({"title": "New", "published": None}, ["title", "published"]),
    ],
)
def test_real_change_writes_a_version_naming_the_fields(sessions, change, fields):
    store(sessions, page())
    assert store(sessions, page(**change)) is Outcome.EDITED
    with sessions() as session:
        release = session.scalars(select(Release)).one()
        assert release.version_count == 2
        latest = release.versions[-1]
        assert latest.number == 2 and latest.changed_fields == fields
        edit = session.scalars(select(Event).where(Event.kind == EventKind.EDITED)).one()
        assert edit.fields == ",".join(fields) and edit.version_id == latest.id


def test_removed_then_restored(sessions):
    store(sessions, page())
    with transaction(sessions) as session:
        assert mark_removed(session, [URL], run_id=None) == 1
        assert mark_removed(session, [URL], run_id=None) == 0  # already removed: no second event
        source = ensure_source(session, "dhs", "DHS")
        assert known_releases(session, source) == {}
    assert store(sessions, page()) is Outcome.RESTORED
    with sessions() as session:
        kinds = [e.kind for e in session.scalars(select(Event).order_by(Event.id))]
        assert kinds == [EventKind.NEW, EventKind.REMOVED, EventKind.RESTORED]
        assert session.scalars(select(Release)).one().status is ReleaseStatus.ACTIVE
    assert count(sessions, Version) == 1
