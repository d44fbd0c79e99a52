"""The moderation queue of a hub: posts held under the ``moderated`` posting policy.

A held post was stored but not shared. A steward (admin or moderator of the hub, or the
node operator through the CLI, who acts as ``by=None``) either publishes it, and the
hub Announces it in both forms as it would have at once (FEP-1b12 "The Announce
activity": groups MAY require manual approval by moderators), or refuses it with a
reason kept in the item's note. A refused post is never Announced; a remote author gets
the hub's ``Reject{Create}`` with the reason (FEP-1b12 makes it optional and Mastodon
ignores it; an ionode author's targets page shows it, :mod:`node.hubs.crosspost`).

A steward may also remove a published item (code-of-conduct moderation): the item is
refused with the reason, unpinned, and the hub sends ``Undo{Announce}`` for each
Announce it sent of the object (Mastodon reads that as an unboost). The author's object
itself stays: it is theirs, not the hub's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from node.activitypub.models import OutboxActivity, StoredObject
from node.activitypub.outbox import Outbox
from node.activitypub.proofs import strip_proof
from node.activitypub.vocab import activity, ref
from node.hubs.crosspost.answers import reject_create
from node.hubs.hub.inbound import announce_remote, cached_inbox, received_create, shared_forms
from node.hubs.hub.models import HubItem
from node.hubs.hub.policy import STEWARDS, member_role
from node.hubs.hub.publish import HubError, HubTarget, announce_both
from node.messages import N_, Text
from node.network.origins import add_origin, drop_origin
from node.runtime import Node

_item = HubItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
MAX_REASON = 500
DEFAULT_REASON = "refused by a moderator"


@dataclass(frozen=True)
class QueuedItem:
    """A held post as the queue lists it."""

    object_uri: str
    kind: str
    author_uri: str
    origin: str
    received_at: datetime
    note: str | None


def require_steward(conn: Connection, target: HubTarget, by: str | None) -> None:
    """Only the hub's admins and moderators, or the operator (``by=None``), may act."""
    if by is None:
        return
    assert target.hub.id is not None
    if member_role(conn, target.hub.id, by) not in STEWARDS:
        raise HubError(Text(
            N_("%(by)s is not an admin or moderator of %(name)s"),
            by=by, name=target.name))


def queue(conn: Connection, target: HubTarget) -> list[QueuedItem]:
    """Held posts of the hub, oldest first (first come, first judged)."""
    rows = conn.execute(select(_item).where(
        _item.c.hub_id == target.hub.id, _item.c.state == "held").order_by(_item.c.id))
    return [QueuedItem(r.object_uri, r.kind, r.author_uri, r.origin, r.created_at, r.note)
            for r in rows]


def publish_held(node: Node, conn: Connection, target: HubTarget, uri: str,
                 by: str | None = None) -> int:
    """Publish a held post: the hub Announces it. Returns the deliveries queued."""
    require_steward(conn, target, by)
    item = _held(conn, target, uri)
    document = _live_document(conn, uri)
    now = node.clock()
    conn.execute(update(_item).where(_item.c.id == item.id).values(
        state="published", note=None, updated_at=now))
    add_origin(conn, uri, target.actor.uri, now)
    outbox = node.services.outbox
    if item.origin == "local":
        create = _local_create(conn, uri)
        return announce_both(conn, outbox, target.actor, document, create, now)
    forms = shared_forms(uri, received_create(conn, item.author_uri, uri))
    return announce_remote(conn, outbox, target.actor, forms, item.author_uri,
                           cached_inbox(conn, item.author_uri), now)


def refuse_held(node: Node, conn: Connection, target: HubTarget, uri: str,
                reason: str = "", by: str | None = None) -> None:
    """Refuse a held post; the reason stays with the item for the record."""
    require_steward(conn, target, by)
    item = _held(conn, target, uri)
    note = _reason(reason, DEFAULT_REASON)
    now = node.clock()
    conn.execute(update(_item).where(_item.c.id == item.id).values(
        state="refused", note=note, updated_at=now))
    if item.origin == "remote":  # the author's server hears why (a local one sees the item)
        create = received_create(conn, item.author_uri, uri)
        if create is not None and isinstance(create.get("id"), str):
            reject_create(conn, node.services.outbox, target.actor, create_id=create["id"],
                          object_uri=uri, author=item.author_uri,
                          inbox=cached_inbox(conn, item.author_uri), reason=note, now=now)


def remove_item(node: Node, conn: Connection, target: HubTarget, uri: str, *,
                by: str | None, reason: str) -> int:
    """A steward takes a published item out of the hub: refused with ``reason``, unpinned,
    and each of the hub's Announces of it undone. Returns the deliveries queued."""
    require_steward(conn, target, by)
    item = conn.execute(select(_item).where(
        _item.c.hub_id == target.hub.id, _item.c.object_uri == uri)).first()
    if item is None or item.state != "published":
        raise HubError(Text(
            N_("%(uri)s is not a published item of %(name)s"),
            uri=uri, name=target.name))
    note = _reason(reason, "removed by a moderator")
    now = node.clock()
    conn.execute(update(_item).where(_item.c.id == item.id).values(
        state="refused", note=note, pinned=False, updated_at=now))
    drop_origin(conn, uri, target.actor.uri)
    return undo_shares(conn, node.services.outbox, target, item, now)


def undo_shares(conn: Connection, outbox: Outbox, target: HubTarget, item: Any,
                now: datetime) -> int:
    """Undo each of the hub's Announces of ``item`` (a ``hub_item`` row): the hub no
    longer shares it, so its followers take it back (Mastodon reads the Undo as an
    unboost). A remote author's inbox is told too. Returns the deliveries queued."""
    inboxes = [] if item.origin == "local" else [
        i for i in (cached_inbox(conn, item.author_uri),) if i]
    deliveries = 0
    for announce in hub_announces_of(conn, target, item.object_uri, _create_ids(conn, item)):
        shared = {k: v for k, v in strip_proof(announce).items() if k != "@context"}
        undo = activity("Undo", id=outbox.new_id("activities"), actor=target.actor.uri,
                        object=shared, published=now, to=announce.get("to", []),
                        cc=announce.get("cc", []))
        deliveries += outbox.publish(conn, actor=target.actor, activity=undo, now=now,
                                     inboxes=inboxes).deliveries
    return deliveries


def hub_announces_of(conn: Connection, target: HubTarget, uri: str,
                     create_ids: list[str]) -> list[dict[str, Any]]:
    """The hub's Announces of ``uri``: of the object itself, and of its Create (whose row
    is keyed by the Create's id, so the embedded Create is checked to be of ``uri``)."""
    rows = conn.execute(select(_outbox.c.object_uri, _outbox.c.document).where(
        _outbox.c.actor_id == target.actor.id, _outbox.c.type == "Announce",
        _outbox.c.object_uri.in_([uri, *create_ids])).order_by(_outbox.c.id))
    found = []
    for row in rows:
        document = row.document if isinstance(row.document, dict) else {}
        shared = document.get("object")
        if row.object_uri == uri or not isinstance(shared, dict) or (
                shared.get("type") == "Create" and ref(shared.get("object")) == uri):
            found.append(dict(document))
    return found


def _create_ids(conn: Connection, item: Any) -> list[str]:
    """Ids of the Create of the item: ours from the outbox, another server's as received."""
    if item.origin == "local":
        return [str(i) for i in conn.execute(select(_outbox.c.uri).where(
            _outbox.c.object_uri == item.object_uri, _outbox.c.type == "Create")).scalars()]
    create = received_create(conn, item.author_uri, item.object_uri)
    return [str(create["id"])] if create and isinstance(create.get("id"), str) else []


def _reason(reason: str, default: str) -> str:
    note = " ".join(reason.split()) or default
    if len(note) > MAX_REASON:
        raise HubError(Text(
            N_("a reason may have at most %(MAX_REASON)s characters"),
            MAX_REASON=MAX_REASON))
    return note


def _held(conn: Connection, target: HubTarget, uri: str) -> Any:
    item = conn.execute(select(_item).where(
        _item.c.hub_id == target.hub.id, _item.c.object_uri == uri)).first()
    if item is None:
        raise HubError(Text(N_("%(uri)s was not posted into %(name)s"), uri=uri, name=target.name))
    if item.state != "held":
        raise HubError(Text(
            N_("%(uri)s is not waiting for a moderator (it is %(state)s)"),
            uri=uri, state=item.state))
    return item


def _live_document(conn: Connection, uri: str) -> dict[str, Any]:
    row = conn.execute(select(_objects.c.document, _objects.c.deleted_at)
                       .where(_objects.c.uri == uri)).first()
    if row is None or row.deleted_at is not None or not isinstance(row.document, dict):
        raise HubError(Text(N_("%(uri)s has been deleted"), uri=uri))
    return dict(row.document)


def _local_create(conn: Connection, uri: str) -> dict[str, Any] | None:
    """The signed Create a local author published for ``uri`` (for Announce{Create})."""
    document = conn.execute(select(_outbox.c.document).where(
        _outbox.c.object_uri == uri, _outbox.c.type == "Create")
        .order_by(_outbox.c.id)).scalar()
    return dict(document) if isinstance(document, dict) else None
