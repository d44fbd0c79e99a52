"""The newswire's WebSub pings and the network newswire (issue 10 items 4 and 5).

* ``websub_ping``: a job table (state, due_at, claim columns) of notifications to the
  WebSub hub that a news feed changed, with attempts and the last error.
* ``news_network_item``: a Note or Article a followed news source sent (or Announced),
  once per object id, with its origin (author, handle, host, the source it came by).
  A picked one is also a ``news_item`` in state ``picked`` (no new column).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "websub_ping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hub_url", sa.String(length=1024), nullable=False),
        sa.Column("topic_url", sa.String(length=1024), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_websub_ping_due", "websub_ping", ["state", "due_at"], unique=False)
    op.create_table(
        "news_network_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_uri", sa.String(length=1024), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("author_uri", sa.String(length=1024), nullable=False),
        sa.Column("author_handle", sa.String(length=300), nullable=False),
        sa.Column("origin_host", sa.String(length=255), nullable=False),
        sa.Column("via", sa.String(length=1024), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("object_uri"),
    )
    op.create_index("ix_news_network_item_received_at", "news_network_item", ["received_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_news_network_item_received_at", table_name="news_network_item")
    op.drop_table("news_network_item")
    op.drop_index("ix_websub_ping_due", table_name="websub_ping")
    op.drop_table("websub_ping")
