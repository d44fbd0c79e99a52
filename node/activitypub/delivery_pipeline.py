"""The delivery worker's pipeline: rows claimed as slots free up, outcomes stored as they come.

Issue 7, 2.3 and 2.8. The worker used to claim a batch, send all of it, then record it
in one commit: one inbox that never answered held the whole batch for the timeout, and
a worker killed mid-batch had its whole batch resent after a 5-minute claim expiry.
Here four kinds of task share one :class:`~.delivery_slots.Slots`:

* the claimer takes due rows whenever the worker holds few enough, leaving out hosts
  that already have their share (:meth:`Slots.excluded`);
* the dispatcher reserves a slot per row (global and per-host limits), signs rows in
  chunks on threads just before they go out (RSA releases the GIL), and hands them to
* ``concurrency`` senders, each POSTing one row at a time, so a hanging inbox holds
  one sender and nothing else;
* the recorder commits the outcomes that arrived since its last commit (a group
  commit, at most ``commit_linger`` after an outcome, not at the end of a batch), so a
  kill loses only what was on the wire or had just come back;
* a heartbeat extends the claims of held rows every ``heartbeat_every`` seconds, so
  claims stay short and a killed worker's rows are retaken within one claim.

A worker that stops (``stop`` set, or cancelled) commits what it has and puts the rest
of its rows back in the queue untouched (no attempt counted): only what was on the wire
is sent again. SECURITY.md "Durability": every row is in the database the whole time.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

import anyio
from anyio.abc import TaskGroup

from node.activitypub.classify import Job, Result, Retry
from node.activitypub.delivery_slots import Slots
from node.activitypub.sigtypes import PrivateKey
from node.wakeups import Bell

log = logging.getLogger(__name__)
GATHER = 0.02  # seconds rows may gather after the bell rings before a claim

#: What a row needs to be signed: the activity's bytes and the sender's key (or None
#: when the activity or sender was deleted meanwhile).
Material = tuple[bytes | None, tuple[str, PrivateKey] | None]
#: A signed row: the body and the headers to POST it with.
Signed = tuple[bytes, dict[str, str]]
#: Until ``stop`` is set; until nothing is due and nothing held; one claim's rows.
Mode = Literal["run", "idle", "once"]


@dataclass
class Claimed:
    """One claim, planned against the circuit breaker (:func:`.breaker.plan_batch`)."""

    send: list[Job] = field(default_factory=list)
    probes: list[Job] = field(default_factory=list)
    pushed: list[tuple[Job, datetime]] = field(default_factory=list)
    material: dict[int, Material] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.send) + len(self.pushed)


class Steps(Protocol):
    """The worker's I/O, which the pipeline schedules (:class:`.delivery.DeliveryWorker`).

    ``claim``, ``sign_rows``, ``record`` and ``extend`` block (database, RSA) and run on
    threads; ``post`` never raises (an unexpected error is a Retry of its row).
    """

    def claim(self, limit: int, excluded: Sequence[str]) -> Claimed: ...

    def sign_rows(
        self, work: list[tuple[Job, Material]]
    ) -> list[tuple[Job, Result | Signed]]: ...

    async def post(self, job: Job, signed: Signed) -> Result: ...

    def record(self, results: list[Result], pushed: list[tuple[Job, datetime]]) -> None: ...

    def extend(self, ids: list[int]) -> None: ...


class Signal:
    """A wake-up for ONE waiting task: a ``set`` before the ``wait`` is not lost."""

    def __init__(self) -> None:
        self._event = anyio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self) -> None:
        await self._event.wait()
        self._event = anyio.Event()


@dataclass(eq=False, kw_only=True)
class Pipeline:
    """One run of a worker's pipeline (see the module docstring)."""

    steps: Steps
    slots: Slots
    batch_size: int
    sign_chunk: int
    sign_threads: int
    heartbeat_every: float
    commit_linger: float = 0.0
    bell: Bell | None = None  # rung when deliveries are queued: claim at once
    claimed: int = 0
    _bell_rang: bool = False
    _material: dict[int, Material] = field(default_factory=dict)
    _results: list[Result] = field(default_factory=list)
    _pushed: list[tuple[Job, datetime]] = field(default_factory=list)
    _signing: int = 0
    _wake_claim: Signal = field(default_factory=Signal)
    _wake_dispatch: Signal = field(default_factory=Signal)
    _wake_record: Signal = field(default_factory=Signal)

    def __post_init__(self) -> None:
        # Signed rows for the senders, and one event that wakes the idle ones per chunk
        # (cheaper per row than a memory stream, which looks up the task per receive).
        self._signed: deque[tuple[Job, Signed]] = deque()
        self._more_signed = anyio.Event()
        self._signers = anyio.CapacityLimiter(max(self.sign_threads, 1))
        # One database call at a time: claims, commits and heartbeats queue here rather
        # than in SQLite's busy handler, which sleeps for milliseconds between tries.
        self._database = anyio.CapacityLimiter(1)

    async def serve(self, stop: anyio.Event, *, idle_sleep: float, mode: Mode) -> int:
        """Deliver until ``stop`` (mode ``run``), until nothing is due and nothing held
        (``idle``) or after one claim's rows are done (``once``); rows claimed."""
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self._record_loop)
                group.start_soon(self._heartbeat_loop)
                group.start_soon(self._dispatch_loop, group)
                group.start_soon(self._watch, stop)
                if self.bell is not None:
                    group.start_soon(self._listen, self.bell)
                for _ in range(self.slots.concurrency):
                    group.start_soon(self._send_loop)
                if mode == "once":
                    await self._claim(self.batch_size)
                    while self.slots.held:
                        await self._wake_claim.wait()
                else:
                    await self._claim_loop(stop, idle_sleep, until_idle=mode == "idle")
                group.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                await self._close()
        return self.claimed

    async def heartbeat(self) -> None:
        """Extend the claims of every row this run holds (in flight or waiting)."""
        ids = sorted(self.slots.held)
        if ids:
            try:
                await anyio.to_thread.run_sync(self.steps.extend, ids, limiter=self._database)
            except Exception:
                log.exception("extending %d delivery claims failed", len(ids))

    async def _watch(self, stop: anyio.Event) -> None:
        await stop.wait()
        self._wake_claim.set()

    async def _listen(self, bell: Bell) -> None:
        """Claim when deliveries are queued, once per :data:`GATHER` at most: a ring per
        publishing transaction would otherwise cost a claim per row or two."""
        while True:
            await bell.rung()
            await anyio.sleep(GATHER)
            self._bell_rang = True
            self._wake_claim.set()

    async def _claim_loop(self, stop: anyio.Event, idle_sleep: float, until_idle: bool) -> None:
        """Claim when fewer than two batches of rows could be sent and there is room for
        at least half a batch (rows stuck behind a full host leave room: they count in
        ``held`` but not in ``sendable``); idle when nothing is due."""
        max_held = self.slots.concurrency + 3 * self.batch_size
        while not stop.is_set():
            room = min(self.batch_size, max_held - len(self.slots.held))
            if room < max(self.batch_size // 2, 1) or (
                    self.slots.sendable() >= 2 * self.batch_size):
                await self._wake_claim.wait()
                continue
            excluded = set(self.slots.excluded())
            self._bell_rang = False  # a ring from now on means rows this claim missed
            if await self._claim(room):
                continue
            if until_idle and not self.slots.held:
                return
            # Nothing due that we may take: wait, but claim again at once when a host
            # that was left out gets room, when deliveries are queued (the bell), or
            # (draining) when the last row is done.
            with anyio.move_on_after(idle_sleep if self.bell is None else self.bell.poll):
                while not stop.is_set() and not self._bell_rang and excluded <= set(
                        self.slots.excluded()) and not (until_idle and not self.slots.held):
                    await self._wake_claim.wait()

    async def _claim(self, limit: int) -> int:
        try:
            # Shielded: rows claimed must reach ``held``, or a stopping worker could not
            # put them back and they would wait for their claim to expire.
            with anyio.CancelScope(shield=True):
                got = await anyio.to_thread.run_sync(
                    self.steps.claim, limit, self.slots.excluded(), limiter=self._database)
        except Exception:
            log.exception("claiming deliveries failed; trying again")
            return 0
        self.claimed += len(got)
        self._material.update(got.material)
        self.slots.hold(got.send, probes=got.probes, parked=[job for job, _ in got.pushed])
        if got.pushed:
            self._pushed.extend(got.pushed)
            self._wake_record.set()
        if got.send:
            self._wake_dispatch.set()
        return len(got)

    async def _dispatch_loop(self, group: TaskGroup) -> None:
        """Reserve slots and sign in whole chunks (a thread hand-off costs about as much as
        a signature); a partial chunk only when the senders would otherwise run dry."""
        while True:
            if not self._may_sign() or not self.slots.ready():
                await self._wake_dispatch.wait()
                continue
            jobs = self.slots.take(self.sign_chunk)
            self._wake_claim.set()  # fewer rows wait: the claimer may want more
            self._signing += 1
            group.start_soon(self._sign, [(job, self._material.pop(job.id)) for job in jobs])

    def _may_sign(self) -> bool:
        """A whole chunk's worth of free slots, or senders about to run dry."""
        free = self.slots.free()
        return free >= self.sign_chunk or (free > 0 and not self._signing and not self._signed)

    async def _sign(self, work: list[tuple[Job, Material]]) -> None:
        try:
            if self.sign_threads:
                signed = await anyio.to_thread.run_sync(self.steps.sign_rows, work,
                                                        limiter=self._signers)
            else:
                signed = self.steps.sign_rows(work)
        finally:
            self._signing -= 1
            self._wake_dispatch.set()
        for job, outcome in signed:
            if isinstance(outcome, Result):
                self._finish(outcome, failed=False)
            else:
                self._signed.append((job, outcome))
        self._more_signed.set()
        self._more_signed = anyio.Event()

    async def _send_loop(self) -> None:
        while True:
            if not self._signed:
                await self._more_signed.wait()
                continue
            job, signed = self._signed.popleft()
            result = await self.steps.post(job, signed)
            self._finish(result, failed=isinstance(result.outcome, Retry))

    def _finish(self, result: Result, *, failed: bool) -> None:
        """A row's outcome is known: free its slot, queue it for the next commit."""
        returned = self.slots.finished(result.job, failed=failed)
        self._results.append(result)
        self._pushed.extend((job, job.due_at) for job in returned)
        for job in returned:
            self._material.pop(job.id, None)
        self._wake_record.set()
        if self._may_sign():
            self._wake_dispatch.set()

    async def _record_loop(self) -> None:
        """Commit every outcome that arrived since the last commit, then free its hold.

        While rows are still on the wire, up to ``commit_linger`` seconds are left for a
        batch of outcomes to gather: a commit costs as much as tens of rows in it.
        """
        while True:
            if not self._results and not self._pushed:
                await self._wake_record.wait()
                continue
            with anyio.move_on_after(self.commit_linger):
                while self.slots.reserved and len(self._results) < self.batch_size:
                    await self._wake_record.wait()
            results, pushed = self._results, self._pushed
            self._results, self._pushed = [], []
            try:
                await anyio.to_thread.run_sync(self.steps.record, results, pushed,
                                               limiter=self._database)
            except Exception:
                log.exception("recording %d delivery outcomes failed; their claims will "
                              "expire and be retaken", len(results) + len(pushed))
            self.slots.released([r.job for r in results] + [job for job, _ in pushed])
            self._wake_claim.set()

    async def _heartbeat_loop(self) -> None:
        while True:
            await anyio.sleep(self.heartbeat_every)
            await self.heartbeat()

    async def _close(self) -> None:
        """Commit the outcomes not yet recorded; put every other held row back untouched.

        A row the recorder committed just before the cancellation is still listed as
        held; putting it back is refused by the conditional release (it is no longer
        claimed), so nothing recorded is undone.
        """
        results, pushed = self._results, self._pushed
        self._results, self._pushed = [], []
        done = {r.job.id for r in results} | {job.id for job, _ in pushed}
        pushed += [(job, job.due_at) for job in self.slots.unsent() if job.id not in done]
        if not results and not pushed:
            return
        try:
            await anyio.to_thread.run_sync(self.steps.record, results, pushed)
        except Exception:
            log.exception("a stopping delivery worker could not record its rows; their "
                          "claims will expire and be retaken")
        self.slots.released([r.job for r in results] + [job for job, _ in pushed])
