"""Where a cross-posted item stands in each hub it went to: the organizer's view.

Per target, one status (issue 9 item 6):

* a hub here decided at once; its ``hub_item`` says ``published``, ``held`` (waiting for
  a moderator) or ``refused`` (with the note), and follows the moderator's later call;
* a hub on another node: ``published`` when it Announced the item, ``refused`` with the
  reason of its ``Reject``, else what the delivery of the ``Create`` to its inbox says
  (:mod:`node.activitypub.delivery`): ``queued``, ``delivered`` (the hub has it and has
  not answered: held for moderation there, or not yet read), ``failing`` (with the next
  retry and the last error) or ``failed`` (given up, or the hub is gone).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from node.activitypub.models import Delivery, LocalActor
from node.activitypub.urls import host_of
from node.hubs.crosspost.models import CrosspostTarget
from node.hubs.hub.models import Hub, HubItem

_target = CrosspostTarget.__table__  # type: ignore[attr-defined]
_delivery = Delivery.__table__  # type: ignore[attr-defined]
_item = HubItem.__table__  # type: ignore[attr-defined]
_hub = Hub.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]
STATES = ("queued", "delivered", "published", "held", "refused", "failing", "failed")


@dataclass(frozen=True)
class TargetStatus:
    """One target hub of an item and where the item stands there."""

    hub_uri: str
    label: str  # "name" for a hub here, "@name@node" for one elsewhere
    local: bool
    state: str  # one of STATES
    reason: str | None = None  # why held or refused, or the last delivery error
    next_retry: datetime | None = None


def _local(conn: Connection, uri: str) -> list[TargetStatus]:
    rows = conn.execute(
        select(_actor.c.uri, _actor.c.username, _item.c.state, _item.c.note)
        .select_from(_item.join(_hub, _hub.c.id == _item.c.hub_id)
                     .join(_actor, _actor.c.id == _hub.c.actor_id))
        .where(_item.c.object_uri == uri).order_by(_item.c.id)).all()
    return [TargetStatus(r.uri, r.username, True, r.state, r.note) for r in rows]


def _remote(conn: Connection, target: Any) -> TargetStatus:
    """A ``crosspost_target`` row's status: the hub's answer, else its delivery's."""
    base = TargetStatus(target.hub_uri, target.handle, False, "queued")
    if target.state in ("published", "refused"):
        return replace(base, state=target.state, reason=target.reason)
    sent = conn.execute(select(_delivery).where(
        _delivery.c.activity_id == target.create_activity_id,
        _delivery.c.host == host_of(target.inbox)).order_by(_delivery.c.id)).first()
    if sent is None or (sent.state in ("queued", "claimed") and sent.attempts == 0):
        return base
    if sent.state == "sent":
        return replace(base, state="delivered")
    if sent.state in ("failed", "gone"):
        return replace(base, state="failed", reason=sent.last_error)
    due = sent.due_at if sent.due_at.tzinfo else sent.due_at.replace(tzinfo=UTC)  # SQLite
    return replace(base, state="failing", reason=sent.last_error, next_retry=due)


def target_statuses(conn: Connection, uri: str) -> list[TargetStatus]:
    """Every target hub of ``uri``: the hubs here first, then those elsewhere."""
    remote = conn.execute(select(_target).where(_target.c.object_uri == uri)
                          .order_by(_target.c.id)).all()
    return [*_local(conn, uri), *(_remote(conn, r) for r in remote)]
