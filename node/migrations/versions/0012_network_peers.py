"""Node follows node (issue 9): the nodes and relays we follow, and what they sent.

``network_peer`` says of each node or relay our node actor follows whether it is a
node or a relay and when it last sent something; ``network_item`` records each remote
item that arrived through the network with its origin (hub and node), once per object.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 16:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "network_peer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_uri", sa.String(length=1024), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("actor_uri"),
    )
    op.create_table(
        "network_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_uri", sa.String(length=1024), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("hub_uri", sa.String(length=1024), nullable=True),
        sa.Column("origin_host", sa.String(length=255), nullable=False),
        sa.Column("via", sa.String(length=1024), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("object_uri"),
    )
    op.create_index("ix_network_item_origin_host", "network_item", ["origin_host"])
    op.create_index("ix_network_item_received_at", "network_item", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_network_item_received_at", table_name="network_item")
    op.drop_index("ix_network_item_origin_host", table_name="network_item")
    op.drop_table("network_item")
    op.drop_table("network_peer")
