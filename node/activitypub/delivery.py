"""Deliveries: the declared state machine, enqueueing, and the worker that sends them.

ARCHITECTURE.md section 6: one ``delivery`` row per (activity, target inbox) is written in
the publishing transaction (:func:`enqueue`); workers claim due rows (:mod:`node.jobs`),
sign the stored body bytes, POST, classify the answer (:mod:`.classify`) and move each
row through :data:`TRANSITIONS`. A crash loses nothing: claims expire and are retaken.
A per-host circuit breaker (:mod:`.breaker`, table ``host_health``) stops spending
requests on a host that keeps failing (Mastodon trips after 10 consecutive failures).
"""

from __future__ import annotations

import logging
import random
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import anyio
import httpx
from sqlalchemy import Connection, Engine, delete, insert, or_, select

from node.activitypub.breaker import Health, load_health, plan_batch, record_health
from node.activitypub.classify import (
    TRANSITIONS,
    DeliveryState,
    Failed,
    Gone,
    IllegalTransition,
    Job,
    Result,
    Retry,
    classify,
    pushed_back,
    row_values,
    settle,
    transition,
    with_detail,
)
from node.activitypub.keys import load_rsa_private
from node.activitypub.models import Delivery, Follow, LocalActor, OutboxActivity
from node.activitypub.signatures import sign_request
from node.activitypub.sigtypes import PrivateKey, Scheme
from node.activitypub.ssrf import BlockedAddress
from node.activitypub.transport import ACTIVITY_JSON, post_activity
from node.activitypub.urls import split_url
from node.clock import Clock
from node.hosts import BadURL
from node.jobs import claim, release_many

log = logging.getLogger(__name__)

_delivery = Delivery.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]

#: Jobs signed per thread hand-off.
SIGN_CHUNK = 10
#: Total deadline of one delivery (connect + send + answer), against slow-drip servers.
REQUEST_DEADLINE = 30.0
BODY_CACHE_SIZE = 256
_HEADERS = {"Content-Type": ACTIVITY_JSON}
S = DeliveryState
__all__ = ["TRANSITIONS", "DeliveryState", "DeliveryWorker", "IllegalTransition",
           "deliveries_for_followers", "enqueue", "transition"]


def enqueue(
    conn: Connection, *, activity_row_id: int, sender_id: int, inboxes: Iterable[str],
    now: datetime,
) -> int:
    """Insert one queued delivery per distinct inbox in the caller's transaction.

    Two spellings of one inbox (host case, default port) are one delivery; URLs that
    are not absolute http(s) URLs are skipped and logged. Returns the rows inserted.
    """
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for inbox in inboxes:
        try:
            key = split_url(inbox)
        except BadURL as exc:
            log.warning("not delivering to invalid inbox %r: %s", inbox, exc)
            continue
        if key in seen:
            continue
        seen.add(key)
        rows.append({
            "activity_id": activity_row_id, "sender_id": sender_id, "inbox": inbox,
            "host": key[1], "state": S.QUEUED.value, "attempts": 0, "due_at": now,
            "created_at": now,
        })
    if rows:
        conn.execute(insert(_delivery), rows)
    return len(rows)


def deliveries_for_followers(conn: Connection, actor_uri: str) -> list[str]:
    """The inboxes of ``actor_uri``'s accepted followers, one per shared inbox.

    Only ``accepted`` follows count (a Follow counted before its Accept leaked
    followers-only posts at Pixelfed). A follower's shared inbox replaces its own.
    """
    rows = conn.execute(
        select(_follow.c.inbox, _follow.c.shared_inbox)
        .where(_follow.c.following == actor_uri, _follow.c.state == "accepted")
        .order_by(_follow.c.id)
    )
    return list(dict.fromkeys(shared or inbox for inbox, shared in rows if shared or inbox))


class SignFn(Protocol):
    """The signature of :func:`node.activitypub.signatures.sign_request` (injectable)."""

    def __call__(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, *,
        key_id: str, private_key: PrivateKey, now: datetime, scheme: Scheme = ...,
    ) -> dict[str, str]: ...


@dataclass
class _Loaded:
    bodies: Mapping[int, bytes]
    keys: Mapping[int, tuple[str, PrivateKey]]
    health: Mapping[str, Health]


@dataclass(kw_only=True)
class DeliveryWorker:
    """Claims due deliveries, sends them concurrently, records a batch in one commit.

    A claim must outlast its batch, or another worker retakes rows still in flight and
    they are delivered twice: ``claim_ttl`` is checked against the worst case.
    """

    engine: Engine
    client: httpx.AsyncClient
    clock: Clock
    worker_id: str
    sign: SignFn = sign_request
    batch_size: int = 100
    concurrency: int = 50
    claim_ttl: timedelta = timedelta(minutes=5)
    rand: Callable[[], float] = random.random
    request_deadline: float = REQUEST_DEADLINE
    sign_threads: int = 2
    _keys: dict[int, tuple[str, PrivateKey]] = field(default_factory=dict, init=False)
    _bodies: dict[int, bytes] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        rounds = -(-self.batch_size // self.concurrency)
        if rounds * self.request_deadline >= self.claim_ttl.total_seconds():
            raise ValueError("claim_ttl must exceed ceil(batch_size / concurrency) "
                             "* request_deadline, the longest a batch can take")

    async def run(self, stop: anyio.Event, idle_sleep: float = 0.2) -> None:
        """Deliver until ``stop`` is set; sleep ``idle_sleep`` when nothing is due."""
        while not stop.is_set():
            try:
                done = await self.run_once()
            except Exception:
                log.exception("delivery batch failed; its claims will expire and be retaken")
                done = 0
            if done == 0:
                with anyio.move_on_after(idle_sleep):
                    await stop.wait()

    async def run_once(self) -> int:
        """Claim, send and record one batch; returns the number of rows claimed."""
        rows = await anyio.to_thread.run_sync(self._claim)
        if not rows:
            return 0
        jobs = [Job(**{k: row[k] for k in Job.__dataclass_fields__}) for row in rows]
        loaded = await anyio.to_thread.run_sync(self._load, jobs)
        send, pushed = plan_batch(jobs, loaded.health, self.clock())
        results = await self._send_all(send, loaded)
        await anyio.to_thread.run_sync(self._record, results, pushed)
        return len(jobs)

    def _claim(self) -> list[Any]:
        return claim(self.engine, _delivery, now=self.clock(), ttl=self.claim_ttl,
                     limit=self.batch_size, worker=self.worker_id)

    def _load(self, jobs: list[Job]) -> _Loaded:
        """Bodies and keys not cached yet, and the breaker state of the batch's hosts."""
        body_ids = {j.activity_id for j in jobs} - self._bodies.keys()
        key_ids = {j.sender_id for j in jobs} - self._keys.keys()
        with self.engine.connect() as conn:
            if body_ids:
                if len(self._bodies) + len(body_ids) > BODY_CACHE_SIZE:
                    self._bodies.clear()
                query = select(_outbox.c.id, _outbox.c.body).where(_outbox.c.id.in_(body_ids))
                self._bodies.update((i, bytes(b)) for i, b in conn.execute(query))
            if key_ids:
                query = select(_actor.c.id, _actor.c.uri, _actor.c.rsa_private_pem)
                for i, uri, pem in conn.execute(query.where(_actor.c.id.in_(key_ids))):
                    self._keys[i] = (f"{uri}#main-key", load_rsa_private(pem))
            health = load_health(conn, {j.host for j in jobs})
        return _Loaded(bodies=self._bodies, keys=self._keys, health=health)

    async def _send_all(self, jobs: list[Job], loaded: _Loaded) -> list[Result]:
        """Sign chunks on threads while earlier chunks are already on the wire.

        RSA signing (~0.3 ms, the largest cost of a delivery) releases the GIL, so on
        threads it runs beside the event loop's HTTP work; chunks amortise the hand-off.
        ``concurrency`` senders take signed jobs from a queue (a fixed pool costs less
        per delivery than a task and a limiter slot each).
        """
        results: list[Result] = []
        ready: deque[tuple[Job, bytes, dict[str, str]]] = deque()
        chunks = [jobs[i : i + SIGN_CHUNK] for i in range(0, len(jobs), SIGN_CHUNK)]
        pending, wake = [len(chunks)], [anyio.Event()]
        signers = anyio.CapacityLimiter(max(self.sign_threads, 1))

        async def sign(part: list[Job]) -> None:
            if self.sign_threads:
                signed = await anyio.to_thread.run_sync(self._sign_all, part, loaded,
                                                        limiter=signers)
            else:
                signed = self._sign_all(part, loaded)
            for job, result in signed:
                if isinstance(result, Result):
                    results.append(result)
                else:
                    ready.append((job, *result))
            pending[0] -= 1
            wake[0].set()
            wake[0] = anyio.Event()

        async def send() -> None:
            while ready or pending[0]:
                if ready:
                    results.append(await self._post(*ready.popleft()))
                else:
                    await wake[0].wait()

        async with anyio.create_task_group() as group:
            for part in chunks:
                group.start_soon(sign, part)
            for _ in range(min(self.concurrency, len(jobs))):
                group.start_soon(send)
        return results

    def _sign_all(
        self, jobs: list[Job], loaded: _Loaded
    ) -> list[tuple[Job, Result | tuple[bytes, dict[str, str]]]]:
        return [(job, self._sign_one(job, loaded)) for job in jobs]

    def _sign_one(self, job: Job, loaded: _Loaded) -> Result | tuple[bytes, dict[str, str]]:
        """The body and signed headers of ``job``, or its Result if it cannot be signed."""
        body, key = loaded.bodies.get(job.activity_id), loaded.keys.get(job.sender_id)
        if body is None or key is None:
            return Result(job, Failed("activity or sender no longer exists"))
        try:
            return body, self.sign("POST", job.inbox, _HEADERS, body, key_id=key[0],
                                   private_key=key[1], now=self.clock())
        except Exception as exc:  # any failure must become a Retry, never a lost row
            return Result(job, Retry(f"signing failed: {type(exc).__name__}: {exc}"[:500]))

    async def _post(self, job: Job, body: bytes, headers: dict[str, str]) -> Result:
        """POST one delivery; never raises: an unexpected error is a Retry for the row."""
        try:
            answer = await post_activity(self.client, job.inbox, headers, body,
                                         self.request_deadline)
        except BlockedAddress as exc:  # the URL itself is forbidden: retrying cannot help
            return Result(job, Failed(str(exc)))
        except Exception as exc:  # any failure must become a Retry, never a lost row
            return Result(job, Retry(f"{type(exc).__name__}: {exc}"[:500]))
        outcome = classify(answer.status, answer.headers, None, self.clock())
        return Result(job, with_detail(outcome, answer.snippet), answer.status)

    def _record(self, results: list[Result], pushed: list[tuple[Job, datetime]]) -> None:
        """Write the batch's outcomes, follower removals and breaker state in ONE commit."""
        now = self.clock()
        updates = [(r.job.id, row_values(r.job, settle(
            r.outcome, status=r.status, attempts=r.job.attempts + 1, now=now, rand=self.rand(),
        ))) for r in results]
        updates += [(job.id, row_values(job, pushed_back(job, due))) for job, due in pushed]
        gone = {r.job.inbox for r in results if isinstance(r.outcome, Gone)}
        with self.engine.begin() as conn:
            release_many(conn, _delivery, self.worker_id, updates)
            if gone:
                conn.execute(delete(_follow).where(
                    or_(_follow.c.inbox.in_(gone), _follow.c.shared_inbox.in_(gone))))
            # An HTTP answer that is not a retry shows the host alive; a retry is a
            # failure; a row that never reached the host (refused URL) is neither.
            record_health(conn, [(r.job.host, not isinstance(r.outcome, Retry))
                                 for r in results
                                 if r.status is not None or isinstance(r.outcome, Retry)], now)
