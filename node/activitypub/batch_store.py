"""Where the inbox writer's batches are stored: without a thread whenever possible.

:class:`BatchStore` stores a batch on the loop for SQLite (falling back to a thread of
its own when the database is busy) and asynchronously for PostgreSQL.

Why not a thread: a batch written on a worker thread costs the inbox more than the
INSERT itself. The drivers release the GIL around each step or round trip, so the
thread and the event loop hand the GIL back and forth many times per batch; measured
with bench/inbox.py, that made acceptance about 40 % dearer in CPU per request and left
the event loop waiting a quarter of the time (bench/RESULTS.md, "Inbox acceptance").

PostgreSQL: :class:`AsyncInserter` awaits the batch on psycopg's async connection (one
of its own), so the commit round trip costs the loop nothing. (SQLAlchemy's asyncio
engine over the same driver cost about twice the CPU per batch, through greenlet.)

SQLite: :class:`LoopInserter` runs the INSERT on the loop itself. Why this is safe:
in WAL mode with ``synchronous=NORMAL`` a commit does not fsync, so an uncontended
batch takes well under a millisecond. The two ways it could block are switched off
on this one connection:

* another writer holding the lock: ``busy_timeout=0`` makes SQLite answer "busy" at
  once instead of sleeping; the batch is tried again every millisecond (the loop goes
  on meanwhile) and, if the lock is still held after a quarter of a second, stored on
  the writer's thread, where waiting is harmless;
* a checkpoint (which fsyncs) at commit: ``wal_autocheckpoint=0``; instead a passive
  checkpoint runs on the writer's thread after every :data:`CHECKPOINT_ROWS` rows, and
  the other connections keep SQLite's automatic checkpoints.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Row, Select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.dml import Insert

if TYPE_CHECKING:  # the driver is imported where it is used: SQLite nodes run without it
    import psycopg

log = logging.getLogger(__name__)
Rows = list[dict[str, Any]]

#: Rows stored on the loop between two passive checkpoints (about 1,000 WAL pages of
#: Mastodon-sized activities, SQLite's own automatic checkpoint threshold).
CHECKPOINT_ROWS = 2000
CONNECT_TIMEOUT = 10  # seconds
PARALLEL_BATCHES = 2  # PostgreSQL batches in flight at once
#: SQLite busy: a batch is tried again on the loop this often, for this long, before it
#: goes to the writer's thread (:meth:`BatchStore._retried_on_loop`).
RETRY_EVERY = 0.001
RETRY_FOR = 0.25


class LoopInserter:
    """One dedicated SQLite connection that never waits for a lock or a checkpoint."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self.rows_since_checkpoint = 0

    def _connection(self) -> Connection:
        if self._conn is None:
            conn = self._engine.connect()
            conn.exec_driver_sql("PRAGMA busy_timeout=0")
            conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            conn.commit()
            self._conn = conn
        return self._conn

    def try_insert(self, statement: Insert, rows: Rows) -> int | None:
        """Store ``rows`` in one transaction: how many were new; None (nothing stored) if
        SQLite is busy."""
        conn = self._connection()
        try:
            with conn.begin():
                inserted = conn.execute(statement, rows).rowcount
        except OperationalError as exc:
            if _is_busy(exc):
                return None
            raise
        self.rows_since_checkpoint += len(rows)
        return inserted

    def checkpoint_due(self) -> bool:
        if self.rows_since_checkpoint < CHECKPOINT_ROWS:
            return False
        self.rows_since_checkpoint = 0
        return True

    def close(self) -> None:
        """Discard the connection: its settings must not reach the pool's other users."""
        if self._conn is not None:
            self._conn.invalidate()
            self._conn.close()
            self._conn = None


class AsyncInserter:
    """PostgreSQL: the batches go through psycopg async connections of the writer's own.

    The statement is SQLAlchemy's, compiled once for the dialect, and each value goes
    through the column type's bind processor as SQLAlchemy would send it.
    ``executemany`` pipelines the rows, so a batch costs one round trip and a commit.
    With ``notify``, a batch that stored rows also sends ``NOTIFY`` on that channel in
    its transaction (:mod:`node.wakeups`: workers in any process wake at its commit).
    Each batch in flight has a connection of its own (the writer bounds how many); a
    broken connection fails its batch (those requests get a 503 and are retried by
    their senders) and is dropped, and the next batch connects afresh.
    """

    def __init__(self, engine: Engine, statement: Insert, columns: Sequence[str],
                 notify: str | None = None) -> None:
        dialect = engine.dialect
        table = statement.table
        self._notify = f"NOTIFY {notify}" if notify else None
        self._processors = [
            (column, process) for column in columns
            if (process := table.c[column].type.dialect_impl(dialect).bind_processor(dialect))
        ]
        self._sql = str(statement.compile(dialect=dialect, column_keys=list(columns)))
        self._url = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False)
        self._idle: list[psycopg.AsyncConnection[Any]] = []

    async def insert(self, rows: Rows) -> int:
        """Store ``rows`` in one transaction; how many were new (the rest conflicted)."""
        import psycopg

        for column, process in self._processors:  # as SQLAlchemy would (LargeBinary)
            for row in rows:
                row[column] = process(row[column])
        conn = await self._checkout()
        try:
            async with conn.transaction(), conn.cursor() as cursor:
                await cursor.executemany(self._sql, rows)
                inserted = cursor.rowcount  # psycopg sums it over the rows
                if inserted and self._notify:  # sent at commit: wakes the workers
                    await cursor.execute(self._notify)
        except psycopg.OperationalError:
            await conn.close()
            raise
        except BaseException:
            if not conn.closed:
                self._idle.append(conn)
            raise
        self._idle.append(conn)
        return inserted

    async def _checkout(self) -> psycopg.AsyncConnection[Any]:
        import psycopg

        while self._idle:
            conn = self._idle.pop()
            if not conn.closed:
                return conn
        return await psycopg.AsyncConnection.connect(self._url, connect_timeout=CONNECT_TIMEOUT)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.close()


def insert_rows(engine: Engine, statement: Insert, rows: Rows) -> int:
    """``statement`` for every row, in one transaction on a pooled connection; how many
    rows were new (``ON CONFLICT DO NOTHING`` skips the others)."""
    with engine.begin() as conn:
        return int(conn.execute(statement, rows).rowcount)


def select_rows(engine: Engine, query: Select[Any]) -> list[Row[Any]]:
    with engine.connect() as conn:
        return list(conn.execute(query))


def passive_checkpoint(engine: Engine) -> None:
    """Copy the WAL into the database without blocking readers or writers (runs on a
    thread: it fsyncs). Failures are logged; the next one, or SQLite's own, retries."""
    try:
        with engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(PASSIVE)"))
    except OperationalError:
        log.warning("passive WAL checkpoint failed; will retry", exc_info=True)


def _is_busy(exc: OperationalError) -> bool:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class BatchStore:
    """Stores batches of rows with one INSERT statement, each batch one transaction."""

    def __init__(self, engine: Engine, statement: Insert, columns: Sequence[str],
                 notify: str | None = None) -> None:
        self._engine = engine
        self._statement = statement
        dialect = engine.dialect.name
        self._on_loop = LoopInserter(engine) if dialect == "sqlite" else None
        self._awaited = (AsyncInserter(engine, statement, columns, notify)
                         if dialect == "postgresql" else None)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="inbox-writer")
        #: batches that may be stored at once: PostgreSQL commits them side by side
        #: (each waits for its commit's round trip); SQLite has one writer anyway
        self.parallel = PARALLEL_BATCHES if self._awaited is not None else 1
        self.on_thread = 0  # batches stored on the thread (SQLite: the database was busy)

    async def write(self, rows: Rows) -> int:
        """Return once ``rows`` are committed, with how many were new (the others
        conflicted with stored rows or each other); raise what the database raised."""
        if self._awaited is not None:
            return await self._awaited.insert(rows)
        loop = asyncio.get_running_loop()
        inserted = None if self._on_loop is None else await self._retried_on_loop(rows)
        if inserted is not None:
            assert self._on_loop is not None
            if self._on_loop.checkpoint_due():
                loop.run_in_executor(self._thread, passive_checkpoint, self._engine)
            return inserted
        self.on_thread += 1
        return await loop.run_in_executor(self._thread, insert_rows, self._engine,
                                          self._statement, rows)

    async def _retried_on_loop(self, rows: Rows) -> int | None:
        """Try the batch on the loop every :data:`RETRY_EVERY` seconds for at most
        :data:`RETRY_FOR`: how many rows were new, or None if SQLite stayed busy.

        Why not the thread at once: there the batch waits in SQLite's busy handler,
        which sleeps 1, 2, 5, 10 ... 100 ms between tries and is not woken when the lock
        is freed. Under a steady stream the node's own processing and delivery take the
        lock again and again, and the sleeping batch missed the gaps between their
        transactions: it waited 50-350 ms (bench/RESULTS.md, session 8), every request
        of the batch with it. A failed try costs the loop a few tens of microseconds.
        """
        assert self._on_loop is not None
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + RETRY_FOR
        inserted = self._on_loop.try_insert(self._statement, rows)
        while inserted is None and loop.time() < give_up_at:
            await asyncio.sleep(RETRY_EVERY)
            inserted = self._on_loop.try_insert(self._statement, rows)
        return inserted

    async def select(self, query: Select[Any]) -> list[Row[Any]]:
        """Rows of a read on the writer's own thread (rare: after a batch with conflicts)."""
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, select_rows, self._engine, query)

    async def aclose(self) -> None:
        """Close the connections; waits for a batch or checkpoint still on the thread."""
        if self._on_loop is not None:
            self._on_loop.close()
        if self._awaited is not None:
            await self._awaited.aclose()
        self._thread.shutdown(wait=True)
