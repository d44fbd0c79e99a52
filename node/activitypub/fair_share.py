"""Pacing inbox processing while requests are arriving, so both keep pace.

Accepting an activity and processing it share one event loop (and one core on a small
node). Processing used to step aside whenever the inbox writer was busy, for up to two
seconds at a time; under a steady stream of requests the writer is always busy, so
processing ran one batch every two seconds -- about 50 items a second whatever the
load (issue 7, 1.13). Instead, while requests are arriving, each worker paces itself:
after an item that took ``t`` seconds it pauses ``t * (1 - share) / share``, so
processing takes about ``share`` of the worker's time and the requests the rest; when
no request is arriving it runs flat out. Neither side can starve the other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anyio

#: The share of its time a worker spends processing while requests are arriving.
SHARE = 0.5
#: Pauses shorter than this are collected until they add up (a sleep has a fixed cost).
MIN_PAUSE = 0.002


@dataclass
class FairShare:
    """Pauses a worker after each item while ``busy()`` (requests are arriving)."""

    busy: Callable[[], bool]
    share: float = SHARE
    sleep: Callable[[float], Awaitable[None]] = field(default=anyio.sleep)
    _owed: float = 0.0

    def __post_init__(self) -> None:
        if not 0 < self.share <= 1:
            raise ValueError("share must be in (0, 1]")

    async def pace(self, spent: float) -> None:
        """Called after each item, with the seconds it took."""
        if not self.busy():
            self._owed = 0.0
            return
        self._owed += spent * (1 - self.share) / self.share
        if self._owed >= MIN_PAUSE:
            pause, self._owed = self._owed, 0.0
            await self.sleep(pause)
