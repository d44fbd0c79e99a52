"""Deliveries: the declared state machine, enqueueing, and the worker that sends them.

ARCHITECTURE.md section 6: one ``delivery`` row per (activity, target inbox) is written in
the publishing transaction (:func:`enqueue`); workers claim due rows (:mod:`node.jobs`),
sign the stored body bytes, POST, classify the answer (:mod:`.classify`) and move each
row through :data:`TRANSITIONS`. Rows flow through a pipeline (:mod:`.delivery_pipeline`):
no delivery waits for another, each outcome is stored as it comes back, and claims are
short and kept alive by a heartbeat. A crash loses nothing: claims expire and are
retaken within a minute, and only the rows that were on the wire are sent again.
A per-host circuit breaker (:mod:`.breaker`, table ``host_health``) stops spending
requests on a host that keeps failing (Mastodon trips after 10 consecutive failures).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import anyio
from sqlalchemy import Connection, Engine, delete, insert, or_, select

from node.activitypub.breaker import (
    BreakerState,
    Health,
    load_health,
    plan_batch,
    record_health,
)
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
from node.activitypub.delivery_pipeline import Claimed, Material, Mode, Pipeline, Signed
from node.activitypub.delivery_slots import Slots
from node.activitypub.federation_store import FederationPolicy, FederationRule
from node.activitypub.keys import load_rsa_private
from node.activitypub.models import Delivery, Follow, LocalActor, OutboxActivity
from node.activitypub.signatures import sign_request
from node.activitypub.sigtypes import PrivateKey, Scheme
from node.activitypub.transport import ACTIVITY_JSON, post_activity
from node.activitypub.urls import split_url
from node.clock import Clock
from node.hosts import BadURL
from node.jobs import claim as claim_rows
from node.jobs import extend as extend_claims
from node.jobs import release_many
from node.wakeups import DELIVERY, Bell, notify

if TYPE_CHECKING:  # httpx is imported at the first delivery: an idle node does not load it
    import httpx

log = logging.getLogger(__name__)

_delivery = Delivery.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
_rule = FederationRule.__table__  # type: ignore[attr-defined]

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
        notify(conn, DELIVERY)  # at commit: idle delivery workers of every process wake
    return len(rows)


def deliveries_for_followers(conn: Connection, actor_uri: str) -> list[str]:
    """The inboxes of ``actor_uri``'s accepted followers, one per shared inbox.

    Only ``accepted`` follows count (a Follow counted before its Accept leaked
    followers-only posts at Pixelfed). A follower's shared inbox replaces its own, but
    only after blocked accounts are left out: the delivery worker refuses a blocked
    account's own inbox, not its server's shared inbox, so a blocked follower left in
    the list would bring its host the post through the shared inbox. Without them, a
    host whose only followers are blocked gets nothing (a block also cuts their follows:
    :mod:`node.activitypub.federation_purge`; this holds whatever row is left).
    """
    blocked = select(_rule.c.target).where(_rule.c.kind == "actor")
    rows = conn.execute(
        select(_follow.c.inbox, _follow.c.shared_inbox)
        .where(_follow.c.following == actor_uri, _follow.c.state == "accepted",
               _follow.c.follower.not_in(blocked))
        .order_by(_follow.c.id)
    )
    return list(dict.fromkeys(shared or inbox for inbox, shared in rows if shared or inbox))


class SignFn(Protocol):
    """The signature of :func:`node.activitypub.signatures.sign_request` (injectable)."""

    def __call__(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, *,
        key_id: str, private_key: PrivateKey, now: datetime, scheme: Scheme = ...,
    ) -> dict[str, str]: ...


@dataclass(kw_only=True)
class DeliveryWorker:
    """Claims due deliveries and sends them through a pipeline (:mod:`.delivery_pipeline`).

    ``concurrency`` POSTs at most in flight, ``per_host`` of them to one host, so a host
    that never answers holds only its own slots; ``batch_size`` rows per claim. Claims
    last ``claim_ttl`` and a heartbeat extends those still held every
    ``heartbeat_every`` seconds: a killed worker's rows are retaken within ``claim_ttl``.
    """

    engine: Engine
    client: httpx.AsyncClient
    clock: Clock
    worker_id: str
    sign: SignFn = sign_request
    batch_size: int = 100
    concurrency: int = 50
    per_host: int = 20
    claim_ttl: timedelta = timedelta(seconds=60)
    heartbeat_every: float = 15.0
    #: Seconds an outcome may wait for others to share its commit (while rows are on
    #: the wire); what a kill can lose beyond the rows in flight.
    commit_linger: float = 0.05
    rand: Callable[[], float] = random.random
    request_deadline: float = REQUEST_DEADLINE
    #: rung when deliveries are queued (:mod:`node.wakeups`); idle, the worker waits for
    #: it (or its poll) instead of looking every ``idle_sleep``
    bell: Bell | None = None
    sign_threads: int = 2
    #: blocks and the allowlist: a row to a refused inbox is marked failed, never sent
    policy: FederationPolicy | None = None
    _refused: dict[int, str] = field(default_factory=dict, init=False)
    _keys: dict[int, tuple[str, PrivateKey]] = field(default_factory=dict, init=False)
    _bodies: dict[int, bytes] = field(default_factory=dict, init=False)
    _pipeline: Pipeline | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if min(self.batch_size, self.concurrency, self.per_host) < 1:
            raise ValueError("batch_size, concurrency and per_host must be at least 1")
        if self.heartbeat_every * 2 >= self.claim_ttl.total_seconds():
            raise ValueError("heartbeat_every must be under half of claim_ttl, or a claim "
                             "can expire between two heartbeats while its row is in flight")

    async def run(self, stop: anyio.Event, idle_sleep: float = 0.2) -> None:
        """Deliver until ``stop`` is set; look for due rows every ``idle_sleep`` when idle.

        Never raises: if the pipeline fails, its rows go back to the queue (or their
        claims expire) and a new pipeline starts.
        """
        while not stop.is_set():
            try:
                await self._serve(stop, idle_sleep, "run")
            except Exception:
                log.exception("the delivery pipeline failed; starting it again")
                with anyio.move_on_after(idle_sleep):
                    await stop.wait()

    async def run_once(self) -> int:
        """Claim up to ``batch_size`` rows, deliver them, record them; rows claimed."""
        return await self._serve(anyio.Event(), 0.0, "once")

    async def run_until_idle(self, idle_sleep: float = 0.2) -> int:
        """Deliver until nothing is due and nothing is in flight; rows claimed."""
        return await self._serve(anyio.Event(), idle_sleep, "idle")

    async def heartbeat(self) -> None:
        """Extend the claims of the rows the running pipeline holds (now, not on schedule)."""
        if self._pipeline is not None:
            await self._pipeline.heartbeat()

    async def _serve(self, stop: anyio.Event, idle_sleep: float, mode: Mode) -> int:
        slots = Slots(concurrency=self.concurrency, per_host=self.per_host,
                      sign_ahead=2 * SIGN_CHUNK if self.sign_threads else 0)
        self._pipeline = Pipeline(
            steps=self, slots=slots, batch_size=self.batch_size, sign_chunk=SIGN_CHUNK,
            sign_threads=self.sign_threads, heartbeat_every=self.heartbeat_every,
            commit_linger=self.commit_linger, bell=self.bell if mode == "run" else None)
        try:
            return await self._pipeline.serve(stop, idle_sleep=idle_sleep, mode=mode)
        finally:
            self._pipeline = None

    def claim(self, limit: int, excluded: Sequence[str]) -> Claimed:
        """Claim up to ``limit`` due rows (not of ``excluded`` hosts), planned by the breaker."""
        now = self.clock()
        where = _delivery.c.host.not_in(excluded) if excluded else None
        rows = claim_rows(self.engine, _delivery, now=now, ttl=self.claim_ttl, limit=limit,
                     worker=self.worker_id, where=where)
        if not rows:
            return Claimed()
        jobs = [Job(**{k: row[k] for k in Job.__dataclass_fields__}) for row in rows]
        if self.policy is not None:  # queued before a block, or to a host not allowed
            rules = self.policy.rules()
            self._refused.update((j.id, f"not delivered: {reason}") for j in jobs
                                 if (reason := rules.refusal(j.inbox)) is not None)
        health = self._load(jobs)
        send, pushed = plan_batch(jobs, health, now)
        probes = [j for j in send
                  if health.get(j.host, Health()).state(now) is BreakerState.HALF_OPEN]
        material = {j.id: (self._bodies.get(j.activity_id), self._keys.get(j.sender_id))
                    for j in send}
        return Claimed(send=send, probes=probes, pushed=pushed, material=material)

    def extend(self, ids: list[int]) -> None:
        until = self.clock() + self.claim_ttl
        extend_claims(self.engine, _delivery, ids, self.worker_id, until=until)

    def _load(self, jobs: list[Job]) -> Mapping[str, Health]:
        """Cache bodies and keys not cached yet; the breaker state of the jobs' hosts."""
        body_ids = {j.activity_id for j in jobs} - self._bodies.keys()
        key_ids = {j.sender_id for j in jobs} - self._keys.keys()
        with self.engine.connect() as conn:
            if body_ids:
                if len(self._bodies) + len(body_ids) > BODY_CACHE_SIZE:
                    self._bodies = {}  # rows already claimed keep their own references
                query = select(_outbox.c.id, _outbox.c.body).where(_outbox.c.id.in_(body_ids))
                self._bodies.update((i, bytes(b)) for i, b in conn.execute(query))
            if key_ids:
                query = select(_actor.c.id, _actor.c.uri, _actor.c.rsa_private_pem)
                for i, uri, pem in conn.execute(query.where(_actor.c.id.in_(key_ids))):
                    self._keys[i] = (f"{uri}#main-key", load_rsa_private(pem))
            return load_health(conn, {j.host for j in jobs})

    def sign_rows(self, work: list[tuple[Job, Material]]) -> list[tuple[Job, Result | Signed]]:
        """Sign a chunk (on a thread: RSA releases the GIL, ~0.3 ms a row)."""
        return [(job, self._sign_one(job, *material)) for job, material in work]

    def _sign_one(
        self, job: Job, body: bytes | None, key: tuple[str, PrivateKey] | None
    ) -> Result | Signed:
        """The body and signed headers of ``job``, or its Result if it cannot be signed
        (or may not be sent: the federation policy refuses its inbox)."""
        refused = self._refused.pop(job.id, None)
        if refused is not None:
            return Result(job, Failed(refused))
        if body is None or key is None:
            return Result(job, Failed("activity or sender no longer exists"))
        try:
            return body, self.sign("POST", job.inbox, _HEADERS, body, key_id=key[0],
                                   private_key=key[1], now=self.clock())
        except Exception as exc:  # any failure must become a Retry, never a lost row
            return Result(job, Retry(f"signing failed: {type(exc).__name__}: {exc}"[:500]))

    async def post(self, job: Job, signed: Signed) -> Result:
        """POST one delivery; never raises: an unexpected error is a Retry for the row."""
        from node.activitypub.ssrf_blocked import BlockedAddress

        body, headers = signed
        try:
            answer = await post_activity(self.client, job.inbox, headers, body,
                                         self.request_deadline)
        except BlockedAddress as exc:  # the URL itself is forbidden: retrying cannot help
            return Result(job, Failed(str(exc)))
        except Exception as exc:  # any failure must become a Retry, never a lost row
            return Result(job, Retry(f"{type(exc).__name__}: {exc}"[:500]))
        outcome = classify(answer.status, answer.headers, None, self.clock())
        return Result(job, with_detail(outcome, answer.snippet), answer.status)

    def record(self, results: list[Result], pushed: list[tuple[Job, datetime]]) -> None:
        """Write outcomes, push-backs, follower removals and breaker state in ONE commit."""
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
