"""The delivery tests' world: one sending actor, one outbox activity, scripted remote inboxes.

Time is a :class:`Clock` the tests advance; jitter is the fixed :data:`RAND`. The
``keys`` and ``world`` fixtures are in ``tests/node/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import anyio
import httpx
from sqlalchemy import Engine, insert, select

from node.activitypub.delivery import DeliveryWorker, enqueue
from node.activitypub.keys import ActorKeys
from node.activitypub.models import Delivery, Follow, LocalActor, OutboxActivity
from tests.conftest import NOW

RAND = 0.5
ACTOR = "https://philly.example/hubs/portshutdown"
BODY = b'{"@context":"https://www.w3.org/ns/activitystreams","type":"Create","id":"x"}\n'
deliveries = Delivery.__table__  # type: ignore[attr-defined]
follows = Follow.__table__  # type: ignore[attr-defined]
actors = LocalActor.__table__  # type: ignore[attr-defined]
outbox = OutboxActivity.__table__  # type: ignore[attr-defined]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance_to(self, when: datetime) -> None:
        self.now = max(self.now, when)


@dataclass
class Remote:
    """Scripted inboxes: per host a status (or a list consumed in order) or an exception."""

    script: dict[str, Any] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.script.get(request.url.host, 202)
        if isinstance(answer, list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(answer, text="" if answer < 300 else f"error {answer}")

    def hosts(self) -> list[str]:
        return [r.url.host for r in self.requests]


@dataclass
class Hanging:
    """Inboxes on ``hosts`` that never answer until :attr:`release` is set; others 202.

    Records every request, and how many of each host's requests were open at once.
    """

    hosts: set[str]
    release: anyio.Event = field(default_factory=anyio.Event)
    started: anyio.Event = field(default_factory=anyio.Event)
    requests: list[str] = field(default_factory=list)
    open: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        self.requests.append(str(request.url))
        self.open[host] = self.open.get(host, 0) + 1
        self.peak[host] = max(self.peak.get(host, 0), self.open[host])
        try:
            if host in self.hosts:
                self.started.set()
                await self.release.wait()
            return httpx.Response(202)
        finally:
            self.open[host] -= 1

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))


async def until(condition: Callable[[], bool], what: str, rounds: int = 3000) -> None:
    """Yield to the worker until ``condition`` holds (a bound on rounds, not a timing
    assertion: the condition is what is checked)."""
    for _ in range(rounds):
        if condition():
            return
        await anyio.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


@dataclass
class World:
    engine: Engine
    clock: Clock
    remote: Remote
    activity_id: int
    sender_id: int
    keys: ActorKeys

    def worker(self, name: str = "w1", **kwargs: Any) -> DeliveryWorker:
        client = httpx.AsyncClient(transport=httpx.MockTransport(self.remote))
        return DeliveryWorker(engine=self.engine, client=client, clock=self.clock,
                              worker_id=name, rand=lambda: RAND, **kwargs)

    def enqueue(self, *inboxes: str) -> int:
        with self.engine.begin() as conn:
            return enqueue(conn, activity_row_id=self.activity_id, sender_id=self.sender_id,
                           inboxes=inboxes, now=self.clock())

    def rows(self) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(deliveries).order_by(deliveries.c.id)))

    def row(self) -> Any:
        [only] = self.rows()
        return only

    def states(self) -> dict[str, str]:
        """Each row's state, by inbox URL."""
        return {row.inbox: row.state for row in self.rows()}

    def follow(self, follower: str, inbox: str, shared: str | None = None,
               state: str = "accepted", following: str = ACTOR) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(follows).values(
                follower=follower, following=following, activity_id=f"{follower}#follow",
                state=state, inbox=inbox, shared_inbox=shared, created_at=NOW, updated_at=NOW))
