"""Conference calls: one-off calls, recurring series and their occurrences.

A call is an Event with call details (ionode context terms, in words too). A series is
a :class:`CallSeries` row plus a series Event carrying its RRULE (``rrule`` term,
:mod:`node.hubs.events.recurrence`; the row is read by :mod:`node.hubs.events.series`); its
upcoming occurrences are materialised as their own Events (``series`` and
``recurrenceId`` terms; hub items of kind ``call`` with ``series_id`` and dates), each
of which can be moved or cancelled alone (:mod:`node.hubs.events.service`: Update + Note).
The series item itself is undated in ``hub_item``: its dated occurrences are what
dashboards list, so no call shows twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from node.activitypub.models import StoredObject
from node.hubs.crosspost.targets import RemoteHub
from node.hubs.events.checks import careful
from node.hubs.events.recurrence import Recurrence, parse_rrule
from node.hubs.events.rules import EventSpec, check, spec_from_document
from node.hubs.events.series import occurrence_documents, series_details, series_row
from node.hubs.events.service import (
    EventChange,
    StoredEvent,
    cancel_event,
    change_note,
    load_event,
    markdown_literal,
    may_change,
    move_event,
    publish_event,
    send_update,
)
from node.hubs.hub.models import CallSeries, HubItem
from node.hubs.hub.notices import NoticeText
from node.hubs.hub.publish import HubError, HubTarget, ItemResult, load_hub, organizer
from node.messages import N_, Text
from node.runtime import Node

MAX_AHEAD = 4  # occurrences published ahead of time, at most...
HORIZON = timedelta(days=28)  # ...and only those starting this soon (always the next one)

_series = CallSeries.__table__  # type: ignore[attr-defined]
_item = HubItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class CallResult:
    """The call (or series) Event, its series row id, occurrences published, deliveries."""

    event: dict[str, Any]
    series_id: int | None
    occurrences: list[str]
    deliveries: int


def create_call(node: Node, conn: Connection, *, author: str, hub: str, spec: EventSpec,
                rrule: str | None = None, past: bool = False,
                remote: Sequence[RemoteHub] = ()) -> CallResult:
    """``ionode call create``: a one-off call, or a series and its next occurrences.

    ``remote`` hubs (other nodes, :mod:`node.hubs.crosspost`) get the call, or the
    series; the occurrences a series materialises later go into its hub here.

    Refused like an event (:func:`node.hubs.events.checks.careful`): a start in the past
    unless ``past``, a dial-in no phone could dial.
    """
    actor, target = organizer(conn, author), load_hub(conn, hub)
    if spec.call is None:
        raise HubError(Text(N_("a call needs call details")))
    careful(check(spec), node.clock(), past=past)
    if not rrule:
        result = publish_event(node, conn, actor, [target], spec, remote=remote)
        return CallResult(result.object, None, [], result.deliveries)
    spec = check(spec)
    recurrence = parse_rrule(rrule, spec.start, spec.timezone)
    spec = replace(spec, rrule=recurrence.rule)
    uri, now = node.services.outbox.new_id("objects"), node.clock()
    inserted = conn.execute(insert(_series).values(
        hub_id=target.hub.id, object_uri=uri, rrule=recurrence.rule, timezone=spec.timezone,
        first_start=spec.start.astimezone(UTC),
        duration_minutes=int((spec.end - spec.start).total_seconds() // 60),
        details=series_details(spec), created_at=now, updated_at=now)).inserted_primary_key
    assert inserted is not None
    series_id = int(inserted[0])
    result = publish_event(node, conn, actor, [target], spec, series_id=series_id, dated=False,
                           id=uri, remote=remote)
    made = materialise_series(node, conn, series_row(conn, uri))
    return CallResult(result.object, series_id, [ref_of(m) for m in made],
                      result.deliveries + sum(m.deliveries for m in made))


def ref_of(result: ItemResult) -> str:
    return str(result.object["id"])


def due_starts(series: CallSeries, spec: EventSpec, now: datetime) -> list[datetime]:
    """Upcoming occurrence starts to publish now: the next one, then any within HORIZON."""
    upcoming = Recurrence(series.rrule, spec.start, series.timezone).starts(now, MAX_AHEAD)
    return [s for i, s in enumerate(upcoming) if i == 0 or s - now <= HORIZON]


def materialise_series(node: Node, conn: Connection, series: CallSeries | None
                       ) -> list[ItemResult]:
    """Publish the series' due occurrences later than the last one published."""
    if series is None or series.cancelled_at is not None or series.id is None:
        return []
    parent = load_event(conn, series.object_uri)
    known = {datetime.fromisoformat(d["recurrenceId"])
             for d in occurrence_documents(conn, series.id)}
    latest = max(known, default=None)
    made = []
    duration = timedelta(minutes=series.duration_minutes)
    for start in due_starts(series, parent.spec, node.clock()):
        if latest is not None and start <= latest:
            continue  # forward only: a deleted occurrence is not made again
        spec = replace(parent.spec, start=start, end=start + duration, rrule=None,
                       series=series.object_uri, recurrence_id=start.astimezone(UTC))
        made.append(publish_event(node, conn, parent.owner, _series_hubs(conn, parent), spec,
                                  series_id=series.id))
    return made


def _series_hubs(conn: Connection, parent: StoredEvent) -> list[HubTarget]:
    if not parent.hubs:
        raise HubError(Text(N_("the series %(uri)s is in no hub"), uri=parent.uri))
    return parent.hubs[:1]


def move_occurrence(node: Node, conn: Connection, *, actor: str, uri: str, start: str,
                    end: str | None = None, past: bool = False) -> EventChange:
    """``ionode call move``: one call (or one occurrence of a series) to a new time."""
    spec = load_event(conn, uri).spec
    if spec.call is None:
        raise HubError(Text(N_("%(uri)s is not a call; use `ionode event move`"), uri=uri))
    if spec.rrule:
        raise HubError(Text(
            N_("a whole series cannot be moved: move one occurrence, or cancel the series and "
               "create a new one")))
    return move_event(node, conn, actor=actor, uri=uri, start=start, end=end, past=past)


def cancel_call(node: Node, conn: Connection, *, actor: str, uri: str) -> EventChange:
    """``ionode call cancel``: one occurrence or one-off call, or a whole series."""
    series = series_row(conn, uri)
    if series is None:
        if load_event(conn, uri).spec.call is None:
            raise HubError(Text(N_("%(uri)s is not a call; use `ionode event cancel`"), uri=uri))
        return cancel_event(node, conn, actor=actor, uri=uri)
    return cancel_series(node, conn, actor=actor, series=series)


def cancel_series(node: Node, conn: Connection, *, actor: str, series: CallSeries
                  ) -> EventChange:
    """Cancel the series and each upcoming occurrence; one Note tells of it."""
    who, parent = organizer(conn, actor), load_event(conn, series.object_uri)
    may_change(conn, parent, who)
    if series.cancelled_at is not None:
        raise HubError(Text(
            N_("%(object_uri)s is already cancelled"),
            object_uri=series.object_uri))
    now = node.clock()
    conn.execute(update(_series).where(_series.c.id == series.id).values(
        cancelled_at=now, updated_at=now))
    result = send_update(node, conn, parent, replace(parent.spec, cancelled=True))
    deliveries = result.deliveries
    for doc in occurrence_documents(conn, series.id or 0):
        occurrence = spec_from_document(doc)
        if occurrence.end > now and not occurrence.cancelled:
            deliveries += send_update(node, conn, load_event(conn, doc["id"]),
                                      replace(occurrence, cancelled=True)).deliveries
    describe = Recurrence(series.rrule, parent.spec.start, series.timezone).describe()
    note = change_note(node, conn, who, parent, NoticeText(
        "ended", f"**Cancelled:** {markdown_literal(parent.spec.title)}, "
                 f"{markdown_literal(describe)}. There will be no further calls."))
    return EventChange(event=result.object, note=note.object,
                       deliveries=deliveries + note.deliveries)


@dataclass(frozen=True)
class Listed:
    """One line of ``ionode call list``."""

    start: datetime
    end: datetime
    title: str
    uri: str
    status: str


def list_calls(conn: Connection, hub: str, now: datetime) -> list[Listed]:
    """A hub's series and its calls that have not ended, soonest first."""
    target = load_hub(conn, hub)
    rows = conn.execute(
        select(_item.c.object_uri, _item.c.starts_at, _objects.c.document).select_from(
            _item.join(_objects, _objects.c.uri == _item.c.object_uri))
        .where(_item.c.hub_id == target.hub.id, _item.c.kind == "call",
               _objects.c.deleted_at.is_(None))).all()
    listed = [_listed(dict(r.document)) for r in rows if isinstance(r.document, dict)]
    return sorted((item for item in listed if item.status == "series" or item.end >= now),
                  key=lambda item: (item.status != "series", item.start))


def _listed(doc: dict[str, Any]) -> Listed:
    spec = spec_from_document(doc)
    moved = spec.recurrence_id is not None and spec.recurrence_id != spec.start
    status = ("cancelled" if spec.cancelled else "series" if spec.rrule
              else "moved" if moved else "scheduled")
    return Listed(spec.start, spec.end, spec.title, str(doc["id"]), status)
