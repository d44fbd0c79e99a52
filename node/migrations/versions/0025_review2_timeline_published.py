"""The network timeline in publication order (issue 9 item 5): ``network_item.published_at``.

The timeline paged by ``network_item.id``, the order items arrived in, so a backfill's
history (weeks old) showed on top as if new. Each item now keeps when it was published
(never later than it arrived: a date in the future does not pin it on top), and the
page indexes walk ``(filter, published_at, id)``. Existing rows take their object's
``published``, else their arrival time.

Revision ID: 0025_review2
Revises: 0024
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025_review2"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = {"ix_network_item_host_page": ["origin_host", "id"],
       "ix_network_item_hub_page": ["hub_uri", "id"],
       "ix_network_item_type_page": ["object_type", "id"]}
NEW = {"ix_network_item_page": ["published_at", "id"],
       "ix_network_item_host_page": ["origin_host", "published_at", "id"],
       "ix_network_item_hub_page": ["hub_uri", "published_at", "id"],
       "ix_network_item_type_page": ["object_type", "published_at", "id"]}


def upgrade() -> None:
    op.add_column("network_item",
                  sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
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
    for name, columns in NEW.items():
        op.create_index(name, "network_item", columns)


def downgrade() -> None:
    for name in NEW:
        op.drop_index(name, table_name="network_item")
    with op.batch_alter_table("network_item") as batch:
        batch.drop_column("published_at")
    for name, columns in OLD.items():
        op.create_index(name, "network_item", columns)
