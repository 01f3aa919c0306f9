"""query parameters: stored URLs re-canonicalised under the rule that strips only tracking

URL clean-up used to strip a short list of parameters that included ``source`` and ``ref``
(which can tell two releases apart); it now strips only the ClearURLs tracking parameters
(``utm_*``, ``fbclid``, ``gclid``, ``mc_cid``, ``mc_eid``, ``_hsenc``, ``spm`` and the like), plus
whatever a source's ``strip_query`` names from its next crawl on (the config is not read here).
Every stored release URL is put in the new canonical form:

- A URL the new rule leaves alone is untouched. One that still carries a parameter the old rule
  kept but the new one strips loses it.
- Where two stored releases now have the same URL they were one release stored twice: one row is
  kept, the one with the most versions (then the one seen first, then the older row). It takes
  the earlier ``first_seen`` and the later ``last_seen``, and the other row's thread memberships
  for threads it is not in yet; the other row, with its versions and events (fetches of the
  same page under another address), is deleted.
- A URL whose meaningful parameters the old rule stripped cannot be recovered: it stays as it
  is, and the next crawl stores the page under its full address.

Remembered listing pages (``listing_pages``, a cache for conditional requests) whose URL
changes are dropped: the next crawl fetches them in full.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 19:40:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from monitor.normalize import canonical_url

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

releases = sa.table(
    "releases",
    sa.column("id", sa.Integer),
    sa.column("url", sa.String),
    sa.column("first_seen", sa.DateTime),
    sa.column("last_seen", sa.DateTime),
    sa.column("version_count", sa.Integer),
)
members = sa.table(
    "thread_members",
    sa.column("id", sa.Integer),
    sa.column("thread_id", sa.Integer),
    sa.column("release_id", sa.Integer),
)
listing_pages = sa.table("listing_pages", sa.column("id", sa.Integer), sa.column("url", sa.String))


def upgrade() -> None:
    connection = op.get_bind()
    changed = connection.execute(
        sa.select(releases).where(releases.c.url.like("%?%")).order_by(releases.c.id)
    ).all()
    for row in changed:
        url = canonical_url(row.url)
        if url == row.url:
            continue
        other = connection.execute(sa.select(releases).where(releases.c.url == url)).first()
        if other is None:
            connection.execute(sa.update(releases).where(releases.c.id == row.id).values(url=url))
            continue
        keep, drop = sorted((row, other), key=lambda r: (-r.version_count, r.first_seen, r.id))
        _merge(connection, keep, drop)
        connection.execute(sa.update(releases).where(releases.c.id == keep.id).values(url=url))
    for page in connection.execute(
        sa.select(listing_pages).where(listing_pages.c.url.like("%?%"))
    ).all():
        if canonical_url(page.url) != page.url:
            connection.execute(sa.delete(listing_pages).where(listing_pages.c.id == page.id))


def _merge(connection: sa.Connection, keep: sa.Row[Any], drop: sa.Row[Any]) -> None:
    """Fold the release ``drop`` into ``keep`` (see the module doc), then delete it."""
    joined = set(
        connection.scalars(sa.select(members.c.thread_id).where(members.c.release_id == keep.id))
    )
    for member_id, thread_id in connection.execute(
        sa.select(members.c.id, members.c.thread_id).where(members.c.release_id == drop.id)
    ).all():
        if thread_id not in joined:
            connection.execute(
                sa.update(members).where(members.c.id == member_id).values(release_id=keep.id)
            )
    connection.execute(
        sa.update(releases)
        .where(releases.c.id == keep.id)
        .values(
            first_seen=min(keep.first_seen, drop.first_seen),
            last_seen=max(keep.last_seen, drop.last_seen),
        )
    )
    for table in ("thread_members", "events"):
        connection.execute(sa.text(f"DELETE FROM {table} WHERE release_id = :id"), {"id": drop.id})
    connection.execute(sa.text("DELETE FROM versions WHERE release_id = :id"), {"id": drop.id})
    connection.execute(sa.delete(releases).where(releases.c.id == drop.id))


def downgrade() -> None:
    """Nothing to undo: the URLs kept their meaning, and merged duplicates stay merged."""
