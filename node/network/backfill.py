"""Backfill (issue 9 item 4): a newly followed actor's recent history, pulled once.

When one of our actors (the node actor, or a hub) starts following a node, hub or any
publishing actor, that is when its ``Accept`` arrives, a ``network_backfill`` row is
queued for the followed actor. The worker (:mod:`node.network.backfill_run`) walks the
actor's ``featured`` collection and its outbox pages, newest first, within the node's
limits (items, pages, days back, seconds), verifying each object as relayed ones are
(:mod:`node.network.unwrap`: its author's FEP-8b32 proof, or refetched from its origin),
and stores each once in ``network_item``.

A node actor's history is its hubs' (an ionode node actor relays only what arrives
after it is followed), so for a node the hubs its ``featured`` collection lists are
backfilled each in turn, as rows of their own (``parent``: the node), up to
``backfill_hubs`` of them. One row per actor: a hub reached twice is walked once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from node.activitypub.dispatch import Dispatcher
from node.activitypub.handlers.common import actor_of
from node.activitypub.handling import HandlerContext
from node.activitypub.models import Follow, LocalActor
from node.jobs import QUEUED
from node.network.models import NetworkBackfill, NetworkPeer
from node.network.refusal import NetworkRefusal

_follow = Follow.__table__  # type: ignore[attr-defined]
_local = LocalActor.__table__  # type: ignore[attr-defined]
_peer = NetworkPeer.__table__  # type: ignore[attr-defined]
_backfill = NetworkBackfill.__table__  # type: ignore[attr-defined]
#: Our actors whose follows are backfilled: the node actor and hubs.
FOLLOWER_KINDS = ("node", "group")
#: A queued backfill waits this long, so the Accept that queued it is recorded first.
SETTLE = timedelta(seconds=1)


@dataclass(frozen=True)
class Progress:
    """One backfill as the operator sees it (``ionode network status``, the admin page)."""

    actor: str
    parent: str | None
    state: str
    phase: str
    pages: int
    stored: int
    duplicates: int
    refused: int
    last_error: str
    outcome: str
    updated_at: datetime


def enqueue(conn: Connection, actor_uri: str, follower: str, now: datetime, *,
            parent: str | None = None, again: bool = False, settle: bool = False) -> bool:
    """Queue the backfill of ``actor_uri``; True when queued.

    An actor already backfilled (or being backfilled) is left alone unless ``again``
    (``ionode network backfill``, a new follow after an unfollow): then it starts over
    from the top, its counters reset; what it stored stays stored, once.
    """
    row = conn.execute(select(_backfill.c.id, _backfill.c.state)
                       .where(_backfill.c.actor_uri == actor_uri)).first()
    fresh: dict[str, Any] = {
        "follower": follower, "parent": parent, "state": QUEUED, "phase": "start",
        "next_url": None, "due_at": now + SETTLE if settle else now, "claimed_until": None,
        "claimed_by": None, "pages": 0, "stored": 0, "duplicates": 0, "refused": 0,
        "elapsed": 0.0, "last_error": "", "outcome": "", "updated_at": now}
    if row is None:
        conn.execute(insert(_backfill).values(actor_uri=actor_uri, created_at=now, **fresh))
        return True
    if not again or row.state == "claimed":
        return False
    conn.execute(update(_backfill).where(_backfill.c.id == row.id).values(**fresh))
    return True


def followers_here(conn: Connection, followed: str) -> list[str]:
    """Our node actor and hubs whose follow of ``followed`` exists (pending or not)."""
    return list(conn.execute(
        select(_follow.c.follower).join(_local, _local.c.uri == _follow.c.follower)
        .where(_follow.c.following == followed, _local.c.kind.in_(FOLLOWER_KINDS),
               _follow.c.state.in_(("pending", "accepted")))
        .order_by(_follow.c.id)).scalars())


def is_relay(conn: Connection, actor_uri: str) -> bool:
    """Relays Announce what others publish; they have no history of their own."""
    kind = conn.execute(select(_peer.c.kind).where(_peer.c.actor_uri == actor_uri)).scalar()
    return kind == "relay"


async def on_accept(ctx: HandlerContext, accept: Mapping[str, Any]) -> bool:
    """Hook before the protocol's Accept handler: queue the backfill, let it go on.

    Returns False: the protocol handler still marks the follow accepted (the worker
    waits for that, :data:`SETTLE`, and checks it before walking anything).
    """
    answering = actor_of(accept)
    if ctx.is_local(answering):
        return False
    now = ctx.clock()

    def queue(conn: Connection) -> None:
        found = followers_here(conn, answering)
        if found and not is_relay(conn, answering):
            enqueue(conn, answering, found[0], now, again=True, settle=True)

    await ctx.db(queue)
    return False


def backfill_again(conn: Connection, actor_uri: str, now: datetime) -> None:
    """``ionode network backfill``: walk a followed actor's history again, from the top
    (a node's hubs too, as the walk lists them again). Refused for an actor nobody here
    follows, and while a worker walks it."""
    row = conn.execute(select(_backfill.c.follower, _backfill.c.parent, _backfill.c.state)
                       .where(_backfill.c.actor_uri == actor_uri)).first()
    accepted = [f for f in followers_here(conn, actor_uri)
                if conn.execute(select(_follow.c.state).where(
                    _follow.c.follower == f, _follow.c.following == actor_uri)).scalar()
                == "accepted"]
    if row is None and not accepted:
        raise NetworkRefusal("this node does not follow %(uri)s", uri=actor_uri)
    if row is not None and row.state == "claimed":
        raise NetworkRefusal("the backfill of %(uri)s is running now", uri=actor_uri)
    if row is not None:
        enqueue(conn, actor_uri, row.follower, now, parent=row.parent, again=True)
    else:
        enqueue(conn, actor_uri, accepted[0], now, again=True)


def progress(conn: Connection) -> list[Progress]:
    rows = conn.execute(select(_backfill).order_by(_backfill.c.id))
    return [Progress(r.actor_uri, r.parent, r.state, r.phase, r.pages, r.stored,
                     r.duplicates, r.refused, r.last_error, r.outcome, r.updated_at)
            for r in rows]


def progress_line(p: Progress) -> str:
    """``backfill <actor>: done (outbox), 3 pages, 41 stored, 2 duplicates, 1 refused``"""
    line = (f"backfill {p.actor}: {p.state} ({p.phase}), {p.pages} pages, {p.stored} "
            f"stored, {p.duplicates} duplicates, {p.refused} refused")
    if p.parent:
        line += f"; a hub of {p.parent}"
    if p.outcome:
        line += f"; {p.outcome}"
    if p.last_error:
        line += f"; last error: {p.last_error}"
    return line


def register(dispatcher: Dispatcher) -> Dispatcher:
    dispatcher.add_hook("Accept", on_accept)
    return dispatcher
