"""The directory's tag list and Atom order have their own index; ``/tags/NAME`` walks
the node's items by publication.

* ``network_hub_tag``: a listed hub's tags as rows (``node.network.hub_tags``), filled
  here from ``network_hub.tags`` (listed hubs only, as the tag list showed them), so the
  tag list reads a few index entries instead of every hub.
* ``ix_network_hub_activity``: the directory's Atom feed pages by
  ``coalesce(last_activity, created_at)`` then id, descending (an expression index;
  SQLite and PostgreSQL both walk it backwards).
* ``ix_hub_item_published_node``: ``/tags/NAME`` lists every hub's published items by
  ``published_at`` then id.

The fill walks ``network_hub`` by id in batches of :data:`BATCH` (a keyset).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
MAX_TAG = 200


def upgrade() -> None:
    op.create_table(
        "network_hub_tag",
        sa.Column("hub_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=MAX_TAG), nullable=False),
        sa.PrimaryKeyConstraint("hub_id", "tag"),
    )
    op.create_index("ix_network_hub_tag_tag", "network_hub_tag", ["tag"])
    _fill(op.get_bind())
    op.create_index(
        "ix_network_hub_activity",
        "network_hub",
        [sa.text("coalesce(last_activity, created_at)"), "id"],
    )
    op.create_index("ix_hub_item_published_node", "hub_item", ["state", "published_at", "id"])


def _fill(conn: sa.Connection) -> None:
    hubs = sa.table("network_hub", sa.column("id"), sa.column("tags"), sa.column("refreshed_at"))
    tags = sa.table("network_hub_tag", sa.column("hub_id"), sa.column("tag"))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(hubs.c.id, hubs.c.tags)
            .where(hubs.c.id > last, hubs.c.refreshed_at.is_not(None), hubs.c.tags != "")
            .order_by(hubs.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        values = [
            {"hub_id": row.id, "tag": tag}
            for row in rows
            for tag in sorted({t[:MAX_TAG] for t in row.tags.split()})
        ]
        if values:
            conn.execute(sa.insert(tags), values)
        last = rows[-1].id


def downgrade() -> None:
    op.drop_index("ix_hub_item_published_node", table_name="hub_item")
    op.drop_index("ix_network_hub_activity", table_name="network_hub")
    op.drop_index("ix_network_hub_tag_tag", table_name="network_hub_tag")
    op.drop_table("network_hub_tag")
