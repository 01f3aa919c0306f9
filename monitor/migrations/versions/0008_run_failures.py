"""run failures: each page a run could not use, and why; runs can end "partial"

A run whose listing was read but some release pages failed ends ``partial`` (the status column
is a plain string, so no schema change is needed for the new value); each failed page is a row
of ``run_failures`` with its reason (timeout, http, missing, storage, …), HTTP status and detail.
Runs recorded before this revision keep their status and have no failure rows.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 19:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("listing", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_run_failures_run_id", "run_failures", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_run_failures_run_id", table_name="run_failures")
    op.drop_table("run_failures")
    # "partial" is not a status the older code knows: such runs read as failed there
    op.execute("UPDATE crawl_runs SET status = 'failed' WHERE status = 'partial'")
