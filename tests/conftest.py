"""Shared fixtures: a database per backend, settings and a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

import node.models  # noqa: F401  (every table registered before templates are built)
from node.clock import Clock, fixed_clock
from node.settings import Settings
from tests.storage import PostgresTemplate, SqliteTemplate, backends, open_engine

NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[PostgresTemplate]:
    template = PostgresTemplate()
    yield template
    template.close()


@pytest.fixture(params=backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database on each configured backend."""
    if request.param == "sqlite":
        template: SqliteTemplate = request.getfixturevalue("sqlite_template")
        return template.fresh(tmp_path)
    pg: PostgresTemplate = request.getfixturevalue("postgres_template")
    return pg.fresh()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    yield from open_engine(database_url)


@pytest.fixture
def clock() -> Clock:
    return fixed_clock(NOW)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        url="https://philly.example",
        database=database_url,
        secret_key="test-secret-key-not-for-production",
        data_dir=tmp_path,
        node_name="Philly GA",
    )
