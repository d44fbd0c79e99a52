"""Publishing: proofs, the outbox row and one delivery row per target inbox, atomically.

SECURITY.md ("Durability"): the object, its activity and every delivery row are written
in ONE transaction, so a crash can neither lose a delivery nor send an activity that
was never stored. Every object and activity carries a FEP-8b32 proof made with the
author's Ed25519 key, so copies forwarded through other nodes stay verifiable.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select, update

from node.activitypub.delivery import deliveries_for_followers, enqueue
from node.activitypub.local_actors import SigningKeys, signing_keys
from node.activitypub.models import LocalActor, OutboxActivity, StoredObject
from node.activitypub.proofs import create_proof
from node.activitypub.vocab import is_public

_objects = StoredObject.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
_INSERT_ACTIVITY = insert(_outbox)


@dataclass(frozen=True)
class Published:
    """What :meth:`Outbox.publish` wrote: the activity document and its delivery count."""

    activity: dict[str, Any]
    activity_row_id: int
    deliveries: int


#: Called with each activity just published, inside the publishing transaction: a domain
#: that must react to what others publish (the node relaying its hubs' activity to its
#: follower nodes, :mod:`node.network.relay`) learns it here without importing them.
#: It gets the outbox, the connection, the publishing actor, the activity as signed, the
#: activity's ``outbox_activity`` row id (to deliver the same bytes elsewhere) and ``now``.
PublishHook = Callable[["Outbox", Connection, LocalActor, Mapping[str, Any], int, datetime],
                       None]


@dataclass
class Outbox:
    """Writes local activities; the delivery workers send them."""

    base_url: str
    _keys: dict[str, SigningKeys] = field(default_factory=dict)
    hooks: list[PublishHook] = field(default_factory=list)

    def add_hook(self, hook: PublishHook) -> PublishHook:
        """Run ``hook`` after every publish, in the same transaction."""
        self.hooks.append(hook)
        return hook

    def new_id(self, kind: str = "objects") -> str:
        """A fresh, unguessable id under ``/objects/`` or ``/activities/``."""
        return f"{self.base_url}/{kind}/{uuid.uuid4().hex}"

    def keys_for(self, actor: LocalActor) -> SigningKeys:
        """The actor's loaded private keys (PEM parsing is slow, so they are cached)."""
        cached = self._keys.get(actor.uri)
        if cached is None:
            cached = self._keys[actor.uri] = signing_keys(actor)
        return cached

    def sign(self, actor: LocalActor, document: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        """``document`` with a FEP-8b32 proof by ``actor``."""
        keys = self.keys_for(actor)
        return create_proof(document, keys.ed25519, keys.proof_method, now)

    def publish(
        self,
        conn: Connection,
        *,
        actor: LocalActor,
        activity: Mapping[str, Any],
        now: datetime,
        obj: Mapping[str, Any] | None = None,
        to_followers: bool = True,
        inboxes: Iterable[str] = (),
    ) -> Published:
        """Store ``obj`` (signed) and ``activity`` (signed, embedding it), queue deliveries.

        ``conn`` must be inside the caller's transaction, so domain rows written by the
        caller commit or roll back together with the activity and its deliveries.
        """
        document = dict(activity)
        if obj is not None:
            signed_object = self.sign(actor, obj, now)
            self.store_object(conn, signed_object, now)
            document["object"] = signed_object  # kept whole: its proof covers its @context
        signed = self.sign(actor, document, now)
        body = orjson.dumps(signed)
        assert actor.id is not None
        row_id = conn.execute(_INSERT_ACTIVITY, {  # one statement for all: built once
            "uri": signed["id"], "actor_id": actor.id, "type": signed["type"],
            "object_uri": _object_id(signed), "public": is_public(signed),
            "document": signed, "body": body, "published": now,
        }).inserted_primary_key
        assert row_id is not None
        targets = list(inboxes)
        if to_followers:
            targets.extend(deliveries_for_followers(conn, actor.uri))
        own_inboxes = {f"{actor.uri}/inbox"}
        count = enqueue(
            conn, activity_row_id=row_id[0], sender_id=actor.id,
            inboxes=[t for t in targets if t not in own_inboxes], now=now,
        )
        for hook in self.hooks:
            hook(self, conn, actor, signed, row_id[0], now)
        return Published(activity=signed, activity_row_id=row_id[0], deliveries=count)

    @staticmethod
    def store_object(conn: Connection, document: Mapping[str, Any], now: datetime) -> None:
        """Insert or replace a local object; an Update keeps its first ``published``."""
        uri = document["id"]
        values = {
            "type": document.get("type", "Object"),
            "attributed_to": document.get("attributedTo"),
            "local": True,
            "document": dict(document),
            "updated": now,
        }
        found = conn.execute(select(_objects.c.id).where(_objects.c.uri == uri)).first()
        if found is None:
            conn.execute(insert(_objects).values(uri=uri, received_at=now, published=now,
                                                 **values))
        else:
            conn.execute(update(_objects).where(_objects.c.id == found.id).values(**values))

def _object_id(activity: Mapping[str, Any]) -> str | None:
    obj = activity.get("object")
    if isinstance(obj, str):
        return obj
    if isinstance(obj, Mapping) and isinstance(obj.get("id"), str):
        return str(obj["id"])
    return None
