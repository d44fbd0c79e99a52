"""The hub domain's periodic work, run beside the workers (see node/periodic.py)."""

from __future__ import annotations

from datetime import timedelta

from node.hubs.calls.jobs import materialise_due
from node.hubs.feeds.service import poll_due_feeds
from node.hubs.polls.service import publish_due_tallies
from node.periodic import PeriodicTask
from node.runtime import Node


async def poll_feeds(node: Node) -> int:
    return await poll_due_feeds(node, limit=20)


def periodic_tasks() -> list[PeriodicTask]:
    return [
        PeriodicTask("outside feeds", timedelta(minutes=1), poll_feeds),
        PeriodicTask("call occurrences", timedelta(minutes=15), materialise_due),
        PeriodicTask("poll tallies", timedelta(seconds=30), publish_due_tallies),
    ]
