"""Every hub an item was posted in: "posted in: hub A @ node 1, hub B @ node 2".

Issue 9 items 5 and 6: an item reaching a node by several paths (its own hub here, a
cross-post target hub's ``Announce``, a followed node relaying another hub's
``Announce``) is stored and shown once, listing every hub known to share it. Whoever
learns that a hub shares an item records it here (:func:`add_origin`, idempotent);
pages ask :func:`posted_in` for a whole page of items in one query. A hub that takes
the item out again (moderation, ``Undo{Announce}``) is dropped (:func:`drop_origin`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select

from node.activitypub.models import LocalActor, RemoteActor
from node.activitypub.urls import host_of
from node.db import upsert_insert
from node.network.models import ItemOrigin

_origin = ItemOrigin.__table__  # type: ignore[attr-defined]
_local = LocalActor.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Origin:
    """A hub an item was posted in: its actor, its short name and its node's host."""

    hub_uri: str
    name: str
    host: str

    @property
    def label(self) -> str:
        return f"{self.name} @ {self.host}"


def add_origin(conn: Connection, object_uri: str, hub_uri: str, now: datetime) -> None:
    """Record that ``hub_uri`` shares ``object_uri`` (once; a repeat changes nothing)."""
    statement = upsert_insert(conn.dialect.name, _origin).values(
        object_uri=object_uri, hub_uri=hub_uri, origin_host=host_of(hub_uri), seen_at=now)
    conn.execute(statement.on_conflict_do_nothing(index_elements=["object_uri", "hub_uri"]))


def drop_origin(conn: Connection, object_uri: str, hub_uri: str | None = None) -> None:
    """``hub_uri`` (every hub, when None) no longer shares ``object_uri``."""
    condition = _origin.c.object_uri == object_uri
    if hub_uri is not None:
        condition = condition & (_origin.c.hub_uri == hub_uri)
    conn.execute(delete(_origin).where(condition))


def posted_in(conn: Connection, uris: Sequence[str]) -> dict[str, list[Origin]]:
    """For each of ``uris``, the hubs it was posted in, in the order they were learnt.

    A hub's name is its ``preferredUsername`` (local actor, or the cached remote one),
    else the last segment of its id."""
    if not uris:
        return {}
    rows = conn.execute(
        select(_origin.c.object_uri, _origin.c.hub_uri, _origin.c.origin_host,
               _local.c.username, _remote.c.preferred_username)
        .outerjoin(_local, _local.c.uri == _origin.c.hub_uri)
        .outerjoin(_remote, _remote.c.uri == _origin.c.hub_uri)
        .where(_origin.c.object_uri.in_(list(dict.fromkeys(uris))))
        .order_by(_origin.c.id)).all()
    found: dict[str, list[Origin]] = {}
    for row in rows:
        name = row.username or row.preferred_username or row.hub_uri.rstrip("/").rsplit("/")[-1]
        found.setdefault(row.object_uri, []).append(
            Origin(row.hub_uri, name, row.origin_host))
    return found
