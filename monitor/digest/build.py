"""Building a digest from the event log: one indexed range query per section."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from monitor.baseline import news_events
from monitor.diff import version_diff
from monitor.digest.model import (
    THREAD_CHANGES,
    Baseline,
    Digest,
    Edit,
    ReleaseRef,
    Removal,
    SourceReport,
    SourceStatus,
    ThreadChange,
    ThreadItem,
    ThreadUpdate,
)
from monitor.health import quiet
from monitor.models import (
    CrawlRun,
    Event,
    EventKind,
    MemberState,
    Release,
    RunStatus,
    Source,
    Thread,
    ThreadMember,
    Version,
)
from monitor.problems import problems_during

ToRef = Callable[[Release], ReleaseRef]
ToLocal = Callable[[dt.datetime], dt.datetime]
CHANGE_ORDER = {change: n for n, change in enumerate(THREAD_CHANGES)}
# which run of a day speaks for a source: the worst, then the latest
SEVERITY: dict[str, int] = {"ok": 0, "interrupted": 1, "partial": 2, "failed": 3, "blocked": 4}


def day_period(day: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """Midnight to midnight of ``day`` in ``timezone`` (23 or 25 hours across a DST change)."""
    zone = zoneinfo.ZoneInfo(timezone)
    start = dt.datetime.combine(day, dt.time(), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    return start, end


def yesterday(timezone: str, *, now: dt.datetime | None = None) -> dt.date:
    current = (now or dt.datetime.now(dt.UTC)).astimezone(zoneinfo.ZoneInfo(timezone))
    return current.date() - dt.timedelta(days=1)


def _utc(moment: dt.datetime) -> dt.datetime:
    """The store's naive-UTC form of an aware time."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def release_refs(agencies: Mapping[str, str], zone: dt.tzinfo) -> ToRef:
    """How a stored release becomes a :class:`ReleaseRef` (agency names, times in ``zone``)."""

    def ref(release: Release) -> ReleaseRef:
        key = release.source.key
        return ReleaseRef(
            release.id,
            key,
            agencies.get(key, release.source.name),
            release.url,
            release.title,
            release.published,
            release.first_seen.replace(tzinfo=dt.UTC).astimezone(zone),
        )

    return ref


def local_times(zone: dt.tzinfo) -> ToLocal:
    """How a stored (naive UTC) time becomes an aware time in ``zone``."""

    def local(moment: dt.datetime) -> dt.datetime:
        return moment.replace(tzinfo=dt.UTC).astimezone(zone)

    return local


def build_digest(
    session: Session,
    *,
    since: dt.datetime,
    until: dt.datetime,
    settings: Mapping[str, Any],
    health: Mapping[str, Any],
    sources: Sequence[str],
    agencies: Mapping[str, str] | None = None,
) -> Digest:
    """What happened in ``[since, until)``: thread updates, new, edited, removed, source health.

    ``settings`` is the ``[digest]`` section, ``health`` the ``[health]`` one.
    """
    zone = zoneinfo.ZoneInfo(settings["timezone"])
    lo, hi = _utc(since), _utc(until)
    agencies = dict(agencies or {})
    ref, local = release_refs(agencies, zone), local_times(zone)

    events = session.execute(
        select(Event, Release, Source)
        .join(Release, Event.release_id == Release.id)
        .join(Source, Release.source_id == Source.id)
        .where(Event.at >= lo, Event.at < hi)
        # what backfills and baseline runs stored is history, not news
        .where(news_events())
        .order_by(Event.at, Event.id)
    ).all()
    new = [ref(r) for e, r, _ in events if e.kind is EventKind.NEW]
    edits = [(e, r) for e, r, _ in events if e.kind is EventKind.EDITED and e.version_id]
    removals = [(e, r) for e, r, _ in events if e.kind is EventKind.REMOVED]

    edited = edits_of(session, edits, ref, local)
    removed = removals_of(session, removals, ref, local)
    updates = _thread_updates(
        session, lo, hi, {r.id for _, r in edits}, {r.id for _, r in removals}, ref
    )
    reports = _sources(session, lo, hi, until.date(), sources, events, health, agencies)
    return Digest(
        since=since,
        until=until,
        timezone=settings["timezone"],
        thread_updates=tuple(updates),
        new=tuple(new),
        edited=tuple(edited),
        removed=tuple(removed),
        sources=tuple(reports),
    )


def edits_of(
    session: Session, edits: list[tuple[Event, Release]], ref: ToRef, local: ToLocal
) -> list[Edit]:
    """Edit events with the word diffs of their versions against the ones before."""
    if not edits:
        return []
    new_ids = [e.version_id for e, _ in edits]
    newer = {v.id: v for v in session.scalars(select(Version).where(Version.id.in_(new_ids)))}
    older_version = aliased(Version)
    pairs = session.execute(
        select(Version.id, older_version)
        .join(
            older_version,
            (older_version.release_id == Version.release_id)
            & (older_version.number == Version.number - 1),
        )
        .where(Version.id.in_(new_ids))
    ).all()
    older = dict(pairs)
    result = []
    for event, release in edits:
        version = newer[event.version_id]  # type: ignore[index]
        previous = older.get(version.id)
        if previous is None:
            continue
        result.append(
            Edit(
                ref(release),
                version.number,
                local(event.at),
                tuple(f for f in event.fields.split(",") if f),
                tuple(version_diff(previous, version)),
            )
        )
    return result


def removals_of(
    session: Session, removals: list[tuple[Event, Release]], ref: ToRef, local: ToLocal
) -> list[Removal]:
    """Removal events with the last text kept of each release."""
    if not removals:
        return []
    last = dict(
        session.execute(
            select(Version.release_id, Version.body)
            .join(
                Release,
                (Release.id == Version.release_id) & (Version.number == Release.version_count),
            )
            .where(Release.id.in_([r.id for _, r in removals]))
        ).all()
    )
    return [Removal(ref(r), local(e.at), last.get(r.id, "")) for e, r in removals]


def _thread_updates(
    session: Session,
    lo: dt.datetime,
    hi: dt.datetime,
    edited: set[int],
    removed: set[int],
    ref: ToRef,
) -> list[ThreadUpdate]:
    """Releases that joined (or were suggested for) a thread, and members edited or removed
    (joining as history is no update, but a later edit of such a member is)."""
    items: dict[int, list[ThreadItem]] = defaultdict(list)
    names: dict[int, str] = {}
    joined = session.execute(
        select(ThreadMember, Thread.name, Release)
        .join(Thread, ThreadMember.thread_id == Thread.id)
        .join(Release, ThreadMember.release_id == Release.id)
        .where(
            ThreadMember.joined_at >= lo,
            ThreadMember.joined_at < hi,
            ThreadMember.state != MemberState.REJECTED,
            ~ThreadMember.history,  # joined as history: on the timeline, not news
        )
        .order_by(ThreadMember.joined_at, ThreadMember.id)
    ).all()
    seen = set()
    for member, name, release in joined:
        names[member.thread_id] = name
        change: ThreadChange = "joined" if member.state is MemberState.CONFIRMED else "suggested"
        items[member.thread_id].append(
            ThreadItem(ref(release), change, member.reason, member.score)
        )
        seen.add((member.thread_id, release.id))
    changed = edited | removed
    if changed:
        members = session.execute(
            select(ThreadMember.thread_id, Thread.name, Release)
            .join(Thread, ThreadMember.thread_id == Thread.id)
            .join(Release, ThreadMember.release_id == Release.id)
            .where(
                ThreadMember.release_id.in_(changed),
                ThreadMember.state == MemberState.CONFIRMED,
            )
        ).all()
        for thread_id, name, release in members:
            if (thread_id, release.id) in seen:
                continue
            names[thread_id] = name
            change = "removed" if release.id in removed else "edited"
            items[thread_id].append(ThreadItem(ref(release), change, f"a member was {change}"))
    order = sorted(items, key=lambda t: names[t].lower())
    return [
        ThreadUpdate(t, names[t], tuple(sorted(items[t], key=lambda i: CHANGE_ORDER[i.change])))
        for t in order
    ]


def _sources(
    session: Session,
    lo: dt.datetime,
    hi: dt.datetime,
    day: dt.date,
    keys: Sequence[str],
    events: Sequence[Any],
    health: Mapping[str, Any],
    agencies: Mapping[str, str],
) -> list[SourceReport]:
    problems = problems_during(session, lo, hi)
    runs: dict[str, list[CrawlRun]] = defaultdict(list)
    for run, key in session.execute(
        select(CrawlRun, Source.key)
        .join(Source)
        .where(CrawlRun.started_at >= lo, CrawlRun.started_at < hi)
        .order_by(CrawlRun.started_at)
    ):
        runs[key].append(run)
    counts: dict[tuple[str, EventKind], int] = defaultdict(int)
    for event, _release, source in events:
        counts[source.key, event.kind] += 1
    baselined = dict(session.execute(select(Source.key, Source.baselined_at)).all())
    reports = []
    for key in keys:
        own = [r for r in runs[key] if r.status is not RunStatus.RUNNING]
        status: SourceStatus = "no runs"
        error = None
        if own:
            worst = max(own, key=lambda r: (SEVERITY.get(r.status.value, 0), r.started_at))
            status = worst.status.value  # type: ignore[assignment]
            error = worst.error
        state = quiet(session, key, day, health)
        if status in ("ok", "no runs") and state.silent:
            status, error = "silent", state.detail
        reports.append(
            SourceReport(
                key,
                agencies.get(key, key),
                status,
                error,
                len(own),
                counts[key, EventKind.NEW],
                counts[key, EventKind.EDITED],
                state.last_release,
                state.usual_gap_days,
                tuple(problems.get(key, ())),
                _baseline(own, baselined.get(key), hi),
            )
        )
    return reports


def _baseline(
    runs: Sequence[CrawlRun], baselined_at: dt.datetime | None, hi: dt.datetime
) -> Baseline | None:
    """The period's baseline runs of a source, if they stored anything or completed it (a
    failed first crawl that stored nothing is reported as failed, not as a baseline)."""
    own = [r for r in runs if r.baseline]
    stored = sum(r.new for r in own)
    complete = baselined_at is not None and baselined_at < hi
    if not own or not (stored or complete):
        return None
    return Baseline(len(own), stored, complete)
