"""Starting the background workers, and draining them deterministically in tests.

Every worker and the periodic loop runs under :func:`node.supervision.supervised`: one
that fails is logged and restarted with a backoff, and never takes the other workers or
the inbox writer down with it (issue 7, 2.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import anyio
from anyio.abc import TaskGroup

from node.activitypub.delivery import DeliveryWorker
from node.activitypub.inbox_worker import InboxWorker
from node.periodic import PeriodicTask, run_periodic
from node.runtime import Node
from node.supervision import Backoff, supervised

RESTARTS = Backoff()


def inbox_worker(node: Node, index: int = 0) -> InboxWorker:
    return InboxWorker(node=node, worker_id=f"inbox-{index}")


def delivery_worker(node: Node, index: int = 0) -> DeliveryWorker:
    return DeliveryWorker(engine=node.engine, client=node.services.delivery_client,
                          clock=node.clock, worker_id=f"delivery-{index}")


def spawn_workers(node: Node, group: TaskGroup, stop: anyio.Event,
                  periodic: Sequence[PeriodicTask] = (), backoff: Backoff = RESTARTS) -> None:
    """Several workers of each kind, and the periodic tasks, run as tasks of one process."""
    if periodic:
        group.start_soon(supervised, "periodic tasks",
                         partial(run_periodic, node, periodic, stop), stop, backoff)
    for i in range(node.settings.inbox_workers):
        worker = inbox_worker(node, i)
        run = partial(worker.run, stop, node.services.writer.wakeup,
                      writer=node.services.writer)
        group.start_soon(supervised, f"inbox worker {i}", run, stop, backoff)
    for i in range(node.settings.delivery_workers):
        group.start_soon(supervised, f"delivery worker {i}",
                         partial(delivery_worker(node, i).run, stop), stop, backoff)


async def drain(node: Node, *, rounds: int = 50) -> int:
    """Run inbox and delivery work until none is due (tests and the CLI); items done."""
    inbox, delivery = inbox_worker(node, 99), delivery_worker(node, 99)
    total = 0
    for _ in range(rounds):
        done = await inbox.run_once() + await delivery.run_once()
        total += done
        if done == 0:
            return total
    return total
