"""Source health: what is wrong with a source, judged from its own recent runs and releases.

After every crawl each source's findings are compared with its open problems (``source_problems``):
a new finding opens a problem, a problem no longer found is cleared. Only those two moments are
alerted; a problem that persists is shown (CLI, dashboard, digest) but not repeated.

The rules, each against the source's own history (backfill and interrupted runs left out):

- ``blocked``: the last run met a block page;
- ``empty``: the last run's listing pages showed no release at all;
- ``failing``: the last ``failures`` runs all failed or were blocked (when no rule above says
  why); a ``partial`` run, whose listing worked, breaks the streak;
- ``pages``: the same release pages failed in each of the last ``failures`` runs;
- ``broken``: more than ``broken_share`` of the release links the last listing showed failed;
- ``fewer``: the last run's listing showed far fewer releases per page than the median of the
  source's recent ok runs;
- ``undated``: most of the last run's listing rows had no date, where usually few lack one;
- ``silent``: no new release for much longer than the source's usual gap between releases.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.models import CrawlRun, Release, RunFailure, RunListing, RunStatus, Source

GAP_SAMPLE = 30  # recent releases a source's usual gap is learned from
HISTORY = 10  # recent ok runs a source's usual listing is learned from
MIN_HISTORY = 3  # ok runs needed before "fewer than usual" can be said
MIN_ROWS = 3  # listing rows needed before "most are undated" can be said
FAILED = (RunStatus.FAILED, RunStatus.BLOCKED)
PAGES_NAMED = 3  # failed release pages named in a problem's detail


class ProblemKind(enum.StrEnum):
    BLOCKED = "blocked"
    EMPTY = "empty"
    FAILING = "failing"
    PAGES = "pages"
    BROKEN = "broken"
    FEWER = "fewer"
    UNDATED = "undated"
    SILENT = "silent"

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {
    ProblemKind.BLOCKED: "blocked",
    ProblemKind.EMPTY: "listing shows no releases",
    ProblemKind.FAILING: "crawls failing",
    ProblemKind.PAGES: "release pages failing",
    ProblemKind.BROKEN: "most release links fail",
    ProblemKind.FEWER: "far fewer releases listed",
    ProblemKind.UNDATED: "dates missing",
    ProblemKind.SILENT: "silent",
}


@dataclass(frozen=True)
class Finding:
    kind: ProblemKind
    detail: str


@dataclass(frozen=True)
class RunFacts:
    """One finished run as the rules see it; ``rows`` is None for runs before it was counted."""

    status: RunStatus
    error: str | None
    listing_pages: int
    rows: int | None
    undated: int | None
    # the release pages that failed: url -> reason (a spiders.items.Problem value)
    failed_pages: Mapping[str, str] = field(default_factory=dict)

    @property
    def per_page(self) -> float | None:
        if self.rows is None or self.listing_pages == 0:
            return None
        return self.rows / self.listing_pages


@dataclass(frozen=True)
class Quiet:
    """A source's newest release, its usual gap between releases, and whether it is silent."""

    last_release: dt.date | None
    usual_gap_days: float | None
    silent: bool = False

    @property
    def detail(self) -> str:
        if self.last_release is None:
            return "no release seen yet"
        text = f"no new release since {self.last_release.isoformat()}"
        if self.usual_gap_days is not None:
            gap = round(self.usual_gap_days)
            text += " (usually every day)" if gap <= 1 else f" (usually every {gap} days)"
        return text


def quiet(session: Session, key: str, day: dt.date, settings: Mapping[str, Any]) -> Quiet:
    """Is ``key`` silent on ``day``: its newest release older than ``silence_factor`` times the
    median gap between its last ``GAP_SAMPLE`` releases, and than ``silence_min_days``?"""
    dates: list[dt.date] = list(
        session.scalars(
            select(Release.published)
            .join(Source)
            .where(Source.key == key, Release.published.is_not(None))
            .order_by(Release.published.desc())
            .limit(GAP_SAMPLE)
        )
    )
    if not dates:
        return Quiet(None, None)
    if len(dates) < 3:
        return Quiet(dates[0], None)
    gap = float(statistics.median((a - b).days for a, b in itertools.pairwise(dates)))
    limit = max(settings["silence_min_days"], settings["silence_factor"] * gap)
    return Quiet(dates[0], gap, (day - dates[0]).days > limit)


def recent_runs(session: Session, source_id: int, limit: int = 30) -> list[RunFacts]:
    """The source's last finished runs, newest first (backfill and interrupted ones left out)."""
    rows = session.execute(
        select(CrawlRun, RunListing)
        .outerjoin(RunListing, RunListing.run_id == CrawlRun.id)
        .where(
            CrawlRun.source_id == source_id,
            CrawlRun.trigger != "backfill",
            CrawlRun.status.not_in([RunStatus.RUNNING, RunStatus.INTERRUPTED]),
        )
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(limit)
    ).all()
    failed: dict[int, dict[str, str]] = {run.id: {} for run, _ in rows}
    for run_id, url, reason in session.execute(
        select(RunFailure.run_id, RunFailure.url, RunFailure.reason).where(
            RunFailure.run_id.in_(list(failed)), RunFailure.listing.is_(False)
        )
    ):
        failed[run_id][url] = reason
    return [
        RunFacts(
            run.status,
            run.error,
            run.listing_pages,
            listing.rows if listing else None,
            listing.undated if listing else None,
            failed[run.id],
        )
        for run, listing in rows
    ]


def run_findings(runs: Sequence[RunFacts], settings: Mapping[str, Any]) -> list[Finding]:
    """What the runs (newest first) say is wrong with the source."""
    if not runs:
        return []
    last, found = runs[0], []
    streak = sum(1 for _ in itertools.takewhile(lambda r: r.status in FAILED, runs))
    in_a_row = f" ({streak} crawls in a row)" if streak > 1 else ""
    if last.status is RunStatus.BLOCKED:
        found.append(Finding(ProblemKind.BLOCKED, (last.error or "block page") + in_a_row))
    elif last.rows == 0 and last.listing_pages > 0:
        found.append(
            Finding(
                ProblemKind.EMPTY,
                f"the listing showed no releases on {_pages(last.listing_pages)}"
                f" (has the page layout changed?){in_a_row}",
            )
        )
    elif streak >= settings["failures"]:
        found.append(
            Finding(ProblemKind.FAILING, f"{streak} crawls in a row failed; the last: {last.error}")
        )
    pages = _same_pages(runs[: settings["failures"]], settings["failures"])
    broken = _broken(last, settings["broken_share"])
    ok = [r for r in runs[1:] if r.status.worked][:HISTORY]
    fewer = _fewer(last, ok, settings["fewer_share"])
    undated = _undated(last, ok, settings["undated_share"])
    return found + [f for f in (pages, broken, fewer, undated) if f is not None]


def _same_pages(runs: Sequence[RunFacts], needed: int) -> Finding | None:
    """Release pages that failed in every one of the last ``needed`` runs (newest first)."""
    if len(runs) < needed or not all(r.status.worked for r in runs):
        return None  # a run whose listing failed tried no release page
    same = set(runs[0].failed_pages).intersection(*(r.failed_pages for r in runs[1:]))
    if not same:
        return None
    named = sorted(same)[:PAGES_NAMED]
    listed = ", ".join(f"{url} ({runs[0].failed_pages[url]})" for url in named)
    more = f" and {len(same) - len(named)} more" if len(same) > len(named) else ""
    pages = "the same release page" if len(same) == 1 else f"the same {len(same)} release pages"
    return Finding(
        ProblemKind.PAGES,
        f"{pages} failed in each of the last {len(runs)} crawls: {listed}{more}",
    )


def _broken(last: RunFacts, share: float) -> Finding | None:
    """Most release links of the last listing failed (they answer 404, time out, …)."""
    failed, rows = len(last.failed_pages), last.rows
    if not last.status.worked or not rows or rows < MIN_ROWS or failed <= share * rows:
        return None
    reasons = sorted(set(last.failed_pages.values()))
    return Finding(
        ProblemKind.BROKEN,
        f"{failed} of the {rows} release links the listing showed failed ({', '.join(reasons)})",
    )


def _fewer(last: RunFacts, ok: Sequence[RunFacts], share: float) -> Finding | None:
    usual = [r.per_page for r in ok if r.per_page]
    now = last.per_page
    if not now or len(usual) < MIN_HISTORY:
        return None  # an empty listing is its own problem
    median = statistics.median(usual)
    if now >= share * median:
        return None
    return Finding(
        ProblemKind.FEWER,
        f"the listing showed {last.rows} releases on {_pages(last.listing_pages)}, "
        f"usually about {median:.0f} a page",
    )


def _undated(last: RunFacts, ok: Sequence[RunFacts], share: float) -> Finding | None:
    if not last.rows or last.undated is None or last.rows < MIN_ROWS:
        return None
    if last.undated / last.rows <= share:
        return None
    usual = [r.undated / r.rows for r in ok if r.rows and r.undated is not None]
    if not usual or statistics.median(usual) > share:
        return None  # this listing never had dates on most rows: nothing stopped parsing
    return Finding(
        ProblemKind.UNDATED,
        f"{last.undated} of {last.rows} listing rows had no date "
        f"(usually {statistics.median(usual):.0%})",
    )


def _pages(n: int) -> str:
    return f"{n} listing page" + ("" if n == 1 else "s")


def findings(
    session: Session, source: Source, day: dt.date, settings: Mapping[str, Any]
) -> list[Finding]:
    """Everything wrong with ``source`` now: its runs' findings, and silence while it works."""
    runs = recent_runs(session, source.id)
    found = run_findings(runs, settings)
    if not runs or runs[0].status.worked:  # a broken source is silent for that reason
        state = quiet(session, source.key, day, settings)
        if state.silent:
            found.append(Finding(ProblemKind.SILENT, state.detail))
    return found
