"""Crawl jobs as the service and its web API see them."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any, Protocol


class JobState(enum.StrEnum):
    QUEUED = "queued"  # waiting for a free slot (the cap on crawls at once)
    RUNNING = "running"
    DONE = "done"  # the crawl process finished (its summary says how each source fared)
    FAILED = "failed"  # the process could not run or died
    TIMEOUT = "timeout"  # killed after the crawl timeout
    INTERRUPTED = "interrupted"  # the service shut down first


@dataclass
class CrawlJob:
    """One crawl of one source, started by the schedule, the API or `monitor trigger`."""

    id: str
    source: str
    trigger: str  # "schedule", "api", "manual"
    state: JobState = JobState.QUEUED
    queued_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    summary: dict[str, Any] | None = None  # the crawl's JSON summary for the source
    error: str | None = None
    progress: str = ""  # the last progress line of the crawl

    @property
    def finished(self) -> bool:
        return self.state not in (JobState.QUEUED, JobState.RUNNING)

    def as_json(self) -> dict[str, Any]:
        def iso(t: dt.datetime | None) -> str | None:
            return t.isoformat(timespec="seconds") if t else None

        return {
            "id": self.id,
            "source": self.source,
            "trigger": self.trigger,
            "state": self.state.value,
            "queued_at": iso(self.queued_at),
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "summary": self.summary,
            "error": self.error,
            "progress": self.progress,
        }


class Crawls(Protocol):
    """What the web app needs from the service to start and follow crawls."""

    def trigger(self, sources: list[str], *, trigger: str) -> list[tuple[CrawlJob, bool]]:
        """Start a crawl of each source now; ``(job, False)`` when one was already running."""
        ...

    def job(self, job_id: str) -> CrawlJob | None: ...

    def jobs(self) -> list[CrawlJob]:
        """Running and queued jobs, then the recently finished ones, newest first."""
        ...
