"""Queueing and sending WebSub pings (issue 10 item 4: "pushed to Atom readers with
WebSub (the feed names a hub; ionode notifies it)").

A decision that changes a news feed queues a ping in its own transaction
(:func:`queue_ping`; nothing when ``IONODE_WEBSUB_HUB`` is unset), so a request never
waits for the hub and a crash loses no ping. A ping already waiting for the same hub and
topic is enough: the hub fetches the feed whole. The worker (:func:`send_due`, a
periodic task) claims due pings like every job table (:mod:`node.jobs`), POSTs the
form, and on anything but a 2xx retries with exponential backoff
(:func:`node.newswire.websub.rules.retry_delay`) until it gives up.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection, insert, select

from node.jobs import claim, release
from node.newswire.websub.models import WebSubPing
from node.newswire.websub.rules import publish_form, retry_delay
from node.runtime import Node

if TYPE_CHECKING:  # httpx is imported at the first ping: an idle node does not load it
    import httpx

log = logging.getLogger(__name__)
CLAIM_TTL = timedelta(minutes=2)
BATCH = 20
TIMEOUT = 10.0

_ping = WebSubPing.__table__  # type: ignore[attr-defined]


def queue_ping(conn: Connection, hub_url: str, topic_url: str, now: datetime) -> bool:
    """Queue a ping of ``hub_url`` about ``topic_url``; False when WebSub is off or one
    is already waiting."""
    if not hub_url:
        return False
    waiting = conn.execute(select(_ping.c.id).where(
        _ping.c.hub_url == hub_url, _ping.c.topic_url == topic_url,
        _ping.c.state == "queued", _ping.c.attempts == 0)).first()
    if waiting is not None:
        return False
    conn.execute(insert(_ping).values(hub_url=hub_url, topic_url=topic_url, state="queued",
                                      attempts=0, due_at=now, last_error="", created_at=now))
    return True


async def _post(client: httpx.AsyncClient, hub_url: str, topic_url: str) -> str:
    """"" when the hub took the ping, else why not."""
    import httpx

    try:
        response = await client.post(hub_url, data=publish_form(topic_url), timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return ""
    return f"HTTP {response.status_code}"


async def send_due(node: Node, worker: str = "websub") -> int:
    """Send the due pings; how many were tried."""
    now = node.clock()
    rows = claim(node.engine, _ping, now=now, ttl=CLAIM_TTL, limit=BATCH, worker=worker)
    client = node.services.delivery_client
    for row in rows:
        problem = await _post(client, row["hub_url"], row["topic_url"])
        attempts = row["attempts"] + 1
        if not problem:
            values = {"state": "sent", "attempts": attempts, "sent_at": node.clock(),
                      "last_error": ""}
        else:
            delay = retry_delay(attempts)
            log.info("WebSub ping of %s failed (%s)", row["hub_url"], problem)
            values = {"state": "failed" if delay is None else "queued", "attempts": attempts,
                      "last_error": problem,
                      "due_at": node.clock() + (delay or timedelta(0))}
        with node.engine.begin() as conn:
            release(conn, _ping, row["id"], worker, **values)
    return len(rows)
