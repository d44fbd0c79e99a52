"""An index on ``hub_item.starts_at`` alone, for the node's calendar pages.

A hub's month grid reads ``ix_hub_item_start`` (hub, start); the node's calendar and
agenda ask for every hub's items by start, which without this index scan ``hub_item``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 16:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hub_item", schema=None) as batch_op:
        batch_op.create_index("ix_hub_item_starts_at", ["starts_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hub_item", schema=None) as batch_op:
        batch_op.drop_index("ix_hub_item_starts_at")
