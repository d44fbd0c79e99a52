"""Periodic work (materialising call occurrences, poll tallies, feed polling).

Each task is a coroutine taking the node and returning how much it did; the loop runs
every task whose interval has passed, logs and survives a failing task, and stops with
the app. Tasks are passed in, so tests run them directly instead of waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio

from node.runtime import Node

log = logging.getLogger(__name__)

TaskFn = Callable[[Node], Awaitable[int]]


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
            done += await task.run(node)
        except Exception:
            log.exception("periodic task %s failed; it runs again next interval", task.name)
    return done


async def run_periodic(node: Node, tasks: Sequence[PeriodicTask], stop: anyio.Event,
                       tick: float = 5.0) -> None:
    """The loop started with the workers."""
    last_run: dict[str, datetime] = {}
    while not stop.is_set():
        await run_due(node, tasks, last_run)
        with anyio.move_on_after(tick):
            await stop.wait()
