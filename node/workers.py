"""The background workers: inside ``ionode serve``, or alone as ``ionode worker``.

Inbox processing, delivery and the periodic jobs run as tasks of one task group, in the
serving process (the default: a Pi runs one process) or in processes of their own beside
web processes that only accept (``ionode serve --workers 0``), all on one database: a
large node runs several of each against one PostgreSQL (issue 9, item 8). The rows are
the queue: claims (:mod:`node.jobs`, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL) decide
which process takes what, and idle workers wake on NOTIFY (:mod:`node.wakeups`).

Every worker, the listener and the periodic loop runs under
:func:`node.supervision.supervised`: one that fails is logged and restarted with a
backoff, and never takes the others or the inbox writer down with it (issue 7, 2.1).

Stopping (SIGTERM) is graceful: ``stop`` is set and the bells rung, so workers stop
claiming, finish the segment in hand and put the rest of their claims back; whatever is
still running after :data:`GRACE` seconds is cancelled, which also puts its claims back.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import signal
import socket
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial

import anyio
from anyio.abc import TaskGroup

from node.activitypub.delivery import DeliveryWorker
from node.activitypub.inbox_worker import InboxWorker
from node.db import database_label, is_postgres, sqlite_path
from node.memory_trim import Trimmer, trim_forever
from node.newswire.digest.tasks import digest_sender
from node.periodic import PeriodicTask, run_periodic
from node.runtime import Node
from node.settings import SettingsError
from node.supervision import Backoff, supervised
from node.wakeups import listen, listen_url

log = logging.getLogger(__name__)
RESTARTS = Backoff()
#: Seconds a stopping process gives its workers to finish before cancelling them
#: (systemd's TimeoutStopSec and compose's stop_grace_period leave room for it).
GRACE = 10.0


def process_tag() -> str:
    """This process among all that run workers on the database: host, pid and a nonce.

    Claims are released only by the worker id that took them (:mod:`node.jobs`), so two
    processes must never both be ``inbox-0``. At most 64 characters (``claimed_by``).
    """
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(3)}"


def inbox_worker(node: Node, index: int = 0, tag: str = "") -> InboxWorker:
    return InboxWorker(node=node, worker_id=f"inbox-{index}@{tag}"[:64])


def delivery_worker(node: Node, index: int = 0, tag: str = "") -> DeliveryWorker:
    return DeliveryWorker(engine=node.engine, client=node.services.delivery_client,
                          clock=node.clock, worker_id=f"delivery-{index}@{tag}"[:64],
                          bell=node.services.bells.delivery, policy=node.services.policy)


def spawn_workers(node: Node, group: TaskGroup, stop: anyio.Event,
                  periodic: Sequence[PeriodicTask] = (),
                  backoff: Backoff = RESTARTS) -> list[str]:
    """Start the workers of each kind, the periodic tasks and (PostgreSQL) the listener
    as tasks of ``group``; their names."""
    tag, bells = process_tag(), node.services.bells
    started: list[str] = []

    def start(name: str, run: Callable[[], Awaitable[None]]) -> None:
        group.start_soon(supervised, name, run, stop, backoff)
        started.append(name)

    if is_postgres(node.engine):
        start("notification listener",
              partial(listen, listen_url(node.engine.url), bells.by_channel(), stop))
    if periodic:
        start("periodic tasks", partial(run_periodic, node, periodic, stop))
    for i in range(node.settings.inbox_workers):
        start(f"inbox worker {i}", partial(inbox_worker(node, i, tag).run, stop, bells.inbox,
                                           writer=node.services.writer))
    for i in range(node.settings.delivery_workers):
        start(f"delivery worker {i}", partial(delivery_worker(node, i, tag).run, stop))
    sender = digest_sender(node, f"digest@{tag}")
    if sender is not None:  # the newswire's mail, at the SMTP server's pace
        start("digest mail sender", partial(sender.run, stop))
    return started


def stop_gracefully(node: Node, group: TaskGroup, stop: anyio.Event,
                    grace: float = GRACE) -> None:
    """Ask ``group``'s workers to stop, and cancel what still runs after ``grace`` s."""
    stop.set()
    node.services.bells.ring_all()
    group.cancel_scope.deadline = anyio.current_time() + grace


async def run_workers(node: Node, stop: anyio.Event, periodic: Sequence[PeriodicTask],
                      grace: float = GRACE) -> list[str]:
    """``ionode worker``: the workers alone until ``stop`` is set, then gracefully."""
    async with anyio.create_task_group() as group:
        started = spawn_workers(node, group, stop, periodic)
        log.info("ionode worker: running %s", ", ".join(started))
        await stop.wait()
        stop_gracefully(node, group, stop, grace)
    return started


async def serve_workers(node: Node, periodic: Sequence[PeriodicTask]) -> None:
    """Run the workers until SIGTERM or SIGINT; then stop gracefully and close."""
    stop = anyio.Event()
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(_stop_on_signal, stop)
            trimmer = Trimmer.for_glibc()  # malloc's freed memory back after bursts
            group.start_soon(supervised, "memory trim", partial(trim_forever, trimmer, stop),
                             stop)
            await run_workers(node, stop, periodic)
            group.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True):
            await node.services.fetcher.aclose()
            await node.services.delivery_client.aclose()
        node.engine.dispose()


async def _stop_on_signal(stop: anyio.Event) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for received in signals:
            log.info("ionode worker: %s received, stopping", signal.Signals(received).name)
            stop.set()
            return


@contextmanager
def sqlite_workers_lock(database: str) -> Iterator[None]:
    """On SQLite, only one process may run a node's workers: refuse a second one.

    SQLite has one writer at a time, and no notifications: a second process of workers
    would only queue behind the first for the write lock (the claims stay correct: one
    ``UPDATE ... RETURNING`` is atomic). So ``ionode serve`` with its workers, or one
    ``ionode worker`` beside any number of ``ionode serve --workers 0``, holds a file
    lock (``<database>.workers-lock``) while it runs; several worker processes need
    PostgreSQL. Other backends and in-memory databases need no lock.
    """
    path = sqlite_path(database)
    if path is None:
        yield
        return
    with open(f"{path}.workers-lock", "a+b") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SettingsError(
                f"another process already runs the workers of the SQLite database at "
                f"{database_label(database)} (`ionode serve` with its workers, or "
                "`ionode worker`); SQLite takes one writer at a time, so run one worker "
                "process beside `ionode serve --workers 0`, or use PostgreSQL for "
                "several") from None
        yield  # released when the file is closed


async def drain(node: Node, *, rounds: int = 50) -> int:
    """Run inbox and delivery work until none is due (tests and the CLI); items done."""
    inbox, delivery = inbox_worker(node, 99, "drain"), delivery_worker(node, 99, "drain")
    total = 0
    for _ in range(rounds):
        done = await inbox.run_once() + await delivery.run_once()
        total += done
        if done == 0:
            return total
    return total
