"""The migrations build exactly the schema the models declare, on every backend."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import SQLModel

from node.db import migrate


def test_migrated_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_migrate_twice_is_a_no_op(engine: Engine) -> None:
    # Given a migrated database, when `ionode migrate` runs again on start,
    # then nothing changes and nothing fails.
    migrate(engine)
    with engine.connect() as conn:
        head = MigrationContext.configure(conn).get_current_revision()
    assert head == "0001"
