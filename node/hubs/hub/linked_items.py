"""A linked hub's items as rows of the hubs that follow it (``hub_item`` of origin
``linked``), so the hub page, its lists, the month and agenda pages and the ``.ics``
feed show them beside the hub's own, each with the hub it came through.

The rows only index: the object is stored once (``stored_object``) whichever hubs and
paths bring it, and a hub holds an object once (``uq_hub_item``): an item that is
already the hub's own, or came through another link, or was hidden, is left as it is.
Linked rows are never re-Announced by our hubs (:func:`node.hubs.hub.items.item_hubs`,
:mod:`node.hubs.hub.inbound`): the hub that shared it tells its own followers.

Hubs of this node link without the inbox: :class:`LocalLinks` is an outbox publish hook
that sees a hub's Announces as they are written and keeps its followers' rows in the
same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from node.activitypub.authorship import authors_of
from node.activitypub.dispatch import Ignore
from node.activitypub.models import Follow, LocalActor, StoredObject
from node.activitypub.outbox import Outbox
from node.activitypub.remote_objects import (
    apply_delete,
    is_tombstoned,
    store_remote,
    update_remote,
)
from node.activitypub.vocab import is_public, ref
from node.hubs.hub.inbound import item_kind, item_times, published_at
from node.hubs.hub.links import LINKED
from node.hubs.hub.models import Hub, HubItem
from node.hubs.hub.notices import notice_kind_of
from node.network.receive import forget_item, record_origin, reindex, unshare
from node.network.unwrap import Received

_follow = Follow.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]
_hub = Hub.__table__  # type: ignore[attr-defined]
_item = HubItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]


def following_hubs(conn: Connection, hub_uri: str) -> list[int]:
    """Our live hubs whose follow of the hub ``hub_uri`` was accepted (linked to it)."""
    return list(conn.execute(
        select(_hub.c.id).select_from(_hub.join(_actor, _actor.c.id == _hub.c.actor_id)
                                      .join(_follow, _follow.c.follower == _actor.c.uri))
        .where(_follow.c.following == hub_uri, _follow.c.state == "accepted",
               _actor.c.kind == "group", _actor.c.deleted_at.is_(None))
        .order_by(_hub.c.id)).scalars())


def add_linked(conn: Connection, hub_ids: Sequence[int], via: str,
               document: Mapping[str, Any], now: datetime) -> int:
    """A row per following hub that does not hold the object yet; how many were added."""
    kind, uri = item_kind(document), ref(document)
    if kind is None or uri is None or not is_public(document):
        return 0
    authors = authors_of(document)
    held = set(conn.execute(select(_item.c.hub_id).where(
        _item.c.object_uri == uri, _item.c.hub_id.in_(hub_ids))).scalars())
    fresh = [h for h in hub_ids if h not in held]
    for hub_id in fresh:
        conn.execute(insert(_item).values(
            hub_id=hub_id, object_uri=uri, kind=kind, author_uri=authors[0] if authors else via,
            origin=LINKED, linked_from=via, state="published", pinned=False,
            created_at=now, updated_at=now, published_at=published_at(document, now),
            notice_kind=notice_kind_of(document), **item_times(document)))
    return len(fresh)


def refresh_times(conn: Connection, uri: str, now: datetime) -> None:
    """The linked rows of an edited object follow its stored version (an Event moved, a
    notice's kind corrected)."""
    document = conn.execute(select(_objects.c.document).where(_objects.c.uri == uri)).scalar()
    if isinstance(document, Mapping):
        conn.execute(update(_item).where(_item.c.object_uri == uri, _item.c.origin == LINKED)
                     .values(updated_at=now, notice_kind=notice_kind_of(document),
                             **item_times(document)))


def drop_linked(conn: Connection, uri: str, via: str | None = None) -> None:
    """Take ``uri`` out of the hubs it reached through links (through ``via`` only)."""
    query = delete(_item).where(_item.c.object_uri == uri, _item.c.origin == LINKED)
    if via is not None:
        query = query.where(_item.c.linked_from == via, _item.c.state == "published")
    conn.execute(query)


def apply_received(conn: Connection, received: Received, sender: str,
                   hub_ids: Sequence[int], now: datetime) -> None:
    """Store, edit, delete or take back what the linked hub ``sender`` shared."""
    if received.action == "store":
        document = received.document or {}
        if item_kind(document) is None:
            raise Ignore(f"a linked hub shared a {document.get('type')}, which hubs do not hold")
        if is_tombstoned(conn, received.uri, authors_of(document)):
            raise Ignore("shared object was deleted by its author")
        store_remote(conn, document, now)  # once: a stored object stays as it is
        record_origin(conn, received, sender, now)
        add_linked(conn, hub_ids, sender, document, now)
    elif received.action == "update":
        outcome = update_remote(conn, received.document or {}, str(received.actor))
        if outcome.problem is not None and "newer" not in outcome.problem:
            raise Ignore(outcome.problem)
        refresh_times(conn, received.uri, now)  # the author's own Update may have come first
        stored = _document(conn, received.uri)
        if stored is not None:  # the network calendar moves the Event too
            reindex(conn, received.uri, stored)
    elif received.action == "delete":
        problem = apply_delete(conn, received.uri, str(received.actor), now)
        if problem is not None:
            raise Ignore(problem)
        drop_linked(conn, received.uri)
        forget_item(conn, received.uri)  # off the network timeline and calendar too
    else:  # unshare: the linked hub's stewards took the item out
        drop_linked(conn, received.uri, sender)
        unshare(conn, received.uri, sender)  # no longer "posted in" that hub


def backfilled(conn: Connection, follower: str, followed: str,
               document: Mapping[str, Any], now: datetime) -> None:
    """A backfill hook (:class:`node.services.BackfillHook`): an item of the history of
    a hub that our hubs link goes on their pages as a linked item, as it would have had
    it been shared after the link (new, or already here through another path)."""
    hubs = following_hubs(conn, followed)
    if hubs:
        add_linked(conn, hubs, followed, document, now)


class LocalLinks:
    """The outbox hook keeping links between hubs of this node (no inbox round trip)."""

    def __call__(self, outbox: Outbox, conn: Connection, actor: LocalActor,
                 signed: Mapping[str, Any], row_id: int, now: datetime) -> None:
        kind = signed.get("type")
        if actor.kind != "group" or kind not in ("Announce", "Undo"):
            return
        hubs = following_hubs(conn, actor.uri)
        if not hubs:
            return
        shared = signed.get("object")
        if kind == "Undo":
            if isinstance(shared, Mapping) and shared.get("type") == "Announce":
                drop_linked(conn, str(_item_uri(shared.get("object"))), actor.uri)
            return
        inner = shared.get("type") if isinstance(shared, Mapping) else None
        if inner == "Delete" and isinstance(shared, Mapping):
            drop_linked(conn, str(ref(shared.get("object"))))
        elif inner == "Update" and isinstance(shared, Mapping):
            refresh_times(conn, str(ref(shared.get("object"))), now)
        else:
            document = _document(conn, _item_uri(shared))
            if document is not None:
                add_linked(conn, hubs, actor.uri, document, now)


def _item_uri(shared: object) -> str | None:
    """The item an Announce shares: its object, or the object of a shared Create."""
    if isinstance(shared, Mapping) and shared.get("type") == "Create":
        return ref(shared.get("object"))
    return ref(shared)


def _document(conn: Connection, uri: str | None) -> dict[str, Any] | None:
    if uri is None:
        return None
    row = conn.execute(select(_objects.c.document, _objects.c.deleted_at)
                       .where(_objects.c.uri == uri)).first()
    if row is None or row.deleted_at is not None or not isinstance(row.document, dict):
        return None
    return dict(row.document)
