"""Linked hubs (issue 9 item 2): an item a linked hub shared is a ``hub_item`` of origin
``linked`` that names the hub it came through (``linked_from``), so an unlink takes out
exactly what that link brought. A steward's hidden linked item keeps its row in state
``hidden`` (no schema change: ``state`` is free text).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hub_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("linked_from", sa.String(length=1024), nullable=True))
        batch_op.create_index("ix_hub_item_linked", ["hub_id", "linked_from"])


def downgrade() -> None:
    with op.batch_alter_table("hub_item", schema=None) as batch_op:
        batch_op.drop_index("ix_hub_item_linked")
        batch_op.drop_column("linked_from")
