"""The delivery pipeline: a hanging inbox delays nobody else, outcomes are stored as they
come, claims are short and kept alive by a heartbeat (issue 7, 2.3 and 2.8). Both backends.

Remote inboxes are :class:`~tests.node.delivery_support.Hanging`: the hanging ones answer
only when the test sets an event, so nothing here depends on how fast the machine is.
"""

from __future__ import annotations

from datetime import timedelta

import anyio
import pytest

from node.activitypub.delivery import DeliveryWorker
from node.clock import as_utc
from node.jobs import claim
from tests.conftest import NOW
from tests.node.delivery_support import RAND, Hanging, World, deliveries, until

HANG = "https://hang.example/inbox"
HEALTHY = [f"https://h{n % 5}.example/u/{n}/inbox" for n in range(30)]


def worker(world: World, remote: Hanging, name: str = "w1", **kwargs: object) -> DeliveryWorker:
    return DeliveryWorker(engine=world.engine, client=remote.client(), clock=world.clock,
                          worker_id=name, rand=lambda: RAND, **kwargs)  # type: ignore[arg-type]


def all_sent(world: World, inboxes: list[str]) -> bool:
    states = world.states()
    return all(states[inbox] == "sent" for inbox in inboxes)


async def test_a_hanging_inbox_does_not_delay_anyone_else(world: World) -> None:
    # 2.3: the hanging inbox is first in the queue and in the first claim; every other
    # row is delivered AND stored as sent while it is still on the wire.
    world.enqueue(HANG, *HEALTHY)
    remote = Hanging({"hang.example"})
    stop = anyio.Event()
    async with anyio.create_task_group() as group:
        group.start_soon(worker(world, remote, batch_size=10, concurrency=4).run, stop, 0.01)
        await until(lambda: all_sent(world, HEALTHY), "healthy rows stored as sent")
        assert remote.open["hang.example"] == 1 and not remote.release.is_set()
        assert world.states()[HANG] == "claimed"
        remote.release.set()
        await until(lambda: world.states()[HANG] == "sent", "the hanging row sent")
        stop.set()
    assert sorted(remote.requests) == sorted([HANG, *HEALTHY])  # each exactly once


async def test_a_hanging_host_gets_only_its_own_slots(world: World) -> None:
    # Twenty inboxes on one host that hangs: at most per_host of them are on the wire,
    # the other slots keep serving the healthy hosts.
    hanging = [f"https://hang.example/u/{n}/inbox" for n in range(20)]
    world.enqueue(*hanging, *HEALTHY)
    remote = Hanging({"hang.example"})
    stop = anyio.Event()
    async with anyio.create_task_group() as group:
        group.start_soon(worker(world, remote, batch_size=20, concurrency=6, per_host=3).run,
                         stop, 0.01)
        await until(lambda: all_sent(world, HEALTHY), "healthy rows stored as sent")
        assert remote.open["hang.example"] == 3
        remote.release.set()
        await until(lambda: all_sent(world, hanging), "the hanging host's rows sent")
        stop.set()
    assert remote.peak["hang.example"] == 3 and max(remote.peak.values()) == 3
    assert len(remote.requests) == len(hanging) + len(HEALTHY)


async def test_a_cancelled_worker_resends_only_what_was_in_flight(world: World) -> None:
    # 2.8: each outcome is committed as it completes; a worker cancelled mid fan-out
    # puts its in-flight row back untouched, and the next worker sends only that one.
    world.enqueue(HANG, *HEALTHY)
    remote = Hanging({"hang.example"})
    async with anyio.create_task_group() as group:
        group.start_soon(worker(world, remote, batch_size=50).run, anyio.Event(), 0.01)
        await until(lambda: all_sent(world, HEALTHY), "healthy rows stored as sent")
        await remote.started.wait()
        group.cancel_scope.cancel()
    row = world.rows()[0]
    assert (row.inbox, row.state, row.attempts, row.claimed_by) == (HANG, "queued", 0, None)
    remote.release.set()
    assert await worker(world, remote, "w2").run_once() == 1
    assert remote.requests.count(HANG) == 2  # the one row that was on the wire
    assert all(remote.requests.count(inbox) == 1 for inbox in HEALTHY)
    assert set(world.states().values()) == {"sent"}


async def test_a_killed_workers_claim_is_retaken_within_a_minute(world: World) -> None:
    # A worker killed outright (no chance to put its rows back) leaves claims that
    # expire after the short claim_ttl, not after minutes.
    world.enqueue(HANG)
    remote = Hanging(set())
    survivor = worker(world, remote, "w2")
    assert survivor.claim_ttl <= timedelta(seconds=60)
    assert claim(world.engine, deliveries, now=NOW, ttl=survivor.claim_ttl, limit=10,
                 worker="killed")
    world.clock.advance_to(NOW + survivor.claim_ttl)
    assert await survivor.run_once() == 0  # the dead worker's claim still stands
    world.clock.advance_to(NOW + timedelta(seconds=61))
    assert await survivor.run_once() == 1
    assert world.row().state == "sent" and remote.requests == [HANG]


async def test_the_heartbeat_keeps_a_long_sends_claim_alive(world: World) -> None:
    world.enqueue(HANG)
    remote = Hanging({"hang.example"})
    slow, stop = worker(world, remote, "slow"), anyio.Event()
    async with anyio.create_task_group() as group:
        group.start_soon(slow.run, stop, 0.01)
        await remote.started.wait()
        for minutes in range(1, 6):  # five minutes on the wire, a heartbeat each minute
            world.clock.advance_to(NOW + timedelta(minutes=minutes) - timedelta(seconds=1))
            await slow.heartbeat()
            world.clock.advance_to(NOW + timedelta(minutes=minutes))
            assert await worker(world, remote, "other").run_once() == 0
        assert as_utc(world.row().claimed_until) == NOW + timedelta(minutes=5, seconds=59)
        remote.release.set()
        await until(lambda: world.row().state == "sent", "the long send stored")
        stop.set()
    assert remote.requests == [HANG]


async def test_the_heartbeat_runs_on_its_own(world: World) -> None:
    world.enqueue(HANG)
    remote = Hanging({"hang.example"})
    slow, stop = worker(world, remote, "slow", heartbeat_every=0.01), anyio.Event()
    async with anyio.create_task_group() as group:
        group.start_soon(slow.run, stop, 0.01)
        await remote.started.wait()
        world.clock.advance_to(NOW + timedelta(minutes=10))
        expected = NOW + timedelta(minutes=11)
        await until(lambda: as_utc(world.row().claimed_until) == expected,
                    "the claim extended by the heartbeat")
        remote.release.set()
        stop.set()


def test_the_heartbeat_must_come_well_within_the_claim(world: World) -> None:
    with pytest.raises(ValueError, match="heartbeat_every"):
        world.worker(claim_ttl=timedelta(seconds=30), heartbeat_every=15.0)
    world.worker(claim_ttl=timedelta(seconds=30), heartbeat_every=14.0)


async def test_a_stopped_worker_puts_its_rows_back_untouched(world: World) -> None:
    world.enqueue(HANG, *HEALTHY[:3])
    remote = Hanging({"hang.example"})
    stop = anyio.Event()
    async with anyio.create_task_group() as group:
        group.start_soon(worker(world, remote).run, stop, 0.01)
        await until(lambda: all_sent(world, HEALTHY[:3]), "healthy rows stored as sent")
        await remote.started.wait()
        stop.set()
    row = world.rows()[0]
    assert (row.state, row.attempts, row.claimed_by) == ("queued", 0, None)


async def test_the_breaker_still_stops_a_dead_host_in_the_pipeline(world: World) -> None:
    # Rows of a failing host in flight or waiting are planned again against the
    # breaker once its failures are stored: after the tenth failure, no more requests.
    dead = [f"https://dead.example/u/{n}/inbox" for n in range(40)]
    world.enqueue(*dead, *HEALTHY)
    world.remote.script["dead.example"] = 503
    worker_, stop = world.worker(batch_size=20, concurrency=8, per_host=4), anyio.Event()

    def settled() -> bool:  # healthy sent; every dead row tried or pushed past the breaker
        return all(
            (r.state == "queued" and as_utc(r.due_at) > NOW) if "dead" in r.inbox
            else r.state == "sent" for r in world.rows())

    async with anyio.create_task_group() as group:
        group.start_soon(worker_.run, stop, 0.01)
        await until(settled, "healthy rows sent, the dead host's rows queued")
        stop.set()
    tried = [host for host in world.remote.hosts() if host == "dead.example"]
    assert 10 <= len(tried) < 10 + 4  # at most one round of per_host past the threshold
    untried = [r for r in world.rows() if "dead" in r.inbox and r.attempts == 0]
    assert len(untried) == len(dead) - len(tried)
