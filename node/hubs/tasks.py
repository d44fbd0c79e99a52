"""The hub domain's periodic work, run beside the workers (see node/periodic.py)."""

from __future__ import annotations

from datetime import timedelta

import anyio
from sqlalchemy import Connection, select

from node.hubs.calls.jobs import materialise_due
from node.hubs.feeds.service import poll_due_feeds
from node.hubs.hub.models import Hub
from node.hubs.polls.service import publish_due_tallies
from node.media.cleanup import prune
from node.periodic import PeriodicTask
from node.runtime import Node


async def poll_feeds(node: Node) -> int:
    return await poll_due_feeds(node, limit=20)


def hub_headers(conn: Connection) -> list[str]:
    """The hubs' header URLs (their avatars are their actors' icons, which media sees)."""
    hub = Hub.__table__  # type: ignore[attr-defined]
    return [url for (url,) in conn.execute(select(hub.c.header_url)) if url]


async def clean_media(node: Node) -> int:
    """Unreferenced uploads and expired proxy files (:mod:`node.media.cleanup`)."""
    return await anyio.to_thread.run_sync(lambda: prune(node, hub_headers))


def periodic_tasks() -> list[PeriodicTask]:
    return [
        PeriodicTask("outside feeds", timedelta(minutes=1), poll_feeds),
        PeriodicTask("call occurrences", timedelta(minutes=15), materialise_due),
        PeriodicTask("poll tallies", timedelta(seconds=30), publish_due_tallies),
        PeriodicTask("media cleanup", timedelta(hours=6), clean_media),
    ]
