"""Threads in the store: creating and curating them, and matching releases to them.

A person's decision (attach, detach, seed) is final: matching only adds releases that are not in
the thread in any state, or promotes its own suggestions when a new version scores higher.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from monitor.history import NotFound, find_release
from monitor.matching import MatchText, Rarity, Score, ThreadIndex, ThreadProfile, match_text
from monitor.models import (
    Event,
    EventKind,
    MemberMethod,
    MemberState,
    Release,
    Thread,
    ThreadMember,
    ThreadStatus,
    Version,
    utcnow,
)

RARITY_SAMPLE = 3000  # recent releases that tell common words from rare ones


@dataclass(frozen=True)
class Joined:
    """A release the matcher put in a thread (confirmed) or proposed (suggested)."""

    thread: str
    release_id: int
    state: MemberState
    score: float
    reason: str


def membership_verb(state: str) -> str:
    """How a release came to a thread, as a reader says it ("joined", "suggested for")."""
    return "joined" if state == MemberState.CONFIRMED else "suggested for"


def find_thread(session: Session, ref: str) -> Thread:
    """A thread by id or by name (case-insensitive)."""
    thread: Thread | None
    if ref.strip().isdigit():
        thread = session.get(Thread, int(ref))
    else:
        thread = session.scalar(select(Thread).where(func.lower(Thread.name) == ref.lower()))
    if thread is None:
        raise NotFound(f"no thread with id or name {ref!r}")
    return thread


def create_thread(
    session: Session,
    name: str,
    *,
    keywords: Sequence[str] = (),
    description: str = "",
    seeds: Sequence[str] = (),
) -> Thread:
    name = " ".join(name.split())
    if not name:
        raise ValueError("a thread needs a name")
    if session.scalar(select(Thread.id).where(func.lower(Thread.name) == name.lower())):
        raise ValueError(f"a thread named {name!r} exists already")
    releases = [find_release(session, ref) for ref in seeds]
    now = utcnow()
    thread = Thread(
        name=name,
        description=description,
        status=ThreadStatus.OPEN,
        created_at=now,
        keywords="\n".join(dict.fromkeys(k.strip() for k in keywords if k.strip())),
    )
    session.add(thread)
    for release in dict.fromkeys(releases):
        thread.members.append(
            ThreadMember(
                release=release,
                method=MemberMethod.SEED,
                state=MemberState.CONFIRMED,
                reason="seed release",
                joined_at=now,
                version_number=release.version_count,
            )
        )
    session.flush()
    return thread


def set_membership(session: Session, thread: Thread, release: Release, *, attach: bool) -> None:
    """A person's attach or detach: stored as manual, never overridden by matching."""
    member = session.scalar(
        select(ThreadMember).where(
            ThreadMember.thread_id == thread.id, ThreadMember.release_id == release.id
        )
    )
    state = MemberState.CONFIRMED if attach else MemberState.REJECTED
    reason = "attached by hand" if attach else "detached by hand"
    if member is None:
        session.add(
            ThreadMember(
                thread=thread,
                release=release,
                method=MemberMethod.MANUAL,
                state=state,
                reason=reason,
                joined_at=utcnow(),
                version_number=release.version_count,
            )
        )
    else:
        member.method, member.state, member.reason = MemberMethod.MANUAL, state, reason
        member.joined_at = utcnow()
    session.flush()


def close_thread(thread: Thread) -> None:
    thread.status = ThreadStatus.CLOSED
    thread.closed_at = utcnow()


def timeline(session: Session, thread: Thread) -> list[ThreadMember]:
    """Confirmed and suggested members, oldest release first."""
    return list(
        session.scalars(
            select(ThreadMember)
            .join(Release)
            .where(ThreadMember.thread_id == thread.id, ThreadMember.state != MemberState.REJECTED)
            .options(selectinload(ThreadMember.release).selectinload(Release.source))
            .order_by(Release.published.is_(None), Release.published, Release.id)
        )
    )


def release_texts(session: Session, release_ids: Iterable[int]) -> dict[int, MatchText]:
    """Match texts of the current versions of the given releases."""
    ids = list(release_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Release.id, Version.title, Version.body, Version.published)
        .join(
            Version,
            (Version.release_id == Release.id) & (Version.number == Release.version_count),
        )
        .where(Release.id.in_(ids))
    )
    return {id_: match_text(id_, title, body, published) for id_, title, body, published in rows}


class Matcher:
    """Open threads loaded and indexed once, for matching a batch of releases."""

    def __init__(self, session: Session, settings: Mapping[str, Any]) -> None:
        self.match_at = float(settings["match_threshold"])
        self.suggest_at = float(settings["suggest_threshold"])
        threads = session.scalars(
            select(Thread)
            .where(Thread.status == ThreadStatus.OPEN)
            .options(selectinload(Thread.members))
        ).all()
        confirmed = {
            m.release_id for t in threads for m in t.members if m.state is MemberState.CONFIRMED
        }
        texts = release_texts(session, confirmed)
        profiles = [
            ThreadProfile(
                id=t.id,
                name=t.name,
                keywords=tuple(t.keyword_list),
                members=[
                    texts[m.release_id]
                    for m in t.members
                    if m.state is MemberState.CONFIRMED and m.release_id in texts
                ],
                excluded={m.release_id for m in t.members if m.state is not MemberState.SUGGESTED},
            )
            for t in threads
        ]
        self.names = {t.id: t.name for t in threads}
        recent = select(Release.id).order_by(Release.first_seen.desc()).limit(RARITY_SAMPLE)
        rarity = Rarity.of(
            t.words for t in release_texts(session, session.scalars(recent)).values()
        )
        self.index = ThreadIndex(profiles, rarity, window_days=int(settings["window_days"]))

    def candidates(self, release: MatchText) -> list[Score]:
        """Threads the release reaches at least the suggestion threshold of, best first."""
        return [
            s
            for s in self.index.scores(release, floor=self.suggest_at)
            if s.value >= self.suggest_at
        ]


def match_releases(
    session: Session,
    release_ids: Iterable[int],
    settings: Mapping[str, Any],
    *,
    history: bool = False,
) -> list[Joined]:
    """Match new releases and new versions against the open threads; store what qualifies.

    With ``history`` (releases that are not news: a baseline, a backfill) what joins is marked
    as history: on the timeline, not a thread update, never alerted.
    """
    ids = list(dict.fromkeys(release_ids))
    if not ids:
        return []
    matcher = Matcher(session, settings)
    if not matcher.names:
        return []
    suggested = {
        (m.thread_id, m.release_id): m
        for m in session.scalars(
            select(ThreadMember).where(
                ThreadMember.release_id.in_(ids), ThreadMember.state == MemberState.SUGGESTED
            )
        )
    }
    versions = dict(
        session.execute(select(Release.id, Release.version_count).where(Release.id.in_(ids))).all()
    )
    joined: list[Joined] = []
    now = utcnow()
    for release in sorted(
        release_texts(session, ids).values(),
        key=lambda t: (t.published or dt.date.min, t.release_id),
    ):
        for found in matcher.candidates(release):
            thread_id, value, reason = found.thread_id, found.value, found.reason
            state = MemberState.CONFIRMED if value >= matcher.match_at else MemberState.SUGGESTED
            existing = suggested.get((thread_id, release.release_id))
            if existing is not None:
                if state is not MemberState.CONFIRMED:
                    continue  # still only a suggestion: nothing new to say
                existing.state, existing.score, existing.reason = state, value, reason
                existing.joined_at, existing.version_number = now, versions[release.release_id]
            else:
                session.add(
                    ThreadMember(
                        thread_id=thread_id,
                        release_id=release.release_id,
                        method=MemberMethod.MATCHED,
                        state=state,
                        score=value,
                        reason=reason,
                        joined_at=now,
                        version_number=versions[release.release_id],
                        history=history,
                    )
                )
            if state is MemberState.CONFIRMED:  # later releases in the batch see it as a member
                matcher.index.add_member(thread_id, release)
            joined.append(
                Joined(matcher.names[thread_id], release.release_id, state, value, reason)
            )
    session.flush()
    return joined


def match_runs(
    session: Session, run_ids: Sequence[int], settings: Mapping[str, Any], *, history: bool = False
) -> list[Joined]:
    """Match the releases that crawl runs found new, edited or restored."""
    release_ids = session.scalars(
        select(Event.release_id).where(
            Event.run_id.in_(list(run_ids)),
            Event.kind.in_([EventKind.NEW, EventKind.EDITED, EventKind.RESTORED]),
        )
    ).all()
    return match_releases(session, release_ids, settings, history=history)


def thread_records(session: Session) -> list[dict[str, Any]]:
    """Threads with their confirmed and suggested member counts (as ``monitor threads list``)."""
    counts: dict[tuple[int, MemberState], int] = {
        (thread_id, state): n
        for thread_id, state, n in session.execute(
            select(ThreadMember.thread_id, ThreadMember.state, func.count()).group_by(
                ThreadMember.thread_id, ThreadMember.state
            )
        )
    }
    return [
        {
            **thread_header(t),
            "members": counts.get((t.id, MemberState.CONFIRMED), 0),
            "suggested": counts.get((t.id, MemberState.SUGGESTED), 0),
        }
        for t in session.scalars(select(Thread).order_by(Thread.id))
    ]


def thread_header(thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.id,
        "name": thread.name,
        "status": thread.status.value,
        "keywords": thread.keyword_list,
        "description": thread.description,
    }
