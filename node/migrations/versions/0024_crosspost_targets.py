"""Cross-posting (issue 9 item 6): each remote target hub's answer, and every hub an
item was posted in.

``crosspost_target`` keeps, per item of ours and remote hub, the hub's answer (sent,
published, refused with its reason) and the ``Create`` whose delivery shows whether it
is failing. ``item_origin`` lists every hub known to share an item, so an item reached
by several paths is shown once with all of them.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crosspost_target",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("object_uri", sa.String(length=1024), nullable=False),
        sa.Column("hub_uri", sa.String(length=1024), nullable=False),
        sa.Column("handle", sa.String(length=300), nullable=False),
        sa.Column("inbox", sa.String(length=1024), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("create_activity_id", sa.Integer(),
                  sa.ForeignKey("outbox_activity.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("object_uri", "hub_uri", name="uq_crosspost_target"),
    )
    op.create_index("ix_crosspost_target_object_uri", "crosspost_target", ["object_uri"])
    op.create_table(
        "item_origin",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("object_uri", sa.String(length=1024), nullable=False),
        sa.Column("hub_uri", sa.String(length=1024), nullable=False),
        sa.Column("origin_host", sa.String(length=255), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("object_uri", "hub_uri", name="uq_item_origin"),
    )
    op.create_index("ix_item_origin_object_uri", "item_origin", ["object_uri"])


def downgrade() -> None:
    op.drop_index("ix_item_origin_object_uri", table_name="item_origin")
    op.drop_table("item_origin")
    op.drop_index("ix_crosspost_target_object_uri", table_name="crosspost_target")
    op.drop_table("crosspost_target")
