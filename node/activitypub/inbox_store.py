"""Group commit for received activities: many requests, one INSERT transaction.

Each inbox request waits until its row is durably stored before answering 202, but
rows from concurrent requests share one transaction (SQLite's fsync and PostgreSQL's
commit round trip are paid once per batch, not per activity). Duplicates by activity
id are dropped by the unique index (``ON CONFLICT DO NOTHING``), never by a racy check.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio
from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from node.activitypub.models import InboxItem

_items = InboxItem.__table__  # type: ignore[attr-defined]


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


def insert_ignoring_duplicates(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """One transaction inserting ``rows``; rows whose activity id exists are skipped."""
    builder = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = builder(_items).on_conflict_do_nothing(index_elements=["activity_id"])
    with engine.begin() as conn:
        conn.execute(statement, rows)


class InboxWriter:
    """Collects rows from concurrent requests and commits them in batches."""

    def __init__(self, engine: Engine, *, max_batch: int = 500) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._queue: asyncio.Queue[tuple[ReceivedActivity, asyncio.Future[None]]] = (
            asyncio.Queue()
        )
        self.wakeup = asyncio.Event()
        self._last_batch = 0.0

    def busy(self, within: float = 0.1) -> bool:
        """True while requests are arriving: rows are waiting or a batch was just stored.

        Inbox workers step aside then, so a burst is accepted at full speed and
        processed right after (ARCHITECTURE.md section 6: acceptance is the hot path).
        """
        return not self._queue.empty() or time.monotonic() - self._last_batch < within

    async def store(self, item: ReceivedActivity) -> None:
        """Return once ``item`` is committed (or raise what the commit raised)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((item, future))
        await future

    async def run(self) -> None:
        """The writer loop; runs for the app's lifetime."""
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            rows = [item.row() for item, _ in batch]
            try:
                await anyio.to_thread.run_sync(insert_ignoring_duplicates, self._engine, rows)
            except Exception as exc:  # every waiting request gets the failure as a 503
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)
            self._last_batch = time.monotonic()
            self.wakeup.set()
