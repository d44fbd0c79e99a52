"""Fan-out benchmark: one delivery worker process draining one activity to N followers.

    .venv/bin/python bench/fanout.py --followers 2000 --servers 4
    .venv/bin/python bench/fanout.py --database postgresql://postgres@127.0.0.1:5432/test

Receivers are M raw asyncio HTTP/1.1 servers on 127.0.0.1, each in its own process,
answering ``202 Accepted`` with keep-alive (so the measurement is the sender's cost).
The worker runs in one separate process, claims, signs (RSA-2048, draft-cavage),
POSTs and records through :class:`node.activitypub.delivery.DeliveryWorker` exactly as
in production (its continuous pipeline, ``run_until_idle``). Printed: the raw signing
rate, then deliveries/s and time to drain with the httpx-aiohttp client
(:func:`node.activitypub.transport.delivery_client`) and with httpx's default transport.
Results are recorded in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from httpx_aiohttp import AiohttpTransport
from sqlalchemy import func, insert, select, text

import node.models  # noqa: F401  (every table registered)
from node.activitypub.delivery import DeliveryWorker, enqueue
from node.activitypub.keys import generate_actor_keys, load_rsa_private
from node.activitypub.local_actors import create_local_actor
from node.activitypub.models import Delivery, Follow, OutboxActivity
from node.activitypub.signatures import sign_request
from node.activitypub.transport import delivery_client
from node.clock import system_clock
from node.db import make_engine, migrate

BASE = "https://bench.example"
BODY = (
    b'{"@context":"https://www.w3.org/ns/activitystreams","id":"https://bench.example/'
    b'activities/1","type":"Create","actor":"https://bench.example/hubs/bench","object":'
    b'{"id":"https://bench.example/objects/1","type":"Note","content":"' + b"x" * 600 + b'"}}'
)
_deliveries = Delivery.__table__  # type: ignore[attr-defined]
_follows = Follow.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]


# --- receivers ---------------------------------------------------------------------------


class _Receiver(asyncio.Protocol):
    """Minimal HTTP/1.1: read head + Content-Length body, answer 202, keep the connection."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport, self.buffer = cast(asyncio.Transport, transport), b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].lower()
            start = head.find(b"content-length:")
            length = int(head[start + 15 : head.find(b"\r\n", start)]) if start >= 0 else 0
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")


def _serve(port_queue: mp.Queue[int]) -> None:  # pragma: no cover (child process)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(_Receiver, "127.0.0.1", 0, backlog=1024))
    port_queue.put(server.sockets[0].getsockname()[1])
    loop.run_forever()


def start_receivers(count: int) -> tuple[list[mp.Process], list[int]]:
    ports: mp.Queue[int] = mp.Queue()
    processes = [mp.Process(target=_serve, args=(ports,), daemon=True) for _ in range(count)]
    for process in processes:
        process.start()
    return processes, [ports.get(timeout=30) for _ in processes]


# --- the node database ---------------------------------------------------------------------


def prepare(url: str, followers: int, ports: list[int]) -> tuple[int, int]:
    """A migrated database with one actor and ``followers`` accepted followers."""
    engine = make_engine(url)
    migrate(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE delivery, outbox_activity, follow, host_health, "
                              "local_actor RESTART IDENTITY CASCADE"))
        actor = create_local_actor(conn, base_url=BASE, kind="group", username="bench", now=now)
        assert actor.id is not None
        rows = [
            {"follower": f"http://127.0.0.1:{ports[n % len(ports)]}/users/{n}",
             "following": actor.uri, "activity_id": f"{BASE}/follows/{n}", "state": "accepted",
             "inbox": f"http://127.0.0.1:{ports[n % len(ports)]}/users/{n}/inbox",
             "created_at": now, "updated_at": now}
            for n in range(followers)
        ]
        conn.execute(insert(_follows), rows)
    engine.dispose()
    return actor.id, followers


def publish(url: str, actor_id: int, run: int) -> tuple[int, int]:
    """One activity enqueued to every follower (what the outbox does on publish)."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        activity = conn.execute(insert(_outbox).values(
            uri=f"{BASE}/activities/{run}", actor_id=actor_id, type="Create", public=True,
            document={}, body=BODY, published=now).returning(_outbox.c.id)).scalar_one()
        inboxes = conn.execute(select(_follows.c.inbox).order_by(_follows.c.id)).scalars()
        count = enqueue(conn, activity_row_id=activity, sender_id=actor_id,
                        inboxes=list(inboxes), now=now)
    engine.dispose()
    return activity, count


# --- the worker process --------------------------------------------------------------------


@dataclass
class Drained:
    seconds: float
    cpu_seconds: float
    claimed: int


LABELS = {
    "delivery": "delivery_client (httpx API, aiohttp hot path)",
    "httpx-aiohttp": "httpx.AsyncClient + httpx-aiohttp transport",
    "httpx": "httpx.AsyncClient, default transport",
}


def _client(kind: str, concurrency: int) -> httpx.AsyncClient:
    """The client under test; every one keeps connections alive."""
    if kind == "delivery":
        return delivery_client(allow_private=True, user_agent="ionode-bench",
                               max_connections=concurrency * 2)
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency)
    transport = AiohttpTransport(limits=limits) if kind == "httpx-aiohttp" else None
    return httpx.AsyncClient(limits=limits, transport=transport,
                             headers={"User-Agent": "ionode-bench"})


async def _drain(
    url: str, kind: str, batch: int, concurrency: int, sign_threads: int, per_host: int
) -> Drained:
    engine = make_engine(url)
    async with _client(kind, concurrency) as client:
        worker = DeliveryWorker(engine=engine, client=client, clock=system_clock,
                                worker_id=f"bench-{os.getpid()}", batch_size=batch,
                                concurrency=concurrency, sign_threads=sign_threads,
                                per_host=per_host)
        started, cpu = time.perf_counter(), time.process_time()
        claimed = await worker.run_until_idle()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return Drained(seconds, cpu, claimed)


def count_sent(url: str, activity: int) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        query = select(func.count()).where(
            _deliveries.c.activity_id == activity, _deliveries.c.state == "sent")
        sent = int(conn.execute(query).scalar_one())
    engine.dispose()
    return sent


def _worker_main(args: tuple[str, str, int, int, int, int, bool, str | None],
                 out: mp.Queue[Drained]) -> None:  # pragma: no cover (child process)
    url, kind, batch, concurrency, sign_threads, per_host, use_uvloop, profile = args
    if use_uvloop:
        import uvloop

        uvloop.install()
    if profile:
        from pyinstrument import Profiler

        with Profiler(async_mode="enabled") as profiler:
            result = asyncio.run(_drain(url, kind, batch, concurrency, sign_threads, per_host))
        Path(profile).write_text(profiler.output_text(unicode=False, show_all=False))
    else:
        result = asyncio.run(_drain(url, kind, batch, concurrency, sign_threads, per_host))
    out.put(result)


def drain_in_process(url: str, kind: str, opts: argparse.Namespace, profile: str | None) -> Drained:
    out: mp.Queue[Drained] = mp.Queue()
    args = (url, kind, opts.batch, opts.concurrency, opts.sign_threads, opts.per_host,
            not opts.no_uvloop, profile)
    process = mp.Process(target=_worker_main, args=(args, out))
    process.start()
    result = out.get(timeout=600)
    process.join()
    return result


# --- signing rate ----------------------------------------------------------------------------


def signing_rate(seconds: float = 2.0) -> tuple[float, float]:
    """(raw RSA-2048 PKCS#1 v1.5 SHA-256 signs/s, full sign_request calls/s) on one core."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    key = load_rsa_private(generate_actor_keys().rsa_private_pem)
    now = datetime.now(UTC)
    raw = _rate(lambda: key.sign(b"x" * 200, padding.PKCS1v15(), hashes.SHA256()), seconds)
    full = _rate(lambda: sign_request(
        "POST", "https://mastodon.example/users/a/inbox",
        {"Content-Type": "application/activity+json"}, BODY,
        key_id=f"{BASE}/hubs/bench#main-key", private_key=key, now=now), seconds)
    return raw, full


def _rate(call: Callable[[], object], seconds: float) -> float:
    """Calls per CPU-second of this process (robust to other load on the machine)."""
    count, started = 0, time.process_time()
    while (elapsed := time.process_time() - started) < seconds:
        for _ in range(50):
            call()
        count += 50
    return count / elapsed


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--followers", type=int, default=2000)
    parser.add_argument("--servers", type=int, default=4)
    parser.add_argument("--database", help="URL of an existing scratch database (its tables "
                        "are emptied); default: SQLite in a temporary directory")
    parser.add_argument("--batch", type=int, default=100, help="worker batch_size")
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight")
    parser.add_argument("--per-host", type=int, default=20, help="requests in flight per host")
    parser.add_argument("--sign-threads", type=int, default=2,
                        help="DeliveryWorker.sign_threads (0: sign on the event loop)")
    parser.add_argument("--transports", default="delivery,httpx-aiohttp,httpx",
                        help=f"comma-separated, of: {', '.join(LABELS)}")
    parser.add_argument("--no-uvloop", action="store_true", help="plain asyncio event loop")
    parser.add_argument("--profile", help="write a pyinstrument profile of the first run here")
    opts = parser.parse_args()

    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.machine()}, event loop: {'asyncio' if opts.no_uvloop else 'uvloop'}")
    raw, full = signing_rate()
    print(f"RSA-2048 signing per CPU-second: {raw:,.0f} raw signs/s; "
          f"{full:,.0f} sign_request/s (digest + headers + signature); "
          f"load average {os.getloadavg()[0]:.1f}")
    receivers, ports = start_receivers(opts.servers)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = opts.database or f"sqlite:///{tmp}/node.db"
            actor_id, _ = prepare(url, opts.followers, ports)
            for run, kind in enumerate(opts.transports.split(","), start=1):
                activity, queued = publish(url, actor_id, run)
                result = drain_in_process(url, kind, opts, opts.profile if run == 1 else None)
                print(f"fan-out via {LABELS[kind]}: {queued} deliveries to {opts.servers} servers "
                      f"({'PostgreSQL' if opts.database else 'SQLite'}, batch {opts.batch}, "
                      f"{opts.concurrency} in flight, {opts.per_host} per host, "
                      f"{opts.sign_threads} signing threads): "
                      f"drained in {result.seconds:.2f} s = "
                      f"{result.claimed / result.seconds:,.0f} deliveries/s wall, "
                      f"{result.claimed / result.cpu_seconds:,.0f} per worker CPU-second; "
                      f"sent {count_sent(url, activity)}/{queued}; "
                      f"load average {os.getloadavg()[0]:.1f}")
    finally:
        for process in receivers:
            process.terminate()


if __name__ == "__main__":
    main()
