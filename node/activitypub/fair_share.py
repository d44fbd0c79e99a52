"""Pacing inbox processing while requests are arriving, so both keep pace.

Accepting an activity and processing it share one event loop (and one core on a small
node). Processing used to step aside whenever the inbox writer was busy, for up to two
seconds at a time; under a steady stream of requests the writer is always busy, so
processing ran one batch every two seconds -- about 50 items a second whatever the
load (issue 7, 1.13).

Now a worker pauses only when the loop is congested: requests are arriving (the
writer is busy) *and* the loop is slow to come back to the worker (``lag``: every task
of the loop ran before it, so a long lag means many are waiting). Then, after a piece of
work that took ``t`` seconds, it pauses ``t * (1 - share) / share``, so processing takes
about ``share`` of the worker's time and the requests the rest. A loop with room left
(a steady stream it keeps up with) costs processing nothing. Neither side starves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anyio
import anyio.lowlevel

#: The share of its time a worker spends processing while the loop is congested.
SHARE = 0.5
#: A turn of the loop longer than this means requests are queueing for it.
CONGESTED = 0.005
#: Pauses shorter than this are collected until they add up (a sleep has a fixed cost).
MIN_PAUSE = 0.002
MAX_PAUSE = 1.0
REMEASURE = 0.05


async def loop_lag() -> float:
    """Seconds the loop took to come back to this task (every ready task ran first)."""
    started = anyio.current_time()
    await anyio.lowlevel.checkpoint()
    return anyio.current_time() - started


@dataclass
class FairShare:
    """Pauses a worker after a piece of work while the loop is congested."""

    busy: Callable[[], bool]
    share: float = SHARE
    sleep: Callable[[float], Awaitable[None]] = field(default=anyio.sleep)
    lag: Callable[[], Awaitable[float]] = field(default=loop_lag)
    _owed: float = 0.0
    _congestion: tuple[float, bool] = (float("-inf"), False)  # (measured at, congested)

    def __post_init__(self) -> None:
        if not 0 < self.share <= 1:
            raise ValueError("share must be in (0, 1]")

    async def pace(self, spent: float) -> None:
        """Called after each piece of work, with the seconds it took."""
        if not self.busy() or not await self._congested():
            self._owed = 0.0
            return
        self._owed += spent * (1 - self.share) / self.share
        if self._owed >= MIN_PAUSE:
            pause, self._owed = min(self._owed, MAX_PAUSE), 0.0
            await self.sleep(pause)

    async def _congested(self) -> bool:
        """The loop's lag compared with :data:`CONGESTED`, measured at most every
        :data:`REMEASURE` seconds (a measurement costs the worker a turn of the loop)."""
        measured_at, congested = self._congestion
        now = anyio.current_time()
        if now - measured_at >= REMEASURE:
            congested = await self.lag() >= CONGESTED
            self._congestion = (now, congested)
        return congested
