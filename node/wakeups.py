"""Waking idle workers: one bell per queue, rung in-process and, on PostgreSQL, by NOTIFY.

A worker with nothing to do waits on its queue's :class:`Bell`. Whoever stores work rings
it: the inbox writer after each committed batch (in its own process), and on PostgreSQL
every transaction that stores inbox items or deliveries also sends ``NOTIFY`` on the
queue's channel (:func:`notify`). PostgreSQL delivers a notification only when, and only
if, that transaction commits (PostgreSQL documentation, NOTIFY), so a worker never wakes
for a row it cannot see yet. Each process running workers keeps one connection that
``LISTEN``\\ s (:func:`listen`) and rings the local bells, so whichever process is idle
picks a new activity up at once, whatever process stored it (issue 9, item 8).

Polling stays: SQLite has no notifications, so a bell there also ends its wait every
:attr:`Bell.poll` seconds; on PostgreSQL the wait is long while the listener is
connected (:attr:`Bell.listening_poll`), a fallback for work that comes due later
(a retry's ``due_at``, an expired claim), and short again while it is not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
from sqlalchemy import Connection

log = logging.getLogger(__name__)

#: NOTIFY channels: stored inbox items, queued deliveries.
INBOX = "ionode_inbox"
DELIVERY = "ionode_delivery"
#: Seconds between two looks at a queue while NOTIFY wakes the workers (PostgreSQL).
LISTENING_POLL = 5.0
CONNECT_TIMEOUT = 10  # seconds


def notify(conn: Connection, channel: str) -> None:
    """``NOTIFY channel`` in ``conn``'s transaction on PostgreSQL (sent at commit); a no-op
    on SQLite. Several in one transaction are folded into one by PostgreSQL."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"NOTIFY {channel}")


class Bell:
    """What idle workers of one queue wait on: rung when work is stored, else a poll.

    Level-triggered: a ring while no worker waits is kept for the next wait, and every
    worker waiting when it rings wakes (then races for the rows: the claims decide).
    ``rings``, ``notifications`` and ``polls`` count what ended waits (tests read them).
    """

    def __init__(self, poll: float, listening_poll: float = LISTENING_POLL) -> None:
        self.short_poll = poll
        self.listening_poll = max(poll, listening_poll)
        self.listening = False
        self.rings = 0
        self.notifications = 0
        self.polls = 0
        self._event = asyncio.Event()

    @property
    def poll(self) -> float:
        """Seconds a wait lasts at most: long while notifications arrive, else short."""
        return self.listening_poll if self.listening else self.short_poll

    def ring(self, *, notified: bool = False) -> None:
        self.rings += 1
        self.notifications += notified
        self._event.set()

    async def wait(self) -> bool:
        """Until the bell rings (True) or :attr:`poll` seconds pass (False)."""
        with anyio.move_on_after(self.poll):
            await self._event.wait()
            self._event.clear()
            return True
        self.polls += 1
        return False

    async def rung(self) -> None:
        """Until the bell rings, however long that takes."""
        await self._event.wait()
        self._event.clear()


@dataclass
class Bells:
    """The bells of one process: the inbox queue's and the delivery queue's."""

    inbox: Bell = field(default_factory=lambda: Bell(poll=0.5))
    delivery: Bell = field(default_factory=lambda: Bell(poll=0.2))

    def by_channel(self) -> dict[str, Bell]:
        return {INBOX: self.inbox, DELIVERY: self.delivery}

    def ring_all(self) -> None:
        """Wake every waiting worker (shutdown: they see ``stop`` and return)."""
        for bell in self.by_channel().values():
            bell.ring()


def listen_url(url: Any) -> str:
    """The libpq URL of a SQLAlchemy PostgreSQL URL (``postgresql+psycopg://`` ...)."""
    return str(url.set(drivername="postgresql").render_as_string(hide_password=False))


async def listen(url: str, bells: Mapping[str, Bell], stop: anyio.Event) -> None:
    """``LISTEN`` on each channel of ``bells`` until ``stop``; ring a bell per NOTIFY.

    Raises when the connection fails (the supervisor connects again after a backoff);
    meanwhile the bells poll at their short interval. Once listening, every bell rings
    once: what was stored while nobody listened is looked for at once.
    """
    import psycopg

    conn = await psycopg.AsyncConnection.connect(
        url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
        keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3)
    try:
        for channel in bells:
            await conn.execute(f"LISTEN {channel}")
        for bell in bells.values():
            bell.listening = True
            bell.ring()
        async with anyio.create_task_group() as group:
            group.start_soon(_ring_on_notify, conn, bells)
            await stop.wait()
            group.cancel_scope.cancel()
    finally:
        for bell in bells.values():
            bell.listening = False
            bell.ring()  # waits now end at the short interval: look again soon
        with anyio.CancelScope(shield=True):
            await conn.close()


async def _ring_on_notify(conn: Any, bells: Mapping[str, Bell]) -> None:
    async for note in conn.notifies():
        bell = bells.get(note.channel)
        if bell is not None:
            bell.ring(notified=True)
