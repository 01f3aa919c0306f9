"""Listing pages kept with their validators, so an unchanged listing costs a 304 too.

When a listing page answers 304, the spider replays the rows it held when last fetched (its
releases and its next-page link), so the walk and the re-fetch window work as on a full fetch.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.models import ListingPageRow, Source, utcnow
from spiders.items import ListingCache, ListingEntry, ListingPage


def listing_caches(session: Session, source: Source) -> dict[str, ListingCache]:
    rows = session.scalars(select(ListingPageRow).where(ListingPageRow.source_id == source.id))
    return {
        row.url: ListingCache(
            row.etag,
            row.last_modified,
            tuple(
                ListingEntry(url, dt.date.fromisoformat(day) if day else None)
                for url, day in json.loads(row.entries)
            ),
            row.next_url,
        )
        for row in rows
    }


def save_listings(session: Session, source: Source, pages: Iterable[ListingPage]) -> None:
    """Remember the listing pages fetched in full that came with validators."""
    kept = {page.url: page.cache for page in pages if page.cache is not None}
    if not kept:
        return
    existing = {
        row.url: row
        for row in session.scalars(select(ListingPageRow).where(ListingPageRow.url.in_(kept)))
    }
    now = utcnow()
    for url, cache in kept.items():
        row = existing.get(url) or ListingPageRow(source_id=source.id, url=url)
        row.etag, row.last_modified, row.next_url, row.fetched_at = (
            cache.etag,
            cache.last_modified,
            cache.next_url,
            now,
        )
        row.entries = json.dumps(
            [[e.url, e.published.isoformat() if e.published else None] for e in cache.entries]
        )
        session.add(row)
