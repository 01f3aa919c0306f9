"""Items to versions and events: every fetch of a release page ends in one outcome.

``new``: first time seen. ``edited``: the normalized content hash changed (a new version, with
which of title / published / body changed). ``unchanged``: same hash, nothing written but the
check time. ``restored``: a removed release answered again. ``removed``: its own page answered
404/410 on a crawl that otherwise worked (applied by :mod:`monitor.runs` at the end of the run).
"""

from __future__ import annotations

import datetime as dt
import enum
import zlib
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.models import Event, EventKind, Release, ReleaseStatus, Source, Version, utcnow
from monitor.normalize import clean_text, content_hash, fold
from spiders.items import ReleasePage

FIELDS = ("title", "published", "body")


class Outcome(enum.StrEnum):
    NEW = "new"
    EDITED = "edited"
    UNCHANGED = "unchanged"
    RESTORED = "restored"
    REMOVED = "removed"


def ensure_source(session: Session, key: str, name: str, *, kind: str = "builtin") -> Source:
    source = session.scalar(select(Source).where(Source.key == key))
    if source is None:
        source = Source(key=key, name=name, kind=kind, enabled=True)
        session.add(source)
        session.flush()
    elif source.name != name:
        source.name = name
    return source


def changed_fields(old: Version, title: str, published: dt.date | None, body: str) -> list[str]:
    changed = []
    if fold(old.title) != fold(title):
        changed.append("title")
    if old.published != published:
        changed.append("published")
    if fold(old.body) != fold(body):
        changed.append("body")
    return changed


def record_release(
    session: Session, source: Source, item: ReleasePage, *, run_id: int | None
) -> Outcome:
    """Store one fetched release page; write a version only when its content changed."""
    now = utcnow()
    title = " ".join(item.title.split())
    body = clean_text(item.body)
    digest = content_hash(title, item.published, body)
    release = session.scalar(select(Release).where(Release.url == item.url))
    if release is None:
        release = Release(
            source_id=source.id,
            url=item.url,
            status=ReleaseStatus.ACTIVE,
            first_seen=now,
            last_seen=now,
            last_checked=now,
            version_count=0,
            title=title,
            published=item.published,
            content_hash=digest,
        )
        session.add(release)
        session.flush()
        _add_version(session, release, item, title, body, digest, [], run_id, now)
        _add_event(session, EventKind.NEW, release, run_id, now, version_id=release.versions[-1].id)
        return Outcome.NEW

    release.last_seen = release.last_checked = now
    was_removed = release.status is ReleaseStatus.REMOVED
    release.status = ReleaseStatus.ACTIVE
    if release.content_hash == digest:
        if was_removed:
            _add_event(session, EventKind.RESTORED, release, run_id, now)
            return Outcome.RESTORED
        return Outcome.UNCHANGED

    current = session.scalar(
        select(Version)
        .where(Version.release_id == release.id)
        .order_by(Version.number.desc())
        .limit(1)
    )
    fields = changed_fields(current, title, item.published, body) if current else list(FIELDS)
    if not fields:  # normalization changed between releases of the monitor: same content
        release.content_hash = digest
        return Outcome.RESTORED if was_removed else Outcome.UNCHANGED
    version = _add_version(session, release, item, title, body, digest, fields, run_id, now)
    if was_removed:
        _add_event(session, EventKind.RESTORED, release, run_id, now, version_id=version.id)
    _add_event(
        session, EventKind.EDITED, release, run_id, now, version_id=version.id, fields=fields
    )
    return Outcome.RESTORED if was_removed else Outcome.EDITED


def mark_removed(session: Session, urls: Iterable[str], *, run_id: int | None) -> int:
    """Mark releases whose own pages answered 404/410 as removed; returns how many changed."""
    now = utcnow()
    count = 0
    for release in session.scalars(select(Release).where(Release.url.in_(list(urls)))):
        release.last_checked = now
        if release.status is ReleaseStatus.REMOVED:
            continue
        release.status = ReleaseStatus.REMOVED
        _add_event(session, EventKind.REMOVED, release, run_id, now)
        count += 1
    return count


def known_releases(session: Session, source: Source) -> dict[str, dt.date | None]:
    """URL -> published date of the source's active releases (the spider re-fetches from these)."""
    rows = session.execute(
        select(Release.url, Release.published).where(
            Release.source_id == source.id, Release.status == ReleaseStatus.ACTIVE
        )
    )
    return {url: published for url, published in rows}  # noqa: C416 (rows are Row objects)


def due_for_recheck(session: Session, source: Source, *, days: int) -> set[str]:
    """Active releases not fetched for ``days``: the slow cadence for those past the window."""
    cutoff = utcnow() - dt.timedelta(days=days)
    return set(
        session.scalars(
            select(Release.url).where(
                Release.source_id == source.id,
                Release.status == ReleaseStatus.ACTIVE,
                Release.last_checked < cutoff,
            )
        )
    )


def compress(html: bytes) -> bytes:
    return zlib.compress(html, 6)


def decompress(blob: bytes) -> bytes:
    return zlib.decompress(blob)


def _add_version(
    session: Session,
    release: Release,
    item: ReleasePage,
    title: str,
    body: str,
    digest: str,
    fields: list[str],
    run_id: int | None,
    now: dt.datetime,
) -> Version:
    release.version_count += 1
    version = Version(
        release_id=release.id,
        number=release.version_count,
        fetched_at=now,
        title=title,
        published=item.published,
        body=body,
        content_hash=digest,
        changed=",".join(fields),
        raw_html=compress(item.html),
        run_id=run_id,
    )
    release.versions.append(version)
    release.title, release.published, release.content_hash = title, item.published, digest
    session.flush()
    return version


def _add_event(
    session: Session,
    kind: EventKind,
    release: Release,
    run_id: int | None,
    now: dt.datetime,
    *,
    version_id: int | None = None,
    fields: Iterable[str] = (),
) -> None:
    session.add(
        Event(
            at=now,
            kind=kind,
            release_id=release.id,
            version_id=version_id,
            run_id=run_id,
            fields=",".join(fields),
        )
    )
