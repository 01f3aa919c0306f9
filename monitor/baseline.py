"""A source's baseline: what its first crawls store is history, not news.

Until a source has had one regular crawl (not a backfill) that ended ok over its whole listing
window, each of its crawls is a baseline run (``crawl_runs.baseline``): the releases it stores
are history, like a backfill's. They are not "new" in digests or on the dashboard, they join
threads as history (no thread update), and they raise no thread or watched alert. Source health
is checked as after any crawl. The run that completes the baseline sets
``sources.baselined_at``; from the next run on, what a crawl finds is news.

A run reads the whole window unless ``--max-pages`` capped it below the source's own
``max_pages`` and its listing went on past the cap (a listing that ended before the cap was read
whole). A *partial* run (the listing worked, some release pages failed) completes the baseline
like an ok one: its listing window was read in full. The releases whose pages failed are stored
by a later crawl and reported then as new. Failed, blocked and interrupted runs do not complete
it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Select, or_, select

from monitor.models import CrawlRun, Event, Source

# run statuses that can complete a baseline (compared by value: "partial" may not exist)
COMPLETING = frozenset({"ok", "partial"})


def baseline_cap(max_pages: int | None, configured: int) -> int | None:
    """The listing-page cap of a crawl that reads less than the source's whole window
    (``--max-pages`` below its ``max_pages``), or ``None`` for a crawl of the whole window."""
    return max_pages if max_pages is not None and max_pages < configured else None


def completes_baseline(status: str, *, cap: int | None, listing_pages: int) -> bool:
    """Whether a baseline run that ended with ``status`` completes the source's baseline."""
    whole_window = cap is None or listing_pages < cap
    return status in COMPLETING and whole_window


def start_run(source: Source, *, at: dt.datetime, skip: bool = False) -> bool:
    """Whether a regular run that starts now is a baseline run. With ``skip``
    (``monitor crawl --no-baseline``) the source is marked baselined first, so it is not."""
    if skip and source.baselined_at is None:
        source.baselined_at = at
    return source.baselined_at is None


def history_runs() -> Select[int]:
    """Ids of the runs whose findings are history: backfills and baseline runs."""
    return select(CrawlRun.id).where(or_(CrawlRun.trigger == "backfill", CrawlRun.baseline))


def news_events() -> ColumnElement[bool]:
    """Events that are news: found by a regular crawl past its baseline, or stored by hand."""
    return Event.run_id.is_(None) | Event.run_id.not_in(history_runs())
