"""Database backends for storage tests: SQLite always, PostgreSQL when configured.

``IONODE_TEST_POSTGRES`` holds a PostgreSQL URL (CI sets it). Each pytest-xdist
worker gets its own database, created and migrated once; each test then starts
from the tables as the migrations left them. A configured but unreachable
PostgreSQL is an error, never a skip.

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
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, insert, select, text
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
    wait_for_drop(name)  # a name used again (a worker's next test) waits for its drop
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


_drops: list[Future[None]] = []
_pending: dict[str, Future[None]] = {}  # the latest drop of each name
_dropper: ThreadPoolExecutor | None = None


def wait_for_drop(name: str) -> None:
    """Wait until a background drop of ``name`` has finished, if one was queued: a test
    that makes a database of the same name again must not race the drop of the last."""
    pending = _pending.pop(name, None)
    if pending is not None:
        pending.result()


def drop_postgres_database_later(name: str) -> None:
    """Drop a database this run created, on a thread: the test goes on meanwhile.

    A ``DROP DATABASE`` waits for the server to flush its files, from 4 s to a minute
    while the shared server is busy; dropping at the end of each test made that most
    of the test's time. ``finish_drops``, called at the end of the session (also after
    a failure or Ctrl-C), waits for every drop.
    """
    global _dropper
    if _dropper is None:
        # several at once: drops that wait together share one flush of the server
        _dropper = ThreadPoolExecutor(max_workers=4, thread_name_prefix="drop-database")
    dropping = _dropper.submit(drop_postgres_database, name)
    _drops.append(dropping)
    _pending[name] = dropping


def finish_drops() -> None:
    """Wait for every ``drop_postgres_database_later``; raise the first failure."""
    failures: list[BaseException] = []
    _pending.clear()
    while _drops:
        failure = _drops.pop().exception()
        if failure is not None:
            failures.append(failure)
    if failures:
        raise failures[0]


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
    """One migrated database per xdist worker, put back as migrated before each test.

    ``fresh`` deletes every row, puts back the rows the migrations wrote (the
    ``federation_policy`` row of 0023) and sets every sequence where the migrations left
    it: the state of a database just migrated, at a few milliseconds a test. ``TRUNCATE``
    gave each of the 45 tables new files and took 1-3 s a test on the shared machine;
    ``CREATE DATABASE ... TEMPLATE`` takes about 1 s, and its ``DROP`` 4-10 s.
    """

    def __init__(self, purpose: str = "test") -> None:
        self.name = run_database_name(purpose)
        self.url = create_postgres_database(self.name)
        self.engine = make_engine(self.url, pool_size=1)
        try:
            migrate(self.engine)
            self._reset, self._seeded = self._snapshot()
        except BaseException:
            self.close()
            raise

    def _snapshot(self) -> tuple[str, list[tuple[Table, list[dict[str, Any]]]]]:
        """What puts the database back as it is now: the SQL that empties every table and
        sets every sequence where it is, and the rows to write back."""
        tables = SQLModel.metadata.sorted_tables
        statements = [f'DELETE FROM "{t.name}"' for t in reversed(tables)]
        with self.engine.connect() as conn:
            seeded = [
                (table, rows)
                for table in tables
                if (rows := [dict(r._mapping) for r in conn.execute(select(table))])
            ]
            sequences = conn.execute(
                text(
                    "SELECT format('%I.%I', schemaname, sequencename), start_value, last_value"
                    " FROM pg_sequences"
                )
            ).all()
        for sequence, start, last in sequences:
            value, called = (start, "false") if last is None else (last, "true")
            statements.append(f"SELECT setval('{sequence}', {value}, {called})")
        return ";\n".join(statements), seeded

    def fresh(self) -> str:
        with self.engine.begin() as conn:
            conn.exec_driver_sql(self._reset)
            for table, rows in self._seeded:  # the rows the migrations wrote
                conn.execute(insert(table), rows)
        # No connection kept between tests: a test may end every other connection to
        # its database (tests/node/test_inbox_front.py), and the next reset then
        # failed on the dead one ("terminating connection due to administrator command").
        self.engine.dispose()
        return self.url

    def close(self) -> None:
        self.engine.dispose()
        drop_postgres_database_later(self.name)


def open_engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
