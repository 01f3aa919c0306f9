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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select, update
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
    else:
        source.name, source.kind = name, kind
    return source


def changed_fields(
    old: tuple[str, dt.date | None, str], title: str, published: dt.date | None, body: str
) -> list[str]:
    """Which of title / published / body differ, judged on their folded forms."""
    old_title, old_published, old_body = old
    changed = []
    if fold(old_title) != fold(title):
        changed.append("title")
    if old_published != published:
        changed.append("published")
    if fold(old_body) != fold(body):
        changed.append("body")
    return changed


@dataclass(frozen=True)
class Prepared:
    """A fetched release in stored form: tidied text and its content hash."""

    item: ReleasePage
    title: str
    body: str
    digest: str


def prepare(item: ReleasePage) -> Prepared:
    title = " ".join(item.title.split())
    body = clean_text(item.body)
    return Prepared(item, title, body, content_hash(title, item.published, body))


def record_release(
    session: Session, source: Source, item: ReleasePage, *, run_id: int | None
) -> Outcome:
    """Store one fetched release page; write a version only when its content changed."""
    return record_releases(session, source, [item], run_id=run_id)[0]


@dataclass
class _Known:
    id: int
    removed: bool
    digest: str
    versions: int


def record_releases(
    session: Session, source: Source, items: Sequence[ReleasePage], *, run_id: int | None
) -> list[Outcome]:
    """Store fetched release pages, one outcome each, in a few set-wise statements.

    Pages are compared with what is stored by content hash; only a changed hash costs a look
    at the current version (to name the fields that changed) and a new version row.
    """
    now = utcnow()
    batch = list({item.url: prepare(item) for item in items}.values())  # a URL counts once
    known = {
        url: _Known(id_, status is ReleaseStatus.REMOVED, digest, count)
        for id_, url, status, digest, count in session.execute(
            select(
                Release.id, Release.url, Release.status, Release.content_hash, Release.version_count
            ).where(Release.url.in_([p.item.url for p in batch]))
        )
    }
    current = _current_versions(
        session, [k.id for p in batch if (k := known.get(p.item.url)) and k.digest != p.digest]
    )
    fresh = [p for p in batch if p.item.url not in known]
    ids = _insert_releases(session, source, fresh, now)
    outcomes: dict[str, Outcome] = {p.item.url: Outcome.NEW for p in fresh}
    versions: list[tuple[int, Prepared, list[str], int]] = [
        (ids[p.item.url], p, [], 1) for p in fresh
    ]
    touched, restored, edited = [], [], []
    for p in batch:
        k = known.get(p.item.url)
        if k is None:
            continue
        touched.append(k.id)
        fields = (
            []
            if k.digest == p.digest
            else (
                changed_fields(current[k.id], p.title, p.item.published, p.body)
                if k.id in current
                else list(FIELDS)
            )
        )
        if k.removed:
            restored.append(k.id)
        if fields:
            versions.append((k.id, p, fields, k.versions + 1))
            edited.append(
                {
                    "id": k.id,
                    "title": p.title,
                    "published": p.item.published,
                    "content_hash": p.digest,
                    "version_count": k.versions + 1,
                }
            )
        elif k.digest != p.digest:  # an older normalization hashed the same content otherwise
            edited.append(
                {
                    "id": k.id,
                    "title": p.title,
                    "published": p.item.published,
                    "content_hash": p.digest,
                    "version_count": k.versions,
                }
            )
        outcomes[p.item.url] = (
            Outcome.RESTORED if k.removed else Outcome.EDITED if fields else Outcome.UNCHANGED
        )
    if touched:
        session.execute(
            update(Release)
            .where(Release.id.in_(touched))
            .values(last_seen=now, last_checked=now, status=ReleaseStatus.ACTIVE)
        )
    if edited:
        session.execute(update(Release), edited)
    if touched:  # the validators of this fetch, for the next conditional request
        session.execute(
            update(Release),
            [
                {
                    "id": known[p.item.url].id,
                    "etag": p.item.etag,
                    "last_modified": p.item.last_modified,
                }
                for p in batch
                if p.item.url in known
            ],
        )
    version_ids = _insert_versions(session, versions, run_id, now)
    events = [_event(EventKind.RESTORED, release_id, run_id, now) for release_id in restored]
    for (release_id, _p, fields, _n), version_id in zip(versions, version_ids, strict=True):
        kind = EventKind.EDITED if fields else EventKind.NEW
        events.append(_event(kind, release_id, run_id, now, version_id=version_id, fields=fields))
    if events:
        session.execute(insert(Event), events)
    return [outcomes[item.url] for item in items]


def _insert_releases(
    session: Session, source: Source, fresh: list[Prepared], now: dt.datetime
) -> dict[str, int]:
    if not fresh:
        return {}
    rows = session.execute(
        insert(Release).returning(Release.id, Release.url, sort_by_parameter_order=True),
        [
            {
                "source_id": source.id,
                "url": p.item.url,
                "status": ReleaseStatus.ACTIVE,
                "first_seen": now,
                "last_seen": now,
                "last_checked": now,
                "version_count": 1,
                "title": p.title,
                "published": p.item.published,
                "content_hash": p.digest,
                "etag": p.item.etag,
                "last_modified": p.item.last_modified,
            }
            for p in fresh
        ],
    )
    return {url: id_ for id_, url in rows}


def _insert_versions(
    session: Session,
    versions: list[tuple[int, Prepared, list[str], int]],
    run_id: int | None,
    now: dt.datetime,
) -> list[int]:
    if not versions:
        return []
    rows = session.execute(
        insert(Version).returning(Version.id, sort_by_parameter_order=True),
        [
            {
                "release_id": release_id,
                "number": number,
                "fetched_at": now,
                "title": p.title,
                "published": p.item.published,
                "body": p.body,
                "content_hash": p.digest,
                "changed": ",".join(fields),
                "raw_html": compress(p.item.html),
                "run_id": run_id,
            }
            for release_id, p, fields, number in versions
        ],
    )
    return list(rows.scalars())


def _current_versions(
    session: Session, release_ids: list[int]
) -> dict[int, tuple[str, dt.date | None, str]]:
    """Release id -> title, date and body of its current version, for the releases given."""
    if not release_ids:
        return {}
    rows = session.execute(
        select(Version.release_id, Version.title, Version.published, Version.body)
        .join(Release, Version.release_id == Release.id)
        .where(Release.id.in_(release_ids), Version.number == Release.version_count)
    )
    return {release_id: (title, published, body) for release_id, title, published, body in rows}


def _event(
    kind: EventKind,
    release_id: int,
    run_id: int | None,
    now: dt.datetime,
    *,
    version_id: int | None = None,
    fields: Iterable[str] = (),
) -> dict[str, object]:
    return {
        "at": now,
        "kind": kind,
        "release_id": release_id,
        "version_id": version_id,
        "run_id": run_id,
        "fields": ",".join(fields),
    }


def mark_removed(session: Session, urls: Iterable[str], *, run_id: int | None) -> int:
    """Mark releases whose own pages answered 404/410 as removed; returns how many changed."""
    now = utcnow()
    rows = session.execute(
        select(Release.id, Release.status).where(Release.url.in_(list(urls)))
    ).all()
    if not rows:
        return 0
    session.execute(
        update(Release)
        .where(Release.id.in_([id_ for id_, _ in rows]))
        .values(last_checked=now, status=ReleaseStatus.REMOVED)
    )
    newly = [id_ for id_, status in rows if status is not ReleaseStatus.REMOVED]
    if newly:
        session.execute(
            insert(Event), [_event(EventKind.REMOVED, id_, run_id, now) for id_ in newly]
        )
    return len(newly)


def mark_not_modified(session: Session, urls: Iterable[str]) -> int:
    """Known releases whose pages answered 304: seen and checked now, nothing else changes."""
    now = utcnow()
    result = session.execute(
        update(Release)
        .where(Release.url.in_(list(urls)), Release.status == ReleaseStatus.ACTIVE)
        .values(last_seen=now, last_checked=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def validators(session: Session, source: Source) -> dict[str, tuple[str | None, str | None]]:
    """URL -> (ETag, Last-Modified) of active releases whose last fetch sent either."""
    rows = session.execute(
        select(Release.url, Release.etag, Release.last_modified).where(
            Release.source_id == source.id,
            Release.status == ReleaseStatus.ACTIVE,
            (Release.etag.is_not(None)) | (Release.last_modified.is_not(None)),
        )
    )
    return {url: (etag, modified) for url, etag, modified in rows}


def known_releases(session: Session, source: Source) -> dict[str, dt.date | None]:
    """URL -> published date of the source's active releases (the spider re-fetches from these)."""
    rows = session.execute(
        select(Release.url, Release.published).where(
            Release.source_id == source.id, Release.status == ReleaseStatus.ACTIVE
        )
    )
    return dict(rows.all())


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
