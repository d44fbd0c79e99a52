"""Workers that run stored inbox items through their registered handlers.

A handler that raises :class:`Ignore` marks the item ``ignored`` with the reason; one
that raises :class:`Retry` (a fetch failed for a passing reason) is retried with the
delivery backoff; an unexpected error is logged and retried a few times, then
``failed``. Unknown types are stored and ignored, never a 500 (the request already
answered 202).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import anyio
import orjson
from sqlalchemy.engine import RowMapping

from node.activitypub.dispatch import Ignore, Retry
from node.activitypub.handling import HandlerContext
from node.activitypub.inbox_store import InboxWriter
from node.activitypub.incoming_proofs import proof_problem
from node.activitypub.models import InboxItem
from node.activitypub.retry import next_attempt
from node.jobs import claim, release_many
from node.runtime import Node

log = logging.getLogger(__name__)
_items = InboxItem.__table__  # type: ignore[attr-defined]
MAX_UNEXPECTED_ATTEMPTS = 3
MAX_DEFER = 2.0  # seconds a worker may step aside for a burst of incoming requests
DEFER_STEP = 0.02


def handler_context(node: Node, item_id: int, recipient: str | None) -> HandlerContext:
    """The services of ``node`` a handler may use, for one stored item (never the node)."""
    services = node.services
    return HandlerContext(engine=node.engine, clock=node.clock, base_url=node.settings.url,
                          fetcher=services.fetcher, actors=services.actors,
                          outbox=services.outbox, item_id=item_id, recipient=recipient)


@dataclass
class InboxWorker:
    """Claims stored activities in batches and dispatches them one by one."""

    node: Node
    worker_id: str
    batch_size: int = 50
    claim_ttl: timedelta = timedelta(minutes=5)
    rand: Callable[[], float] = field(default=random.random)

    async def run(self, stop: anyio.Event, wakeup: Any = None, idle_sleep: float = 0.5,
                  writer: InboxWriter | None = None, max_defer: float = MAX_DEFER) -> None:
        """Process until ``stop`` is set; sleep briefly when there is nothing to do.

        While ``writer`` is busy accepting a burst the worker steps aside, but never for
        longer than ``max_defer`` seconds at a time, so processing cannot starve.
        """
        deferred_since: float | None = None
        while not stop.is_set():
            if writer is not None and writer.busy():
                now = time.monotonic()
                deferred_since = deferred_since or now
                if now - deferred_since < max_defer:
                    await anyio.sleep(DEFER_STEP)
                    continue
            deferred_since = None
            if await self.run_once() == 0:
                with anyio.move_on_after(idle_sleep):
                    if wakeup is not None:
                        await wakeup.wait()
                        wakeup.clear()
                    else:
                        await stop.wait()

    async def run_once(self) -> int:
        """Claim one batch and process it; the number of items processed.

        The batch's outcomes are recorded together, in one transaction (as the delivery
        worker does); an item whose outcome was not recorded (the process died) is
        claimed again when its claim expires.
        """
        rows = await anyio.to_thread.run_sync(self._claim)
        outcomes: list[tuple[int, dict[str, Any]]] = []
        try:
            for row in rows:
                outcomes.append((row["id"], await self._outcome(row)))
        finally:  # cancelled mid-batch (shutdown): keep what was done
            if outcomes:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(self._release, outcomes)
        return len(rows)

    def _claim(self) -> list[RowMapping]:
        return claim(self.node.engine, _items, now=self.node.clock(), ttl=self.claim_ttl,
                     limit=self.batch_size, worker=self.worker_id)

    async def process(self, row: RowMapping) -> None:
        """Process one claimed row and record its outcome."""
        outcome = await self._outcome(row)
        await anyio.to_thread.run_sync(self._release, [(row["id"], outcome)])

    async def _outcome(self, row: RowMapping) -> dict[str, Any]:
        activity = orjson.loads(row["body"])
        handler = self.node.services.dispatcher.find(row["type"], row["object_type"] or "*")
        if handler is None:
            return {"state": "ignored", "error": f"no handler for {row['type']}"}
        context = handler_context(self.node, row["id"], row["recipient"])
        try:
            problem = await proof_problem(self.node.services.actors, activity, self.node.clock())
            if problem is not None:
                raise Ignore(problem)
            if not await self._hooked(context, activity, row["type"]):
                await handler(context, activity)
        except Ignore as exc:
            return {"state": "ignored", "error": str(exc)[:2000]}
        except Retry as exc:
            return self._retry(row, str(exc), limit=None)
        except Exception as exc:
            log.exception("handler for %s %s failed", row["type"], row["activity_id"])
            return self._retry(row, f"{type(exc).__name__}: {exc}", MAX_UNEXPECTED_ATTEMPTS)
        return {"state": "done", "error": None}

    async def _hooked(self, context: HandlerContext, activity: Any, kind: str) -> bool:
        """True when a domain hook took the activity instead of the protocol handler."""
        for hook in self.node.services.dispatcher.hooks(kind):
            if await hook(context, activity):
                return True
        return False

    def _retry(self, row: RowMapping, reason: str, limit: int | None) -> dict[str, Any]:
        attempts = int(row["attempts"]) + 1
        when = next_attempt(attempts, self.node.clock(), self.rand(), None)
        if when is None or (limit is not None and attempts >= limit):
            return {"state": "failed", "attempts": attempts, "error": reason[:2000]}
        return {"state": "queued", "attempts": attempts, "due_at": when, "error": reason[:2000]}

    def _release(self, outcomes: list[tuple[int, dict[str, Any]]]) -> None:
        with self.node.engine.begin() as conn:
            release_many(conn, _items, self.worker_id, outcomes)
