"""Periodic work (materialising call occurrences, poll tallies, feed polling).

Each task is a coroutine taking the node and returning how much it did; the loop runs
every task whose interval has passed, logs and survives a failing task, and stops with
the app. Tasks are passed in, so tests run them directly instead of waiting.

Several processes may run the periodic loop on one PostgreSQL database (``ionode worker``
beside others, issue 9 item 8): each run of a task then holds a PostgreSQL advisory lock
named after the task, and a process that finds it taken skips that run, so two
processes never publish the same call occurrence or poll tally at once. SQLite has one
process of workers (:func:`node.workers.sqlite_workers_lock`) and needs no lock.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from sqlalchemy import Connection, Engine, text

from node.runtime import Node

log = logging.getLogger(__name__)

TaskFn = Callable[[Node], Awaitable[int]]
#: First key of the periodic tasks' advisory locks ("iono"); the second is the name's CRC.
LOCK_CLASS = 0x696F6E6F


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    every: timedelta
    run: TaskFn


async def run_due(node: Node, tasks: Sequence[PeriodicTask],
                  last_run: dict[str, datetime]) -> int:
    """Run each task whose interval has passed since its last run; total work done."""
    now = node.clock()
    done = 0
    for task in tasks:
        previous = last_run.get(task.name)
        if previous is not None and now - previous < task.every:
            continue
        last_run[task.name] = now
        try:
            async with exclusive(node.engine, task.name) as mine:
                if mine:
                    done += await task.run(node)
        except Exception:
            log.exception("periodic task %s failed; it runs again next interval", task.name)
    return done


@asynccontextmanager
async def exclusive(engine: Engine, name: str) -> AsyncIterator[bool]:
    """True while this process holds the task's lock (PostgreSQL); False if another
    process runs the task now. Always True on SQLite."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = {"a": LOCK_CLASS, "b": zlib.crc32(name.encode()) - 2**31}  # a signed int4
    conn = await anyio.to_thread.run_sync(_autocommit, engine)
    try:
        mine = bool(await anyio.to_thread.run_sync(
            lambda: conn.execute(text("SELECT pg_try_advisory_lock(:a, :b)"), key).scalar()))
        try:
            yield mine
        finally:
            if mine:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(
                        lambda: conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"), key))
    finally:
        conn.close()


def _autocommit(engine: Engine) -> Connection:
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


async def run_periodic(node: Node, tasks: Sequence[PeriodicTask], stop: anyio.Event,
                       tick: float = 5.0) -> None:
    """The loop started with the workers."""
    last_run: dict[str, datetime] = {}
    while not stop.is_set():
        await run_due(node, tasks, last_run)
        with anyio.move_on_after(tick):
            await stop.wait()
