"""Run verdicts: removals only on a crawl that fully worked."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from monitor.baseline import baseline_cap, completes_baseline
from monitor.models import CrawlRun, Release, ReleaseStatus, RunListing, RunStatus, Source
from monitor.runs import RunRecorder, RunSummary
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
    ("problem", "listing", "reason", "status", "removes"),
    [
        (None, False, "finished", RunStatus.OK, True),
        (Problem.BLOCKED, True, "finished", RunStatus.BLOCKED, False),
        (Problem.TRUNCATED, True, "finished", RunStatus.FAILED, False),
        (Problem.HTTP, True, "finished", RunStatus.FAILED, False),
        # the listing was read whole; a release page failed
        (Problem.TIMEOUT, False, "finished", RunStatus.PARTIAL, False),
        (Problem.HTTP, False, "finished", RunStatus.PARTIAL, False),
        (Problem.TRUNCATED, False, "finished", RunStatus.PARTIAL, False),
        (Problem.MISSING, False, "finished", RunStatus.PARTIAL, True),
        (Problem.STORAGE, False, "finished", RunStatus.PARTIAL, True),
        (None, False, "shutdown", RunStatus.INTERRUPTED, False),
        (None, False, "closespider_timeout", RunStatus.FAILED, False),
    ],
)
def test_only_a_run_that_met_a_well_site_removes(
    sessions, problem, listing, reason, status, removes
):
    seed(sessions)
    run = recorder(sessions)
    run.handle(ListingPage("ice", "http://127.0.0.1:8000/newsroom", 1, not listing))
    run.handle(ReleaseGone("ice", URL, 404))
    if problem is not None:
        run.handle(
            CrawlProblem("ice", "http://127.0.0.1:8000/x", problem, "went wrong", listing=listing)
        )
    summary = run.finish(reason)
    assert summary.status is status
    with sessions() as session:
        release = session.scalars(select(Release)).one()
        removed = release.status is ReleaseStatus.REMOVED
        stored = session.get_one(CrawlRun, summary.run_id)
        assert stored.status is status and stored.finished_at is not None
        failures = [(f.url, f.reason, f.listing) for f in stored.failures]
    assert removed is removes
    assert summary.removed == (1 if removes else 0)
    if problem is not None:
        assert summary.error == "went wrong: http://127.0.0.1:8000/x"
        assert failures == [("http://127.0.0.1:8000/x", problem.value, listing)]
        assert summary.as_dict()["failures"][0]["reason"] == problem.value


def test_a_link_gone_on_first_sight_is_an_error_not_a_removal(sessions):
    seed(sessions)
    run = recorder(sessions)
    run.handle(ListingPage("ice", "http://127.0.0.1:8000/newsroom", 2, True))
    run.handle(ReleaseGone("ice", URL, 410))
    run.handle(ReleaseGone("ice", "http://127.0.0.1:8000/news/releases/never", 404))
    summary = run.finish("finished")
    assert summary.status is RunStatus.PARTIAL and summary.errors == 1 and summary.removed == 1
    [failure] = summary.as_dict()["failures"]
    assert failure == {
        "url": "http://127.0.0.1:8000/news/releases/never",
        "reason": "gone",
        "status": 404,
        "detail": "release link answers HTTP 404 and was never stored",
        "listing": False,
    }


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


# --- the baseline: a source's first crawls store history -----------------------------------

LISTING = "http://127.0.0.1:8000/newsroom"


def baselined_at(sessions) -> dt.datetime | None:
    with sessions() as session:
        return session.scalars(select(Source)).one().baselined_at


def finished(sessions, pages: int = 1, problem: Problem | None = None, **options) -> RunSummary:
    run = RunRecorder(sessions, source_key="ice", source_name="ICE", trigger="manual", **options)
    for n in range(pages):
        run.handle(ListingPage("ice", f"{LISTING}?page={n}", 5, True))
    if problem is not None:
        run.handle(CrawlProblem("ice", LISTING, problem, "went wrong", listing=True))
    summary = run.finish("finished")
    with sessions() as session:
        assert session.get_one(CrawlRun, summary.run_id).baseline is summary.baseline
    return summary


def test_the_first_ok_run_is_the_baseline_and_the_next_is_news(sessions):
    first = finished(sessions)
    assert (first.baseline, first.baseline_complete, first.history) == (True, True, True)
    assert first.line().endswith("baseline") and first.as_dict()["baseline"] is True
    assert baselined_at(sessions) is not None
    second = finished(sessions)
    assert (second.baseline, second.baseline_complete, second.history) == (False, False, False)
    assert not second.line().endswith("baseline")


@pytest.mark.parametrize("problem", [Problem.BLOCKED, Problem.HTTP, Problem.TRUNCATED])
def test_a_run_that_did_not_end_ok_leaves_the_baseline_open(sessions, problem):
    summary = finished(sessions, problem=problem)
    assert summary.baseline and not summary.baseline_complete
    assert baselined_at(sessions) is None
    assert finished(sessions).baseline  # the next run is still part of the baseline


def test_max_pages_below_the_window_leaves_the_baseline_open_unless_the_listing_ended(sessions):
    capped = finished(sessions, pages=1, cap=1)  # read as many pages as allowed: more may follow
    assert capped.baseline and not capped.baseline_complete and baselined_at(sessions) is None
    ended = finished(sessions, pages=2, cap=5)  # the listing ended before the cap
    assert ended.baseline and ended.baseline_complete and baselined_at(sessions) is not None


def test_an_interrupted_run_leaves_the_baseline_open(sessions):
    run = RunRecorder(sessions, source_key="ice", source_name="ICE", trigger="manual")
    run.handle(ListingPage("ice", LISTING, 5, True))
    assert run.finish("shutdown").status is RunStatus.INTERRUPTED
    assert baselined_at(sessions) is None


def test_no_baseline_marks_the_source_baselined_before_the_run(sessions):
    summary = finished(sessions, problem=Problem.HTTP, skip_baseline=True)
    assert not summary.baseline and not summary.history
    assert baselined_at(sessions) is not None


def test_a_backfill_is_history_but_never_a_baseline_run(sessions):
    run = RunRecorder(sessions, source_key="ice", source_name="ICE", trigger="backfill")
    run.handle(ListingPage("ice", LISTING, 5, True))
    summary = run.finish("finished")
    assert (summary.baseline, summary.backfill, summary.history) == (False, True, True)
    assert baselined_at(sessions) is None  # only a regular crawl completes a baseline


@pytest.mark.parametrize(
    ("status", "cap", "pages", "completes"),
    [
        ("ok", None, 3, True),
        ("partial", None, 3, True),  # the listing worked; some release pages failed
        ("failed", None, 3, False),
        ("blocked", None, 1, False),
        ("interrupted", None, 3, False),
        ("ok", 1, 1, False),
        ("ok", 3, 2, True),
    ],
)
def test_which_runs_complete_a_baseline(status, cap, pages, completes):
    assert completes_baseline(status, cap=cap, listing_pages=pages) is completes


def test_the_cap_is_only_a_max_pages_below_the_sources_own():
    assert baseline_cap(None, 3) is None
    assert baseline_cap(3, 3) is None and baseline_cap(10, 3) is None
    assert baseline_cap(1, 3) == 1
