"""A thread as a feed: its members, newest first, and the edits and removals of its members.

Entries:

- a release that joined the thread or was suggested for it, at the time it did;
- a member that joined as history (stored before the thread existed, backfilled or baselined),
  at its own date (published, else first seen), marked as history: the thread's past, not news;
- an edit of a confirmed member (with its word diffs), and a removal, at the time they were
  found, members that joined as history included: the feed is the thread's whole record. Edits
  and removals that baseline runs and backfills found are left out: they are the store catching
  up, not changes the thread saw.

Rejected releases are not in it. The newest :data:`FEED_LIMIT` entries are kept.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from monitor.baseline import news_events
from monitor.digest.build import ToLocal, ToRef, edits_of, local_times, release_refs, removals_of
from monitor.digest.model import Edit, Removal, ThreadChange, ThreadItem
from monitor.models import (
    Event,
    EventKind,
    MemberState,
    Release,
    Thread,
    ThreadMember,
)

FEED_LIMIT = 100


@dataclass(frozen=True)
class MemberEntry:
    """A release in the thread: joined or suggested, as news or as history."""

    item: ThreadItem
    at: dt.datetime
    history: bool


FeedEntry = MemberEntry | Edit | Removal


@dataclass(frozen=True)
class ThreadFeed:
    thread_id: int
    name: str
    description: str
    timezone: str
    created: dt.datetime
    entries: tuple[FeedEntry, ...]  # newest first

    @property
    def updated(self) -> dt.datetime:
        return max((e.at for e in self.entries), default=self.created)


def build_thread_feed(
    session: Session,
    thread: Thread,
    *,
    agencies: Mapping[str, str],
    timezone: str,
    limit: int = FEED_LIMIT,
) -> ThreadFeed:
    """The thread's newest ``limit`` entries, times in ``timezone``."""
    zone = zoneinfo.ZoneInfo(timezone)
    ref, local = release_refs(agencies, zone), local_times(zone)
    entries: list[FeedEntry] = [
        *_members(session, thread, ref, local, zone, limit),
        *_changes(session, thread, ref, local, limit),
    ]
    entries.sort(key=lambda e: e.at, reverse=True)
    return ThreadFeed(
        thread.id,
        thread.name,
        thread.description,
        timezone,
        local(thread.created_at),
        tuple(entries[:limit]),
    )


def _members(
    session: Session,
    thread: Thread,
    ref: ToRef,
    local: ToLocal,
    zone: dt.tzinfo,
    limit: int,
) -> list[MemberEntry]:
    members = session.scalars(
        select(ThreadMember)
        .where(ThreadMember.thread_id == thread.id, ThreadMember.state != MemberState.REJECTED)
        .options(selectinload(ThreadMember.release).selectinload(Release.source))
        .order_by(ThreadMember.joined_at.desc(), ThreadMember.id.desc())
    ).all()
    entries = []
    for member in members:
        release = member.release
        change: ThreadChange = "joined" if member.state is MemberState.CONFIRMED else "suggested"
        item = ThreadItem(ref(release), change, member.reason, member.score)
        if member.history:  # at its own date: the thread's past
            at = local(release.first_seen)
            if release.published is not None:
                at = dt.datetime.combine(release.published, dt.time(), zone)
        else:
            at = local(member.joined_at)
        entries.append(MemberEntry(item, at, member.history))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def _changes(
    session: Session, thread: Thread, ref: ToRef, local: ToLocal, limit: int
) -> list[Edit | Removal]:
    """Edits and removals of the thread's confirmed members that regular crawls found."""
    rows = session.execute(
        select(Event, Release)
        .join(Release, Event.release_id == Release.id)
        .join(ThreadMember, ThreadMember.release_id == Release.id)
        .where(
            ThreadMember.thread_id == thread.id,
            ThreadMember.state == MemberState.CONFIRMED,
            Event.kind.in_([EventKind.EDITED, EventKind.REMOVED]),
            news_events(),
        )
        .options(selectinload(Release.source))
        .order_by(Event.at.desc(), Event.id.desc())
        .limit(limit)
    ).all()
    edits = [(e, r) for e, r in rows if e.kind is EventKind.EDITED and e.version_id]
    removals = [(e, r) for e, r in rows if e.kind is EventKind.REMOVED]
    return [
        *edits_of(session, list(edits), ref, local),
        *removals_of(session, list(removals), ref, local),
    ]
