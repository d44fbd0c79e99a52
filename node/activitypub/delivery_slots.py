"""Which of a delivery worker's claimed rows may go on the wire now (pure bookkeeping).

Issue 7, 2.3: a worker used to claim a batch and send all of it before claiming the
next, so one inbox that never answered held its whole batch for the request timeout
and healthy followers got posts 10-17 s late. Here sends are a continuous pipeline:

* at most ``concurrency`` rows are on the wire (reserved: being signed, signed and
  waiting for a sender, or being sent), at most ``per_host`` of them for one host, so
  a host that hangs occupies only its own slots and everyone else's rows go past it;
* a row stays *held* from its claim until its outcome is committed (the worker's
  heartbeat extends the claims of held rows); a host with ``2 * per_host`` rows waiting
  or on the wire is left out of the next claim (:meth:`Slots.excluded`) instead of
  piling up here;
* a host whose send just failed temporarily (a :class:`~.classify.Retry`) gets none of
  its waiting rows sent: they go back to the queue (:meth:`Slots.finished`) and the
  host is left out of claims until its rows in flight have ended, so the next claim
  plans them against the circuit breaker's fresh state (:mod:`.breaker`);
* a host being probed by a half-open breaker is left out until the probe's outcome
  is committed, the "one probe, the rest wait" rule of :func:`.breaker.plan_batch`.

No I/O, no clock: :mod:`.delivery_pipeline` drives it and the unit tests call it.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from node.activitypub.classify import Job


@dataclass
class Slots:
    """One worker's held rows, waiting rows and reserved send slots."""

    concurrency: int
    per_host: int
    #: Rows signed ahead beyond ``concurrency`` so senders never wait for a signer.
    sign_ahead: int = 0
    held: dict[int, Job] = field(default_factory=dict)
    waiting: deque[Job] = field(default_factory=deque)
    reserved: int = 0
    _busy: Counter[str] = field(default_factory=Counter)
    _active: Counter[str] = field(default_factory=Counter)
    _held_by_host: Counter[str] = field(default_factory=Counter)
    _probes: dict[str, int] = field(default_factory=dict)
    _failing: set[str] = field(default_factory=set)

    def hold(self, send: Iterable[Job], *, probes: Iterable[Job] = (),
             parked: Iterable[Job] = ()) -> None:
        """Take claimed rows: ``send`` wait for a slot, ``probes`` (among them) are
        half-open breaker probes, ``parked`` are only held until their push-back commits."""
        for job in send:
            self.waiting.append(job)
            self._active[job.host] += 1
            self._hold(job)
        for job in parked:
            self._hold(job)
        for job in probes:
            self._probes[job.host] = job.id

    def _hold(self, job: Job) -> None:
        self.held[job.id] = job
        self._held_by_host[job.host] += 1

    def excluded(self) -> list[str]:
        """Hosts the next claim must leave out: full, probing or just failing."""
        full = {host for host, count in self._active.items() if count >= 2 * self.per_host}
        return sorted(full | self._probes.keys() | self._failing)

    def free(self) -> int:
        """Send slots (plus sign-ahead) not reserved."""
        return self.concurrency + self.sign_ahead - self.reserved

    def take(self, limit: int) -> list[Job]:
        """Reserve slots for up to ``limit`` waiting rows whose host has a free slot.

        Waiting rows keep their order (oldest due first); a row of a full host is
        skipped, never waited for.
        """
        room = min(limit, self.free())
        taken: list[Job] = []
        kept: deque[Job] = deque()
        for job in self.waiting:
            if len(taken) < room and self._busy[job.host] < self.per_host:
                self._busy[job.host] += 1
                taken.append(job)
            else:
                kept.append(job)
        self.waiting = kept
        self.reserved += len(taken)
        return taken

    def sendable(self) -> int:
        """Waiting rows whose host has a free slot (those behind a full host don't count)."""
        return sum(1 for job in self.waiting if self._busy[job.host] < self.per_host)

    def ready(self) -> bool:
        """Whether :meth:`take` would reserve at least one row."""
        return self.free() > 0 and any(self._busy[j.host] < self.per_host for j in self.waiting)

    def finished(self, job: Job, *, failed: bool) -> list[Job]:
        """Free ``job``'s slot; if its host ``failed``, return the host's waiting rows.

        The returned rows are no longer waiting but still held: the caller pushes them
        back to the queue untouched (no attempt counted).
        """
        self.reserved -= 1
        _decrement(self._busy, job.host)
        _decrement(self._active, job.host)
        if not failed:
            return []
        self._failing.add(job.host)
        returned = [j for j in self.waiting if j.host == job.host]
        if returned:
            self.waiting = deque(j for j in self.waiting if j.host != job.host)
            _decrement(self._active, job.host, len(returned))
        return returned

    def released(self, jobs: Iterable[Job]) -> None:
        """``jobs``' outcomes (or push-backs) are committed: they are no longer held."""
        for job in jobs:
            if self.held.pop(job.id, None) is None:
                continue
            if _decrement(self._held_by_host, job.host):
                self._failing.discard(job.host)
            if self._probes.get(job.host) == job.id:
                del self._probes[job.host]

    def unsent(self) -> list[Job]:
        """Every held row (for a worker that stops: they go back to the queue)."""
        return list(self.held.values())


def _decrement(counter: Counter[str], key: str, by: int = 1) -> bool:
    """Count ``key`` down by ``by``; True (and the key dropped) when it reaches zero."""
    counter[key] -= by
    if counter[key] > 0:
        return False
    del counter[key]
    return True
