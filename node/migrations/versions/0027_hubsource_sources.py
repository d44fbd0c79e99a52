"""A hub follows a source (issue 9 item 3): ``hub_source`` names the actors a hub follows
as sources (a Mobilizon group, a Gancio instance, a Mastodon account, a Lemmy
community) rather than as linked hubs. The follow itself is the hub's ``follow`` row;
what a source sends is a ``hub_item`` of origin ``linked`` naming it in ``linked_from``.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hub_source",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hub_id", sa.Integer(), sa.ForeignKey("hub.id"), nullable=False),
        sa.Column("actor_uri", sa.String(length=1024), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("hub_id", "actor_uri", name="uq_hub_source"),
    )
    op.create_index("ix_hub_source_actor_uri", "hub_source", ["actor_uri"])


def downgrade() -> None:
    op.drop_index("ix_hub_source_actor_uri", table_name="hub_source")
    op.drop_table("hub_source")
