"""Alembic environment: runs on the engine handed in by :func:`node.db.migrate`.

Each migration runs in a transaction of its own (``transaction_per_migration``): a
failed one is rolled back and leaves the database at the revision before it, with the
ones before it kept. A data migration over a large table may commit as it goes, in
batches, inside ``op.get_context().autocommit_block()`` (0027 does).
"""

from alembic import context
from sqlalchemy import Engine
from sqlmodel import SQLModel

import node.models  # noqa: F401  (registers every table on SQLModel.metadata)

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through node.db.migrate(engine) or `ionode migrate`")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()
