"""Feed subscriptions are kept when a hub unsubscribes (``unsubscribed_at``).

Before, unsubscribing deleted the subscription with the entries it had seen, so
subscribing to the same feed again republished entries that had gone out already.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 22:38:31.453408
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feed_subscription", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unsubscribed_at", sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    # The old schema has no unsubscribed rows: remove them as unsubscribing used to.
    op.execute("DELETE FROM feed_entry WHERE subscription_id IN "
               "(SELECT id FROM feed_subscription WHERE unsubscribed_at IS NOT NULL)")
    op.execute("DELETE FROM feed_subscription WHERE unsubscribed_at IS NOT NULL")
    with op.batch_alter_table("feed_subscription", schema=None) as batch_op:
        batch_op.drop_column("unsubscribed_at")
