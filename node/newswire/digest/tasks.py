"""The digest's background work: making the digest when its slot has passed (a periodic
task, once a minute) and the sending worker (started beside the delivery workers when
``IONODE_SMTP_URL`` is set)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import anyio
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from node.clock import as_utc
from node.newswire.digest.build import Made, make_digest
from node.newswire.digest.models import NewsDigest
from node.newswire.digest.schedule import last_slot, read_schedule
from node.periodic import PeriodicTask
from node.runtime import Node

if TYPE_CHECKING:
    from node.newswire.digest.sending import DigestSender

_digest = NewsDigest.__table__  # type: ignore[attr-defined]


def due_digest(node: Node) -> Made | None:
    """Make the digest of the latest passed slot, unless it (or a later one) exists."""
    now = node.clock()
    with node.engine.begin() as conn:
        schedule = read_schedule(conn)
        if schedule is None:
            return None
        slot = last_slot(now, schedule, node.settings.timezone)
        if slot < schedule.since:
            return None
        latest = conn.execute(select(_digest.c.slot_at).order_by(_digest.c.slot_at.desc())
                              .limit(1)).scalar()
        if latest is not None and as_utc(latest) >= slot:
            return None
        return make_digest(node, conn, slot_at=slot, end=slot)


def digest_now(node: Node, now: datetime) -> Made | None:
    """``ionode news digest run``: the digest up to now, whatever the schedule."""
    with node.engine.begin() as conn:
        return make_digest(node, conn, slot_at=now, end=now)


async def make_due(node: Node) -> int:
    try:
        made = await anyio.to_thread.run_sync(due_digest, node)
    except IntegrityError:  # another process made this slot's digest first
        return 0
    return 0 if made is None else 1


def digest_tasks() -> list[PeriodicTask]:
    return [PeriodicTask("news digest", timedelta(minutes=1), make_due)]


def digest_sender(node: Node, worker: str) -> DigestSender | None:
    """The sending worker, when the node has an SMTP server and mail templates."""
    if not node.settings.smtp_url or node.services.mail is None:
        return None
    # Imported here: the sender pulls in aiosmtplib and the email package (about 1 MB
    # resident), which a node without IONODE_SMTP_URL never uses (issue 7, item 1.14).
    from node.newswire.digest.sending import DigestSender
    from node.newswire.digest.smtp import smtp_server

    return DigestSender(node, smtp_server(node.settings), node.services.mail, worker[:64])
