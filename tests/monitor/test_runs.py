"""Run verdicts: removals only on a crawl that fully worked."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from monitor.models import CrawlRun, Release, ReleaseStatus, RunListing, RunStatus, Source
from monitor.runs import RunRecorder
from spiders.items import CrawlProblem, ListingPage, Problem, ReleaseGone, ReleasePage

URL = "http://127.0.0.1:8000/news/releases/a"


def recorder(sessions) -> RunRecorder:
    return RunRecorder(sessions, source_key="ice", source_name="ICE", trigger="manual")


def seed(sessions) -> None:
    first = recorder(sessions)
    first.handle(ListingPage("ice", "http://127.0.0.1:8000/newsroom", 1, True))
    first.handle(ReleasePage("ice", URL, "A title", dt.date(2025, 9, 10), "Body.", b"<html/>"))
    assert first.finish("finished").status is RunStatus.OK


@pytest.mark.parametrize(
    ("problem", "reason", "status"),
    [
        (None, "finished", RunStatus.OK),
        (Problem.BLOCKED, "finished", RunStatus.BLOCKED),
        (Problem.TRUNCATED, "finished", RunStatus.FAILED),
        (Problem.HTTP, "finished", RunStatus.FAILED),
        (Problem.PARSE, "finished", RunStatus.FAILED),
        (None, "shutdown", RunStatus.INTERRUPTED),
        (None, "closespider_timeout", RunStatus.FAILED),
    ],
)
def test_only_a_clean_run_removes(sessions, problem, reason, status):
    seed(sessions)
    run = recorder(sessions)
    run.handle(ListingPage("ice", "http://127.0.0.1:8000/newsroom", 1, problem is None))
    run.handle(ReleaseGone("ice", URL, 404))
    if problem is not None:
        run.handle(CrawlProblem("ice", "http://127.0.0.1:8000/x", problem, "went wrong"))
    summary = run.finish(reason)
    assert summary.status is status
    with sessions() as session:
        release = session.scalars(select(Release)).one()
        removed = release.status is ReleaseStatus.REMOVED
        stored = session.get_one(CrawlRun, summary.run_id)
        assert stored.status is status and stored.finished_at is not None
    assert removed is (status is RunStatus.OK)
    assert summary.removed == (1 if status is RunStatus.OK else 0)
    if problem is not None:
        assert summary.error == "went wrong: http://127.0.0.1:8000/x"


def test_no_listing_page_read_is_a_failure(sessions):
    summary = recorder(sessions).finish("finished")
    assert summary.status is RunStatus.FAILED
    assert summary.error == "no listing page was read"


def test_listing_rows_and_undated_rows_are_kept_with_the_run(sessions):
    run = recorder(sessions)
    run.handle(ListingPage("ice", "http://127.0.0.1:8000/newsroom", 10, True, undated=2))
    run.handle(ListingPage("ice", "http://127.0.0.1:8000/newsroom?page=1", 10, True, undated=7))
    summary = run.finish("finished")
    assert (summary.listing_rows, summary.undated_rows) == (20, 9)
    assert summary.as_dict()["undated_rows"] == 9
    with sessions() as session:
        stored = session.get_one(RunListing, summary.run_id)
        assert (stored.rows, stored.undated) == (20, 9)


def test_a_backfill_cut_short_resumes_at_that_page_and_is_not_done(sessions):
    listing = "http://127.0.0.1:8000/newsroom"
    run = RunRecorder(sessions, source_key="ice", source_name="ICE", trigger="backfill")
    run.handle(ListingPage("ice", listing, 1, True, next_url=f"{listing}?page=1"))
    run.handle(ListingPage("ice", f"{listing}?page=1", 0, False))
    run.handle(CrawlProblem("ice", f"{listing}?page=1", Problem.TRUNCATED, "cut short"))
    assert run.finish("finished").status is RunStatus.FAILED
    with sessions() as session:
        source = session.scalars(select(Source)).one()
        assert source.backfill_next == f"{listing}?page=1" and not source.backfill_done
