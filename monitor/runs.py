"""One crawl run of one source: its row in ``crawl_runs``, its counts, and its verdict.

Release pages are stored in small batches (up to ``BATCH_SIZE`` pages or ``BATCH_SECONDS``
seconds, one transaction each), so a crawl that dies loses at most the last batch.

A run ends ``ok``, ``partial`` (every listing page was read, some release pages failed),
``failed`` (a listing page failed, or none was read), ``blocked`` or ``interrupted``. Every page
that failed is recorded with its reason (``run_failures``). Removals wait for the end: they are
applied only when the listing was read whole and no page met trouble at the site (a page that
lacks a field, trips the parser, was never there or could not be stored does not count).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from monitor.baseline import completes_baseline, start_run
from monitor.db import transaction
from monitor.listings import listing_caches, save_listings
from monitor.models import CrawlRun, Release, RunFailure, RunListing, RunStatus, Source, utcnow
from monitor.store import (
    Outcome,
    due_for_recheck,
    ensure_source,
    known_releases,
    mark_not_modified,
    mark_removed,
    record_releases,
    validators,
)
from spiders.items import (
    CrawlProblem,
    ListingPage,
    Problem,
    ReleaseGone,
    ReleaseNotModified,
    ReleasePage,
)

log = logging.getLogger(__name__)

BATCH_SIZE = 100
BATCH_SECONDS = 2.0
COUNTERS = ("pages", "new", "edited", "unchanged", "removed", "restored", "errors")
FAILURES_SHOWN = 5  # failed pages listed under a run's summary line


@dataclass
class RunSummary:
    """What a run did, as the CLI prints it and the service reports it."""

    source: str
    run_id: int
    status: RunStatus = RunStatus.RUNNING
    pages: int = 0
    listing_pages: int = 0
    listing_rows: int = 0  # releases the listing pages showed
    undated_rows: int = 0  # of which without a published date
    new: int = 0
    edited: int = 0
    unchanged: int = 0
    removed: int = 0
    restored: int = 0
    errors: int = 0
    error: str | None = None
    seconds: float = 0.0
    problems: list[CrawlProblem] = field(default_factory=list)
    threads: list[dict[str, Any]] = field(default_factory=list)  # releases matched to threads
    baseline: bool = False  # a run of the source's baseline: what it stored is history
    baseline_complete: bool = False  # this run completed the baseline
    backfill: bool = False

    @property
    def history(self) -> bool:
        """What the run stored is history, not news: a baseline run's or a backfill's."""
        return self.baseline or self.backfill

    # health problems this run opened, cleared, and that stay open (labels)
    health: dict[str, list[str]] = field(default_factory=dict)

    def line(self) -> str:
        """The run in one line, then each failed page (or why the run did not start)."""
        counts = "  ".join(f"{name} {getattr(self, name)}" for name in COUNTERS)
        lines = [f"{self.source:<8} {self.status.value:<11} {counts}  ({self.seconds:.1f}s)"]
        lines += [f"{p.message}: {p.url}" for p in self.problems[:FAILURES_SHOWN]]
        if len(self.problems) > FAILURES_SHOWN:
            lines.append(f"… and {len(self.problems) - FAILURES_SHOWN} more failed pages")
        if self.error and not self.problems:
            lines.append(self.error)
        if self.baseline:
            lines[0] += "  baseline"
        return f"\n{'':9}".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "run_id": self.run_id,
            "status": self.status.value,
            **{name: getattr(self, name) for name in (*COUNTERS, "listing_pages")},
            "error": self.error,
            "seconds": round(self.seconds, 3),
            "threads": self.threads,
            "listing_rows": self.listing_rows,
            "undated_rows": self.undated_rows,
            "health": self.health,
            "baseline": self.baseline,
            "baseline_complete": self.baseline_complete,
            "failures": [failure_record(p) for p in self.problems],
        }


def failure_record(problem: CrawlProblem) -> dict[str, Any]:
    """A failed page as the CLI and the API show it (the shape of ``RunFailure.as_json``)."""
    return {
        "url": problem.url,
        "reason": problem.problem.value,
        "status": problem.status,
        "detail": problem.message,
        "listing": problem.listing,
    }


class RunRecorder:
    """Receives a spider's items for one run and writes them through :mod:`monitor.store`."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        source_key: str,
        source_name: str,
        source_kind: str = "builtin",
        trigger: str,
        on_progress: Callable[[RunSummary], None] | None = None,
        cap: int | None = None,
        skip_baseline: bool = False,
    ) -> None:
        """``cap``: a ``--max-pages`` below the source's own (see :mod:`monitor.baseline`);
        ``skip_baseline``: mark the source baselined before this run (``--no-baseline``)."""
        self.factory = factory
        self.cap = cap
        self.on_progress = on_progress
        self.gone: list[str] = []
        self.gone_status: dict[str, int] = {}
        self.listing_cut = False  # a listing page arrived cut short
        self.listings: list[ListingPage] = []  # fetched in full, to remember for a 304 next time
        self.last_next: str | None = None  # the listing page after the last one read
        self.backfill = trigger == "backfill"
        self.pending: list[ReleasePage | ReleaseNotModified] = []
        self.started = utcnow()
        self.flushed = time.monotonic()
        with transaction(factory) as session:
            source = ensure_source(session, source_key, source_name, kind=source_kind)
            baseline = not self.backfill and start_run(source, at=self.started, skip=skip_baseline)
            run = CrawlRun(
                source_id=source.id,
                trigger=trigger,
                started_at=self.started,
                status=RunStatus.RUNNING,
                baseline=baseline,
            )
            session.add(run)
            session.flush()
            self.source_id = source.id
            self.summary = RunSummary(
                source=source_key, run_id=run.id, baseline=baseline, backfill=self.backfill
            )

    def plan(self, *, recheck_days: int) -> dict[str, Any]:
        """The spider's arguments from the store: known releases (for the in-window re-fetch),
        those due on the slow cadence, and the validators for conditional requests."""
        with self.factory() as session:
            source = session.get_one(Source, self.source_id)
            return {
                "known": known_releases(session, source),
                "recheck": due_for_recheck(session, source, days=recheck_days),
                "validators": validators(session, source),
                "listings": listing_caches(session, source),
            }

    def page_fetched(self) -> None:
        self.summary.pages += 1
        self._progress()

    def handle(self, item: Any) -> None:
        if isinstance(item, ReleasePage | ReleaseNotModified):
            self.pending.append(item)
            if len(self.pending) >= BATCH_SIZE or time.monotonic() - self.flushed >= BATCH_SECONDS:
                self.flush()
        elif isinstance(item, ReleaseGone):
            self.gone.append(item.url)
            self.gone_status[item.url] = item.status
        elif isinstance(item, ListingPage):
            self.summary.listing_pages += 1
            self.listing_cut |= not item.complete
            self.summary.listing_rows += item.releases
            self.summary.undated_rows += item.undated
            # a cut-short page has no next link to trust: a backfill reads it again
            self.last_next = item.next_url if item.complete else item.url
            if item.cache is not None:
                self.listings.append(item)
        elif isinstance(item, CrawlProblem):
            self.summary.problems.append(item)
            self.summary.errors += 1
            log.warning("%s: %s: %s (%s)", item.source, item.problem, item.message, item.url)
        self._progress()

    def flush(self) -> None:
        """Write the pending release pages; if the batch fails, retry them one by one."""
        batch, self.pending = self.pending, []
        self.flushed = time.monotonic()
        if not batch:
            return
        try:
            self._count(self._store(batch))
        except Exception:
            log.warning(
                "batch of %d releases failed; storing them one by one", len(batch), exc_info=True
            )
            for item in batch:
                try:
                    self._count(self._store([item]))
                except Exception as exc:  # the database's failure, not the page's
                    log.exception("could not store %s", item.url)
                    self.handle(
                        CrawlProblem(
                            item.source,
                            item.url,
                            Problem.STORAGE,
                            f"database error, release not stored: {_database_error(exc)}",
                        )
                    )
        self._progress()

    def _store(self, batch: list[ReleasePage | ReleaseNotModified]) -> list[Outcome]:
        pages = [item for item in batch if isinstance(item, ReleasePage)]
        same = [item.url for item in batch if isinstance(item, ReleaseNotModified)]
        with transaction(self.factory) as session:
            source = session.get_one(Source, self.source_id)
            outcomes = record_releases(session, source, pages, run_id=self.summary.run_id)
            if same:
                outcomes += [Outcome.UNCHANGED] * mark_not_modified(session, same)
        return outcomes

    def _count(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            setattr(self.summary, outcome.value, getattr(self.summary, outcome.value) + 1)

    def finish(self, reason: str, *, error: str | None = None) -> RunSummary:
        """Decide the run's status, apply removals if it earned them, and close its row
        (``error``: why a run that never started did not)."""
        self.flush()
        self._never_stored_gone()
        summary = self.summary
        summary.status = self._verdict(reason)
        summary.error = error or self._error_text(reason)
        with transaction(self.factory) as session:
            if self.backfill and summary.listing_pages:  # where the next backfill resumes
                source = session.get_one(Source, self.source_id)
                source.backfill_next, source.backfill_done = self.last_next, self.last_next is None
            if summary.status.worked:  # a page of a broken walk is not worth replaying
                save_listings(session, session.get_one(Source, self.source_id), self.listings)
            if self.gone and self._proves_removals():
                summary.removed = mark_removed(session, self.gone, run_id=summary.run_id)
            if summary.baseline:
                self._complete_baseline(session)
            run = session.get_one(CrawlRun, summary.run_id)
            session.add_all(
                RunFailure(
                    run_id=run.id,
                    url=p.url[:2000],
                    reason=p.problem.value,
                    status=p.status,
                    detail=p.message,
                    listing=p.listing,
                )
                for p in summary.problems
            )
            run.finished_at = utcnow()
            run.status = summary.status
            run.error = summary.error
            for name in (*COUNTERS, "listing_pages"):
                setattr(run, name, getattr(summary, name))
            session.merge(  # merge: a run closed a second time keeps one row
                RunListing(run_id=run.id, rows=summary.listing_rows, undated=summary.undated_rows)
            )
        summary.seconds = (utcnow() - self.started).total_seconds()
        return summary

    def _complete_baseline(self, session: Session) -> None:
        """Mark the source baselined if this baseline run read its whole window and ended ok."""
        summary = self.summary
        if not completes_baseline(
            summary.status.value, cap=self.cap, listing_pages=summary.listing_pages
        ):
            return
        source = session.get_one(Source, self.source_id)
        if source.baselined_at is None:
            source.baselined_at = utcnow()
        summary.baseline_complete = True

    def _never_stored_gone(self) -> None:
        """A release link that answers 404/410 and was never stored is an error of the run
        (a stored one that does is a removal)."""
        if not self.gone:
            return
        with self.factory() as session:
            stored = set(session.scalars(select(Release.url).where(Release.url.in_(self.gone))))
        for url in self.gone:
            if url not in stored:
                status = self.gone_status.get(url, 404)
                what = f"HTTP {status}" if status != 200 else "a 'page not found' page"
                self.handle(
                    CrawlProblem(
                        self.summary.source,
                        url,
                        Problem.GONE,
                        f"release link answers {what} and was never stored",
                        status=status,
                    )
                )
        self.gone = [url for url in self.gone if url in stored]

    def _verdict(self, reason: str) -> RunStatus:
        problems = self.summary.problems
        if any(p.problem is Problem.BLOCKED for p in problems):
            return RunStatus.BLOCKED
        if reason == "shutdown":
            return RunStatus.INTERRUPTED
        if reason != "finished" or self.summary.listing_pages == 0:
            return RunStatus.FAILED
        if self.listing_cut or any(p.listing for p in problems):
            return RunStatus.FAILED
        return RunStatus.PARTIAL if problems else RunStatus.OK

    def _proves_removals(self) -> bool:
        """The listing was read whole and the site was well: a 404 then means gone."""
        status = self.summary.status
        return status is RunStatus.OK or (
            status is RunStatus.PARTIAL
            and not any(p.problem.site_trouble for p in self.summary.problems)
        )

    def _error_text(self, reason: str) -> str | None:
        problems = self.summary.problems
        if problems:
            first = problems[0]
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            return f"{first.message}: {first.url}{more}"
        if reason != "finished":
            return f"crawl stopped early ({reason})"
        if self.summary.listing_pages == 0:
            return "no listing page was read"
        return None

    def _progress(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.summary)


def _database_error(exc: Exception) -> str:
    """The database's own words, on one line (not SQLAlchemy's statement dump)."""
    text = str(getattr(exc, "orig", None) or exc) if isinstance(exc, SQLAlchemyError) else str(exc)
    return " ".join(text.split())[:300] or type(exc).__name__
