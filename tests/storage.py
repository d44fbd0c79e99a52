"""Database backends for storage tests: SQLite always, PostgreSQL when configured.

``IONODE_TEST_POSTGRES`` holds a PostgreSQL URL (CI sets it). Each pytest-xdist
worker gets its own database, created and migrated once; each test then starts
from empty tables. A configured but unreachable PostgreSQL is an error, never a skip.

The server is shared: two checkouts, or CI beside a developer, run at once. Every
database a run creates is named after that run (``run_database_name``), is created
fresh (never dropped first: a name taken means a bug, not a leftover to clear), and
only the run that created a database drops it.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import uuid
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


@functools.cache
def run_token() -> str:
    """A short id shared by every process of this pytest run, unique across runs.

    Under pytest-xdist the controller hands each worker the same ``testrunuid``
    (``PYTEST_XDIST_TESTRUNUID``); a run without xdist makes its own.
    """
    shared = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
    return re.sub(r"[^0-9a-f]", "", shared.lower())[:12]


def run_database_name(purpose: str) -> str:
    """``ionode_<purpose>_<run>_<worker>``: unique to this run and xdist worker."""
    name = f"ionode_{purpose}_{run_token()}_{worker_id()}"
    if len(name) > 63:  # PostgreSQL's identifier limit (NAMEDATALEN - 1)
        raise ValueError(f"database name too long: {name}")
    return name


def postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        raise RuntimeError(f"{POSTGRES_ENV} is not set")
    return normalise_database_url(url)


def create_postgres_database(name: str) -> str:
    """Create database ``name`` next to the configured one; return its URL.

    It never drops an existing database first: names come from ``run_database_name``,
    so an existing one belongs to another run and creating fails loudly.
    """
    admin_url = postgres_admin_url()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(name: str) -> None:
    """Drop a database this run created (its connections are ours to end)."""
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
        self.name = run_database_name("test")
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
