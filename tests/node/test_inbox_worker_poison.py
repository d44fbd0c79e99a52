"""Issue 7, 2.1: a poisoned inbox item is marked failed and the workers go on."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from node.activitypub.handling import HandlerContext
from node.activitypub.models import InboxItem
from node.app import create_app
from node.clock import Clock
from node.hubs.hub.service import create_hub
from node.settings import Settings
from tests.fakes.remote import FakeActor, FakeFediverse
from tests.node.harness import MASTO, Harness, running_node

_items = InboxItem.__table__  # type: ignore[attr-defined]


class Unprintable(Exception):
    """An error whose message itself raises, as SQLAlchemy's does for a deep document."""

    def __str__(self) -> str:
        raise RecursionError("maximum recursion depth exceeded while getting the repr")


def deep(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


async def raise_recursion(ctx: HandlerContext, activity: Any) -> None:
    def nest(value: list[Any]) -> int:  # as json.dumps of a 1,000-deep tag did in storage
        return 1 + nest([value])

    nest(activity["tag"])


async def raise_unprintable(ctx: HandlerContext, activity: Any) -> None:
    raise Unprintable()


def react(actor: FakeActor, n: int, kind: str) -> dict[str, Any]:
    return {"id": f"{actor.uri}#{kind}/{n}", "type": kind, "actor": actor.uri,
            "object": "https://philly.example/objects/1", "tag": deep(3)}


def states(engine: Any) -> dict[str, tuple[str, int, str | None]]:
    query = select(_items.c.activity_id, _items.c.state, _items.c.attempts, _items.c.error)
    with engine.connect() as conn:
        return {row.activity_id: (row.state, row.attempts, row.error)
                for row in conn.execute(query)}


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with running_node(settings, clock) as harness:
        dispatcher = harness.node.services.dispatcher
        dispatcher.register("Recurse")(raise_recursion)
        dispatcher.register("Unprintable")(raise_unprintable)
        yield harness


def test_a_handler_raising_recursion_error_fails_the_item_and_the_batch_goes_on(
        h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    poison, unknown = react(ana, 1, "Recurse"), react(ana, 2, "EmojiReact")
    assert h.post_activity(ana, poison).status_code == 202
    assert h.post_activity(ana, unknown).status_code == 202
    h.drain()
    found = states(h.node.engine)
    state, attempts, error = found[poison["id"]]
    assert (state, attempts) == ("failed", 1)  # at once: it would only recurse again
    assert error is not None and error.startswith("RecursionError")
    assert found[unknown["id"]][0] == "ignored"  # the item after it was processed
    assert h.drain() == 0  # and the poisoned row is never claimed again


def test_an_error_whose_message_raises_fails_the_item(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    poison, after = react(ana, 3, "Unprintable"), react(ana, 4, "EmojiReact")
    h.post_activity(ana, poison)
    h.post_activity(ana, after)
    h.drain()
    found = states(h.node.engine)
    assert found[poison["id"]] == ("failed", 1,
                                   "Unprintable (its message could not be rendered)")
    assert found[after["id"]][0] == "ignored"


def test_an_outcome_the_database_refuses_is_recorded_as_failed(h: Harness) -> None:
    from node.jobs import claim
    from node.workers import inbox_worker

    ana = h.remote.add_actor(MASTO, "ana")
    h.post_activity(ana, react(ana, 5, "EmojiReact"))
    h.post_activity(ana, react(ana, 6, "EmojiReact"))
    worker = inbox_worker(h.node, 7)
    rows = claim(h.node.engine, _items, now=h.now, ttl=worker.claim_ttl, limit=10,
                 worker=worker.worker_id)
    first, second = (row["id"] for row in rows)
    # a value no driver can bind, as an outcome carrying an unstorable object would be
    worker._release([(first, {"state": "done", "error": object()}),
                     (second, {"state": "ignored", "error": "fine"})])
    found = states(h.node.engine)
    state, _, error = found[f"{ana.uri}#EmojiReact/5"]
    assert state == "failed" and error is not None
    assert error.startswith("its outcome could not be recorded")
    assert found[f"{ana.uri}#EmojiReact/6"] == ("ignored", 0, "fine")


def test_a_live_node_survives_a_poisoned_item(settings: Settings, clock: Clock) -> None:
    # Given a node with its workers running, when a poisoned activity is processed, then
    # the inbox keeps answering 202, the other items are processed and the poison fails.
    remote = FakeFediverse()
    app = create_app(settings, transport=remote.transport(), clock=clock)
    node = app.state.node
    node.services.dispatcher.register("Recurse")(raise_recursion)
    with node.engine.begin() as conn:
        create_hub(conn, base_url=settings.url, name="portshutdown", title="Port", now=clock())
    harness = Harness(client=TestClient(app, base_url=settings.url), node=node, remote=remote,
                      now=clock())
    with harness.client:
        ana = remote.add_actor(MASTO, "ana")
        poison = react(ana, 1, "Recurse")
        assert harness.post_activity(ana, poison).status_code == 202
        for n in range(2, 5):
            assert harness.post_activity(ana, react(ana, n, "EmojiReact")).status_code == 202
        deadline = time.monotonic() + 30  # a bound on waiting, not a timing assertion
        while sum(s in {"failed", "ignored"} for s, _, _ in states(node.engine).values()) < 4:
            assert time.monotonic() < deadline, states(node.engine)
            time.sleep(0.05)
        assert harness.post_activity(ana, react(ana, 9, "EmojiReact")).status_code == 202
    found = states(node.engine)
    assert found[poison["id"]][0] == "failed"
    assert all(found[f"{ana.uri}#EmojiReact/{n}"][0] == "ignored" for n in range(2, 5))


async def test_a_dying_task_does_not_take_the_writer_and_workers_down(
        settings: Settings, clock: Clock) -> None:
    # Given the writer, an inbox worker and a task that keeps failing, all supervised in
    # one task group as the lifespan runs them: activities are still stored and processed.
    from node.activitypub.inbox_store import ReceivedActivity
    from node.app import build_node, prepare
    from node.supervision import Backoff, supervised
    from node.workers import inbox_worker

    node = build_node(settings, clock=clock)
    await prepare(node)
    stop = anyio.Event()
    runs: list[int] = []

    async def dies() -> None:
        runs.append(1)
        raise RuntimeError("a worker bug")

    quick = Backoff(first=0.01, cap=0.02)
    writer = node.services.writer
    async with anyio.create_task_group() as group:
        group.start_soon(supervised, "writer", writer.run, stop, quick)
        group.start_soon(supervised, "dies", dies, stop, quick)
        worker = inbox_worker(node)
        group.start_soon(supervised, "inbox worker",
                         lambda: worker.run(stop, writer.wakeup), stop, quick)
        for n in range(3):
            await writer.store(ReceivedActivity(
                activity_id=f"https://x.example/a/{n}", actor="https://x.example/u",
                type="EmojiReact", object_type="*", recipient=None, body=b"{}",
                received_at=clock()))
        with anyio.fail_after(30):
            while sum(s == "ignored" for s, _, _ in  # noqa: ASYNC110 - polling the database
                      (await anyio.to_thread.run_sync(states, node.engine)).values()) < 3:
                await anyio.sleep(0.02)
            while len(runs) < 3:  # noqa: ASYNC110 - restarted again and again meanwhile
                await anyio.sleep(0.01)
        stop.set()
        group.cancel_scope.cancel()
    node.engine.dispose()


def test_an_item_that_keeps_stopping_the_process_is_failed_not_retried_forever(
        h: Harness) -> None:
    # Given items whose claims expired because the process died while processing them
    # (one already abandoned twice), when a worker claims again after the restart, then
    # the twice-abandoned one is failed and never handed out, the other is processed.
    from datetime import timedelta

    from sqlalchemy import update

    from node.workers import inbox_worker

    ana = h.remote.add_actor(MASTO, "ana")
    crashed, innocent = react(ana, 7, "EmojiReact"), react(ana, 8, "EmojiReact")
    h.post_activity(ana, crashed)
    h.post_activity(ana, innocent)
    with h.node.engine.begin() as conn:
        conn.execute(update(_items).values(state="claimed", claimed_by="inbox-0",
                                           claimed_until=h.now - timedelta(seconds=1)))
        conn.execute(update(_items).where(_items.c.activity_id == crashed["id"])
                     .values(attempts=2))
    assert h.client.portal is not None
    assert h.client.portal.call(inbox_worker(h.node, 1).run_once) == 1
    found = states(h.node.engine)
    assert found[crashed["id"]] == ("failed", 3, "processing it stopped the process 3 times")
    assert found[innocent["id"]][:2] == ("ignored", 1)
