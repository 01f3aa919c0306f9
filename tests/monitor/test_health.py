"""Source health rules, against real runs and releases in the database."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from monitor.db import transaction
from monitor.health import ProblemKind, findings, quiet
from monitor.models import CrawlRun, Release, RunListing, RunStatus, Source, SourceProblem
from monitor.problems import assess, open_problems, problems_during
from monitor.settings import HEALTH_SETTINGS
from monitor.store import ensure_source

HEALTH = {s.name: s.default for s in HEALTH_SETTINGS}
DAY = dt.date(2026, 3, 1)
_clock = itertools.count()


def add_run(
    session: Session,
    status: RunStatus = RunStatus.OK,
    *,
    pages: int = 1,
    rows: int | None = 10,
    undated: int = 0,
    error: str | None = None,
    trigger: str = "schedule",
) -> CrawlRun:
    source = ensure_source(session, "ice", "U.S. Immigration and Customs Enforcement")
    started = dt.datetime(2026, 2, 1) + dt.timedelta(hours=next(_clock))
    run = CrawlRun(
        source_id=source.id,
        trigger=trigger,
        started_at=started,
        finished_at=started + dt.timedelta(minutes=1),
        status=status,
        listing_pages=pages,
        error=error if error or status is RunStatus.OK else "went wrong",
    )
    session.add(run)
    session.flush()
    if rows is not None:
        session.add(RunListing(run_id=run.id, rows=rows, undated=undated))
    return run


def add_releases(session: Session, dates: list[dt.date]) -> None:
    source = ensure_source(session, "ice", "U.S. Immigration and Customs Enforcement")
    moment = dt.datetime(2026, 1, 1)
    for i, published in enumerate(dates):
        session.add(
            Release(
                source_id=source.id,
                url=f"https://www.ice.gov/news/releases/{i}",
                first_seen=moment,
                last_seen=moment,
                last_checked=moment,
                title=f"Release {i}",
                published=published,
                content_hash=f"{i:064d}",
            )
        )
    session.flush()


def kinds(session: Session, day: dt.date = DAY, **settings: object) -> list[ProblemKind]:
    source = session.scalars(select(Source)).one()
    return [f.kind for f in findings(session, source, day, HEALTH | settings)]


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


def test_consecutive_failures_reach_the_threshold(session):
    add_run(session)
    add_run(session, RunStatus.FAILED, error="HTTP 500 after retries: https://www.ice.gov/newsroom")
    add_run(session, RunStatus.FAILED)
    assert kinds(session) == []
    add_run(session, RunStatus.FAILED, error="HTTP 500 after retries: https://www.ice.gov/newsroom")
    assert kinds(session) == [ProblemKind.FAILING]
    assert kinds(session, failures=4) == []
    source = session.scalars(select(Source)).one()
    [finding] = findings(session, source, DAY, HEALTH)
    assert finding.detail.startswith("3 crawls in a row failed; the last: HTTP 500 after retries")
    add_run(session)
    assert kinds(session) == []


def test_interrupted_and_backfill_runs_neither_count_nor_break_a_streak(session):
    add_run(session, RunStatus.FAILED)
    add_run(session, RunStatus.INTERRUPTED)
    add_run(session, RunStatus.FAILED)
    add_run(session, RunStatus.OK, trigger="backfill")
    add_run(session, RunStatus.FAILED)
    assert kinds(session) == [ProblemKind.FAILING]


def test_a_block_page_is_reported_at_once_and_as_itself(session):
    add_run(session)
    blocked = "blocked by the site (HTTP 403 'Access Denied' page): https://www.ice.gov/newsroom"
    for _ in range(4):
        add_run(session, RunStatus.BLOCKED, pages=0, rows=0, error=blocked)
        assert kinds(session) == [ProblemKind.BLOCKED]  # not also "failing"
    source = session.scalars(select(Source)).one()
    [finding] = findings(session, source, DAY, HEALTH)
    assert finding.detail == blocked + " (4 crawls in a row)"


def test_an_empty_listing_is_reported_on_the_first_run(session):
    for _ in range(3):
        add_run(session)
    add_run(session, RunStatus.FAILED, rows=0)
    assert kinds(session) == [ProblemKind.EMPTY]
    add_run(session, RunStatus.FAILED, rows=0)
    add_run(session, RunStatus.FAILED, rows=0)
    assert kinds(session) == [ProblemKind.EMPTY]


def test_far_fewer_rows_per_listing_page_than_the_median_of_recent_ok_runs(session):
    add_run(session, pages=3, rows=30)
    add_run(session, pages=3, rows=29)
    add_run(session, pages=1, rows=10)  # a --max-pages 1 crawl: as many per page
    add_run(session, pages=1, rows=2)
    assert kinds(session) == [ProblemKind.FEWER]
    source = session.scalars(select(Source)).one()
    [finding] = findings(session, source, DAY, HEALTH)
    assert (
        finding.detail == "the listing showed 2 releases on 1 listing page, usually about 10 a page"
    )
    add_run(session, pages=3, rows=16)  # 5.3 a page: not below half of 10
    assert kinds(session) == []


def test_fewer_needs_a_history_of_ok_runs(session):
    add_run(session, rows=10)
    add_run(session, RunStatus.FAILED, rows=10)
    add_run(session, rows=10)
    add_run(session, rows=1)
    assert kinds(session) == []  # two ok runs before it are not enough to know "usual"


def test_most_rows_undated_where_they_used_to_have_dates(session):
    add_run(session, rows=10, undated=0)
    add_run(session, rows=10, undated=1)
    add_run(session, rows=10, undated=8)
    assert kinds(session) == [ProblemKind.UNDATED]
    source = session.scalars(select(Source)).one()
    [finding] = findings(session, source, DAY, HEALTH)
    assert finding.detail == "8 of 10 listing rows had no date (usually 5%)"
    assert kinds(session, undated_share=0.9) == []


def test_a_listing_that_never_had_dates_is_not_a_problem(session):
    add_run(session, rows=10, undated=10)
    add_run(session, rows=10, undated=10)
    assert kinds(session) == []


def test_runs_from_before_rows_were_counted_are_no_history(session):
    add_run(session, rows=None)
    add_run(session, rows=None)
    add_run(session, rows=None)
    add_run(session, rows=1, undated=1)
    assert kinds(session) == []


def test_silence_is_learned_from_the_sources_own_gaps(session):
    last = dt.date(2026, 2, 1)
    add_releases(session, [last - dt.timedelta(days=2 * i) for i in range(10)])
    add_run(session)
    # every 2 days: silent after max(7 days, 4 x 2 days)
    assert kinds(session, last + dt.timedelta(days=8)) == []
    assert kinds(session, last + dt.timedelta(days=9)) == [ProblemKind.SILENT]
    state = quiet(session, "ice", last + dt.timedelta(days=9), HEALTH)
    assert (state.last_release, state.usual_gap_days, state.silent) == (last, 2.0, True)
    assert state.detail == "no new release since 2026-02-01 (usually every 2 days)"
    assert kinds(session, last + dt.timedelta(days=9), silence_min_days=10) == []


def test_a_slow_source_is_given_its_own_longer_gap(session):
    last = dt.date(2026, 2, 1)
    add_releases(session, [last - dt.timedelta(days=10 * i) for i in range(6)])
    add_run(session)
    assert kinds(session, last + dt.timedelta(days=40)) == []
    assert kinds(session, last + dt.timedelta(days=41)) == [ProblemKind.SILENT]


def test_a_broken_source_is_not_also_called_silent(session):
    last = dt.date(2026, 2, 1)
    add_releases(session, [last - dt.timedelta(days=i) for i in range(10)])
    add_run(session, RunStatus.BLOCKED, pages=0, rows=0)
    assert kinds(session, last + dt.timedelta(days=30)) == [ProblemKind.BLOCKED]


def test_a_problem_opens_once_and_clears_once(sessions):
    with transaction(sessions) as session:
        add_run(session, RunStatus.BLOCKED, pages=0, rows=0)
    [change] = assess(sessions, ["ice"], HEALTH, day=DAY)
    assert [p.kind for p in change.opened] == [ProblemKind.BLOCKED]
    assert change.cleared == () and not change.recovered
    with transaction(sessions) as session:
        add_run(session, RunStatus.BLOCKED, pages=0, rows=0)
    [change] = assess(sessions, ["ice"], HEALTH, day=DAY)
    assert change.opened == () and change.cleared == ()
    assert [p.kind for p in change.still_open] == [ProblemKind.BLOCKED]
    assert "(2 crawls in a row)" in change.still_open[0].detail
    with sessions() as session:
        [problem] = open_problems(session)["ice"]
        assert problem.kind is ProblemKind.BLOCKED and problem.cleared_at is None
    with transaction(sessions) as session:
        add_run(session)
    [change] = assess(sessions, ["ice"], HEALTH, day=DAY)
    assert change.recovered and [p.kind for p in change.cleared] == [ProblemKind.BLOCKED]
    with sessions() as session:
        assert open_problems(session) == {}
        rows = session.scalars(select(SourceProblem)).all()
        assert len(rows) == 1 and rows[0].cleared_at is not None
        everything = problems_during(session, dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1))
        assert [p.kind for p in everything["ice"]] == [ProblemKind.BLOCKED]
        assert problems_during(session, dt.datetime(2000, 1, 1), dt.datetime(2000, 1, 2)) == {}


def test_a_source_never_crawled_is_skipped(sessions):
    assert assess(sessions, ["dhs"], HEALTH, day=DAY) == []


def test_one_open_problem_per_source_and_kind(sessions):
    with transaction(sessions) as session:
        source = ensure_source(session, "ice", "ICE")
        moment = dt.datetime(2026, 2, 1)
        row = {"kind": "blocked", "detail": "", "opened_at": moment, "last_seen_at": moment}
        session.add(SourceProblem(source_id=source.id, **row, cleared_at=moment))
        session.add(SourceProblem(source_id=source.id, **row))
        source_id = source.id
    with pytest.raises(IntegrityError), transaction(sessions) as session:
        session.add(SourceProblem(source_id=source_id, **row))
