"""An index for a hub's pinned items: the hub page reads them on every view.

Without it the pinned query walks every published item of the hub (``ix_hub_item_kind``
filtered on ``pinned``): 7 ms for a 10,000-item hub on PostgreSQL (bench/hub_page.py).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 17:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_hub_item_pinned", "hub_item", ["hub_id", "pinned", "id"])


def downgrade() -> None:
    op.drop_index("ix_hub_item_pinned", table_name="hub_item")
