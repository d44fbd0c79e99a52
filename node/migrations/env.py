"""Alembic environment: runs on the engine handed in by :func:`node.db.migrate`."""

from alembic import context
from sqlalchemy import Engine
from sqlmodel import SQLModel

import node.models  # noqa: F401  (registers every table on SQLModel.metadata)

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through node.db.migrate(engine) or `ionode migrate`")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
