"""The migrations build exactly the schema the models declare, on every backend."""

from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

from node.activitypub.local_actors import create_local_actor
from node.db import alembic_config, make_engine, migrate


def test_migrated_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_migrate_twice_is_a_no_op(engine: Engine) -> None:
    # Given a migrated database, when `ionode migrate` runs again on start,
    # then nothing changes and nothing fails.
    migrate(engine)
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    assert current == ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def test_hubs_created_before_0002_get_a_settings_row(tmp_path: Path) -> None:
    # Given a node migrated to 0001 with a hub, when it upgrades, then the hub has
    # its settings row with the defaults.
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as conn:
        create_local_actor(conn, base_url="https://philly.example", kind="group",
                           username="oldhub", now=datetime(2026, 1, 1, tzinfo=UTC))
    migrate(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT follow_policy, posting_policy FROM hub")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("open", "members")]
