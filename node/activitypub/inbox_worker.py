"""Workers that run stored inbox items through their registered handlers.

A handler that raises :class:`Ignore` marks the item ``ignored`` with the reason; one
that raises :class:`Retry` (a fetch failed for a passing reason) is retried with the
delivery backoff; an unexpected error is logged and retried a few times, then
``failed``. Unknown types are stored and ignored, never a 500 (the request already
answered 202).

Whatever a handler raises, the worker records an outcome and goes on (issue 7, 2.1): an
error that cannot happen twice the same way (``RecursionError`` on a deeply nested
document, an exception whose message itself raises) fails the item at once, and an
outcome that cannot be stored is replaced by a plain ``failed``, so a poisoned row is
never claimed again and again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import anyio
import orjson
from sqlalchemy.engine import RowMapping

from node.activitypub.db_batch import DbBatch, SharedReads
from node.activitypub.dispatch import Ignore, Retry
from node.activitypub.fair_share import FairShare
from node.activitypub.handling import HandlerContext
from node.activitypub.inbox_reaper import reap_abandoned
from node.activitypub.inbox_segments import (
    Outcome,
    Shared,
    forget_facts,
    segments,
)
from node.activitypub.inbox_store import InboxWriter
from node.activitypub.incoming_proofs import proof_problem
from node.activitypub.models import InboxItem
from node.activitypub.retry import next_attempt
from node.jobs import claim, release_many
from node.runtime import Node
from node.wakeups import Bell

log = logging.getLogger(__name__)
_items = InboxItem.__table__  # type: ignore[attr-defined]
MAX_UNEXPECTED_ATTEMPTS = 3
MAX_ERROR = 2000
#: Errors that would only happen again: the item fails at once instead of being retried.
PERMANENT = (RecursionError, MemoryError, UnicodeError, orjson.JSONDecodeError)
SIDE_BY_SIDE = 50
PROCESSING_THREADS = 2
REAP_EVERY = 30.0  # seconds between looks for items abandoned by a dead process
#: Seconds a worker waits after a small claim (or a wake-up) before claiming again. A
#: worker woken for every stored batch (NOTIFY, issue 9 item 8) would otherwise claim
#: one or two items at a time, paying a claim, a release and a commit per item instead of
#: per batch, and losing the side-by-side group commit; under load the wait lets the
#: claim grow toward ``batch_size``; idle, it adds at most this to an item's latency.
GATHER = 0.02


def describe(exc: BaseException, *, with_type: bool = True) -> str:
    """``Type: message`` (or the message alone) for the outcome row, never raising.

    The message of an error about a poisoned document may itself fail: SQLAlchemy's
    includes the parameters' ``repr``, which recurses as deep as the document does.
    NUL characters (PostgreSQL refuses them in text) are dropped.
    """
    name = type(exc).__name__
    try:
        text = f"{name}: {exc}" if with_type else str(exc)
    except Exception:
        text = f"{name} (its message could not be rendered)"
    return text.replace("\x00", "")[:MAX_ERROR]


def failed(reason: str, attempts: int | None = None) -> Outcome:
    outcome: Outcome = {"state": "failed", "error": reason.replace("\x00", "")[:MAX_ERROR]}
    if attempts is not None:
        outcome["attempts"] = attempts
    return outcome


def handler_context(node: Node, item_id: int, recipient: str | None, *,
                    batch: DbBatch | None = None,
                    reads: SharedReads | None = None,
                    facts: SharedReads | None = None) -> HandlerContext:
    """The services of ``node`` a handler may use, for one stored item (never the node);
    ``batch`` routes its database work into a group commit (while items run side by side,
    or defers its last work while they run in order), ``reads`` lets items side by side
    share what they all read (the followed actor) and ``facts`` the batch's items what
    they read about their actors."""
    services = node.services
    return HandlerContext(engine=node.engine, clock=node.clock, base_url=node.settings.url,
                          fetcher=services.fetcher, actors=services.actors,
                          outbox=services.outbox, item_id=item_id, recipient=recipient,
                          batch=batch, policy=services.policy, reads=reads, facts=facts)


@dataclass
class InboxWorker:
    """Claims stored activities in batches and dispatches them one by one."""

    node: Node
    worker_id: str
    batch_size: int = 50
    claim_ttl: timedelta = timedelta(minutes=5)
    rand: Callable[[], float] = field(default=random.random)
    fair: FairShare | None = None
    #: Threads of its own for the database work of processing, so that it does not queue
    #: behind the inbox requests' thread hops (anyio's default pool of 40 is shared).
    threads: anyio.CapacityLimiter = field(
        default_factory=lambda: anyio.CapacityLimiter(PROCESSING_THREADS))
    #: seconds to let items gather before claiming after a small claim (:data:`GATHER`)
    gather: float = GATHER
    _next_reap: float = 0.0  # time.monotonic() of the next look for abandoned items

    async def run(self, stop: anyio.Event, bell: Bell | None = None,
                  writer: InboxWriter | None = None) -> None:
        """Process until ``stop`` is set; when idle, wait for ``bell`` (or its poll).

        While ``writer`` is accepting requests in this process, processing is paced by
        :class:`FairShare` (it gets its share of the loop, never all of it and never none
        of it); a worker in a process of its own (``ionode worker``) has no writer.
        Once ``stop`` is set the batch in hand ends after its current segment; its other
        items go back to the queue (:meth:`run_once`).
        """
        bell = bell or Bell(poll=0.5)
        if writer is not None and self.fair is None:
            self.fair = FairShare(busy=writer.busy)
        while not stop.is_set():
            claimed = await self.run_once(stop)
            if claimed == 0 and not stop.is_set():
                await bell.wait()
            if claimed < self.batch_size // 2:  # let a batch gather: see GATHER
                with anyio.move_on_after(self.gather):
                    await stop.wait()

    async def run_once(self, stop: anyio.Event | None = None) -> int:
        """Claim one batch and process it; the number of items claimed.

        Consecutive items that cannot depend on each other (Follows from distinct actors)
        are processed side by side, at most :data:`SIDE_BY_SIDE` at a time, their fetches
        overlapping and their database work committed together (:class:`DbBatch`); the
        items of one actor always run in order. Other new items run one after the other,
        each handler's last database work deferred (``ctx.record``) so that the next item
        starts at once, the deferred works running in order in one transaction before any
        later work: a run of one actor's Creates costs one thread hop, not one each. The
        batch's outcomes are recorded together, in one transaction (as the delivery worker
        does); an item whose outcome was not recorded (the process died) is claimed again
        when its claim expires.

        Stopping (``stop`` set, or cancelled: SIGTERM) ends the batch after the segment
        in hand, records what was done and puts the items not done back in the queue,
        no attempt counted, for the next worker of any process to take at once.
        """
        rows = await anyio.to_thread.run_sync(self._claim, limiter=self.threads)
        outcomes: dict[int, Outcome] = {}
        recorded: set[int] = set()
        batch = DbBatch(self.node.engine, self.threads)
        alone = DbBatch(self.node.engine, self.threads, gather_turns=0)  # one item: no wait
        shared = Shared(batch=batch, facts=SharedReads())
        try:
            for kind, segment in segments(rows):
                if stop is not None and stop.is_set():
                    break
                started = anyio.current_time()
                forget_facts(shared, segment)
                if kind == "retry":  # tried before, maybe the one that crashed
                    await batch.flush()  # what came before it runs before it
                    outcome = await self._guarded(segment[0], Shared(batch=alone))
                    await anyio.to_thread.run_sync(self._release, [(segment[0]["id"], outcome)],
                                                   limiter=self.threads)
                    recorded.add(segment[0]["id"])
                elif kind == "ordered":
                    await self._in_order(segment, shared, outcomes)
                else:
                    await self._side_by_side(segment, batch, outcomes)
                forget_facts(shared, segment)  # what they read may have changed
                if self.fair is not None:
                    await self.fair.pace(anyio.current_time() - started)
            await batch.flush()
        finally:  # stopped or cancelled mid-batch (shutdown): keep what was done
            self._settle(shared, outcomes)
            left = [(row["id"], {"state": "queued"}) for row in rows
                    if row["id"] not in outcomes and row["id"] not in recorded]
            if outcomes or left:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(self._release,
                                                   [*outcomes.items(), *left],
                                                   limiter=self.threads)
        return len(rows)

    async def _in_order(self, segment: list[RowMapping], shared: Shared,
                        outcomes: dict[int, Outcome]) -> None:
        """One item after the other; a handler's deferred work settles its outcome later."""
        assert shared.batch is not None
        shared.batch.ordered = True
        try:
            for row in segment:
                deferred: list[asyncio.Future[Any]] = []
                forget_facts(shared, [row])
                outcome = await self._guarded(row, shared, deferred)
                forget_facts(shared, [row])  # a read after its work sees its work
                if deferred:
                    shared.pending.append((row, deferred, outcome))
                else:
                    outcomes[row["id"]] = outcome
        finally:
            shared.batch.ordered = False

    def _settle(self, shared: Shared, outcomes: dict[int, Outcome]) -> None:
        """The outcomes of items whose deferred works ran: what a work raised, judged as
        if the handler had raised it; an item whose works did not run (stopped) is left
        for the queue."""
        for row, futures, outcome in shared.pending:
            if not all(future.done() for future in futures):
                continue
            errors = [f.exception() for f in futures if not f.cancelled()]
            error = next((e for e in errors if e is not None), None)
            if error is not None and outcome["state"] == "done":
                try:
                    outcome = self._judge(row, error if isinstance(error, Exception)
                                          else RuntimeError(describe(error)))
                except Exception as exc:
                    outcome = failed(describe(exc), int(row["attempts"]) + 1)
            outcomes[row["id"]] = outcome
        shared.pending.clear()

    async def _side_by_side(self, segment: list[RowMapping], batch: DbBatch,
                            outcomes: dict[int, Outcome]) -> None:
        """Each actor's items in order; distinct actors concurrently, within a bound."""
        chains: dict[str, list[RowMapping]] = {}
        for row in segment:
            chains.setdefault(row["actor"], []).append(row)
        bound = anyio.Semaphore(SIDE_BY_SIDE)
        shared = Shared(batch=batch, reads=SharedReads())  # INDEPENDENT items never
        # change what they share

        async def chain(rows: list[RowMapping]) -> None:
            async with bound:
                for row in rows:
                    outcomes[row["id"]] = await self._guarded(row, shared)

        async with anyio.create_task_group() as group:
            for rows in chains.values():
                group.start_soon(chain, rows)

    def _claim(self) -> list[RowMapping]:
        if time.monotonic() >= self._next_reap:
            self._next_reap = time.monotonic() + REAP_EVERY
            reap_abandoned(self.node.engine, self.node.clock(), MAX_UNEXPECTED_ATTEMPTS)
        return claim(self.node.engine, _items, now=self.node.clock(), ttl=self.claim_ttl,
                     limit=self.batch_size, worker=self.worker_id)

    async def process(self, row: RowMapping) -> None:
        """Process one claimed row and record its outcome."""
        outcome = await self._guarded(row, Shared())
        await anyio.to_thread.run_sync(self._release, [(row["id"], outcome)])

    async def _guarded(self, row: RowMapping, shared: Shared,
                       deferred: list[asyncio.Future[Any]] | None = None) -> Outcome:
        """The item's outcome; an error outside the handler's own handling fails it.
        Works the handler deferred are appended to ``deferred``."""
        try:
            return await self._outcome(row, shared, deferred)
        except Exception as exc:
            reason = describe(exc)
            log.error("inbox item %s could not be processed (%s); marked failed",
                      row["id"], reason[:200])
            return failed(reason, int(row["attempts"]) + 1)

    async def _outcome(self, row: RowMapping, shared: Shared,
                       deferred: list[asyncio.Future[Any]] | None) -> Outcome:
        activity = orjson.loads(row["body"])
        handler = self.node.services.dispatcher.find(row["type"], row["object_type"] or "*")
        if handler is None:
            return {"state": "ignored", "error": f"no handler for {row['type']}"[:MAX_ERROR]}
        context = handler_context(self.node, row["id"], row["recipient"], batch=shared.batch,
                                  reads=shared.reads, facts=shared.facts)
        if deferred is not None:
            context = replace(context, deferred=deferred)
        try:
            rules = await self.node.services.policy.current()
            problem = rules.activity_refusal(activity, row["actor"]) or await proof_problem(
                self.node.services.actors, activity, self.node.clock(), context.is_local)
            if problem is not None:
                raise Ignore(problem)
            if not await self._hooked(context, activity, row["type"]):
                await handler(context, activity)
        except Exception as exc:
            return self._judge(row, exc)
        return {"state": "done", "error": None}

    def _judge(self, row: RowMapping, exc: Exception) -> Outcome:
        """The outcome of an item whose handler (or deferred work) raised ``exc``."""
        if isinstance(exc, Ignore):
            return {"state": "ignored", "error": describe(exc, with_type=False)}
        if isinstance(exc, Retry):
            return self._retry(row, describe(exc, with_type=False), limit=None)
        if isinstance(exc, PERMANENT):
            log.error("handler for %s item %s failed for good: %s", row["type"], row["id"],
                      type(exc).__name__)
            return failed(describe(exc), int(row["attempts"]) + 1)
        if not _renders(exc):  # a poisoned value inside the error: it would recur
            return failed(describe(exc), int(row["attempts"]) + 1)
        reason = describe(exc)
        log.error("handler for %s item %s failed: %s", row["type"], row["id"], reason,
                  exc_info=exc)
        return self._retry(row, reason, MAX_UNEXPECTED_ATTEMPTS)

    async def _hooked(self, context: HandlerContext, activity: Any, kind: str) -> bool:
        """True when a domain hook took the activity instead of the protocol handler."""
        for hook in self.node.services.dispatcher.hooks(kind):
            if await hook(context, activity):
                return True
        return False

    def _retry(self, row: RowMapping, reason: str, limit: int | None) -> Outcome:
        attempts = int(row["attempts"]) + 1
        when = next_attempt(attempts, self.node.clock(), self.rand(), None)
        if when is None or (limit is not None and attempts >= limit):
            return failed(reason, attempts)
        return {"state": "queued", "attempts": attempts, "due_at": when,
                "error": reason[:MAX_ERROR]}

    def _release(self, outcomes: list[tuple[int, Outcome]]) -> None:
        """Record the outcomes in one transaction; should that fail, one by one, and an
        outcome that cannot be stored as it is (a value the database refuses) as a plain
        ``failed``. Only a database that refuses even that raises (the supervisor retries)."""
        try:
            self._release_together(outcomes)
            return
        except Exception as exc:
            log.error("recording %d inbox outcomes failed (%s); recording them one by one",
                      len(outcomes), describe(exc)[:200])
        for row_id, outcome in outcomes:
            try:
                self._release_together([(row_id, outcome)])
            except Exception as exc:
                self._release_together([(row_id, failed(
                    f"its outcome could not be recorded: {type(exc).__name__}"))])

    def _release_together(self, outcomes: list[tuple[int, Outcome]]) -> None:
        with self.node.engine.begin() as conn:
            release_many(conn, _items, self.worker_id, outcomes)


def _renders(exc: BaseException) -> bool:
    """Whether ``str(exc)`` works (then its traceback can be logged too)."""
    try:
        str(exc)
    except Exception:
        return False
    return True

