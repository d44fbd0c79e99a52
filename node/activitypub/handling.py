"""What a handler gets: the node's services, the stored item, and a way to touch the DB."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio
from sqlalchemy import Connection

from node.runtime import Node

T = TypeVar("T")


@dataclass(frozen=True)
class HandlerContext:
    """A handler's view of the node while it processes one stored activity."""

    node: Node
    item_id: int
    recipient: str | None

    async def db(self, work: Callable[[Connection], T]) -> T:
        """Run ``work(conn)`` in one transaction, in a worker thread."""

        def run() -> T:
            with self.node.engine.begin() as conn:
                return work(conn)

        return await anyio.to_thread.run_sync(run)

    @property
    def is_local(self) -> Callable[[str], bool]:
        base = self.node.settings.url
        return lambda uri: uri == base or uri.startswith(base + "/")
