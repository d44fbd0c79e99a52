"""Editing an event or a call: title, description, time, place or link, call details.

``ionode event edit`` / ``ionode call edit`` and the manage page's edit form both end in
:func:`revise`: the organizer's new :class:`EventSpec` replaces what an organizer may
change, the identity of the item (its series, occurrence, cancellation) stays, and
:func:`node.hubs.events.service.change_event` sends ``Update`` with a newer ``updated``
and, when the time, place or way to join changed, the short Note Mastodon users read
(Mastodon ignores Updates of an Event, INTEROP.md "Objects").

A call series is edited as a whole: the series Event and each of its upcoming
occurrences get the new title and details (its time is changed by moving one
occurrence, or by cancelling the series and creating a new one). One Note tells of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, update

from node.activitypub.models import LocalActor
from node.hubs.events.checks import careful
from node.hubs.events.rules import CallDetails, EventSpec, Online, Place, check, spec_from_document
from node.hubs.events.series import occurrence_documents, series_details, series_row
from node.hubs.events.service import (
    EventChange,
    StoredEvent,
    change_event,
    change_note,
    change_text,
    load_event,
    may_change,
    send_update,
)
from node.hubs.hub.models import CallSeries
from node.hubs.hub.publish import HubError, organizer
from node.messages import N_, Text
from node.runtime import Node
from node.zones import localize, parse_local

_series = CallSeries.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class EventEdit:
    """What the organizer asked to change on the command line; None keeps a field.

    Times are wall times in the event's timezone (or the new ``timezone``); a new start
    alone keeps the length. ``place`` or ``online`` replace the location; ``address``
    alone changes the address of the place. ``""`` empties a call's optional detail.
    """

    title: str | None = None
    description: str | None = None
    start: str | None = None
    end: str | None = None
    duration: int | None = None
    timezone: str | None = None
    place: str | None = None
    address: str | None = None
    online: str | None = None
    capacity: int | None = None
    call_url: str | None = None
    dial_in: str | None = None
    access_code: str | None = None
    facilitator: str | None = None
    agenda: str | None = None
    breakout_rooms: tuple[str, ...] | None = None


def _times(spec: EventSpec, edit: EventEdit) -> EventSpec:
    tz = edit.timezone or spec.timezone
    if edit.timezone and not edit.start:  # the same wall times, read in the new zone
        start = localize(spec.start.replace(tzinfo=None), tz)
    else:
        start = parse_local(edit.start, tz) if edit.start else spec.start
    if edit.end:
        end = parse_local(edit.end, tz)
    elif edit.duration is not None:
        end = start + timedelta(minutes=edit.duration)
    else:
        end = start + (spec.end - spec.start)
    return replace(spec, start=start, end=end, timezone=tz)


def _location(spec: EventSpec, edit: EventEdit) -> Place | Online | None:
    if edit.online is not None:
        return Online(edit.online)
    if edit.place is not None:
        return Place(edit.place, edit.address or "")
    if edit.address is not None:
        if not isinstance(spec.location, Place):
            raise HubError(Text(
                N_("--address changes the address of the event's place: give the place too "
                   "(--place NAME --address ADDRESS)")))
        return Place(spec.location.name, edit.address)
    return spec.location


def _call(call: CallDetails, edit: EventEdit) -> CallDetails:
    def given(new: str | None, old: str) -> str:
        return old if new is None else new

    return CallDetails(
        call_url=given(edit.call_url, call.call_url), dial_in=given(edit.dial_in, call.dial_in),
        access_code=given(edit.access_code, call.access_code),
        facilitator=given(edit.facilitator, call.facilitator),
        agenda=given(edit.agenda, call.agenda),
        breakout_rooms=call.breakout_rooms if edit.breakout_rooms is None
        else edit.breakout_rooms)


def applied(spec: EventSpec, edit: EventEdit) -> EventSpec:
    """``spec`` with ``edit``'s changes (pure; validated later by :func:`revise`)."""
    new = _times(spec, edit) if (edit.start or edit.end or edit.timezone
                                 or edit.duration is not None) else spec
    new = replace(new, title=spec.title if edit.title is None else edit.title,
                  description=spec.description if edit.description is None
                  else edit.description,
                  capacity=spec.capacity if edit.capacity is None else edit.capacity)
    if spec.call is None:
        return replace(new, location=_location(spec, edit))
    call = _call(spec.call, edit)
    return replace(new, call=call, location=Online(call.call_url) if call.call_url else None)


def _kind_matches(event: StoredEvent, call: bool) -> None:
    if call and event.spec.call is None:
        raise HubError(Text(
            N_("%(uri)s is an event, not a call: change it with `ionode event edit`"),
            uri=event.uri))
    if not call and event.spec.call is not None:
        raise HubError(Text(
            N_("%(uri)s is a call: change it with `ionode call edit`"),
            uri=event.uri))


def _edited(old: EventSpec, given: EventSpec) -> EventSpec:
    """What the organizer may change, taken from ``given``; the item's identity kept."""
    return replace(old, title=given.title, description=given.description,
                   start=given.start, end=given.end, timezone=given.timezone,
                   location=given.location, capacity=given.capacity, call=given.call)


def revise(node: Node, conn: Connection, *, actor: str, uri: str, spec: EventSpec,
           call: bool, past: bool = False,
           attachments: Sequence[Mapping[str, Any]] | None = None) -> EventChange:
    """Replace the event's or call's editable fields by ``spec``'s, and tell followers.

    ``attachments`` replace an event's images (``[]`` removes them; None keeps them)."""
    who, event = organizer(conn, actor), load_event(conn, uri)
    _kind_matches(event, call)
    series = series_row(conn, uri)
    if series is not None:
        return _revise_series(node, conn, who, event, spec, series)
    return change_event(node, conn, who, event, _edited(event.spec, spec), past=past,
                        attachments=attachments)


def _revise_series(node: Node, conn: Connection, who: LocalActor, parent: StoredEvent,
                   given: EventSpec, series: CallSeries) -> EventChange:
    """The new title and details to the series and its upcoming occurrences; one Note."""
    may_change(conn, parent, who)
    old = parent.spec
    if (given.start, given.end, given.timezone) != (old.start, old.end, old.timezone):
        raise HubError(Text(
            N_("the time of a whole series cannot be changed: move one occurrence (`ionode call "
               "move`), or cancel the series and create a new one")))
    if series.cancelled_at is not None or old.cancelled:
        raise HubError(Text(
            N_("%(uri)s is cancelled; it cannot be changed any more"),
            uri=parent.uri))
    new = replace(old, title=given.title, description=given.description,
                  location=given.location, capacity=given.capacity, call=given.call)
    if new == old:
        raise HubError(Text(N_("nothing to change")))
    careful(check(new), node.clock(), timed=False)
    result = send_update(node, conn, parent, new)
    deliveries, now = result.deliveries, node.clock()
    for doc in occurrence_documents(conn, series.id or 0):
        occurrence = spec_from_document(doc)
        if occurrence.end > now and not occurrence.cancelled:
            changed = replace(occurrence, title=new.title, description=new.description,
                              location=new.location, capacity=new.capacity, call=new.call)
            deliveries += send_update(node, conn, load_event(conn, doc["id"]),
                                      changed).deliveries
    conn.execute(update(_series).where(_series.c.id == series.id).values(
        details=series_details(new), updated_at=now))
    notice = change_text(old, new)
    note = change_note(node, conn, who, parent, notice) if notice else None
    return EventChange(event=result.object, note=note.object if note else None,
                       deliveries=deliveries + (note.deliveries if note else 0))
