"""Indexes for the network timeline's filtered pages (``/network``, issue 9 item 5).

The timeline pages newest first by ``network_item.id``; a page filtered by origin node,
hub or kind walks ``(column, id)`` so it reads only matching rows, however many items
arrived from elsewhere (bench/network_timeline.py).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 18:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {"ix_network_item_host_page": ["origin_host", "id"],
           "ix_network_item_hub_page": ["hub_uri", "id"],
           "ix_network_item_type_page": ["object_type", "id"]}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "network_item", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="network_item")
