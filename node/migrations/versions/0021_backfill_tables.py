"""Backfill of followed actors and the hub directory (issue 9 items 4 and 5).

``network_backfill`` is one resumable job row per followed actor (cursor, counters,
state); ``network_hub`` is the directory of hubs the node knows.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "network_backfill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_uri", sa.String(length=1024), nullable=False),
        sa.Column("follower", sa.String(length=1024), nullable=False),
        sa.Column("parent", sa.String(length=1024), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("next_url", sa.String(length=2048), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("elapsed", sa.Float(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("outcome", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("actor_uri"),
    )
    op.create_index("ix_network_backfill_due", "network_backfill", ["state", "due_at"])
    op.create_table(
        "network_hub",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_uri", sa.String(length=1024), nullable=False),
        sa.Column("local", sa.Boolean(), nullable=False),
        sa.Column("handle", sa.String(length=300), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("sort_key", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("summary_text", sa.Text(), nullable=False),
        sa.Column("region", sa.String(length=200), nullable=False),
        sa.Column("tags", sa.String(length=2000), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=1024), nullable=False),
        sa.Column("followers", sa.Integer(), nullable=True),
        sa.Column("last_activity", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("actor_uri"),
    )
    op.create_index("ix_network_hub_title", "network_hub", ["sort_key", "id"])
    op.create_index("ix_network_hub_region", "network_hub", ["region"])
    op.create_index("ix_network_hub_host", "network_hub", ["host"])


def downgrade() -> None:
    op.drop_table("network_hub")
    op.drop_table("network_backfill")
