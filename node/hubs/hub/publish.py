"""Publishing an item into hubs: the author's Create, then each hub's decision.

FEP-1b12: the object is attributed to its author (a Person, as Lemmy requires) and
addressed to the hubs; each hub applies its posting policy and, when the post is
published, Announces it to its followers in both forms receivers understand:
``Announce{object}`` (Mastodon fetches or reads the object) and ``Announce{Create}``
(FEP-1b12 receivers such as Lemmy). A refused post stores nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from node.activitypub.local_actors import ActorError, find_by_username
from node.activitypub.models import LocalActor
from node.activitypub.outbox import Outbox
from node.activitypub.vocab import PUBLIC, activity, ref
from node.hubs.crosspost.targets import RemoteHub, address, record
from node.hubs.hub.models import Hub, HubItem
from node.hubs.hub.policy import Decision, decide
from node.messages import N_, Text
from node.network.origins import add_origin
from node.runtime import Node

_hub = Hub.__table__  # type: ignore[attr-defined]
_item = HubItem.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]


class HubError(ActorError):
    """A refused hub operation; the message says why and is shown as is."""


@dataclass(frozen=True)
class HubTarget:
    """A local hub: its settings row and its Group actor."""

    hub: Hub
    actor: LocalActor

    @property
    def name(self) -> str:
        return self.actor.username


@dataclass(frozen=True)
class ItemResult:
    """The published object, the deliveries queued, and each hub's decision."""

    object: dict[str, Any]
    deliveries: int
    decisions: dict[str, Decision] = field(default_factory=dict)


def organizer(conn: Connection, name: str,
              error: type[HubError] = HubError) -> LocalActor:
    """The live local person ``name`` (an account not deleted), or ``error``.

    Every command and page that acts as an organizer looks them up here, so a deleted
    account can neither post nor be made a hub's admin.
    """
    actor = find_by_username(conn, name)
    if actor is None or actor.kind != "person" or actor.deleted_at is not None:
        raise error(Text(N_("no organizer named %(name)s on this node"), name=repr(name)))
    return actor


def load_hub(conn: Connection, name: str) -> HubTarget:
    """The live local hub called ``name``, or :class:`HubError`."""
    actor = find_by_username(conn, name)
    if actor is None or actor.kind != "group" or actor.deleted_at is not None:
        raise HubError(Text(N_("no hub named %(name)s on this node"), name=repr(name)))
    row = conn.execute(select(_hub).where(_hub.c.actor_id == actor.id)).first()
    if row is None:
        raise HubError(Text(
            N_("hub %(name)s has no settings row; run `ionode migrate`"),
            name=repr(name)))
    return HubTarget(hub=Hub(**row._mapping), actor=actor)


def hub_by_id(conn: Connection, hub_id: int) -> HubTarget | None:
    """The live hub with settings row ``hub_id``; None once its actor is deleted."""
    name = conn.execute(select(_actor.c.username).join(_hub, _hub.c.actor_id == _actor.c.id)
                        .where(_hub.c.id == hub_id)).scalar()
    try:
        return load_hub(conn, name) if name else None
    except HubError:
        return None


def announce_both(conn: Connection, outbox: Outbox, hub: LocalActor,
                  signed_object: Mapping[str, Any], create: Mapping[str, Any] | None,
                  now: datetime) -> int:
    """The hub shares an object: Announce{object}, and Announce{Create} when given."""
    deliveries = 0
    for shared in (signed_object, create):
        if shared is None:
            continue
        document = activity("Announce", id=outbox.new_id("activities"), actor=hub.uri,
                            object=dict(shared), published=now, to=[PUBLIC],
                            cc=[f"{hub.uri}/followers"])
        deliveries += outbox.publish(conn, actor=hub, activity=document, now=now).deliveries
    return deliveries


def publish_item(
    node: Node,
    conn: Connection,
    *,
    author: LocalActor,
    obj: Mapping[str, Any],
    kind: str,
    hubs: Sequence[HubTarget] = (),
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    series_id: int | None = None,
    remote: Sequence[RemoteHub] = (),
    notice_kind: str = "",
) -> ItemResult:
    """Create ``obj`` by ``author`` and put it into each hub under its policy.

    ``remote`` hubs (on other nodes, :mod:`node.hubs.crosspost`) are addressed too and
    get the ``Create`` in their inboxes; each answers from its own node. A local hub
    that refuses the author refuses the whole post, so the organizer hears it at once.
    ``notice_kind`` records what a notice says (:mod:`node.hubs.hub.notices`)."""
    decisions = {t.name: decide(conn, t.hub, t.actor.uri, author.uri) for t in hubs}
    refused = [Text("%(hub)s: %(reason)s", hub=name, reason=Text(d.reason or ""))
               for name, d in decisions.items() if d.state == "refused"]
    if refused:
        # each hub's reason stays a Text, so that a page translates it in the sentence
        # (the frames "%(hub)s: %(reason)s" and "; " are not words: never translated)
        value = refused[0]
        for more in refused[1:]:
            value = Text("%(first)s; %(more)s", first=value, more=more)
        raise HubError(Text(
            N_("%(username)s may not post here (%(value)s)"),
            username=author.username, value=value))
    now = node.clock()
    outbox = node.services.outbox
    obj = address(obj, [t.actor.uri for t in hubs], remote)
    record(conn, str(obj["id"]), remote, now)
    create = activity("Create", id=outbox.new_id("activities"), actor=author.uri,
                      object=str(obj["id"]), published=now,
                      to=obj.get("to", [PUBLIC]), cc=obj.get("cc", []))
    published = outbox.publish(conn, actor=author, activity=create, obj=obj, now=now)
    signed_object = published.activity["object"]
    deliveries = published.deliveries
    for target in hubs:
        state = decisions[target.name].state
        conn.execute(insert(_item).values(
            hub_id=target.hub.id, object_uri=ref(signed_object), kind=kind,
            author_uri=author.uri, origin="local", state=state, pinned=False,
            series_id=series_id, starts_at=starts_at, ends_at=ends_at, created_at=now,
            updated_at=now, note=decisions[target.name].reason or None,
            notice_kind=notice_kind))
        if state == "published":
            add_origin(conn, ref(signed_object) or "", target.actor.uri, now)
            deliveries += announce_both(conn, outbox, target.actor, signed_object,
                                        published.activity, now)
    return ItemResult(object=signed_object, deliveries=deliveries, decisions=decisions)
