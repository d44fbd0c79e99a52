"""One object addressed to many hubs: the addressing, the target rows, and the deliveries.

ARCHITECTURE.md section 4 and FEP-1b12: an item cross-posted into hubs here and on other
nodes is ONE object, attributed to its author, with every target hub in ``to`` and the
first in ``audience`` (Lemmy reads the group from ``audience``), and the whole list in
ionode's ``postedTo`` term (``https://w3id.org/ionode/ns#postedTo``). Each remote hub
gets the author's ``Create`` in its inbox and decides on its own node.

:class:`TargetDeliveries` is an outbox publish hook: every ``Create``, ``Update`` and
``Delete`` an author publishes of an object with remote targets is delivered to each
target hub's inbox too, in the publishing transaction, so edits and deletes reach every
hub the item went to, whichever command or page made them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from node.activitypub.delivery import enqueue
from node.activitypub.models import Delivery, LocalActor
from node.activitypub.outbox import Outbox
from node.activitypub.vocab import ref, refs
from node.hubs.crosspost.models import CrosspostTarget

_target = CrosspostTarget.__table__  # type: ignore[attr-defined]
_delivery = Delivery.__table__  # type: ignore[attr-defined]
#: ionode's namespace (:data:`node.hubs.hub.vocab.NAMESPACE`, spelled out: this package
#: sits below the hub package, which publishes through it).
NAMESPACE = "https://w3id.org/ionode/ns#"
#: The JSON-LD term recording an item's target hubs (local and remote), in ionode's context.
POSTED_TO = {"ionode": NAMESPACE,
             "postedTo": {"@id": "ionode:postedTo", "@type": "@id", "@container": "@set"}}
#: The author's activities about an object that every target hub must get.
FOLLOWED_UP = frozenset({"Create", "Update", "Delete"})


@dataclass(frozen=True)
class RemoteHub:
    """A hub on another node, resolved from ``@hub@node`` (WebFinger, then its actor)."""

    uri: str
    handle: str
    inbox: str


def address(obj: Mapping[str, Any], local: Sequence[str],
            remote: Sequence[RemoteHub]) -> dict[str, Any]:
    """``obj`` addressed to the remote hubs too, with every target in ``postedTo``.

    Without remote hubs the object is left as it was (a post into local hubs only)."""
    if not remote:
        return dict(obj)
    document = dict(obj)
    hubs = list(dict.fromkeys([*local, *(h.uri for h in remote)]))
    document["to"] = list(dict.fromkeys([*refs(obj.get("to")), *hubs]))
    document.setdefault("audience", hubs[0])
    context = obj.get("@context")
    contexts = list(context) if isinstance(context, list) else [context] if context else []
    if not any(isinstance(c, Mapping) and "postedTo" in c for c in contexts):
        contexts.append(dict(POSTED_TO))
    document["@context"] = contexts
    document["postedTo"] = hubs
    return document


def record(conn: Connection, object_uri: str, remote: Sequence[RemoteHub],
           now: datetime) -> None:
    """One ``sent`` row per remote hub, written before the ``Create`` is published."""
    for hub in remote:
        conn.execute(insert(_target).values(
            object_uri=object_uri, hub_uri=hub.uri, handle=hub.handle, inbox=hub.inbox,
            state="sent", created_at=now, updated_at=now))


def _object_uri(signed: Mapping[str, Any]) -> str | None:
    return ref(signed.get("object"))


class TargetDeliveries:
    """The outbox hook: the author's Create, Update and Delete of a cross-posted object
    go to each remote target hub's inbox (once: an inbox already queued is skipped)."""

    def __call__(self, outbox: Outbox, conn: Connection, actor: LocalActor,
                 signed: Mapping[str, Any], row_id: int, now: datetime) -> None:
        if actor.kind != "person" or signed.get("type") not in FOLLOWED_UP:
            return
        uri = _object_uri(signed)
        if uri is None:
            return
        rows = conn.execute(select(_target.c.id, _target.c.inbox).where(
            _target.c.object_uri == uri)).all()
        if not rows or actor.id is None:
            return
        queued = set(conn.execute(select(_delivery.c.inbox).where(
            _delivery.c.activity_id == row_id)).scalars())
        enqueue(conn, activity_row_id=row_id, sender_id=actor.id,
                inboxes=[r.inbox for r in rows if r.inbox not in queued], now=now)
        if signed.get("type") == "Create":
            conn.execute(update(_target).where(_target.c.object_uri == uri)
                         .values(create_activity_id=row_id))
