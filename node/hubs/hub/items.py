"""Editing and deleting local items of any kind, and what the hubs send about it.

Edits go out as ``Update`` with the whole new object and an ``updated`` strictly newer
than the last (INTEROP.md "Objects": Mastodon and ionode drop an Update that is not
newer), signed again with a fresh FEP-8b32 proof. The author's followers get it, and
so do the followers of every local hub the item is in, directly, as the Delete of
:func:`tombstone_object` does: Mastodon ignores ``Announce{Update}`` but applies an
Update by the author. Each hub that published the item also Announces the Update
and the Delete (FEP-1b12 "The Announce activity": any activity in the group, e.g.
``Announce/Delete/Note``), for FEP-1b12 receivers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select, update

from node.activitypub.delivery import deliveries_for_followers
from node.activitypub.local_actors import ActorError, find_by_username
from node.activitypub.models import LocalActor, OutboxActivity, StoredObject
from node.activitypub.proofs import strip_proof
from node.activitypub.remote_objects import parse_time
from node.activitypub.vocab import PUBLIC, activity, isoformat, refs
from node.hubs.hub.articles import article_html
from node.hubs.hub.inbound import hub_by_uri
from node.hubs.hub.models import Hub, HubItem
from node.hubs.hub.publish import HubError, HubTarget, ItemResult, announce_both
from node.messages import N_, Text
from node.network.origins import drop_origin
from node.runtime import Node
from node.text import TagLinks, as_tags, post_html

_objects = StoredObject.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
_item = HubItem.__table__  # type: ignore[attr-defined]
_hub = Hub.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]


def owned_document(conn: Connection, author: LocalActor | None, uri: str) -> dict[str, Any]:
    """The live local object at ``uri`` if ``author`` wrote it, else :class:`HubError`."""
    row = conn.execute(select(_objects).where(_objects.c.uri == uri)).first()
    if author is None or row is None or not row.local or row.deleted_at is not None:
        raise HubError(Text(N_("no post %(uri)s on this node"), uri=uri))
    if row.attributed_to != author.uri or not isinstance(row.document, dict):
        raise HubError(Text(
            N_("%(username)s is not the author of %(uri)s"),
            username=author.username, uri=uri))
    return dict(row.document)


def item_hubs(conn: Connection, uri: str, state: str | None = None) -> list[HubTarget]:
    """The local hubs holding ``uri`` (in ``state``, when given) as their own: a hub
    showing it from a linked hub does not share it again (:mod:`.linked_items`)."""
    query = (select(_actor.c.uri).select_from(_item.join(_hub, _hub.c.id == _item.c.hub_id)
                                               .join(_actor, _actor.c.id == _hub.c.actor_id))
             .where(_item.c.object_uri == uri, _item.c.origin != "linked")  # not re-shared
             .order_by(_item.c.id))
    if state is not None:
        query = query.where(_item.c.state == state)
    return [t for t in (hub_by_uri(conn, u) for u in conn.execute(query).scalars()) if t]


def newer_than(document: Mapping[str, Any], now: datetime) -> datetime:
    """``now``, or one second past the last ``updated``/``published`` (seconds precision)."""
    last = parse_time(document.get("updated")) or parse_time(document.get("published"))
    return now if last is None or now >= last + timedelta(seconds=1) else last + timedelta(
        seconds=1)


def update_item(node: Node, conn: Connection, author: LocalActor,
                document: Mapping[str, Any], **item_values: Any) -> ItemResult:
    """Send ``Update`` of our object ``document`` (its new version) and let the hubs share it.

    ``item_values`` are written to the object's hub items (``starts_at`` of an event).
    """
    uri = str(document["id"])
    old = owned_document(conn, author, uri)
    now = node.clock()  # deliveries are due now, even when `updated` must run ahead
    new = {**strip_proof(document), "updated": isoformat(newer_than(old, now))}
    hubs = item_hubs(conn, uri)
    outbox = node.services.outbox
    inboxes = [i for t in hubs for i in deliveries_for_followers(conn, t.actor.uri)]
    update_activity = activity("Update", id=outbox.new_id("activities"), actor=author.uri,
                               object=uri, published=now, to=new.get("to", [PUBLIC]),
                               cc=new.get("cc", []))
    published = outbox.publish(conn, actor=author, activity=update_activity, obj=new, now=now,
                               inboxes=inboxes)
    conn.execute(update(_item).where(_item.c.object_uri == uri).values(
        updated_at=now, **item_values))
    deliveries = published.deliveries + _hubs_announce(conn, node, uri, published.activity, now)
    return ItemResult(object=published.activity["object"], deliveries=deliveries)


def own_command(document: Mapping[str, Any]) -> str:
    """What an item that is not text is, and how to change it (for the refusal)."""
    if document.get("type") == "Event":
        if document.get("itemKind") == "call":
            return "a call; change it with `ionode call edit`"
        return "an event; change it with `ionode event edit`"
    if document.get("type") == "Question":
        return "a poll; a poll cannot be edited: close it (`ionode poll close`) and post a new one"
    return "not an update or minutes; only their text can be edited"


def edit_text(node: Node, conn: Connection, author_name: str, uri: str,
              text: str) -> ItemResult:
    """New text for a Note (an update) or an Article (minutes); other kinds have their own."""
    author = find_by_username(conn, author_name)
    document = owned_document(conn, author, uri)
    assert author is not None
    kind, tagging = document.get("type"), TagLinks(node.settings.url)
    if kind == "Note":
        content = post_html(text, links=tagging)
    elif kind == "Article":
        attachments = document.get("attachment")
        content = article_html(text, attachments if isinstance(attachments, list) else [],
                               tagging)
    else:
        raise HubError(Text(N_("%(uri)s is %(value)s"), uri=uri, value=own_command(document)))
    source = {"content": text, "mediaType": "text/markdown"}
    edited = {k: v for k, v in document.items() if k != "tag"}
    if tags := as_tags(text, tagging):
        edited["tag"] = tags
    return update_item(node, conn, author, {**edited, "content": content, "source": source})


def tombstone_object(node: Node, conn: Connection, author_name: str, uri: str) -> int:
    """Tombstone a local item's object and send Delete to everyone who could have it.

    The author's followers get the Delete, and so do the followers of each local hub the
    item was posted into: they received it through the hub's Announce. Our copy then
    answers 410 with a Tombstone (Mastodon deletes its copy on that, too).
    """
    author = find_by_username(conn, author_name)
    row = conn.execute(select(_objects).where(_objects.c.uri == uri)).first()
    if author is None or row is None or not row.local or row.deleted_at is not None:
        raise ActorError(Text(N_("no post %(uri)s on this node"), uri=uri))
    if row.attributed_to != author.uri:
        raise ActorError(Text(
            N_("%(author_name)s is not the author of %(uri)s"),
            author_name=author_name, uri=uri))
    now = node.clock()
    hubs = [h for h in refs((row.document or {}).get("to"))
            if h.startswith(f"{node.settings.url}/hubs/")]
    inboxes = [i for hub in hubs for i in deliveries_for_followers(conn, hub)]
    conn.execute(update(_objects).where(_objects.c.id == row.id).values(
        document=None, deleted_at=now))
    outbox = node.services.outbox
    tombstone = {"id": uri, "type": "Tombstone", "formerType": row.type}
    delete = activity("Delete", id=outbox.new_id("activities"), actor=author.uri,
                      object=tombstone, published=now, to=[PUBLIC])
    return outbox.publish(conn, actor=author, activity=delete, now=now, inboxes=inboxes).deliveries


def delete_item(node: Node, conn: Connection, author_name: str, uri: str) -> int:
    """Delete a local item of any kind (:func:`tombstone_object`), then the hubs.

    Each hub that published it Announces the Delete; the hub items go (the object's
    Tombstone stays and answers 410). Returns the deliveries queued.
    """
    published = item_hubs(conn, uri, "published")
    deliveries = tombstone_object(node, conn, author_name, uri)
    conn.execute(delete(_item).where(_item.c.object_uri == uri))
    drop_origin(conn, uri)
    delete_activity = conn.execute(select(_outbox.c.document).where(
        _outbox.c.object_uri == uri, _outbox.c.type == "Delete")
        .order_by(_outbox.c.id.desc())).scalar()
    if isinstance(delete_activity, dict):
        for target in published:
            deliveries += _announce(conn, node, target, delete_activity)
    return deliveries


def _hubs_announce(conn: Connection, node: Node, uri: str, shared: Mapping[str, Any],
                   now: datetime) -> int:
    return sum(_announce(conn, node, t, shared, now) for t in item_hubs(conn, uri, "published"))


def _announce(conn: Connection, node: Node, target: HubTarget, shared: Mapping[str, Any],
              now: datetime | None = None) -> int:
    return announce_both(conn, node.services.outbox, target.actor, shared, None,
                         now or node.clock())
