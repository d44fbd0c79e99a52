"""The work behind CLI subcommands that need a node: one transaction each."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, func, select

from node.activitypub.following import find_target, follow, unfollow
from node.activitypub.models import (
    Delivery,
    Follow,
    HostHealth,
    InboxItem,
    LocalActor,
    StoredObject,
)
from node.local_node import open_for_change, open_for_reading, settings_from
from node.runtime import Node, NodeAccess

T = TypeVar("T")


def open_node(args: argparse.Namespace, *, read_only: bool = False) -> Node:
    """The node a command acts on; a ``read_only`` one creates nothing (see
    :mod:`node.local_node`)."""
    if read_only:
        return open_for_reading(settings_from(args, create=False))
    node, _migration = open_for_change(settings_from(args))
    return node


#: What domain CLI modules get in ``register(sub, common, nodes)``.
NODES = NodeAccess(open=open_node)


def with_node(args: argparse.Namespace, work: Callable[[Node, Connection], T], *,
              read_only: bool = False) -> T:
    """Run ``work`` in one transaction on a migrated database."""
    return NODES.with_node(args, work, read_only=read_only)


def follow_command(args: argparse.Namespace, *, undo: bool) -> str:
    node = open_node(args)

    async def run() -> str:
        try:
            target = await find_target(node, args.target)
        finally:
            await node.services.fetcher.aclose()
        with node.engine.begin() as conn:
            if undo:
                unfollow(node, conn, args.as_user, target)
                return f"ionode: {args.as_user} unfollowed {target.uri}"
            follow(node, conn, args.as_user, target)
            return f"ionode: {args.as_user} asked to follow {target.uri} (pending until accepted)"

    try:
        return asyncio.run(run())
    finally:
        node.engine.dispose()


def _count(conn: Connection, table: object, *where: object) -> int:
    query = select(func.count()).select_from(table)  # type: ignore[arg-type]
    for condition in where:
        query = query.where(condition)  # type: ignore[arg-type]
    return int(conn.execute(query).scalar_one())


def status_lines(args: argparse.Namespace) -> list[str]:
    """Queue depths, failing hosts and counts, one fact per line."""
    node = open_node(args, read_only=True)
    d, i = Delivery.__table__, InboxItem.__table__  # type: ignore[attr-defined]
    a, f = LocalActor.__table__, Follow.__table__  # type: ignore[attr-defined]
    o, h = StoredObject.__table__, HostHealth.__table__  # type: ignore[attr-defined]
    try:
        with node.engine.connect() as conn:
            lines = [f"node: {node.settings.url}"]
            for kind in ("person", "group", "service"):
                lines.append(f"actors.{kind}: {_count(conn, a, a.c.kind == kind)}")
            lines.append(f"followers.accepted: {_count(conn, f, f.c.state == 'accepted')}")
            lines.append(f"objects.local: {_count(conn, o, o.c.local.is_(True))}")
            lines.append(f"objects.remote: {_count(conn, o, o.c.local.is_(False))}")
            for state in ("queued", "claimed", "sent", "failed", "gone"):
                lines.append(f"deliveries.{state}: {_count(conn, d, d.c.state == state)}")
            for state in ("queued", "claimed", "done", "ignored", "failed"):
                lines.append(f"inbox.{state}: {_count(conn, i, i.c.state == state)}")
            failing = conn.execute(select(h.c.host, h.c.consecutive_failures, h.c.open_until)
                                   .where(h.c.consecutive_failures > 0)
                                   .order_by(h.c.consecutive_failures.desc()).limit(20))
            for host, failures, open_until in failing:
                lines.append(f"failing host: {host} ({failures} failures in a row"
                             + (f", paused until {open_until})" if open_until else ")"))
            return lines
    finally:
        node.engine.dispose()
