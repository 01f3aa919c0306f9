"""The digest as plain data: what every renderer and the JSON interface start from.

Times are timezone-aware; ``since`` and ``until`` bound the period (``since <= t < until``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from monitor.diff import FieldDiff, render_text
from monitor.problems import ProblemRecord

SourceStatus = Literal["ok", "partial", "failed", "blocked", "interrupted", "silent", "no runs"]
ThreadChange = Literal["joined", "suggested", "edited", "removed"]
THREAD_CHANGES: tuple[ThreadChange, ...] = ("joined", "suggested", "edited", "removed")


@dataclass(frozen=True)
class ReleaseRef:
    id: int
    source: str  # source key, e.g. "ca_ag"
    agency: str  # e.g. "California Attorney General"
    url: str
    title: str
    published: dt.date | None
    first_seen: dt.datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "agency": self.agency,
            "url": self.url,
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
            "first_seen": self.first_seen.isoformat(timespec="seconds"),
        }


@dataclass(frozen=True)
class ThreadItem:
    """One release in a thread's update, and why it is there."""

    release: ReleaseRef
    change: ThreadChange
    reason: str  # "title 91 vs 'DHS Puts California…'; keywords: detainer" or "attached by hand"
    score: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            **self.release.as_json(),
            "change": self.change,
            "reason": self.reason,
            "score": self.score,
        }


@dataclass(frozen=True)
class ThreadUpdate:
    thread_id: int
    thread_name: str
    items: tuple[ThreadItem, ...]  # joined, then suggested, edited and removed

    def counts(self) -> dict[ThreadChange, int]:
        """How many releases joined, were suggested, edited or removed (zeros left out)."""
        found = {c: sum(1 for i in self.items if i.change == c) for c in THREAD_CHANGES}
        return {c: n for c, n in found.items() if n}

    def as_json(self) -> dict[str, Any]:
        return {
            "thread": {"id": self.thread_id, "name": self.thread_name},
            "counts": self.counts(),
            "releases": [item.as_json() for item in self.items],
        }


@dataclass(frozen=True)
class Edit:
    """A new version of a release, with word diffs of title, date and body."""

    release: ReleaseRef
    version: int  # the new version's number (the diff is against version - 1)
    at: dt.datetime
    fields: tuple[str, ...]  # which changed: "title", "published", "body"
    diffs: tuple[FieldDiff, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "release": self.release.as_json(),
            "version": self.version,
            "at": self.at.isoformat(timespec="seconds"),
            "fields": list(self.fields),
            "diff": render_text(list(self.diffs), context=None),
        }


@dataclass(frozen=True)
class Removal:
    release: ReleaseRef
    at: dt.datetime
    last_text: str  # body of the last version kept

    def as_json(self) -> dict[str, Any]:
        return {
            **self.release.as_json(),
            "removed_at": self.at.isoformat(timespec="seconds"),
            "last_text": self.last_text,
        }


@dataclass(frozen=True)
class Baseline:
    """A source's baseline runs in the period: what they stored is history, not news."""

    runs: int
    releases: int  # stored as history
    complete: bool  # the source's baseline was complete by the end of the period

    def as_json(self) -> dict[str, Any]:
        return {"runs": self.runs, "releases": self.releases, "complete": self.complete}


@dataclass(frozen=True)
class SourceReport:
    """How one source fared in the period; ``status`` is the worst of its runs, or ``silent``."""

    source: str
    agency: str
    status: SourceStatus
    error: str | None
    runs: int
    new: int
    edited: int
    last_release: dt.date | None = None  # newest published date, for silent sources
    usual_gap_days: float | None = None
    problems: tuple[ProblemRecord, ...] = ()  # health problems open during the period
    baseline: Baseline | None = None  # baseline runs in the period, if it had any

    @property
    def needs_attention(self) -> bool:
        return self.status != "ok" or bool(self.problems)

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "agency": self.agency,
            "status": self.status,
            "error": self.error,
            "runs": self.runs,
            "new": self.new,
            "edited": self.edited,
            "last_release": self.last_release.isoformat() if self.last_release else None,
            "usual_gap_days": self.usual_gap_days,
            "problems": [p.as_json() for p in self.problems],
            "baseline": self.baseline.as_json() if self.baseline else None,
        }


@dataclass(frozen=True)
class Digest:
    since: dt.datetime
    until: dt.datetime
    timezone: str
    thread_updates: tuple[ThreadUpdate, ...] = ()
    new: tuple[ReleaseRef, ...] = ()
    edited: tuple[Edit, ...] = ()
    removed: tuple[Removal, ...] = ()
    sources: tuple[SourceReport, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        """Nothing happened: no thread update, release, edit, removal or baseline, and every
        source ok."""
        return not (
            self.thread_updates
            or self.new
            or self.edited
            or self.removed
            or self.baselined
            or any(s.needs_attention for s in self.sources)
        )

    @property
    def baselined(self) -> list[SourceReport]:
        """Sources with baseline runs in the period."""
        return [s for s in self.sources if s.baseline is not None]

    @property
    def title(self) -> str:
        day = self.since.date()
        if self.until - self.since == dt.timedelta(days=1):
            return f"Press-release changes for {day:%A, %B %-d, %Y}"
        return f"Press-release changes since {self.since:%Y-%m-%d %H:%M %Z}"

    def new_by_agency(self) -> list[tuple[str, list[ReleaseRef]]]:
        """New releases grouped by agency, agencies in order of first appearance."""
        groups: dict[str, list[ReleaseRef]] = {}
        for release in self.new:
            groups.setdefault(release.agency, []).append(release)
        return list(groups.items())

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(timespec="seconds"),
            "until": self.until.isoformat(timespec="seconds"),
            "timezone": self.timezone,
            "thread_updates": [u.as_json() for u in self.thread_updates],
            "new": [r.as_json() for r in self.new],
            "edited": [e.as_json() for e in self.edited],
            "removed": [r.as_json() for r in self.removed],
            "sources": [s.as_json() for s in self.sources],
        }
