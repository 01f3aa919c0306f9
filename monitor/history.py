"""Reading the store: releases, their versions, runs, and export rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from monitor.models import CrawlRun, Release, ReleaseStatus, Source, Version
from monitor.normalize import canonical_url


class NotFound(LookupError):
    """No such release or version; the message says what was asked for."""


def find_release(session: Session, ref: str) -> Release:
    """A release by id or by URL (tracking parameters and fragments ignored)."""
    release: Release | None
    if ref.strip().isdigit():
        release = session.get(Release, int(ref))
    else:
        release = session.scalar(select(Release).where(Release.url == canonical_url(ref)))
    if release is None:
        raise NotFound(f"no release with id or URL {ref!r}")
    return release


def get_version(session: Session, release: Release, number: int | None = None) -> Version:
    """Version ``number`` of a release (1-based), or its current one."""
    wanted = number if number is not None else release.version_count
    version = session.scalar(
        select(Version).where(Version.release_id == release.id, Version.number == wanted)
    )
    if version is None:
        raise NotFound(
            f"release {release.id} has no version {wanted} (it has 1 to {release.version_count})"
        )
    return version


def _release_filter(
    query: Select[Any],
    *,
    source: str | None,
    since: dt.date | None,
    status: ReleaseStatus | None,
    q: str | None,
) -> Select[Any]:
    if source:
        query = query.where(Source.key == source)
    if since:
        query = query.where(Release.published >= since)
    if status:
        query = query.where(Release.status == status)
    if q and q.strip():  # words of the title, in that order, any case
        pattern = "%" + _like_escape(q.strip()) + "%"
        query = query.where(Release.title.ilike(pattern, escape="\\"))
    return query


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_releases(
    session: Session,
    *,
    source: str | None = None,
    since: dt.date | None = None,
    status: ReleaseStatus | None = None,
    q: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Release]:
    """Releases newest first, filtered by source, published date, status and title words."""
    query = _release_filter(
        select(Release).join(Source).options(selectinload(Release.source)),
        source=source,
        since=since,
        status=status,
        q=q,
    ).order_by(Release.published.desc(), Release.id.desc())
    if limit:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return list(session.scalars(query))


def count_releases(
    session: Session,
    *,
    source: str | None = None,
    since: dt.date | None = None,
    status: ReleaseStatus | None = None,
    q: str | None = None,
) -> int:
    query = _release_filter(
        select(func.count(Release.id)).join(Source), source=source, since=since, status=status, q=q
    )
    return int(session.scalar(query) or 0)


def last_runs(session: Session) -> dict[str, CrawlRun]:
    """The most recent run of each source, by source key."""
    runs: dict[str, CrawlRun] = {}
    for run, key in session.execute(
        select(CrawlRun, Source.key).join(Source).order_by(CrawlRun.started_at, CrawlRun.id)
    ):
        runs[key] = run
    return runs


def utc_iso(moment: dt.datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 with a ``Z``; ``None`` stays ``None``."""
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def release_record(release: Release) -> dict[str, Any]:
    return {
        "id": release.id,
        "source": release.source.key,
        "url": release.url,
        "title": release.title,
        "published": release.published.isoformat() if release.published else None,
        "status": release.status.value,
        "versions": release.version_count,
        "first_seen": release.first_seen.isoformat(timespec="seconds") + "Z",
        "last_seen": release.last_seen.isoformat(timespec="seconds") + "Z",
    }


def version_record(version: Version, *, body: bool = True) -> dict[str, Any]:
    record: dict[str, Any] = {
        "number": version.number,
        "fetched_at": version.fetched_at.isoformat(timespec="seconds") + "Z",
        "title": version.title,
        "published": version.published.isoformat() if version.published else None,
        "changed": version.changed_fields,
        "content_hash": version.content_hash,
    }
    if body:
        record["body"] = version.body
    return record


EXPORT_FIELDS = (
    "release_id",
    "source",
    "url",
    "version",
    "fetched_at",
    "title",
    "published",
    "body",
    "content_hash",
)


def export_rows(session: Session, *, source: str | None = None) -> Iterator[dict[str, Any]]:
    """One row per version, oldest release first, streamed."""
    query = (
        select(
            Version.release_id,
            Source.key,
            Release.url,
            Version.number,
            Version.fetched_at,
            Version.title,
            Version.published,
            Version.body,
            Version.content_hash,
        )
        .join(Release, Version.release_id == Release.id)
        .join(Source, Release.source_id == Source.id)
        .order_by(Version.release_id, Version.number)
        .execution_options(yield_per=500)
    )
    if source:
        query = query.where(Source.key == source)
    for release_id, key, url, number, fetched_at, title, published, body, digest in session.execute(
        query
    ):
        yield dict(
            zip(
                EXPORT_FIELDS,
                (
                    release_id,
                    key,
                    url,
                    number,
                    fetched_at.isoformat(timespec="seconds") + "Z",
                    title,
                    published.isoformat() if published else None,
                    body,
                    digest,
                ),
                strict=True,
            )
        )
