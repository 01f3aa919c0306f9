"""history: baseline crawls, and thread members that joined as history

A source's first crawl over its whole listing window is its baseline: what it stores is history,
like a backfill, not news. Thread members found among releases stored before the thread existed,
backfilled, or baselined join the timeline as history: not thread updates, never alerted.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch_op:
        batch_op.add_column(sa.Column("baselined_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("crawl_runs") as batch_op:
        batch_op.add_column(
            sa.Column("baseline", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("thread_members") as batch_op:
        batch_op.add_column(
            sa.Column("history", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # a source that already had a regular crawl end ok is past its baseline
    op.execute(
        """
        UPDATE sources SET baselined_at = (
            SELECT MIN(crawl_runs.finished_at) FROM crawl_runs
            WHERE crawl_runs.source_id = sources.id AND crawl_runs.status = 'ok'
              AND crawl_runs.trigger <> 'backfill'
        )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("thread_members") as batch_op:
        batch_op.drop_column("history")
    with op.batch_alter_table("crawl_runs") as batch_op:
        batch_op.drop_column("baseline")
    with op.batch_alter_table("sources") as batch_op:
        batch_op.drop_column("baselined_at")
