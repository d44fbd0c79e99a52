"""RSVP to our Events: Join and Leave (FEP-8a8e "RSVP"), and the attendees collection.

* ``Join{object: our Event}`` adds one EventAttendance row per actor and is answered by
  the event's organizer with ``Accept{Join}``; a full (``maximumAttendeeCapacity``),
  cancelled or finished event answers ``Reject{Join}``. A repeated Join is accepted
  again without a second row. The Join is embedded as received, as for Follow.
* ``Leave{object: our Event}`` (Mobilizon) and ``Undo{Join}`` remove the row.
* ``<event id>/attendees`` is an OrderedCollection whose ``totalItems`` is public, so
  remaining capacity is visible; the members are not listed (like followers).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.actor_views import NOT_FOUND_MESSAGE, as_json
from node.activitypub.collections import ordered_collection
from node.activitypub.dispatch import Dispatcher, Ignore
from node.activitypub.handlers.common import actor_of, inboxes_of
from node.activitypub.handlers.follows import send_answer
from node.activitypub.handling import HandlerContext
from node.activitypub.local_actors import find_by_uri
from node.activitypub.models import StoredObject
from node.activitypub.negotiation import preferred_as_type
from node.activitypub.vocab import is_public, ref
from node.hubs.events.rules import spec_from_document
from node.hubs.hub.models import EventAttendance
from node.runtime import node_of

_objects = StoredObject.__table__  # type: ignore[attr-defined]
_attendance = EventAttendance.__table__  # type: ignore[attr-defined]


def event_row(conn: Connection, uri: str, *, lock: bool = False) -> Any:
    """Our live, public Event at ``uri`` (locked for the capacity check), or None."""
    query = select(_objects).where(_objects.c.uri == uri)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None or not row.local or row.deleted_at is not None or row.type != "Event":
        return None
    return row if isinstance(row.document, dict) and is_public(row.document) else None


def attendees(conn: Connection, uri: str) -> int:
    return int(conn.execute(select(func.count()).select_from(_attendance)
                            .where(_attendance.c.event_uri == uri)).scalar_one())


def refusal(conn: Connection, row: Any, now: datetime) -> str | None:
    """Why this Join must be rejected, or None to accept it."""
    spec = spec_from_document(dict(row.document))
    if spec.cancelled:
        return "the event is cancelled"
    if spec.end <= now:
        return "the event is over"
    if spec.capacity is not None and attendees(conn, row.uri) >= spec.capacity:
        return "the event is full"
    return None


def is_attending(conn: Connection, uri: str, actor: str) -> bool:
    return conn.execute(select(_attendance.c.id).where(
        _attendance.c.event_uri == uri, _attendance.c.actor_uri == actor)).first() is not None


def admit(conn: Connection, row: Any, actor: str, activity_id: str, now: datetime) -> str | None:
    """Give ``actor`` a place at the Event ``row`` (locked by the caller) unless refused.

    None when they now attend (a second Join changes nothing), else why not. Remote
    Joins (:func:`on_join`) and our organizers' one-click RSVP
    (:mod:`node.hubs.events.attend`) both come through here: one capacity rule.
    """
    if is_attending(conn, row.uri, actor):
        return None
    reason = refusal(conn, row, now)
    if reason is None:
        conn.execute(insert(_attendance).values(event_uri=row.uri, actor_uri=actor,
                                                activity_id=activity_id, joined_at=now))
    return reason


def withdraw(conn: Connection, uri: str, actor: str) -> int:
    """Remove ``actor``'s place at the event ``uri``; how many rows went (0 or 1)."""
    return int(conn.execute(delete(_attendance).where(
        _attendance.c.event_uri == uri, _attendance.c.actor_uri == actor)).rowcount)


async def on_join(ctx: HandlerContext, join: Mapping[str, Any]) -> None:
    actor = actor_of(join)
    uri = ref(join.get("object"))
    if uri is None or not ctx.is_local(uri):
        raise Ignore("Join of something that is not ours")
    inbox, _shared = await inboxes_of(ctx, actor)
    now = ctx.clock()

    def record(conn: Connection) -> None:
        row = event_row(conn, uri, lock=True)
        organizer = find_by_uri(conn, row.attributed_to or "") if row is not None else None
        if row is None or organizer is None:
            raise Ignore(f"Join of {uri}, which is not one of our events")
        reason = admit(conn, row, actor, str(join["id"]), now)
        send_answer(ctx.outbox, conn, "Reject" if reason else "Accept", organizer, join, inbox,
                    ctx.clock())

    await ctx.db(record)


async def _leave(ctx: HandlerContext, actor: str, event: str | None, join_id: str | None) -> None:
    def remove(conn: Connection) -> int:
        if event:
            return withdraw(conn, event, actor)
        return int(conn.execute(delete(_attendance).where(
            _attendance.c.actor_uri == actor, _attendance.c.activity_id == join_id)).rowcount)

    if (event is None and join_id is None) or await ctx.db(remove) == 0:
        raise Ignore("Leave of an event the actor had not joined")


async def on_leave(ctx: HandlerContext, leave: Mapping[str, Any]) -> None:
    await _leave(ctx, actor_of(leave), ref(leave.get("object")), None)


async def on_undo_join(ctx: HandlerContext, undo: Mapping[str, Any]) -> None:
    join = undo.get("object")
    event = ref(join.get("object")) if isinstance(join, Mapping) else None
    await _leave(ctx, actor_of(undo), event, ref(join))


def register(dispatcher: Dispatcher) -> None:
    """Join/Leave with the Event by URI (``*``) or embedded, and Undo{Join}."""
    for object_type in ("*", "Event"):
        dispatcher.register("Join", object_type)(on_join)
        dispatcher.register("Leave", object_type)(on_leave)
    dispatcher.register("Undo", "Join")(on_undo_join)


def _count_for(engine: Any, uri: str) -> int | None:
    with engine.connect() as conn:
        return attendees(conn, uri) if event_row(conn, uri) is not None else None


async def attendees_endpoint(request: Request) -> Response:
    """``/objects/{id}/attendees``: the FEP-8a8e attendees collection, count only."""
    node = node_of(request)
    uri = f"{node.settings.url}/objects/{request.path_params['id']}"
    total = await run_in_threadpool(_count_for, node.engine, uri) if len(uri) <= 1024 else None
    media = preferred_as_type(request.headers.get("accept"))
    if total is None:
        return as_json({"error": NOT_FOUND_MESSAGE}, "application/json", 404)
    return as_json(ordered_collection(f"{uri}/attendees", total, paged=False), media)
