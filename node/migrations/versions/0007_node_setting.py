"""The node records the public URL its database was made for (``node_setting``).

A command run with another URL on the same database would mint actor ids under a URL no
one serves; ``node.node_record`` refuses it. A database created before this revision
already has the node actor (``<url>/actor``): its URL is recorded from it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "node_setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=2048), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    bind = op.get_bind()
    uri = bind.execute(sa.text("SELECT uri FROM local_actor WHERE kind = 'node'")).scalar()
    if uri is not None and str(uri).endswith("/actor"):
        op.execute(sa.text("INSERT INTO node_setting (key, value) VALUES ('url', :url)")
                   .bindparams(url=str(uri)[: -len("/actor")]))


def downgrade() -> None:
    op.drop_table("node_setting")
