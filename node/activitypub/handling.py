"""What a handler gets: the node's services, the stored item, and a way to touch the DB."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import anyio
from sqlalchemy import Connection

from node.runtime import Node

if TYPE_CHECKING:
    from node.activitypub.db_batch import DbBatch

T = TypeVar("T")


@dataclass(frozen=True)
class HandlerContext:
    """A handler's view of the node while it processes one stored activity."""

    node: Node
    item_id: int
    recipient: str | None
    batch: DbBatch | None = None  # set while items are processed side by side

    async def db(self, work: Callable[[Connection], T]) -> T:
        """Run ``work(conn)`` in one transaction, in a worker thread (shared with the
        works of items processed beside this one, when there are any)."""
        if self.batch is not None:
            return await self.batch.run(work)

        def run() -> T:
            with self.node.engine.begin() as conn:
                return work(conn)

        return await anyio.to_thread.run_sync(run)

    @property
    def is_local(self) -> Callable[[str], bool]:
        base = self.node.settings.url
        return lambda uri: uri == base or uri.startswith(base + "/")
