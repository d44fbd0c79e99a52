"""The network calendar's index (issue 9 item 5): every Event received through the
network with its start and end in UTC, kind, origin, region and hashtags.

``network_event`` is read by ``starts_at`` (a month or an agenda page is one index
range, bench/network_calendar.py); ``network_event_tag`` holds the hashtags the
calendar filters by. Events already received are indexed from their stored documents.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "network_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_uri", sa.String(length=1024), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("long", sa.Boolean(), nullable=False),
        sa.Column("hub_uri", sa.String(length=1024), nullable=True),
        sa.Column("origin_host", sa.String(length=255), nullable=False),
        sa.Column("region", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=1024), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("object_uri"),
    )
    op.create_index("ix_network_event_start", "network_event", ["starts_at", "object_uri"])
    op.create_index("ix_network_event_long", "network_event", ["long", "ends_at"])
    op.create_index("ix_network_event_region", "network_event", ["region", "starts_at"])
    op.create_index("ix_network_event_hub_uri", "network_event", ["hub_uri"])
    op.create_index("ix_network_event_origin_host", "network_event", ["origin_host"])
    op.create_table(
        "network_event_tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["network_event.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_network_event_tag_tag", "network_event_tag", ["tag", "event_id"])
    op.create_index("ix_network_event_tag_event_id", "network_event_tag", ["event_id"])
    _index_received(op.get_bind())


def _index_received(conn: sa.Connection) -> None:
    """Events that arrived before this migration, indexed as they arrive from now on."""
    from node.network.event_index import index_event

    rows = conn.execute(sa.text(
        "SELECT i.object_uri, i.hub_uri, i.origin_host, o.document FROM network_item i "
        "JOIN stored_object o ON o.uri = i.object_uri "
        "WHERE i.object_type = 'Event' AND o.deleted_at IS NULL")).all()
    for uri, hub, host, document in rows:
        if isinstance(document, str):
            import json
            document = json.loads(document)
        if isinstance(document, dict):
            index_event(conn, uri, document, hub=hub, origin_host=host)


def downgrade() -> None:
    op.drop_table("network_event_tag")
    op.drop_table("network_event")
