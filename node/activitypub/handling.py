"""What a handler gets: the few services it uses, the stored item, and a way to touch the DB.

Handlers never see the whole node (ARCHITECTURE.md section 7): the inbox worker hands
each one the database engine, the clock, the node's base URL, the fetcher, the actor
cache and the outbox, and nothing else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
from sqlalchemy import Connection, Engine

from node.clock import Clock

if TYPE_CHECKING:
    from node.activitypub.actors import ActorCache
    from node.activitypub.federation_store import FederationPolicy
    from node.activitypub.fetch import SafeFetcher
    from node.activitypub.outbox import Outbox

if TYPE_CHECKING:
    from node.activitypub.db_batch import DbBatch, SharedReads

T = TypeVar("T")


@dataclass(frozen=True)
class HandlerContext:
    """A handler's view of the node while it processes one stored activity."""

    engine: Engine
    clock: Clock
    base_url: str
    fetcher: SafeFetcher
    actors: ActorCache
    outbox: Outbox
    item_id: int
    recipient: str | None
    batch: DbBatch | None = None  # set while items are processed side by side
    #: blocks and the allowlist: what a handler fetches is judged too (fetch_object)
    policy: FederationPolicy | None = None
    #: set while items that cannot change what they read are processed side by side
    reads: SharedReads | None = None
    #: reads about one remote actor shared by the items of a batch (:meth:`read_about`)
    facts: SharedReads | None = None
    #: the works :meth:`record` deferred; the worker reads their outcome after the flush
    deferred: list[asyncio.Future[Any]] = field(default_factory=list)

    async def db(self, work: Callable[[Connection], T]) -> T:
        """Run ``work(conn)`` in one transaction, in a worker thread (shared with the
        works of items processed beside this one, when there are any)."""
        if self.batch is not None:
            return await self.batch.run(work)

        def run() -> T:
            with self.engine.begin() as conn:
                return work(conn)

        return await anyio.to_thread.run_sync(run)

    async def record(self, work: Callable[[Connection], object]) -> None:
        """Run the handler's last database work, ``work(conn)``, whose result it does not
        need: what it raises is the item's outcome, as if raised by the handler.

        While items that must run in order are processed (one actor's Creates), the work
        is queued and this returns at once: the next item starts, and the queued works
        run in order in one transaction before any later work (:meth:`DbBatch.defer`).
        So a handler calls it last, and does nothing after it that needs it done."""
        if self.batch is not None and self.batch.ordered:
            self.deferred.append(self.batch.defer(work))
            return
        await self.db(work)

    async def read_about(self, actor: str, what: str,
                         work: Callable[[Connection], T]) -> T:
        """``db(work)``, read once per batch for ``(what, actor)``: for a read about a
        remote actor that only that actor's own items can change (does a local actor
        follow them). The worker drops an actor's answers before processing an item of
        theirs that might change them (:data:`node.activitypub.inbox_segments.KEEPS_FACTS`);
        ``work`` must only read."""
        if self.facts is None:
            return await self.db(work)
        return await self.facts.read((actor, what), lambda: self.db(work))

    async def read_shared(self, key: tuple[str, str], work: Callable[[Connection], T]) -> T:
        """``db(work)``, asked once for ``key`` by the items processed beside this one
        (:class:`~node.activitypub.db_batch.SharedReads`); ``work`` must only read."""
        if self.reads is None:
            return await self.db(work)
        return await self.reads.read(key, lambda: self.db(work))

    @property
    def is_local(self) -> Callable[[str], bool]:
        base = self.base_url
        return lambda uri: uri == base or uri.startswith(base + "/")
