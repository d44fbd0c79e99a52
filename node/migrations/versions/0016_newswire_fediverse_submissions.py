"""News submitted from the fediverse (issue 10 items 2 and 3).

A ``Create{Note}`` addressed to ``@news`` becomes a ``news_item``; the item keeps its
sender (actor URI, ``@user@host`` handle and inbox, for the reply with the outcome) and
the submitted object's id, unique, so a redelivered Create makes no second submission.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 18:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("news_item", schema=None) as batch_op:
        for name, length in (("submitter_actor", 1024), ("submitter_handle", 300),
                             ("submitter_inbox", 1024)):
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False,
                                          server_default=""))
        batch_op.add_column(sa.Column("submitted_object", sa.String(length=1024),
                                      nullable=True))
        batch_op.create_unique_constraint("uq_news_item_submitted_object",
                                          ["submitted_object"])


def downgrade() -> None:
    with op.batch_alter_table("news_item", schema=None) as batch_op:
        batch_op.drop_constraint("uq_news_item_submitted_object", type_="unique")
        for name in ("submitted_object", "submitter_inbox", "submitter_handle",
                     "submitter_actor"):
            batch_op.drop_column(name)
