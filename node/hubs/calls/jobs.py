"""The periodic materialiser of call series: publish upcoming occurrences as they come due.

:func:`materialise_due` is called by the worker loop (and right after a series is
created, by :func:`node.hubs.calls.service.create_call` itself). Each series is handled in
its own transaction, so one series that cannot be published (its organizer left the
hub, say) neither blocks nor rolls back the others; it is logged and retried next time.
"""

from __future__ import annotations

import logging

import anyio
from sqlalchemy import select

from node.hubs.calls.service import materialise_series
from node.hubs.events.series import series_row
from node.hubs.hub.models import CallSeries
from node.hubs.hub.publish import HubError
from node.runtime import Node
from node.zones import ZoneError

log = logging.getLogger(__name__)
_series = CallSeries.__table__  # type: ignore[attr-defined]


def live_series(node: Node) -> list[str]:
    """Object ids of the series that are not cancelled."""
    with node.engine.connect() as conn:
        return list(conn.execute(select(_series.c.object_uri)
                                 .where(_series.c.cancelled_at.is_(None))
                                 .order_by(_series.c.id)).scalars())


def materialise_one(node: Node, uri: str) -> int:
    """Publish the due occurrences of one series; how many were published."""
    try:
        with node.engine.begin() as conn:
            return len(materialise_series(node, conn, series_row(conn, uri)))
    except (HubError, ZoneError) as exc:
        log.warning("call series %s: occurrences not published: %s", uri, exc)
        return 0


async def materialise_due(node: Node) -> int:
    """Publish every live series' due occurrences; the number published."""
    published = 0
    for uri in await anyio.to_thread.run_sync(live_series, node):
        published += await anyio.to_thread.run_sync(materialise_one, node, uri)
    return published
