"""The stored side of a recurring event: its series row and materialised occurrences.

A series is a :class:`~node.hubs.hub.models.CallSeries` row plus a series Event carrying
its RRULE (:mod:`node.hubs.events.recurrence`); its occurrences are Events of their own,
hub items with ``series_id``. Calls create and materialise series
(:mod:`node.hubs.calls.service`); events read them here to edit a series and to draw it
on calendars, so neither needs the other's service.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from node.activitypub.models import StoredObject
from node.hubs.events.rules import EventSpec
from node.hubs.hub.models import CallSeries, HubItem

_series = CallSeries.__table__  # type: ignore[attr-defined]
_item = HubItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]


def series_details(spec: EventSpec) -> dict[str, Any]:
    """The call details a series row keeps beside its Event."""
    call = spec.call
    assert call is not None
    return {"title": spec.title, "call_url": call.call_url, "dial_in": call.dial_in,
            "facilitator": call.facilitator, "breakout_rooms": list(call.breakout_rooms)}


def series_row(conn: Connection, uri: str) -> CallSeries | None:
    row = conn.execute(select(_series).where(_series.c.object_uri == uri)).first()
    return CallSeries(**row._mapping) if row is not None else None


def occurrence_documents(conn: Connection, series_id: int) -> list[dict[str, Any]]:
    """The Event documents of a series' materialised occurrences (not the series itself)."""
    rows = conn.execute(
        select(_objects.c.document).select_from(
            _item.join(_objects, _objects.c.uri == _item.c.object_uri))
        .where(_item.c.series_id == series_id, _objects.c.deleted_at.is_(None))
    ).scalars().all()
    return [dict(d) for d in rows if isinstance(d, dict) and d.get("recurrenceId")]
