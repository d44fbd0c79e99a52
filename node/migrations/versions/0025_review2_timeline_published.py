"""The network timeline in publication order, filtered by tag and region (issue 9 item 5).

The timeline paged by ``network_item.id``, the order items arrived in, so a backfill's
history (weeks old) showed on top as if new. Each item now keeps when it was published
(never later than it arrived: a date in the future does not pin it on top), and the
page indexes walk ``(filter, published_at, id)``. Existing rows take their object's
``published``, else their arrival time. ``network_item.region`` and
``network_item_tag`` are what the timeline's region and tag filters read, as the
calendar's (items stored before this are indexed as they are next updated).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = {"ix_network_item_host_page": ["origin_host", "id"],
       "ix_network_item_hub_page": ["hub_uri", "id"],
       "ix_network_item_type_page": ["object_type", "id"]}
NEW = {"ix_network_item_page": ["published_at", "id"],
       "ix_network_item_host_page": ["origin_host", "published_at", "id"],
       "ix_network_item_hub_page": ["hub_uri", "published_at", "id"],
       "ix_network_item_type_page": ["object_type", "published_at", "id"],
       "ix_network_item_region_page": ["region", "published_at", "id"]}


def upgrade() -> None:
    op.add_column("network_item",
                  sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("network_item", sa.Column("region", sa.String(length=200),
                                            nullable=False, server_default=""))
    op.create_table(
        "network_item_tag",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=200), nullable=False))
    op.create_index("ix_network_item_tag_item_id", "network_item_tag", ["item_id"])
    op.create_index("ix_network_item_tag_tag", "network_item_tag", ["tag", "item_id"])
    op.execute(
        "UPDATE network_item SET published_at = COALESCE(("
        " SELECT CASE WHEN o.published < network_item.received_at THEN o.published"
        " ELSE network_item.received_at END"
        " FROM stored_object o WHERE o.uri = network_item.object_uri),"
        " network_item.received_at)")
    for name in OLD:
        op.drop_index(name, table_name="network_item")
    with op.batch_alter_table("network_item") as batch:
        batch.alter_column("published_at", existing_type=sa.DateTime(timezone=True),
                           nullable=False)
        batch.alter_column("region", existing_type=sa.String(length=200), server_default=None)
    for name, columns in NEW.items():
        op.create_index(name, "network_item", columns)


def downgrade() -> None:
    for name in NEW:
        op.drop_index(name, table_name="network_item")
    op.drop_table("network_item_tag")
    with op.batch_alter_table("network_item") as batch:
        batch.drop_column("published_at")
        batch.drop_column("region")
    for name, columns in OLD.items():
        op.create_index(name, "network_item", columns)
