"""Posts into hubs from other servers: a ``Create`` hook on the inbox dispatcher.

A Mastodon user posts into a group by mentioning it (INTEROP.md "Groups": a ``Mention``
tag whose ``href`` is the hub, the hub also in ``to`` or ``cc``); Lemmy and other
FEP-1b12 servers address the group in ``to`` and ``audience``. Such a post goes through
the hub's posting policy (:func:`node.hubs.hub.policy.decide`), like a member's post here:

* published: the object is stored (sanitised, tombstones win) with a ``hub_item`` of
  origin ``remote``, and the hub Announces it in both forms (FEP-1b12 "The Announce
  activity"): ``Announce{object id}``, which Mastodon dereferences from the origin
  (it does not read an embedded copy of a third party's object), and
  ``Announce{Create}`` embedding the Create exactly as received when it carries a
  FEP-8b32 proof (so receivers can verify it), else naming the Create by id. The
  author is addressed too, so Mastodon tells them the hub shared the post;
* held: stored with a ``held`` item for the moderation queue; nothing is Announced;
* refused: nothing is recorded or Announced; the hub answers ``Reject{Create}`` with the
  reason (:mod:`node.hubs.crosspost.answers`) and the activity is marked ignored, unless
  someone here follows the author: the protocol handler then stores it for them alone.

Only public posts count (Public in ``to`` or ``cc``): a direct or followers-only
mention of a hub is not a submission and is left to the protocol handler.

An ``Update`` hook (:mod:`node.hubs.hub.inbound_updates`) keeps held items current.

A ``Delete`` hook does the reverse: when the author deletes a post that hubs hold, it
is tombstoned and taken out of them, and each hub that had shared it Announces the
Delete (whole if it carries a proof, else by id), as FEP-1b12 groups do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, select

from node.activitypub.authorship import authors_of, owners
from node.activitypub.dispatch import Dispatcher, Ignore
from node.activitypub.handlers.common import actor_of, inboxes_of
from node.activitypub.handlers.objects import followed_here, object_document
from node.activitypub.handling import HandlerContext
from node.activitypub.local_actors import find_by_uri
from node.activitypub.models import InboxItem, LocalActor, RemoteActor, StoredObject
from node.activitypub.outbox import Outbox
from node.activitypub.remote_objects import (
    apply_delete,
    is_tombstoned,
    parse_time,
    store_remote,
)
from node.activitypub.vocab import PUBLIC, activity, is_public, ref, refs
from node.hubs.crosspost.answers import reject_all
from node.hubs.hub.models import HubItem
from node.hubs.hub.notices import notice_kind_of
from node.hubs.hub.policy import Decision, decide
from node.hubs.hub.publish import HubError, HubTarget, hub_by_id, load_hub
from node.hubs.hub.times import event_times
from node.network.origins import add_origin

_item = HubItem.__table__  # type: ignore[attr-defined]
_inbox = InboxItem.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]

#: Object types a hub takes, and the item kind each becomes.
CONTENT_KINDS = {"Note": "update", "Page": "update", "Article": "minutes",
                 "Event": "event", "Question": "poll"}
#: Received Creates scanned to find the one to re-Announce when a held post is approved.
CREATE_SCAN = 200


def hub_pattern(base_url: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(base_url)}/hubs/[a-z0-9_]{{1,30}}$")


def posted_into(document: Mapping[str, Any], pattern: re.Pattern[str]) -> list[str]:
    """Hub URIs ``document`` posts into: in ``audience`` or ``to``, or mentioned and in ``cc``."""
    cc = refs(document.get("cc"))
    tags = document.get("tag")
    mentioned = [ref(t.get("href")) for t in (tags if isinstance(tags, list) else [tags])
                 if isinstance(t, Mapping) and t.get("type") == "Mention"]
    named = [*refs(document.get("audience")), *refs(document.get("to")),
             *(m for m in mentioned if m is not None and m in cc)]
    return list(dict.fromkeys(uri for uri in named if pattern.fullmatch(uri)))


def _may_concern_hubs(create: Mapping[str, Any], pattern: re.Pattern[str]) -> bool:
    """A cheap look before fetching: do the Create or its embedded object name a hub?"""
    for part in (create, create.get("object")):
        if not isinstance(part, Mapping):
            continue
        tags = part.get("tag")
        named = [*refs(part.get("to")), *refs(part.get("cc")), *refs(part.get("audience")),
                 *(ref(t.get("href")) for t in (tags if isinstance(tags, list) else [tags])
                   if isinstance(t, Mapping))]
        if any(uri is not None and pattern.fullmatch(uri) for uri in named):
            return True
    return False


async def on_create(ctx: HandlerContext, create: Mapping[str, Any]) -> bool:
    """The dispatcher hook: True when a local hub took the post, else False."""
    pattern = hub_pattern(ctx.base_url)
    if not _may_concern_hubs(create, pattern):
        return False
    author = actor_of(create)
    document = await object_document(ctx, create)
    hubs = posted_into(document, pattern)
    if (not hubs or not is_public(document) or item_kind(document) is None
            or author not in refs(document.get("attributedTo"))):
        return False
    inbox = None if ctx.is_local(author) else await _preferred_inbox(ctx, author)
    taken = await ctx.db(lambda conn: _take(ctx, conn, create, document, hubs, inbox))
    if isinstance(taken, str):  # refused by every hub: the Rejects are queued, then ignored
        raise Ignore(taken)
    return taken


def item_kind(document: Mapping[str, Any]) -> str | None:
    """The item kind a hub files ``document`` under, None for a type hubs do not take."""
    kind = document.get("type")
    return CONTENT_KINDS.get(kind) if isinstance(kind, str) else None


async def _preferred_inbox(ctx: HandlerContext, actor: str) -> str:
    inbox, shared = await inboxes_of(ctx, actor)
    return shared or inbox


def _take(ctx: HandlerContext, conn: Connection, create: Mapping[str, Any],
          document: Mapping[str, Any], hubs: Sequence[str], inbox: str | None) -> bool | str:
    """Taken (True), the protocol handler's (False), or every hub's refusal (reasons)."""
    uri = str(ref(document))
    if is_tombstoned(conn, uri, authors_of(document)):
        raise Ignore("object was deleted before its Create arrived")
    targets = [t for t in (hub_by_uri(conn, h) for h in hubs) if t is not None]
    fresh = [t for t in targets if not _already_in(conn, t, uri)]
    if not fresh:
        return bool(targets)  # a repeated delivery: the hubs already decided
    author = actor_of(create)
    decisions = {t.name: decide(conn, t.hub, t.actor.uri, author) for t in fresh}
    taken = [t for t in fresh if decisions[t.name].state != "refused"]
    now = ctx.clock()
    refused = [(t.actor, d.reason) for t in fresh if (d := decisions[t.name]).state == "refused"]
    reject_all(conn, ctx.outbox, refused, create, uri, inbox, now)
    if not taken:
        if followed_here(conn, author):
            return False
        return "; ".join(f"{name}: {d.reason}" for name, d in decisions.items())
    if not ctx.is_local(uri):
        store_remote(conn, document, now)
    for target in taken:
        _record(conn, target, document, author, decisions[target.name], now,
                origin="local" if ctx.is_local(uri) else "remote")
        if decisions[target.name].state == "published":
            add_origin(conn, uri, target.actor.uri, now)
            announce_remote(conn, ctx.outbox, target.actor,
                            shared_forms(uri, create), author, inbox, now)
    return True


def hub_by_uri(conn: Connection, uri: str) -> HubTarget | None:
    """The live local hub whose Group actor is ``uri``, else None."""
    actor = find_by_uri(conn, uri)
    if actor is None or actor.kind != "group" or actor.deleted_at is not None:
        return None
    try:
        return load_hub(conn, actor.username)
    except HubError:
        return None


def _already_in(conn: Connection, target: HubTarget, uri: str) -> bool:
    return conn.execute(select(_item.c.id).where(
        _item.c.hub_id == target.hub.id, _item.c.object_uri == uri)).first() is not None


def published_at(document: Mapping[str, Any], now: datetime) -> datetime:
    """When a received item was published, for the hub page's order: its ``published``,
    never later than its arrival (a date ahead would pin it on top), else its arrival."""
    return min(parse_time(document.get("published")) or now, now)


def item_times(document: Mapping[str, Any]) -> dict[str, datetime | None]:
    """The hub item's index of a document's times: an Event's start and end, a
    Question's close. Written on Create and again on every Update (the document stays
    the source of truth; the item only indexes it). Stored in UTC (``node.columns``).

    An Event's times are read as its page and calendars read them
    (:func:`node.hubs.hub.times.event_times`: a time without offset is in the
    event's own ``timezone``), so the index that orders the dashboard and picks the
    calendar window agrees with what is shown; an Event that does not read falls back
    on the plain reading (no offset is UTC)."""
    start, end = parse_time(document.get("startTime")), parse_time(document.get("endTime"))
    if document.get("type") == "Event":
        times = event_times(document)
        if times is None:
            return {"starts_at": start, "ends_at": end}
        # no readable end stays None: the dashboard keeps it "ongoing" a while
        return {"starts_at": times[0].astimezone(UTC),
                "ends_at": None if end is None else times[1].astimezone(UTC)}
    return {"starts_at": start, "ends_at": end}


def _record(conn: Connection, target: HubTarget, document: Mapping[str, Any], author: str,
            decision: Decision, now: datetime, origin: str) -> None:
    conn.execute(insert(_item).values(
        hub_id=target.hub.id, object_uri=ref(document), kind=item_kind(document),
        author_uri=author,
        origin=origin, state=decision.state, pinned=False, **item_times(document),
        created_at=now, updated_at=now, published_at=published_at(document, now),
        note=decision.reason or None, notice_kind=notice_kind_of(document)))


def as_received(received: Mapping[str, Any]) -> str | dict[str, Any]:
    """A received activity to re-Announce: whole if it carries a proof, else its id."""
    return dict(received) if "proof" in received else str(received["id"])


def shared_forms(object_uri: str, create: Mapping[str, Any] | None) -> list[str | dict[str, Any]]:
    """What the hub Announces: the object by id, and the Create (embedded if proven)."""
    forms: list[str | dict[str, Any]] = [object_uri]
    if create is not None and isinstance(create.get("id"), str):
        forms.append(as_received(create))
    return forms


def announce_remote(conn: Connection, outbox: Outbox, hub: LocalActor,
                    forms: Sequence[str | Mapping[str, Any]], author: str,
                    author_inbox: str | None, now: datetime) -> int:
    """The hub shares another actor's post or activity with its followers and the author."""
    deliveries = 0
    inboxes = [author_inbox] if author_inbox else []
    for shared in forms:
        document = activity("Announce", id=outbox.new_id("activities"), actor=hub.uri,
                            object=shared if isinstance(shared, str) else dict(shared),
                            published=now, to=[PUBLIC], cc=[f"{hub.uri}/followers", author])
        deliveries += outbox.publish(conn, actor=hub, activity=document, now=now,
                                     inboxes=inboxes).deliveries
    return deliveries


async def on_delete(ctx: HandlerContext, delete_activity: Mapping[str, Any]) -> bool:
    """A remote author deletes a post hubs hold: tombstone it, take it out of the hubs,
    and each hub that shared it Announces the Delete (FEP-1b12: ``Announce/Delete``)."""
    author = actor_of(delete_activity)
    uri = ref(delete_activity.get("object"))
    if uri is None or uri == author or ctx.is_local(uri):
        return False
    return await ctx.db(lambda conn: _forget(ctx, conn, delete_activity, author, uri))


def _forget(ctx: HandlerContext, conn: Connection, delete_activity: Mapping[str, Any],
            author: str, uri: str) -> bool:
    rows = conn.execute(select(_item.c.hub_id, _item.c.state, _item.c.author_uri,
                               _item.c.origin).where(_item.c.object_uri == uri)).all()
    if not rows or author not in _deleters(conn, uri, rows):
        return False  # not ours to handle; the protocol handler judges the Delete
    now = ctx.clock()
    problem = apply_delete(conn, uri, author, now)
    if problem is not None:
        raise Ignore(problem)
    conn.execute(delete(_item).where(_item.c.object_uri == uri))
    shared = {r.hub_id for r in rows if r.state == "published" and r.origin != "linked"}
    for target in (t for t in (hub_by_id(conn, i) for i in shared) if t is not None):
        announce_remote(conn, ctx.outbox, target.actor,
                        [as_received(delete_activity)], author, None, now)
    return True


def _deleters(conn: Connection, uri: str, rows: Sequence[Any]) -> list[str]:
    """Who may delete ``uri``: every owner of the stored object (any listed author,
    :func:`node.activitypub.authorship.owners`, as :func:`apply_delete` checks), else
    (nothing stored) the author every hub item names."""
    row = conn.execute(select(_objects.c.authors, _objects.c.attributed_to,
                              _objects.c.document).where(_objects.c.uri == uri)).first()
    if row is not None:
        return owners(row._mapping)
    authors = {r.author_uri for r in rows}
    return list(authors) if len(authors) == 1 else []


def received_create(conn: Connection, author: str, object_uri: str) -> dict[str, Any] | None:
    """The Create of ``object_uri`` by ``author`` as it reached our inbox, if still stored."""
    bodies = conn.execute(select(_inbox.c.body).where(
        _inbox.c.actor == author, _inbox.c.type == "Create")
        .order_by(_inbox.c.id.desc()).limit(CREATE_SCAN)).scalars()
    for body in bodies:
        create = orjson.loads(body)
        if isinstance(create, dict) and ref(create.get("object")) == object_uri:
            return create
    return None


def cached_inbox(conn: Connection, actor: str) -> str | None:
    """A remote actor's shared inbox (or inbox) from the actor cache."""
    row = conn.execute(select(_remote.c.inbox, _remote.c.shared_inbox)
                       .where(_remote.c.uri == actor)).first()
    return None if row is None else (row.shared_inbox or row.inbox)


def register(dispatcher: Dispatcher) -> None:
    dispatcher.add_hook("Create", on_create)
    dispatcher.add_hook("Delete", on_delete)
