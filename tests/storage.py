"""Database backends for storage tests: SQLite always, PostgreSQL when configured.

``IONODE_TEST_POSTGRES`` holds a PostgreSQL URL (CI sets it). Each pytest-xdist
worker gets its own database, created and migrated once; each test then starts
from empty tables. A configured but unreachable PostgreSQL is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from node.db import make_engine, migrate, normalise_database_url

POSTGRES_ENV = "IONODE_TEST_POSTGRES"


def backends() -> list[str]:
    names = ["sqlite"]
    if os.environ.get(POSTGRES_ENV):
        names.append("postgresql")
    return names


def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        raise RuntimeError(f"{POSTGRES_ENV} is not set")
    return normalise_database_url(url)


def create_postgres_database(name: str) -> str:
    """Drop and create database ``name`` next to the configured one; return its URL."""
    admin_url = postgres_admin_url()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(name: str) -> None:
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


class SqliteTemplate:
    """A migrated SQLite file copied for each test (faster than migrating each time)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.db"
        engine = make_engine(f"sqlite:///{self.path}")
        migrate(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()

    def fresh(self, directory: Path) -> str:
        target = directory / "node.db"
        shutil.copyfile(self.path, target)
        return f"sqlite:///{target}"


class PostgresTemplate:
    """One migrated database per xdist worker, emptied before each test."""

    def __init__(self) -> None:
        self.name = f"ionode_test_{worker_id()}"
        self.url = create_postgres_database(self.name)
        engine = make_engine(self.url)
        migrate(engine)
        engine.dispose()

    def fresh(self) -> str:
        engine = make_engine(self.url)
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return self.url

    def close(self) -> None:
        drop_postgres_database(self.name)


def open_engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
