"""The delivery worker against scripted remote inboxes (httpx.MockTransport), both backends.

Time is an injected clock that the tests advance; jitter is a fixed ``rand``. The world
(:mod:`tests.node.delivery_support`) and its fixtures (``tests/node/conftest.py``) are
shared with the transport tests.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import httpx
import pytest
from sqlalchemy import func, select

from node.activitypub.delivery import DeliveryWorker, deliveries_for_followers
from node.activitypub.digest import digest_problem
from node.activitypub.keys import load_public_pem
from node.activitypub.models import HostHealth
from node.activitypub.retry import MAX_ATTEMPTS, next_attempt
from node.activitypub.signatures import SignatureClaim, Verified, read_signature
from node.jobs import claim
from tests.conftest import NOW
from tests.node.delivery_support import ACTOR, BODY, RAND, World, deliveries, follows

health = HostHealth.__table__  # type: ignore[attr-defined]


def as_utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


async def test_accepted_delivery_is_sent_signed_over_the_exact_body(world: World) -> None:
    world.enqueue("https://mastodon.example/inbox")
    assert await world.worker().run_once() == 1
    row = world.row()
    assert (row.state, row.attempts, row.last_status) == ("sent", 1, 202)
    assert as_utc(row.finished_at) == NOW and row.claimed_by is None
    [request] = world.remote.requests
    assert request.method == "POST" and str(request.url) == "https://mastodon.example/inbox"
    assert request.content == BODY  # the stored bytes, byte for byte
    assert request.headers["content-type"] == "application/activity+json"
    assert digest_problem(request.headers["digest"], request.content) is None
    claim_ = read_signature("POST", str(request.url), dict(request.headers), request.content, NOW)
    assert isinstance(claim_, SignatureClaim) and claim_.key_id == f"{ACTOR}#main-key"
    assert claim_.verify(load_public_pem(world.keys.rsa_public_pem)) == Verified(
        key_id=f"{ACTOR}#main-key", scheme="cavage")


async def test_server_errors_back_off_then_fail_after_max_attempts(world: World) -> None:
    world.remote.script["down.example"] = 500
    world.enqueue("https://down.example/inbox")
    worker = world.worker()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await worker.run_once() == 1
        row = world.row()
        assert row.attempts == attempt and row.last_status == 500
        if attempt < MAX_ATTEMPTS:
            assert row.state == "queued"
            assert as_utc(row.due_at) == next_attempt(attempt, world.clock(), RAND, None)
            assert await worker.run_once() == 0  # nothing is due before the backoff ends
            world.clock.advance_to(row.due_at.replace(tzinfo=UTC))
    assert row.state == "failed" and row.last_error.startswith(f"gave up after {MAX_ATTEMPTS}")
    assert len(world.remote.requests) == MAX_ATTEMPTS
    assert world.clock() - NOW >= timedelta(days=2.5)


@pytest.mark.parametrize("retry_after", ["3600", "Sat, 21 Nov 2026 13:00:00 GMT"])
async def test_rate_limit_retry_after_is_honoured(world: World, retry_after: str) -> None:
    world.remote.script["busy.example"] = httpx.Response(429, headers={"Retry-After": retry_after})
    world.enqueue("https://busy.example/inbox")
    await world.worker().run_once()
    row = world.row()
    assert (row.state, row.attempts, row.last_status) == ("queued", 1, 429)
    assert as_utc(row.due_at) == NOW + timedelta(hours=1)


async def test_gone_removes_the_follower_and_stops(world: World) -> None:
    world.follow("https://gone.example/users/a", "https://gone.example/users/a/inbox")
    world.follow("https://gone.example/users/b", "https://gone.example/users/b/inbox",
                 shared="https://gone.example/inbox")
    world.follow("https://gone.example/users/c", "https://gone.example/users/c/inbox")
    world.follow("https://ok.example/users/d", "https://ok.example/users/d/inbox")
    world.remote.script["gone.example"] = 410
    world.enqueue("https://gone.example/users/a/inbox", "https://gone.example/inbox",
                  "https://ok.example/users/d/inbox")
    await world.worker().run_once()
    assert [(r.inbox, r.state) for r in world.rows()] == [
        ("https://gone.example/users/a/inbox", "gone"), ("https://gone.example/inbox", "gone"),
        ("https://ok.example/users/d/inbox", "sent")]
    with world.engine.connect() as conn:
        left = set(conn.execute(select(follows.c.follower)).scalars())
    assert left == {"https://gone.example/users/c", "https://ok.example/users/d"}


@pytest.mark.parametrize("status", [400, 403, 302])
async def test_permanent_client_errors_fail_without_retry(world: World, status: int) -> None:
    world.remote.script["strict.example"] = status
    world.enqueue("https://strict.example/inbox")
    await world.worker().run_once()
    row = world.row()
    assert (row.state, row.last_status, row.attempts) == ("failed", status, 1)
    assert row.last_error.startswith(f"HTTP {status}") and f"error {status}" in row.last_error
    world.clock.advance_to(NOW + timedelta(days=5))
    assert await world.worker().run_once() == 0


@pytest.mark.parametrize("error", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"),
                                   RuntimeError("bug in a transport")])
async def test_transport_errors_are_retried_never_lost(world: World, error: Exception) -> None:
    world.remote.script["flaky.example"] = error
    world.enqueue("https://flaky.example/inbox")
    await world.worker().run_once()
    row = world.row()
    assert (row.state, row.attempts, row.last_status) == ("queued", 1, None)
    assert type(error).__name__ in row.last_error


async def test_a_signing_error_is_a_retry_for_that_row_only(world: World) -> None:
    def sign(method: str, url: str, *args: Any, **kwargs: Any) -> dict[str, str]:
        if "bad" in url:
            raise ValueError("cannot sign")
        return {"Content-Type": "application/activity+json"}

    world.enqueue("https://bad.example/inbox", "https://good.example/inbox")
    await world.worker(sign=sign).run_once()
    assert [(r.state, r.attempts) for r in world.rows()] == [("queued", 1), ("sent", 1)]


async def test_breaker_opens_after_ten_failures_and_closes_after_a_success(world: World) -> None:
    world.remote.script["dead.example"] = 503
    world.enqueue(*(f"https://dead.example/users/{n}/inbox" for n in range(9)))
    worker = world.worker()
    await worker.run_once()
    assert len(world.remote.requests) == 9  # nine failures: still closed
    world.enqueue("https://dead.example/users/9/inbox")
    await worker.run_once()
    assert len(world.remote.requests) == 10
    with world.engine.connect() as conn:
        hh = conn.execute(select(health)).one()
    open_until = as_utc(hh.open_until)
    assert hh.consecutive_failures == 10 and open_until == NOW + timedelta(minutes=1)
    # While open, due rows are pushed back to the expiry without a request or an attempt.
    world.enqueue("https://dead.example/users/10/inbox")
    world.clock.advance_to(NOW + timedelta(seconds=30))
    assert await worker.run_once() == 11  # the 10 retries (due after 18 s) and the new row
    assert len(world.remote.requests) == 10
    pushed = world.rows()[10]
    assert (pushed.state, pushed.attempts, as_utc(pushed.due_at)) == ("queued", 0, open_until)
    # After the expiry the host is half-open: one probe; its success closes the breaker.
    world.remote.script["dead.example"] = 202
    world.clock.advance_to(open_until)
    assert await worker.run_once() == 11
    assert len(world.remote.requests) == 11
    assert await worker.run_once() == 10
    assert len(world.remote.requests) == 21
    assert {r.state for r in world.rows()} == {"sent"}
    with world.engine.connect() as conn:
        hh = conn.execute(select(health)).one()
    assert (hh.consecutive_failures, hh.open_until) == (0, None)
    assert as_utc(hh.last_success_at) == open_until


async def test_failed_probe_reopens_the_breaker_for_twice_as_long(world: World) -> None:
    world.remote.script["dead.example"] = 500
    world.enqueue(*(f"https://dead.example/users/{n}/inbox" for n in range(10)))
    worker = world.worker()
    await worker.run_once()
    world.clock.advance_to(NOW + timedelta(minutes=1))
    await worker.run_once()  # one probe, fails
    assert len(world.remote.requests) == 11
    with world.engine.connect() as conn:
        hh = conn.execute(select(health)).one()
    assert as_utc(hh.open_until) == world.clock() + timedelta(minutes=2)
    assert hh.consecutive_failures == 11


async def test_other_hosts_are_not_affected_by_an_open_breaker(world: World) -> None:
    world.remote.script["dead.example"] = 500
    world.enqueue(*(f"https://dead.example/users/{n}/inbox" for n in range(12)))
    worker = world.worker()
    await worker.run_once()
    world.enqueue("https://alive.example/inbox", "https://dead.example/new/inbox")
    await worker.run_once()
    assert world.remote.hosts()[-1] == "alive.example" and len(world.remote.requests) == 13


async def test_a_killed_workers_claim_expires_and_the_row_is_delivered(world: World) -> None:
    world.enqueue("https://mastodon.example/inbox")
    assert claim(world.engine, deliveries, now=NOW, ttl=timedelta(minutes=5), limit=10,
                 worker="killed")
    worker = world.worker("w2")
    assert await worker.run_once() == 0  # still claimed by the dead worker
    world.clock.advance_to(NOW + timedelta(minutes=5, seconds=1))
    assert await worker.run_once() == 1
    assert world.row().state == "sent" and len(world.remote.requests) == 1


async def test_stale_worker_cannot_overwrite_the_new_owners_result(world: World) -> None:
    world.enqueue("https://slow.example/inbox")
    started, finish = anyio.Event(), anyio.Event()

    async def slow_then_accept(request: httpx.Request) -> httpx.Response:
        started.set()
        await finish.wait()
        return httpx.Response(500)

    slow = DeliveryWorker(
        engine=world.engine, client=httpx.AsyncClient(transport=httpx.MockTransport(
            slow_then_accept)), clock=world.clock, worker_id="slow", rand=lambda: RAND,
        claim_ttl=timedelta(seconds=10), heartbeat_every=4.0, request_deadline=2.0)
    async with anyio.create_task_group() as group:
        group.start_soon(slow.run_once)
        await started.wait()
        world.clock.advance_to(NOW + timedelta(seconds=11))
        assert await world.worker("fast").run_once() == 1
        finish.set()
    row = world.row()
    assert (row.state, row.attempts) == ("sent", 1)  # the slow worker's 500 was refused


async def test_followers_share_inboxes_and_enqueue_dedupes(world: World) -> None:
    world.follow("https://m.example/users/a", "https://m.example/users/a/inbox",
                 shared="https://m.example/inbox")
    world.follow("https://m.example/users/b", "https://m.example/users/b/inbox",
                 shared="https://m.example/inbox")
    world.follow("https://solo.example/u/c", "https://solo.example/u/c/inbox")
    world.follow("https://p.example/users/d", "https://p.example/users/d/inbox", state="pending")
    world.follow("https://o.example/users/e", "https://o.example/users/e/inbox",
                 following="https://philly.example/users/someone-else")
    with world.engine.connect() as conn:
        inboxes = deliveries_for_followers(conn, ACTOR)
    assert inboxes == ["https://m.example/inbox", "https://solo.example/u/c/inbox"]
    count = world.enqueue(*inboxes, "https://M.Example:443/inbox", "not a url",
                          "https://solo.example/u/c/inbox")
    assert count == 2
    assert [(r.inbox, r.host, r.state) for r in world.rows()] == [
        ("https://m.example/inbox", "m.example", "queued"),
        ("https://solo.example/u/c/inbox", "solo.example", "queued")]


@pytest.mark.parametrize("sign_threads", [0, 2])
async def test_a_claim_is_sent_concurrently_up_to_the_limit(
    world: World, sign_threads: int
) -> None:
    in_flight, peak = 0, 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return httpx.Response(202)

    world.enqueue(*(f"https://h{n % 3}.example/u/{n}/inbox" for n in range(30)))
    worker = DeliveryWorker(engine=world.engine, client=httpx.AsyncClient(
        transport=httpx.MockTransport(handler)), clock=world.clock, worker_id="w",
        batch_size=20, concurrency=8, rand=lambda: RAND, sign_threads=sign_threads)
    assert await worker.run_once() == 20
    assert await worker.run_once() == 10
    assert peak == 8
    with world.engine.connect() as conn:
        assert conn.execute(select(func.count()).where(deliveries.c.state == "sent")).scalar() == 30


async def test_run_drains_then_stops_when_asked(world: World) -> None:
    world.enqueue(*(f"https://h.example/u/{n}/inbox" for n in range(5)))
    worker, stop = world.worker(batch_size=2), anyio.Event()
    async with anyio.create_task_group() as group:
        group.start_soon(worker.run, stop, 0.01)
        for _ in range(1000):
            if {r.state for r in world.rows()} == {"sent"}:
                break
            await anyio.sleep(0.01)
        stop.set()
    assert len(world.remote.requests) == 5

