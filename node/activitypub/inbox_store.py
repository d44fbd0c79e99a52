"""Group commit for received activities: many requests, one INSERT transaction.

Each inbox request waits until its row is durably stored before answering 202, but
rows from concurrent requests share one transaction (SQLite's fsync and PostgreSQL's
commit round trip are paid once per batch, not per activity). Duplicates by activity
id are dropped by the unique index (``ON CONFLICT DO NOTHING``), never by a racy check.

A duplicate is only a duplicate when the same actor sent it: an actor of the same host
could otherwise send an activity under another actor's predictable id first and have
the real one dropped (issue 7, 2.4). So when a batch stored fewer rows than it held,
the actors of the skipped ids are read back and a request whose id belongs to another
actor fails with :class:`DuplicateActivityId` (the inbox answers 409).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import anyio
from sqlalchemy import Engine, select
from sqlalchemy.sql.dml import Insert

from node.activitypub.batch_store import BatchStore, insert_rows
from node.activitypub.models import InboxItem
from node.db import upsert_insert
from node.wakeups import INBOX, Bell

_items = InboxItem.__table__  # type: ignore[attr-defined]


class WriterStopped(Exception):
    """The writer loop has ended (shutdown, or a bug): nothing more can be stored."""


class DuplicateActivityId(Exception):
    """The activity id is already stored as another actor's activity."""

    def __init__(self, activity_id: str, owner: str) -> None:
        super().__init__(f"activity id {activity_id} is already used by {owner}")
        self.activity_id, self.owner = activity_id, owner


@dataclass
class WriterStats:
    """What this process's writer has done since start (read by bench/_inbox_peer.py)."""

    batches: int = 0
    rows: int = 0
    on_thread: int = 0  # batches stored on the thread (SQLite: the database was busy)


@dataclass(frozen=True)
class ReceivedActivity:
    """An authenticated activity ready to be stored for the workers."""

    activity_id: str
    actor: str
    type: str
    object_type: str | None
    recipient: str | None
    body: bytes
    received_at: datetime

    def row(self) -> dict[str, Any]:
        """The ``inbox_item`` row: the keys are :data:`COLUMNS`."""
        return {
            "activity_id": self.activity_id,
            "actor": self.actor,
            "type": self.type,
            "object_type": self.object_type,
            "recipient": self.recipient,
            "body": self.body,
            "state": "queued",
            "attempts": 0,
            "due_at": self.received_at,
            "received_at": self.received_at,
        }


@lru_cache(maxsize=4)
def _insert_statement(dialect: str) -> Insert:
    """``INSERT ... ON CONFLICT (activity_id) DO NOTHING``, built once per dialect."""
    return upsert_insert(dialect, _items).on_conflict_do_nothing(index_elements=["activity_id"])


Batch = list[tuple[ReceivedActivity, asyncio.Future[None]]]
COLUMNS = ("activity_id", "actor", "type", "object_type", "recipient", "body", "state",
           "attempts", "due_at", "received_at")


def insert_ignoring_duplicates(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """One transaction inserting ``rows``; rows whose activity id exists are skipped."""
    insert_rows(engine, _insert_statement(engine.dialect.name), rows)


class InboxWriter:
    """Collects rows from concurrent requests and commits them in batches.

    Each batch is one transaction, stored by :class:`BatchStore` (on the loop for
    SQLite, asynchronously for PostgreSQL, on a thread when SQLite is busy).
    """

    def __init__(self, engine: Engine, *, max_batch: int = 500,
                 wakeup: Bell | None = None) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._pending: Batch = []
        self._arrived = asyncio.Event()
        #: rung after each batch for this process's workers; other processes' workers
        #: wake by the batch's NOTIFY (PostgreSQL)
        self.wakeup = wakeup or Bell(poll=0.5)
        self.stats = WriterStats()
        self._last_batch = 0.0
        self._stopped = False

    def busy(self, within: float = 0.1) -> bool:
        """True while requests are arriving: rows are waiting or a batch was just stored.

        Inbox workers then pace themselves (``fair_share``), so acceptance, the hot path
        (ARCHITECTURE.md section 6), keeps most of the loop and processing its share.
        """
        return bool(self._pending) or time.monotonic() - self._last_batch < within

    async def store(self, item: ReceivedActivity) -> None:
        """Return once ``item`` is committed (or raise what the commit raised)."""
        if self._stopped:
            raise WriterStopped("the inbox writer has stopped")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        self._arrived.set()
        await future

    async def run(self) -> None:
        """The writer loop; runs for the app's lifetime (restarted if it ever fails)."""
        self._stopped = False
        dialect = self._engine.dialect.name
        store = BatchStore(self._engine, _insert_statement(dialect), COLUMNS, notify=INBOX)
        in_flight = anyio.Semaphore(store.parallel)
        try:
            async with anyio.create_task_group() as group:
                while True:  # a batch is taken once it can be stored: as large as it gets
                    await in_flight.acquire()
                    batch = await self._next_batch()
                    group.start_soon(self._commit, store, batch, in_flight)
        finally:  # nobody may wait for a writer that is gone
            self._stopped = True
            _settle(self._pending, WriterStopped("the inbox writer has stopped"))
            self._pending.clear()
            with anyio.CancelScope(shield=True):
                await store.aclose()

    async def _commit(self, store: BatchStore, batch: Batch,
                      in_flight: anyio.Semaphore) -> None:
        try:
            inserted = await store.write([item.row() for item, _ in batch])
            squatted = {} if inserted >= len(batch) else await _squatted(store, batch)
        except Exception as exc:  # every waiting request gets it: a 503
            _settle(batch, exc)
            return
        except BaseException as exc:  # cancelled (shutdown): the requests are not stored
            _settle(batch, WriterStopped(f"the inbox writer has stopped ({exc!r})"))
            raise
        finally:
            self.stats.on_thread = store.on_thread
            in_flight.release()
        for item, future in batch:
            owner = squatted.get(item.activity_id, item.actor)
            if owner != item.actor and not future.done():
                future.set_exception(DuplicateActivityId(item.activity_id, owner))
        _settle(batch, None)
        self.stats.batches += 1
        self.stats.rows += len(batch)
        self._last_batch = time.monotonic()
        self.wakeup.ring()

    async def _next_batch(self) -> Batch:
        await self._arrived.wait()
        batch = self._pending[: self._max_batch]
        del self._pending[: self._max_batch]
        if not self._pending:
            self._arrived.clear()
        return batch


async def _squatted(store: BatchStore, batch: Batch) -> dict[str, str]:
    """The stored actor of each activity id of ``batch`` (some were not new)."""
    ids = list({item.activity_id for item, _ in batch})
    rows = await store.select(select(_items.c.activity_id, _items.c.actor)
                              .where(_items.c.activity_id.in_(ids)))
    return {row.activity_id: row.actor for row in rows}


def _settle(batch: Batch, failure: Exception | None) -> None:
    for _, future in batch:
        if future.done():  # the request went away (its client disconnected)
            continue
        if failure is None:
            future.set_result(None)
        else:
            future.set_exception(failure)
