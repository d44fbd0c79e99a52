"""Scale-out (issue 9, item 8): workers wake on NOTIFY, run alone, stop gracefully.

Web processes (``ionode serve --workers 0``) only accept; worker processes
(``ionode worker``) process and deliver; on PostgreSQL idle workers wake when a
transaction that stores work commits (NOTIFY), on SQLite they poll.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import pytest
from sqlalchemy import Engine, insert, select
from starlette.testclient import TestClient

from node.activitypub.delivery import DeliveryWorker
from node.activitypub.inbox_store import ReceivedActivity
from node.activitypub.models import Delivery, InboxItem
from node.app import build_node, prepare
from node.cli import main
from node.periodic import exclusive
from node.settings import Settings
from node.wakeups import DELIVERY, INBOX, Bell, listen, listen_url
from node.workers import inbox_worker, sqlite_workers_lock
from tests.node.delivery_support import World
from tests.storage import SqliteTemplate

items = InboxItem.__table__  # type: ignore[attr-defined]
deliveries = Delivery.__table__  # type: ignore[attr-defined]
HOUR = 3600.0


def item_states(engine: Engine) -> list[tuple[str, int, str | None]]:
    with engine.connect() as conn:
        return [(r.state, r.attempts, r.claimed_by) for r in conn.execute(
            select(items.c.state, items.c.attempts, items.c.claimed_by).order_by(items.c.id))]


def received(n: int) -> ReceivedActivity:
    """An activity no handler takes: a worker marks it ``ignored``."""
    return ReceivedActivity(activity_id=f"https://x.example/a/{n}", actor="https://x.example/u",
                            type="EmojiReact", object_type="*", recipient=None, body=b"{}",
                            received_at=datetime.now(UTC))


async def wait_until(check: Any, what: str) -> None:
    """A bound against hanging, not a timing assertion: what is asserted is ``check``."""
    with anyio.fail_after(30):
        while not await anyio.to_thread.run_sync(check):  # noqa: ASYNC110 - reading SQL
            await anyio.sleep(0.02)


async def test_idle_workers_wake_when_work_is_stored(settings: Settings, world: World) -> None:
    # Given an idle inbox worker and an idle delivery worker, each waiting on bells of its
    # own (as in a worker process): on PostgreSQL they poll once an hour and listen; on
    # SQLite they poll often. When the inbox writer (another "process": its own bell)
    # stores an activity and a transaction queues a delivery, then both are done: on
    # PostgreSQL because the commits' NOTIFY rang the bells, never a poll; on SQLite
    # because a poll found them.
    node = build_node(settings)
    await prepare(node)
    postgres = node.engine.dialect.name == "postgresql"
    poll = HOUR if postgres else 0.05
    inbox_bell, delivery_bell = Bell(poll, poll), Bell(poll, poll)
    stop = anyio.Event()
    async with anyio.create_task_group() as group:
        group.start_soon(node.services.writer.run)
        if postgres:
            group.start_soon(listen, listen_url(node.engine.url),
                             {INBOX: inbox_bell, DELIVERY: delivery_bell}, stop)
            await wait_until(lambda: inbox_bell.listening, "listening")
        group.start_soon(inbox_worker(node, 0, "test").run, stop, inbox_bell)
        sender: DeliveryWorker = world.worker(bell=delivery_bell)
        group.start_soon(sender.run, stop)
        await anyio.sleep(0.1)  # both idle: the first look found nothing

        await node.services.writer.store(received(1))
        world.enqueue("https://remote.example/inbox")

        await wait_until(lambda: item_states(node.engine)[0][0] == "ignored", "processed")
        await wait_until(lambda: world.row().state == "sent", "delivered")
        stop.set()
        inbox_bell.ring()
        group.cancel_scope.cancel()
    node.engine.dispose()
    if postgres:
        assert inbox_bell.notifications >= 1 and delivery_bell.notifications >= 1
        assert inbox_bell.polls == delivery_bell.polls == 0
    else:
        assert inbox_bell.notifications == delivery_bell.notifications == 0
        assert inbox_bell.polls >= 1
    assert world.remote.hosts() == ["remote.example"]


async def test_a_stopping_worker_puts_its_claims_back(settings: Settings) -> None:
    # Given three stored activities, when a worker claims them as the process is told to
    # stop (SIGTERM sets ``stop``), then it processes none and gives all three back:
    # queued, unclaimed, no attempt counted, for the next worker to take at once.
    node = build_node(settings)
    await prepare(node)
    with node.engine.begin() as conn:
        conn.execute(insert(items), [{**received(n).row(), "body": b"{}"} for n in range(3)])
    stop = anyio.Event()
    stop.set()
    assert await inbox_worker(node, 0, "test").run_once(stop) == 3
    assert item_states(node.engine) == [("queued", 0, None)] * 3
    assert await inbox_worker(node, 1, "test").run_once() == 3  # taken again at once
    assert [state for state, _, _ in item_states(node.engine)] == ["ignored"] * 3
    node.engine.dispose()


async def test_a_periodic_task_runs_in_one_process_at_a_time(engine: Engine) -> None:
    # On PostgreSQL a second process finds the task's advisory lock taken and skips the
    # run; SQLite has a single process of workers and takes no lock.
    async with exclusive(engine, "poll tallies") as first, \
            exclusive(engine, "poll tallies") as second, \
            exclusive(engine, "outside feeds") as other:
        assert first and other
        assert second is (engine.dialect.name != "postgresql")
    async with exclusive(engine, "poll tallies") as again:
        assert again  # released


@pytest.fixture
def flags(database_url: str, tmp_path: Path) -> list[str]:
    return ["--url", "http://127.0.0.1:8499", "--database", database_url,
            "--data", str(tmp_path)]


@pytest.mark.parametrize(("workers", "expected"), [
    (["--workers", "0"], set()),
    ([], {"periodic tasks", "inbox worker 0", "inbox worker 1", "delivery worker 0",
          "delivery worker 1"}),
    (["--workers", "1"], {"periodic tasks", "inbox worker 0", "delivery worker 0"}),
])
def test_serve_starts_the_workers_it_is_told_to(
        flags: list[str], monkeypatch: pytest.MonkeyPatch, workers: list[str],
        expected: set[str], database_url: str) -> None:
    # `serve --workers 0` is web only: its lifespan starts no worker, no periodic task
    # and no listener; by default the workers run inside (and listen on PostgreSQL).
    import uvicorn

    apps: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: apps.append(app))
    assert main(["serve", *workers, *flags]) == 0
    try:
        with TestClient(apps[0]):
            started = set(apps[0].state.workers)
    finally:
        gc.unfreeze()  # `serve` froze this test process's heap (node.app)
    if expected and database_url.startswith("postgresql"):
        expected = expected | {"notification listener"}
    assert started == expected


def test_a_second_worker_process_on_sqlite_is_refused(
        sqlite_template: SqliteTemplate, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    database = sqlite_template.fresh(tmp_path)
    with sqlite_workers_lock(database):
        code = main(["worker", "--url", "http://127.0.0.1:8499", "--database", database,
                     "--data", str(tmp_path)])
    assert code == 1
    error = capsys.readouterr().err
    assert error.startswith("ionode: error: another process already runs the workers")
    assert "ionode serve --workers 0" in error and "PostgreSQL" in error


def listening_ports(pid: int) -> set[int]:
    """TCP ports process ``pid`` listens on (its socket inodes in /proc/net/tcp*)."""
    fd_dir = Path(f"/proc/{pid}/fd")
    inodes = set()
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@pytest.fixture
def worker_process(flags: list[str], tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IONODE_")}
    process = subprocess.Popen([sys.executable, "-m", "node", "worker", *flags],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=env)
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


def test_the_worker_command_processes_and_delivers_without_http(
        worker_process: subprocess.Popen[str], engine: Engine) -> None:
    # Given `ionode worker` running, when an activity is stored and a delivery queued (by
    # a web process, say), then the worker handles the one and tries the other, listens
    # on no port, and stops cleanly on SIGTERM.
    assert worker_process.stdout is not None
    first = worker_process.stdout.readline()
    assert first.startswith("ionode: worker for http://127.0.0.1:8499: 2 inbox and 2 "
                            "delivery workers"), first
    with engine.begin() as conn:
        conn.execute(insert(items), [{**received(1).row(), "body": b"{}"}])
    queue_a_delivery(engine, "http://127.0.0.1:8499")
    anyio.run(wait_until, lambda: item_states(engine)[0][0] == "ignored", "processed")
    anyio.run(wait_until, lambda: delivery_attempts(engine) >= 1, "tried")
    assert listening_ports(worker_process.pid) == set()
    worker_process.send_signal(signal.SIGTERM)
    assert worker_process.wait(timeout=30) == 0
    assert worker_process.stdout.read().rstrip().endswith("ionode: worker stopped")


def queue_a_delivery(engine: Engine, base_url: str) -> None:
    """A Create by the node actor to an inbox on a closed loopback port: a retry."""
    from node.activitypub.delivery import enqueue
    from node.activitypub.local_actors import ensure_node_actor
    from node.activitypub.models import OutboxActivity

    outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    actor = ensure_node_actor(engine, base_url=base_url, name="n", now=now)
    with engine.begin() as conn:
        activity = conn.execute(insert(outbox).values(
            uri=f"{base_url}/activities/1", actor_id=actor.id, type="Create",
            public=True, document={}, body=b"{}", published=now).returning(outbox.c.id))
        enqueue(conn, activity_row_id=activity.scalar_one(), sender_id=actor.id or 0,
                inboxes=["http://127.0.0.1:1/inbox"], now=now)


def delivery_attempts(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(deliveries.c.attempts)).scalar_one())
