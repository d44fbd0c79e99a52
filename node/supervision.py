"""Keep a long-running task alive: restart it after a failure, with a backoff.

The workers, the periodic jobs and the inbox writer run as tasks of the app's one task
group. In an anyio task group a task that raises cancels all the others, so one poisoned
activity used to stop every worker and the inbox writer (issue 7, 2.1: every inbox POST
then answered 503 until a restart, and the restart fell again on the same row). Each
task is therefore run under :func:`supervised`: an exception ends only that run, which
is logged with its traceback once, and the task is started again after a delay that
doubles while it keeps failing (so a persistent fault, e.g. a database that is down,
neither spins the loop nor floods the log). Cancellation (shutdown) is never caught.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """Restart delays: ``first`` doubling up to ``cap``; a run that lasted ``healthy``
    seconds counts as recovered and resets the delay."""

    first: float = 0.5
    cap: float = 60.0
    healthy: float = 60.0

    def delay(self, failures: int) -> float:
        return min(self.cap, self.first * math.pow(2, max(0, failures - 1)))


async def supervised(name: str, run: Callable[[], Awaitable[None]], stop: anyio.Event,
                     backoff: Backoff = Backoff()) -> int:
    """Run ``run()`` until it returns or ``stop`` is set, restarting it when it raises.

    Returns how many times it failed (tests read this). The first failure of a streak
    is logged with its traceback; later ones of the same streak with one line each.
    """
    failures = 0
    streak = 0
    while not stop.is_set():
        started = anyio.current_time()
        try:
            await run()
            return failures
        except Exception as exc:  # cancellation is a BaseException: it goes through
            failures += 1
            if anyio.current_time() - started >= backoff.healthy:
                streak = 0
            streak += 1
            wait = backoff.delay(streak)
            if streak == 1:
                log.exception("%s failed; restarting it in %.1f s", name, wait)
            else:
                log.error("%s failed again (%d in a row, %s); restarting it in %.1f s",
                          name, streak, type(exc).__name__, wait)
        with anyio.move_on_after(wait):
            await stop.wait()
    return failures
